"""Scores and tests: trec_eval metrics, the trivial references, significance tests, the bootstrap.

Public modules: `from csir_lib.evaluation import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "bootstrap",
    "measures",
    "references",
    "significance",
]
