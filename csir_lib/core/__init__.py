"""Foundations every stage uses: errors, config, paths, atomic writes, the cache, locks, downloads, languages.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "InputError": "errors",
        "Config": "config",
        "load_config": "config",
        "ROOT": "paths",
        "atomic_open": "atomic",
        "write_json": "atomic",
        "cache_key": "cache",
        "exclusive_lock": "locks",
        "download": "download",
        "language_table": "languages.table",
        "check_codes": "languages",
    },
)
