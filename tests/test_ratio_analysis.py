"""Notebook 05's analyses on hand-made per-query scores."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csir_lib import ratio_analysis as ra


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


def test_seen_unseen_gains_and_rows():
    gains = ra.seen_unseen_gains(scores(), "mrr@10").set_index(["languages", "system"])
    assert gains.loc[("seen", "ml_cs"), "gain"] == pytest.approx(0.2)
    assert gains.loc[("unseen", "ml_cs"), "gain"] == pytest.approx(0.0)
    rows = ra.seen_unseen_rows(gains.reset_index(), "mrr@10")
    assert {(r["system"], r["query_lang"], r["metric"]) for r in rows} >= {("ml_cs", "seen", "mrr@10 gain")}
    assert all(r["experiment"] == "seen-unseen" and r["n_queries"] == 2 for r in rows)
