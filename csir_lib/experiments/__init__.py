"""Evaluation settings and their tasks, every system's re-ranked runs, their scores and tests.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "settings": "settings.settings",
        "build_tasks": "settings",
        "rerank_setting": "reranking",
        "gains": "results",
        "offline_message": "miracl_reranking",
        "rank_languages": "miracl_reranking",
    },
)
