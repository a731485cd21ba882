"""What a reader sees: notebook setup, figures, metrics.csv, the front page, the manifest, the plan.

Public modules: `from csir_lib.report import <module>`; each module's docstring says what it offers.
"""

__all__ = [
    "experiment",
    "figures",
    "front_page",
    "manifest",
    "metrics_csv",
    "plan",
    "plan_fetch",
    "plan_report",
    "readme_results",
    "study",
]
