"""Training sets of every system, the cross-encoder trainer, its config, losses and learning curves.

Public modules: `from csir_lib.training import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "learning_curve",
    "losses",
    "sets",
    "spec",
    "systems",
    "trainer",
]
