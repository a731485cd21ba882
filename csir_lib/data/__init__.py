"""The study's data: languages' XQuAD-R, MS MARCO and mMARCO, file formats, tokenisation, tables.

Public modules: `from csir_lib.data import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "formats",
    "metric_rows",
    "mmarco_hub",
    "msmarco",
    "msmarco_data",
    "msmarco_shuffle",
    "shipped",
    "tables",
    "tokenise",
    "training_data",
    "treebank_spans",
    "typology",
    "xquad",
]
