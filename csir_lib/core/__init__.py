"""Foundations every stage uses: errors, atomic writes, the cache, hashing, locks, paths, faults, config, downloads.

Public modules: `from csir_lib.core import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "atomic",
    "cache",
    "config",
    "download",
    "errors",
    "faults",
    "hashing",
    "io_checks",
    "languages",
    "locks",
    "paths",
    "yaml_load",
]
