"""Evaluation settings and their tasks, every system's re-ranked runs, and their scores and tests.

Public modules: `from csir_lib.experiments import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "miracl_reranking",
    "mmarco_tasks",
    "reranking",
    "results",
    "settings",
    "tasks",
]
