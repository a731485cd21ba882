"""First stages (dense, BM25), MIRACL's topics and candidates, and cross-encoder re-ranking.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "dense_first_stage": "first_stage",
        "bm25_first_stage": "first_stage",
        "load_miracl_topics": "miracl.load_topics",
        "load_miracl_qrels": "miracl.load_qrels",
        "rerank": "rerank",
        "rerank_files": "rerank",
        "score_pairs": "rerank",
        "load_reranker": "reranker_loading",
    },
)
