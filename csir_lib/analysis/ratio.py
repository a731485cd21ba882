"""Notebook 05's analyses: ML-CS against the switch ratio p, and gains on seen languages against all languages.

Both are tested with the bootstrap over question ids of `csir_lib.evaluation.bootstrap`: the spread over p is the best
variant's pooled gain minus the worst's, the seen gap the gain over seen pairs minus the gain over all pairs
(the paper compares its six seen languages with all fourteen, which include them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from csir_lib.core.config import EvaluationConfig
from csir_lib.evaluation.bootstrap import cluster_bootstrap
from csir_lib.evaluation.significance import holm
from csir_lib.experiments import results as results_stage


def system_ratio(system: str, main_p: float) -> float | None:
    """The switch ratio of a system name: 'ml_cs@p=0.25' -> 0.25, 'ml_cs' -> the main p, others None."""
    if "@p=" in system:
        return float(system.split("@p=", 1)[1])
    return main_p if system == "ml_cs" else None


def ratio_curve(scores: pd.DataFrame, metric: str, main_p: float) -> pd.DataFrame:
    """Mean `metric` per setting and system, with each system's p (empty for systems without one)."""
    part = scores[scores.metric == metric].assign(p=lambda f: f.system.map(lambda s: system_ratio(s, main_p)))
    return part.groupby(["setting", "system", "p"], dropna=False, as_index=False)["value"].mean()


def ratio_figure(curve: pd.DataFrame, metric: str, baseline: str) -> Any:
    """`metric` against p per setting, the baseline of each setting dotted in the same colour."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    settings = list(dict.fromkeys(curve.setting))
    colours = dict(zip(settings, sns.color_palette(n_colors=len(settings)), strict=True))
    fig, ax = plt.subplots(figsize=(6, 4))
    sns.lineplot(data=curve.dropna(subset=["p"]), x="p", y="value", hue="setting", palette=colours, marker="o", ax=ax)
    for setting, value in curve[curve.system == baseline].set_index("setting")["value"].items():
        ax.axhline(value, linestyle=":", color=colours[setting])
    ax.set(ylabel=metric.upper(), title=f"ML-CS against the switch ratio (dotted: {baseline})")
    return fig


def significance_counts(tests: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Per setting and system: mean score, mean baseline, how many comparisons are significant, of how many."""
    return tests.assign(significant=tests.p_corrected < alpha).groupby(["setting", "system"], as_index=False).agg(
        mean=("mean", "mean"), baseline=("baseline_mean", "mean"), significant=("significant", "sum"),
        comparisons=("p_corrected", "size"))


def _differences(scores: pd.DataFrame, metric: str, baseline: str) -> pd.DataFrame:
    """Per-query (system - baseline) differences, seed-averaged: setting, label, seen, system, qid, diff."""
    data = results_stage.seed_averaged(scores[scores.metric == metric])
    base = data[data.system == baseline].set_index(["label", "qid"])["value"]
    rows = data[~data.system.isin([baseline, *results_stage.REFERENCES])].copy()
    keys = pd.MultiIndex.from_arrays([rows.label, rows.qid])
    rows["diff"] = rows["value"].to_numpy() - base.reindex(keys).to_numpy()
    return rows.dropna(subset=["diff"])


def seen_gap(scores: pd.DataFrame, ev: EvaluationConfig, systems: Sequence[str],
             kinds: Sequence[str] = ("CLIR", "MLIR")) -> pd.DataFrame:
    """Per setting kind and system: gain over seen pairs, over all pairs, and their gap, bootstrap-tested (Holm)."""
    diffs = _differences(scores, ev.main_metric, ev.baseline)
    rows = []
    for (kind, system), part in diffs[diffs.setting.isin(kinds) & diffs.system.isin(systems)].groupby(
            ["setting", "system"], sort=False):
        seen = part[part.seen.astype(bool)]
        if seen.empty or len(seen) == len(part):
            continue
        gap = cluster_bootstrap(seen["diff"], seen.qid, minus=(part["diff"], part.qid), resamples=ev.bootstrap,
                                alpha=ev.alpha, power=ev.power)
        rows.append({"setting": kind, "system": system, "gain_seen": seen["diff"].mean(),
                     "gain_all": part["diff"].mean(), "gap": gap.mean, "ci_low": gap.ci_low, "ci_high": gap.ci_high,
                     "p_value": gap.p_value, "mde": gap.mde, "n_queries": gap.n_clusters,
                     "n_settings": part.label.nunique(), "n_seen_settings": seen.label.nunique()})
    out = pd.DataFrame(rows)
    if len(out):
        out["p_corrected"] = holm(out.p_value.tolist())
    return out


def spread(scores: pd.DataFrame, ev: EvaluationConfig, system: str = "ml_cs",
           kinds: Sequence[str] = ("CLIR", "MLIR")) -> pd.DataFrame:
    """Per setting kind: best minus worst pooled gain over the ratio variants of `system`, bootstrap-tested."""
    diffs = _differences(scores, ev.main_metric, ev.baseline)
    diffs = diffs[diffs.system.str.startswith(system) & diffs.setting.isin(kinds)]
    rows = []
    for kind, part in diffs.groupby("setting", sort=False):
        means = part.groupby("system")["diff"].mean()
        if len(means) < 2:
            continue
        best, worst = part[part.system == means.idxmax()], part[part.system == means.idxmin()]
        test = cluster_bootstrap(best["diff"], best.qid, minus=(worst["diff"], worst.qid), resamples=ev.bootstrap,
                                 alpha=ev.alpha, power=ev.power)
        rows.append({"setting": kind, "system": system, "best": means.idxmax(), "worst": means.idxmin(),
                     "spread": test.mean, "ci_low": test.ci_low, "ci_high": test.ci_high, "p_value": test.p_value,
                     "mde": test.mde, "n_queries": test.n_clusters, "n_settings": part.label.nunique()})
    return pd.DataFrame(rows)


def analysis_rows(gaps: pd.DataFrame, spreads: pd.DataFrame, metric: str) -> list[dict[str, Any]]:
    """The seen gaps and the ratio spreads in the long metrics.csv format (x1, the metric's units)."""
    def row(experiment: str, r: Any, value: float) -> dict[str, Any]:
        return {"experiment": experiment, "setting": r.setting, "system": r.system, "query_lang": "-",
                "doc_lang": "-", "metric": f"{metric} {experiment}", "value": value, "n_queries": r.n_queries,
                "ci_low": r.ci_low, "ci_high": r.ci_high, "p_value": r.p_value, "mde": r.mde,
                "n_settings": r.n_settings}

    return [row("seen-gap", r, r.gap) for r in gaps.itertuples()] + \
        [row("ratio-spread", r, r.spread) for r in spreads.itertuples()]
