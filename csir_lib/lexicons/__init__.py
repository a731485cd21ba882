"""Bilingual lexicons: induction from cross-lingual word embeddings, parallel titles, MUSE, their quality.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "english_vocabulary": "build",
        "source_names": "build",
        "build_lexicons": "build",
        "switch_tables": "build",
        "lexicon_words": "build",
        "read_lexicon": "lexicon",
        "Lexicon": "lexicon",
        "induce_lexicon": "induction",
        "quality_table": "report",
        "sample_entries": "report",
        "query_coverage": "report",
        "lexicon_metrics": "report.metrics_rows",
    },
)
