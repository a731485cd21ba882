"""Significance tests, corrections and seed helpers against hand-computed values."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csir_lib.core.errors import InputError
from csir_lib.evaluation.significance import (
    best_seed,
    bonferroni,
    compare_to_baseline,
    correct,
    holm,
    mean_over_seeds,
    mean_std,
    paired_t_test,
    randomisation_test,
)

SYSTEM = [0.1, 0.5, 0.3, 0.9]
BASE = [0.2, 0.4, 0.1, 0.5]  # differences -0.1, 0.1, 0.2, 0.4: mean 0.15, sample sd sqrt(0.13 / 3)


def t_cdf_df3(t: float) -> float:
    """Student's t CDF with 3 degrees of freedom, in closed form."""
    s = math.sqrt(3)
    return 0.5 + (t / (s * (1 + t * t / 3)) + math.atan(t / s)) / math.pi


def test_t_test_matches_closed_form():
    t = 0.15 / (math.sqrt(0.13 / 3) / 2)
    assert t == pytest.approx(1.4411533842, abs=1e-9)
    expected = 2 * (1 - t_cdf_df3(t))
    assert paired_t_test(SYSTEM, BASE) == pytest.approx(expected, abs=1e-12)
    assert paired_t_test(BASE, SYSTEM) == pytest.approx(expected, abs=1e-12)


def test_identical_vectors_give_one():
    assert paired_t_test([0.2, 0.3, 0.0], [0.2, 0.3, 0.0]) == 1.0
    assert randomisation_test([0.2, 0.3, 0.0], [0.2, 0.3, 0.0]) == 1.0


def test_randomisation_matches_exact_enumeration():
    diffs = [s - b for s, b in zip(SYSTEM, BASE, strict=True)]
    flips = list(itertools.product([-1, 1], repeat=4))
    exact = sum(abs(sum(f * d for f, d in zip(flip, diffs, strict=True))) >= 0.6 - 1e-12 for flip in flips) / 16
    assert exact == 6 / 16
    assert randomisation_test(SYSTEM, BASE, n_permutations=40_000, seed=1) == pytest.approx(exact, abs=0.01)


def test_randomisation_is_seeded():
    first = randomisation_test(SYSTEM, BASE, n_permutations=999, seed=7)
    assert randomisation_test(SYSTEM, BASE, n_permutations=999, seed=7) == first
    values = {randomisation_test(SYSTEM, BASE, n_permutations=999, seed=s) for s in range(5)}
    assert len(values) > 1


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=2, max_size=30),
       seed=st.integers(0, 2**32 - 1))
def test_randomisation_properties(pairs, seed):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    p = randomisation_test(a, b, n_permutations=200, seed=seed)
    assert 1 / 201 <= p <= 1.0
    assert randomisation_test(b, a, n_permutations=200, seed=seed) == p  # two-sided: symmetric


@pytest.mark.parametrize(("a", "b", "message"), [
    ([0.1, 0.2], [0.1], "shapes"),
    ([0.1], [0.2], "at least two paired queries"),
    ([0.1, float("nan")], [0.1, 0.2], "NaN or infinite"),
])
def test_bad_vectors(a, b, message):
    with pytest.raises(InputError, match=message):
        paired_t_test(a, b)
    with pytest.raises(InputError, match=message):
        randomisation_test(a, b)


def test_bad_permutation_count():
    with pytest.raises(InputError, match="n_permutations 0"):
        randomisation_test(SYSTEM, BASE, n_permutations=0)


def test_bonferroni_and_holm_hand_values():
    assert bonferroni([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.16, 0.12, 1.0])
    # statsmodels multipletests(method="holm") gives these; computed by hand from the step-down rule
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.2, 0.9]) == pytest.approx([1.0, 0.6, 1.0])
    assert holm([0.01, 0.01]) == pytest.approx([0.02, 0.02])
    assert correct([0.01, 0.02], "none") == [0.01, 0.02]
    assert correct([0.01, 0.02], "holm") == pytest.approx([0.02, 0.02])
    assert bonferroni([]) == [] and holm([]) == []


@given(st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_holm_between_raw_and_bonferroni(pvalues):
    adjusted, bonf = holm(pvalues), bonferroni(pvalues)
    for p, h, b in zip(pvalues, adjusted, bonf, strict=True):
        assert p <= h <= b + 1e-15
    ranked = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    assert all(adjusted[i] <= adjusted[j] for i, j in itertools.pairwise(ranked))


@pytest.mark.parametrize("bad", [[float("nan")], [1.5], [-0.1]])
def test_bad_pvalues(bad):
    with pytest.raises(InputError, match="p-values in"):
        holm(bad)


def test_unknown_correction():
    with pytest.raises(InputError, match="unknown correction 'fdr'"):
        correct([0.1], "fdr")


def test_seed_helpers():
    s1 = pd.Series({"q1": 0.2, "q2": 1.0})
    s2 = pd.Series({"q2": 0.0, "q1": 0.4})
    assert mean_over_seeds({1: s1, 2: s2}).to_dict() == pytest.approx({"q1": 0.3, "q2": 0.5})
    assert best_seed({1: s1, 2: s2}) == 1
    mean, std = mean_std([0.2, 0.4])
    assert (mean, std) == pytest.approx((0.3, math.sqrt(0.02)))
    assert math.isnan(mean_std([0.2])[1])
    with pytest.raises(InputError, match="the same queries for every seed"):
        mean_over_seeds({1: s1, 2: pd.Series({"q1": 0.1})})
    with pytest.raises(InputError, match="no seed"):
        mean_over_seeds({})
    with pytest.raises(InputError, match="no value"):
        mean_std([])


def _scores() -> pd.DataFrame:
    rows = []
    for setting, (q, d) in [("MoIR", ("en", "en")), ("CLIR", ("en", "de"))]:
        for system, values in [("zs", BASE), ("cs", SYSTEM), ("ft", [0.3, 0.6, 0.1, 0.2])]:
            for i, v in enumerate(values):
                rows.append({"setting": setting, "query_lang": q, "doc_lang": d, "system": system,
                             "qid": f"q{i}", "value": v})
    return pd.DataFrame(rows)


def test_compare_to_baseline_corrects_over_the_family():
    result = compare_to_baseline(_scores(), "zs")
    assert len(result) == 4
    assert set(result["family_size"]) == {4}
    cs = result[(result["system"] == "cs") & (result["setting"] == "MoIR")].iloc[0]
    assert cs["p_value"] == pytest.approx(paired_t_test(SYSTEM, BASE))
    assert cs["p_corrected"] == pytest.approx(min(1.0, 4 * cs["p_value"]))
    assert cs["mean"] == pytest.approx(0.45) and cs["baseline_mean"] == pytest.approx(0.3)
    assert cs["n_queries"] == 4
    per_setting = compare_to_baseline(_scores(), "zs", family_by=("setting",), correction="holm")
    assert set(per_setting["family_size"]) == {2}
    randomised = compare_to_baseline(_scores(), "zs", test="randomisation", n_permutations=500, seed=3)
    assert randomised["p_value"].between(0, 1).all()


def test_compare_to_baseline_bad_input():
    scores = _scores()
    with pytest.raises(InputError, match="baseline 'none' missing"):
        compare_to_baseline(scores, "none")
    with pytest.raises(InputError, match="missing column"):
        compare_to_baseline(scores.drop(columns="qid"), "zs")
    with pytest.raises(InputError, match="score different queries"):
        compare_to_baseline(scores.drop(index=0), "zs")
    with pytest.raises(InputError, match="scored twice"):
        compare_to_baseline(pd.concat([scores, scores.iloc[:1]]), "zs")
    with pytest.raises(InputError, match="unknown test"):
        compare_to_baseline(scores, "zs", test="wilcoxon")
    with pytest.raises(InputError, match="family_by"):
        compare_to_baseline(scores, "zs", family_by=("metric",))
