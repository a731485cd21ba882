"""The lexicon stage: word vectors, induction, lexicon files, MUSE and titles sources, quality, reports.

Public modules: `from csir_lib.lexicons import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "base",
    "build",
    "induction",
    "lexicon",
    "muse",
    "quality",
    "report",
    "sources",
    "titles",
    "vectors",
    "word_vectors",
]
