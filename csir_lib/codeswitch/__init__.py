"""Artificial code-switching of training pairs (BL-CS, ML-CS, Wiki-CS, Translate Test).

Public modules: `from csir_lib.codeswitch import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "parallel",
    "stats",
    "switch",
]
