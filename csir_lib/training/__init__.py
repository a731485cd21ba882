"""Every system's training set, cross-encoder training with learning curves, and the training table.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "system_names": "sets",
        "build_training_set": "sets",
        "build_training_sets": "sets",
        "papers_fine_tuning": "sets",
        "english_pairs": "sets",
        "train_systems": "systems",
        "dev_task": "systems",
        "dev_references": "systems",
        "training_table": "systems",
        "learning_curves": "systems",
        "loss_frame": "systems",
        "training_metrics": "systems.metrics_rows",
        "learned_summary": "systems",
        "train_cross_encoder": "trainer",
    },
)
