"""Retrieval: first stages (BM25, dense), cross-encoder re-ranking, MIRACL's corpus and candidates.

Public modules: `from csir_lib.retrieval import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "first_stage",
    "miracl",
    "rerank",
    "reranker_loading",
]
