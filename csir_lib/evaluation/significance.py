"""Paired significance tests of systems against a baseline, multiple-comparison corrections, seed averages.

The t-test is scipy's `ttest_rel`. Hand-written: the corrections (ranx has none and statsmodels is not a
dependency: Bonferroni and Holm are a few lines each), the sign-flip randomisation test (ranx's
`fisher_randomization_test` draws its permutations in parallel numba threads, whose random state the seed
does not fix, compares float means exactly and can return p = 0; ours draws from one seeded numpy
generator in fixed blocks, so the same seed gives the same p-value), and the bookkeeping that pairs
queries per setting.

Conventions: identical score vectors (all paired differences zero) get p = 1.0 (scipy's t-test returns
NaN there). The randomisation p-value is (1 + #{|permuted sum| >= |observed sum|}) / (1 + n_permutations),
which is never 0. Fewer than two paired queries is bad input.

Seeds: the paper's code (mainlp/CodeSwitchCLIR src/eval_ttest.py) meant to test each system's best seed against
Zero-shot's best (its `select_model` picks the seed with the highest MRR@10), but `select_model` returns the run it
read last, so the tested runs were seed 3 of each system against seed 3 of Zero-shot. This project tests the
per-query scores averaged over seeds (csir_lib.experiments.results.significance); `mean_over_seeds` and `best_seed`
give either reading.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from csir_lib.core.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

Correction = Literal["bonferroni", "holm", "none"]
Test = Literal["t", "randomisation"]
_CHUNK = 1 << 21  # sign draws per block in the randomisation test (bounded memory, fixed for determinism)


def _paired(a: Sequence[float], b: Sequence[float], what: str) -> tuple[np.ndarray, np.ndarray]:
    """Two equally long finite float vectors of at least two paired queries."""
    import numpy as np

    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise InputError(f"score vectors of shapes {x.shape} and {y.shape}", path=what,
                         expected="two one-dimensional vectors of the same queries")
    if len(x) < 2:
        raise InputError(f"{len(x)} paired query", path=what, expected="at least two paired queries")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("a score is NaN or infinite", path=what, expected="finite per-query scores")
    return x, y


def paired_t_test(system: Sequence[float], baseline: Sequence[float], what: str = "scores") -> float:
    """Two-sided paired t-test p-value of `system` against `baseline`; 1.0 when they are identical."""
    from scipy.stats import ttest_rel

    x, y = _paired(system, baseline, what)
    if (x == y).all():
        return 1.0
    return float(ttest_rel(x, y).pvalue)


def randomisation_test(
    system: Sequence[float], baseline: Sequence[float], n_permutations: int = 10_000, seed: int = 0,
    what: str = "scores",
) -> float:
    """Two-sided paired randomisation (sign-flip) test p-value of `system` against `baseline`."""
    import numpy as np

    x, y = _paired(system, baseline, what)
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, int) or n_permutations < 1:
        raise InputError(f"n_permutations {n_permutations!r}", path=what, expected="a positive integer")
    diff = x - y
    if not diff.any():
        return 1.0
    observed = abs(diff.sum())
    tolerance = 1e-12 * float(np.abs(diff).sum())  # a permutation equal to the data must count despite rounding
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK // len(diff))
    extreme, done = 0, 0
    while done < n_permutations:
        block = min(rows, n_permutations - done)
        signs = rng.integers(0, 2, size=(block, len(diff)), dtype=np.int8) * 2 - 1
        extreme += int((np.abs(signs @ diff) >= observed - tolerance).sum())
        done += block
    return (1 + extreme) / (1 + n_permutations)


def _check_pvalues(pvalues: Sequence[float]) -> list[float]:
    """P-values as floats, each in [0, 1]."""
    values = [float(p) for p in pvalues]
    for i, p in enumerate(values):
        if math.isnan(p) or not 0.0 <= p <= 1.0:
            raise InputError(f"p-value {p!r} at position {i}", path="pvalues", expected="p-values in [0, 1]")
    return values


def bonferroni(pvalues: Sequence[float]) -> list[float]:
    """Bonferroni-adjusted p-values: min(1, m * p) for a family of m."""
    values = _check_pvalues(pvalues)
    return [min(1.0, len(values) * p) for p in values]


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values, in the input order."""
    values = _check_pvalues(pvalues)
    m = len(values)
    adjusted = [0.0] * m
    running = 0.0
    for step, i in enumerate(sorted(range(m), key=lambda j: (values[j], j))):
        running = max(running, min(1.0, (m - step) * values[i]))
        adjusted[i] = running
    return adjusted


def correct(pvalues: Sequence[float], method: Correction = "bonferroni") -> list[float]:
    """P-values adjusted for the family `pvalues` by `method` ("bonferroni", "holm" or "none")."""
    if method == "bonferroni":
        return bonferroni(pvalues)
    if method == "holm":
        return holm(pvalues)
    if method == "none":
        return _check_pvalues(pvalues)
    raise InputError(f"unknown correction {method!r}", path="correction", expected="'bonferroni', 'holm' or 'none'")


def mean_over_seeds(per_seed: Mapping[Hashable, pd.Series]) -> pd.Series:
    """Per-query scores averaged over seeds; every seed must score the same queries."""
    import pandas as pd

    if not per_seed:
        raise InputError("no seed given", path="per_seed", expected="per-query scores of at least one seed")
    items = list(per_seed.items())
    first_seed, first = items[0]
    for seed, scores in items[1:]:
        if set(scores.index) != set(first.index):
            raise InputError(f"seed {seed!r} scores {len(scores)} queries, seed {first_seed!r} {len(first)}",
                             path="per_seed", expected="the same queries for every seed")
    frame = pd.concat({seed: scores for seed, scores in items}, axis=1)
    return frame.mean(axis=1).sort_index()


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof 1) of per-seed values; the std is NaN for one seed."""
    import numpy as np

    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        raise InputError("no value given", path="values", expected="at least one per-seed value")
    std = float(array.std(ddof=1)) if array.size > 1 else math.nan
    return float(array.mean()), std


def best_seed(per_seed: Mapping[Hashable, pd.Series]) -> Hashable:
    """The seed with the highest mean per-query score (the first on ties), as the paper's code meant to select."""
    if not per_seed:
        raise InputError("no seed given", path="per_seed", expected="per-query scores of at least one seed")
    return max(per_seed, key=lambda seed: float(per_seed[seed].mean()))


def compare_to_baseline(
    scores: pd.DataFrame,
    baseline: str,
    *,
    group_by: Sequence[str] = ("setting", "query_lang", "doc_lang"),
    family_by: Sequence[str] = (),
    test: Test = "t",
    correction: Correction = "bonferroni",
    n_permutations: int = 10_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Test every system against `baseline` within each group of long per-query `scores`; correct per family.

    `scores` has the columns of `group_by` plus system, qid, value. Returns one row per group and
    non-baseline system: the group columns, system, baseline, mean, baseline_mean, n_queries, p_value,
    p_corrected, family_size. The family is every comparison sharing the `family_by` columns (all of them
    when `family_by` is empty).
    """
    import pandas as pd

    required = [*group_by, "system", "qid", "value"]
    missing = [c for c in required if c not in scores.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path="scores", expected=", ".join(required))
    if any(c not in group_by for c in family_by):
        raise InputError(f"family_by {list(family_by)} not within group_by", path="family_by",
                         expected=f"columns among {list(group_by)}")
    rows = []
    groups = scores.groupby(list(group_by), sort=True, dropna=False) if group_by else [((), scores)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        where = ", ".join(f"{c}={k}" for c, k in zip(group_by, key, strict=True)) or "all"
        if group.duplicated(["system", "qid"]).any():
            raise InputError(f"a query scored twice for one system ({where})", path="scores",
                             expected="one value per system and qid")
        table = group.pivot(index="qid", columns="system", values="value")
        if baseline not in table.columns:
            raise InputError(f"baseline {baseline!r} missing ({where})", path="scores",
                             expected=f"a system among {sorted(table.columns)}")
        for system in sorted(c for c in table.columns if c != baseline):
            pair = table[[system, baseline]]
            if pair.isna().any().any():
                raise InputError(f"{system!r} and {baseline!r} score different queries ({where})", path="scores",
                                 expected="the same queries for every system")
            what = f"scores ({where}, {system} vs {baseline})"
            if test == "t":
                p = paired_t_test(pair[system], pair[baseline], what)
            elif test == "randomisation":
                p = randomisation_test(pair[system], pair[baseline], n_permutations, seed, what)
            else:
                raise InputError(f"unknown test {test!r}", path="test", expected="'t' or 'randomisation'")
            rows.append({**dict(zip(group_by, key, strict=True)), "system": system, "baseline": baseline,
                         "mean": float(pair[system].mean()), "baseline_mean": float(pair[baseline].mean()),
                         "n_queries": len(pair), "p_value": p})
    result = pd.DataFrame(rows, columns=[*group_by, "system", "baseline", "mean", "baseline_mean", "n_queries",
                                         "p_value"])
    result["p_corrected"] = float("nan")
    result["family_size"] = 0
    families = [part.index for _, part in result.groupby(list(family_by), sort=False, dropna=False)] if family_by \
        else [result.index]
    for index in families:
        result.loc[index, "p_corrected"] = correct(result.loc[index, "p_value"].tolist(), correction)
        result.loc[index, "family_size"] = len(index)
    return result
