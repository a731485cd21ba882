"""Code-switching training pairs with a lexicon: bilingual, multilingual and n-gram titles, in parallel.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "CodeSwitcher": "switch",
        "codeswitch_pairs": "switch",
        "switch_file": "parallel",
        "CodeSwitchStats": "stats",
    },
)
