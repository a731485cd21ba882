"""Notebook 05's analyses on hand-made per-query scores."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csir_lib.analysis import ratio as ra


def scores() -> pd.DataFrame:
    """Per-query MRR@10 of three systems on one CLIR pair (seen) and one MoIR language (unseen)."""
    rows = []
    for setting, q, d, seen, values in (("CLIR", "en", "de", True, {"zero_shot": [0.2, 0.4], "ml_cs": [0.5, 0.5],
                                                                     "ml_cs@p=0.25": [0.3, 0.1]}),
                                        ("MoIR", "es", "es", False, {"zero_shot": [0.5, 0.5], "ml_cs": [0.4, 0.6],
                                                                      "ml_cs@p=0.25": [0.0, 1.0]})):
        for system, per_query in values.items():
            for qid, value in enumerate(per_query):
                rows.append({"setting": setting, "query_lang": q, "doc_lang": d, "label": f"{q}-{d}".upper(),
                             "seen": seen, "system": system, "seed": 1, "qid": str(qid), "metric": "mrr@10",
                             "value": value})
    return pd.DataFrame(rows)


def test_system_ratio_reads_names():
    assert [ra.system_ratio(s, 0.5) for s in ("ml_cs@p=0.25", "ml_cs", "zero_shot", "ml_cs@p=1")] == [
        0.25, 0.5, None, 1.0]


def test_ratio_curve_means_per_setting_system_and_p():
    curve = ra.ratio_curve(scores(), "mrr@10", 0.5).set_index(["setting", "system"])
    assert curve.loc[("CLIR", "ml_cs"), "p"] == 0.5 and curve.loc[("CLIR", "ml_cs"), "value"] == pytest.approx(0.5)
    assert curve.loc[("CLIR", "ml_cs@p=0.25"), "value"] == pytest.approx(0.2)
    assert math.isnan(curve.loc[("MoIR", "zero_shot"), "p"]) and len(curve) == 6


def test_significance_counts():
    tests = pd.DataFrame({"setting": ["CLIR", "CLIR", "MoIR"], "system": ["ml_cs"] * 3, "mean": [0.2, 0.4, 0.3],
                          "baseline_mean": [0.1, 0.1, 0.3], "p_corrected": [0.01, 0.2, 0.04]})
    counts = ra.significance_counts(tests, 0.05).set_index("setting")
    assert counts.loc["CLIR", "mean"] == pytest.approx(0.3) and counts.loc["CLIR", "significant"] == 1
    assert counts.loc["CLIR", "comparisons"] == 2 and counts.loc["MoIR", "significant"] == 1


def clir_scores() -> pd.DataFrame:
    """Per-query MRR@10 on a seen CLIR pair (EN-DE) and an unseen one (EN-ES) sharing their two questions."""
    values = {("en", "de", True): {"zero_shot": [0.2, 0.4], "ml_cs": [0.5, 0.5], "ml_cs@p=0.25": [0.3, 0.1]},
              ("en", "es", False): {"zero_shot": [0.5, 0.5], "ml_cs": [0.4, 0.6], "ml_cs@p=0.25": [0.0, 1.0]}}
    return pd.DataFrame([{"setting": "CLIR", "query_lang": q, "doc_lang": d, "label": f"{q}-{d}".upper(),
                          "seen": seen, "system": system, "seed": 1, "qid": str(qid), "metric": "mrr@10",
                          "value": value}
                         for (q, d, seen), systems in values.items() for system, per_query in systems.items()
                         for qid, value in enumerate(per_query)])


def test_seen_gap_is_seen_pairs_against_all_pairs():
    from csir_lib.core.config import EvaluationConfig

    gaps = ra.seen_gap(clir_scores(), EvaluationConfig(bootstrap=500), ["ml_cs"]).set_index("system")
    assert gaps.loc["ml_cs", "gain_seen"] == pytest.approx(0.2) and gaps.loc["ml_cs", "gain_all"] == pytest.approx(0.1)
    assert gaps.loc["ml_cs", "gap"] == pytest.approx(0.1) and gaps.loc["ml_cs", "n_queries"] == 2
    assert (gaps.loc["ml_cs", "n_settings"], gaps.loc["ml_cs", "n_seen_settings"]) == (2, 1)
    assert gaps.loc["ml_cs", "ci_low"] <= 0.1 <= gaps.loc["ml_cs", "ci_high"]


def test_spread_is_best_minus_worst_ratio_variant():
    from csir_lib.core.config import EvaluationConfig

    ev = EvaluationConfig(bootstrap=500)
    spread = ra.spread(clir_scores(), ev).iloc[0]
    assert (spread.best, spread.worst) == ("ml_cs", "ml_cs@p=0.25")
    assert spread.spread == pytest.approx(0.1 - (-0.05))
    rows = ra.analysis_rows(ra.seen_gap(clir_scores(), ev, ["ml_cs"]), ra.spread(clir_scores(), ev), "mrr@10")
    assert [(r["experiment"], r["metric"]) for r in rows] == [("seen-gap", "mrr@10 seen-gap"),
                                                              ("ratio-spread", "mrr@10 ratio-spread")]
    assert rows[1]["value"] == pytest.approx(0.15) and rows[0]["n_settings"] == 2
