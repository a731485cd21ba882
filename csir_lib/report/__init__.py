"""What a reader sees: notebook set-up, experiments, figures, metrics.csv, the front page, the manifest, the plan.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "open_study": "study",
        "Study": "study",
        "profile_model": "study",
        "run_experiment": "experiment",
        "trained_models": "experiment",
        "figures": "figures",
        "read_metrics": "metrics_csv",
        "write_metrics": "metrics_csv",
        "write_index": "front_page",
        "build_manifest": "manifest",
        "make_plan": "plan",
        "rank_miracl": "miracl_report",
        "MiraclRanking": "miracl_report",
    },
)
