"""Confidence intervals and tests of differences pooled over settings, by a bootstrap over question ids.

The settings of a study share their questions (XQuAD-R is 11-way parallel: question q is asked in every
language) and their models, so per-query differences pooled over several settings are not independent: a t
interval over all (setting, query) rows would be too narrow. We resample question ids with replacement and
carry every row of a drawn question with it (a cluster bootstrap), so the interval and the test see the
dependence. Hand-written because scipy.stats.bootstrap resamples rows, not clusters of rows.

The p-value is two-sided, 2 * min(P*(mean <= 0), P*(mean >= 0)) over the resamples, floored at 1 / (n + 1); the
minimum detectable difference at `power` is (z[1 - alpha/2] + z[power]) times the bootstrap standard error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from csir_lib.core.errors import InputError


@dataclass(frozen=True)
class Pooled:
    """A mean difference over rows clustered by question, with its bootstrap interval, p-value and MDE."""

    mean: float
    ci_low: float
    ci_high: float
    p_value: float
    mde: float  # minimum detectable difference at the requested power and alpha
    n_rows: int
    n_clusters: int


def _checked(values: Sequence[float], clusters: Sequence[object]) -> tuple[np.ndarray, list[str]]:
    """Finite float values with one string cluster id each."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or len(x) != len(clusters):
        raise InputError(f"{len(x)} values for {len(clusters)} cluster ids", path="bootstrap",
                         expected="one cluster id per value")
    if len(x) == 0 or not np.isfinite(x).all():
        raise InputError("no values, or a NaN or infinite value", path="bootstrap", expected="finite differences")
    return x, [str(c) for c in clusters]


def cluster_bootstrap(values: Sequence[float], clusters: Sequence[object], *, resamples: int = 2000, seed: int = 0,
                      confidence: float = 0.95, alpha: float = 0.05, power: float = 0.8,
                      minus: tuple[Sequence[float], Sequence[object]] | None = None) -> Pooled:
    """Mean of `values` with a percentile interval from resampling `clusters` (question ids) with replacement.

    With `minus` (values and clusters of a second set of rows), the statistic is mean(values) - mean(minus),
    both recomputed on every resample of the shared question ids (e.g. the gain on seen pairs minus the gain on
    all pairs, which include them).
    """
    from scipy.stats import norm

    sets = [_checked(values, clusters)] + ([_checked(*minus)] if minus is not None else [])
    ids = sorted({c for _, ids in sets for c in ids})
    position = {c: i for i, c in enumerate(ids)}
    k = len(ids)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(k, np.full(k, 1.0 / k), size=resamples).astype(np.float64)  # times each cluster drawn
    means, observed = np.zeros(resamples), 0.0
    for sign, (x, names) in zip((1.0, -1.0), sets, strict=False):
        index = np.fromiter((position[c] for c in names), dtype=np.int64, count=len(names))
        sums = np.bincount(index, weights=x, minlength=k)
        counts = np.bincount(index, minlength=k).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            means += sign * (draws @ sums) / (draws @ counts)
        observed += sign * float(x.mean())
    means = means[np.isfinite(means)]  # a resample that drew no question of a set has no mean for it
    low, high = np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2])
    tail = min((means <= 0).mean(), (means >= 0).mean())
    p = 1.0 if not means.any() else max(min(1.0, 2 * tail), 1.0 / (resamples + 1))
    mde = float((norm.ppf(1 - alpha / 2) + norm.ppf(power)) * means.std(ddof=1))
    return Pooled(observed, float(low), float(high), float(p), mde, sum(len(x) for x, _ in sets), k)
