"""Analyses over results: comparisons with the baseline, data and switch statistics, ratio, query side, claims.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "compare": "comparison",
        "system_label": "comparison",
        "metric_label": "comparison",
        "pooled_gains": "comparison",
        "pooled_sentences": "comparison",
        "pooled_rows": "comparison",
        "xquad_statistics": "data_overview",
        "miracl_statistics": "data_overview",
        "data_metrics": "data_overview.metrics_rows",
        "switch_statistics": "codeswitch_report.stats_table",
        "rate_curve": "codeswitch_report",
        "strategy_examples": "codeswitch_report",
        "switch_metrics": "codeswitch_report.metrics_rows",
        "query_table": "queries",
        "query_metrics": "queries.metrics_rows",
        "query_paragraph": "query_prose",
        "ratio_curve": "ratio",
        "ratio_figure": "ratio",
        "ratio_spread": "ratio.spread",
        "seen_gap": "ratio",
        "ratio_metrics": "ratio.analysis_rows",
        "check_claims": "expected.check",
        "load_expected": "expected",
        "summary_sentences": "expected",
        "claim_metrics": "expected",
    },
)
