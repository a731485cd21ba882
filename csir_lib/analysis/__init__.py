"""Analyses over results: comparisons, expected results, ratio, query side, data and switch statistics.

Public modules: `from csir_lib.analysis import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "codeswitch_report",
    "comparison",
    "data_overview",
    "expected",
    "queries",
    "query_prose",
    "ratio",
]
