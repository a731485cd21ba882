"""The study's data: XQuAD-R, MIRACL topics, MS MARCO and mMARCO, file formats, tokenisation, typology, tables.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "build_task": "xquad",
        "load_language": "xquad",
        "read_topics": "formats",
        "read_qrels": "formats",
        "read_run": "formats",
        "write_run": "formats",
        "words": "tokenise",
        "with_distances": "typology",
        "gain_correlations": "typology",
        "FEATURE_SETS": "typology",
        "to_markdown": "tables",
        "write_table": "tables",
    },
)
