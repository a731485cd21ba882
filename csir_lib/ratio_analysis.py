"""Notebook 05's analyses: ML-CS against the switch ratio p, and gains on seen against unseen languages."""

from __future__ import annotations

from typing import Any

import pandas as pd

from csir_lib import results_stage


def system_ratio(system: str, main_p: float) -> float | None:
    """The switch ratio of a system name: 'ml_cs@p=0.25' -> 0.25, 'ml_cs' -> the main p, others None."""
    if "@p=" in system:
        return float(system.split("@p=", 1)[1])
    return main_p if system == "ml_cs" else None


def ratio_curve(scores: pd.DataFrame, metric: str, main_p: float) -> pd.DataFrame:
    """Mean `metric` per setting and system, with each system's p (empty for systems without one)."""
    part = scores[scores.metric == metric].assign(p=lambda f: f.system.map(lambda s: system_ratio(s, main_p)))
    return part.groupby(["setting", "system", "p"], dropna=False, as_index=False)["value"].mean()


def ratio_figure(curve: pd.DataFrame, metric: str, baseline: str = "zero_shot") -> Any:
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


def seen_unseen_gains(scores: pd.DataFrame, metric: str, baseline: str = "zero_shot") -> pd.DataFrame:
    """Gain over the baseline on MoIR and CLIR pairs, by whether all their languages were seen in code-switching."""
    gains = results_stage.gains(scores[scores.setting != "MLIR"], metric, baseline, by=("seen",))
    return gains.assign(languages=gains.seen.map({True: "seen", False: "unseen"})).drop(columns="seen")


def seen_unseen_rows(gains: pd.DataFrame, metric: str) -> list[dict[str, Any]]:
    """`seen_unseen_gains` in the long metrics.csv format."""
    return [{"experiment": "seen-unseen", "setting": "MoIR+CLIR", "system": r.system, "query_lang": r.languages,
             "doc_lang": r.languages, "metric": f"{metric} gain", "value": r.gain, "n_queries": r.n_queries}
            for r in gains.itertuples()]
