"""Figures a reader would rather look at than read: gains with confidence intervals, gains against distance."""

from __future__ import annotations

from collections.abc import Sequence
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


def gain_scatter(frame: pd.DataFrame, x: str | Sequence[str], metric: str, title: str = "") -> Any:
    """Gain over the baseline per language pair against `x` (one panel per column named), marked by script."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    columns = [x] if isinstance(x, str) else list(x)
    fig, axes = plt.subplots(1, len(columns), figsize=(max(7, 3.6 * len(columns)), 4), sharey=True, squeeze=False)
    for i, (column, ax) in enumerate(zip(columns, axes[0], strict=True)):
        sns.scatterplot(data=frame, x=column, y="gain", hue="system", style="same_script", s=60, ax=ax,
                        legend=i == len(columns) - 1)
        if len(columns) == 1:
            for row in frame.drop_duplicates("label").itertuples():
                ax.annotate(row.label, (getattr(row, column), row.gain), fontsize=7, xytext=(3, 3),
                            textcoords="offset points")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set(xlabel=column, ylabel=f"{metric} gain over baseline")
    axes[0][-1].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def labelled_scatter(frame: pd.DataFrame, panels: Sequence[tuple[str, str, str]], label: str, hue: str,
                     log_x: Sequence[str] = ()) -> Any:
    """One scatter panel per (x, y, title), every point labelled by its `label` column and coloured by `hue`."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.2), squeeze=False)
    for ax, (x, y, title) in zip(axes[0], panels, strict=True):
        sns.scatterplot(data=frame, x=x, y=y, hue=hue, style=hue, s=70, ax=ax, legend=ax is axes[0][0])
        for name, px, py in zip(frame[label], frame[x], frame[y], strict=True):
            ax.annotate(name, (px, py), fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.set(title=title, xscale="log" if x in log_x else "linear")
    fig.tight_layout()
    return fig


def loss_curves(losses: pd.DataFrame, reference: float, loss: str) -> Any:
    """Training loss (rolling mean) of every model against the loss of the label prior (dashed)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(9, 4.5))
    sns.lineplot(data=losses, x="step", y="smoothed", hue="system", style="seed", ax=ax)
    ax.axhline(reference, color="black", linestyle="--", linewidth=1, label=f"label prior ({reference:.3f})")
    ax.set(ylabel=f"training loss ({loss}, rolling mean of 10 steps)", title="Training loss of every system")
    ax.legend(fontsize=8, ncol=2)
    return fig


def learning_curves(curves: pd.DataFrame, references: dict[str, float]) -> Any:
    """Development MRR@10 against the training step per system, with the references as dotted lines."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(9, 4.5))
    sns.lineplot(data=curves, x="step", y="value", hue="system", style="seed", marker="o", ax=ax)
    for (name, value), colour in zip(sorted(references.items()), ("0.3", "0.6"), strict=False):
        ax.axhline(value, color=colour, linestyle=":", linewidth=1.2, label=f"{name} ({value:.3f})")
    ax.set(ylabel="development MRR@10", title="Learning curves on the development articles")
    ax.legend(fontsize=8, ncol=2)
    return fig
