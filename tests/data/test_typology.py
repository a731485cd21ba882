"""Tests of csir_lib.data.typology: lang2vec codes, STUDY.md's syntax distances, the metrics and the matrix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from csir_lib.core.errors import InputError
from csir_lib.core.languages import LANGUAGES
from csir_lib.data import typology


def test_every_table_code_is_known_to_lang2vec() -> None:
    known = typology._lang2vec().LANGUAGES
    assert sorted(lang.code for lang in LANGUAGES.values() if lang.iso3 not in known) == []
    assert {"ara", "fas", "swa"} & known == set()  # why the table uses the individual-language codes


@pytest.mark.parametrize(("code", "differ", "rounded"), [("de", 8, 0.078), ("yo", 27, 0.262), ("te", 35, 0.340),
                                                         ("sw", 40, 0.388)])
def test_syntax_distance_to_english_matches_study(code: str, differ: int, rounded: float) -> None:
    assert typology.distance(code, "en") == pytest.approx(differ / 103, abs=1e-12)
    assert round(typology.distance(code, "en"), 3) == rounded
    assert typology.distance("en", code) == typology.distance(code, "en")


def test_iso3_codes_and_self_distance() -> None:
    assert typology.iso3("ar") == "arb" and typology.iso3("yor") == "yor"
    assert typology.distance("deu", "eng") == pytest.approx(8 / 103)
    assert typology.distance("en", "en") == 0.0
    assert len(typology.vector("en")) == 103


def test_distance_to_set_min_and_mean() -> None:
    assert typology.distance_to_set("en", ["de", "yo"]) == pytest.approx(8 / 103)
    assert typology.distance_to_set("en", ["de", "yo"], how="mean") == pytest.approx(35 / 206)
    assert typology.distance_to_set("de", {"de", "yo"}) == 0.0


def test_hamming_and_cosine_on_hand_made_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = {"a": np.array([1.0, 0.0, math.nan, 1.0, 0.0]), "b": np.array([1.0, 1.0, 1.0, math.nan, 1.0]),
               "z": np.array([0.0, 0.0, 0.0, 0.0, 0.0]), "n": np.full(5, math.nan)}
    monkeypatch.setattr(typology, "vector", lambda code, feature_set="syntax_knn": vectors[code])
    assert typology.distance("a", "b", "syntax_knn") == pytest.approx(2 / 3)  # positions 0, 1, 4 observed in both
    assert typology.distance("a", "b", "inventory_knn") == pytest.approx(2 / 3)
    assert typology.distance("a", "b", "geo") == pytest.approx(1 - 1 / math.sqrt(3))  # (1,0,0) vs (1,1,1)
    assert math.isnan(typology.distance("a", "z", "geo"))  # zero vector: no direction
    assert math.isnan(typology.distance("a", "n", "syntax_knn"))  # nothing observed by both


def test_cosine_sets_order_languages_sensibly() -> None:
    assert typology.distance("en", "en", "geo") == pytest.approx(0.0, abs=1e-12)
    assert typology.distance("de", "en", "geo") < typology.distance("yo", "en", "geo")


@pytest.mark.slow
def test_family_distance_is_cosine_and_orders_languages() -> None:
    """The fam set costs ~10 s in lang2vec, whatever the number of languages."""
    assert typology.distance("de", "en", "fam") < typology.distance("ru", "en", "fam") < 1.0
    assert typology.distance("yo", "en", "fam") == pytest.approx(1.0)  # no shared ancestor node


def test_distance_matrix_is_stacked_square_matrices() -> None:
    frame = typology.distance_matrix(["en", "de", "yo"], feature_sets=("syntax_knn", "geo"))
    assert frame.shape == (6, 3)
    assert list(frame.index.names) == ["feature_set", "code"] and list(frame.columns) == ["en", "de", "yo"]
    syntax = frame.loc["syntax_knn"]
    assert syntax.loc["de", "en"] == pytest.approx(8 / 103) and syntax.loc["yo", "en"] == pytest.approx(27 / 103)
    assert np.allclose(syntax.to_numpy(), syntax.to_numpy().T) and np.allclose(np.diag(syntax.to_numpy()), 0)


def test_same_script() -> None:
    assert typology.same_script("ar", "fa") and typology.same_script("en", "sw")
    assert not typology.same_script("en", "ru") and not typology.same_script("ja", "zh")


@pytest.mark.parametrize("call", [
    lambda: typology.distance("xx", "en"),
    lambda: typology.distance("ara", "en"),
    lambda: typology.distance("de", "en", "syntax_nope"),
    lambda: typology.distance_to_set("de", []),
    lambda: typology.distance_to_set("de", ["en"], how="max"),
    lambda: typology.distance_matrix([]),
    lambda: typology.same_script("en", "xx"),
])
def test_bad_input_raises_input_error(call) -> None:  # noqa: ANN001
    with pytest.raises(InputError):
        call()


def test_with_distances_adds_every_feature_set_and_script() -> None:
    import pandas as pd

    pairs = typology.with_distances(pd.DataFrame({"query_lang": ["en", "de"], "doc_lang": ["de", "ru"]}),
                                    ["syntax_knn", "fam"])
    assert list(pairs.columns) == ["query_lang", "doc_lang", "syntax_knn", "fam", "same_script"]
    assert pairs.syntax_knn[0] == pytest.approx(8 / 103)
    assert pairs.fam[0] == pytest.approx(typology.distance("en", "de", "fam"))
    assert pairs.same_script.tolist() == [True, False]
    with pytest.raises(InputError, match="feature"):
        typology.with_distances(pairs, ["syntax"])


def test_gain_correlations_are_spearman_per_system_and_need_three_pairs() -> None:
    import pandas as pd

    pairs = pd.DataFrame({"system": ["a"] * 4 + ["b"] * 2, "gain": [1.0, 2.0, 3.0, 4.0, 1.0, 2.0],
                          "geo": [0.1, 0.2, 0.4, 0.3, 0.1, 0.2]})
    table = typology.gain_correlations(pairs, ["geo"])
    assert table.system.tolist() == ["a", "b"] and table.n_pairs.tolist() == [4, 2]
    assert table.rho[0] == pytest.approx(0.8)  # ranks 1 2 4 3 against 1 2 3 4: 1 - 6*2/(4*15)
    assert math.isnan(table.rho[1]) and math.isnan(table.p_value[1])
