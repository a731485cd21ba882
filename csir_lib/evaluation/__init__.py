"""Metrics, the random-order reference, significance tests, corrections and the cluster bootstrap.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "evaluate": "measures",
        "evaluate_files": "measures",
        "random_order": "references",
        "paired_t_test": "significance",
        "randomisation_test": "significance",
        "holm": "significance",
        "cluster_bootstrap": "bootstrap",
    },
)
