"""Figures a reader would rather look at than read: gains with confidence intervals, gains against distance."""

from __future__ import annotations

from typing import Any

import pandas as pd


def gain_bars(gains: pd.DataFrame, metric: str, x: str = "setting", title: str = "") -> Any:
    """Bars of the mean gain over the baseline per `x` and system, with confidence-interval whiskers."""
    import matplotlib.pyplot as plt

    systems = list(dict.fromkeys(gains.system))
    groups = list(dict.fromkeys(gains[x]))
    width = 0.8 / max(1, len(systems))
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(groups) * max(1, len(systems)) / 3), 4))
    for i, system in enumerate(systems):
        part = gains[gains.system == system].set_index(x).reindex(groups)
        pos = [g + (i - (len(systems) - 1) / 2) * width for g in range(len(groups))]
        err = [part.gain - part.ci_low, part.ci_high - part.gain]
        ax.bar(pos, part.gain, width, yerr=err, capsize=3, label=system)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(groups)), groups)
    ax.set(ylabel=f"{metric} gain over baseline (95% CI)", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def gain_scatter(frame: pd.DataFrame, x: str, metric: str, title: str = "") -> Any:
    """Gain over the baseline per language pair against `x` (e.g. typological distance), marked by script."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(7, 4))
    sns.scatterplot(data=frame, x=x, y="gain", hue="system", style="same_script", s=70, ax=ax)
    for row in frame.drop_duplicates("label").itertuples():
        ax.annotate(row.label, (getattr(row, x), row.gain), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(ylabel=f"{metric} gain over baseline", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
