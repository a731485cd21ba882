"""Word vectors and lexicon induction: NN, CSLS, Procrustes, and the blocked top-k machinery behind them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csir_lib.core.errors import InputError
from csir_lib.lexicons.induction import (
    _csls_block,
    _grouped_by,
    csls_neighbourhoods,
    csls_topk,
    induce_lexicon,
    nn_topk,
    procrustes,
    seed_indices,
    topk_rows,
)
from csir_lib.lexicons.lexicon import from_pairs
from csir_lib.lexicons.quality import evaluate_lexicon
from csir_lib.lexicons.vectors import center_rows, normalise_rows, read_vectors, write_vectors

# ------------------------------------------------------------------------------------------- vectors ------


def test_read_vectors_with_header(fixtures):
    words, matrix = read_vectors(fixtures / "lexicon" / "src.vec")
    assert words == ["house", "cat", "dog"]
    assert matrix.dtype == np.float32
    assert matrix.tolist() == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]


def test_read_vectors_without_header_and_max_vocab(fixtures):
    words, matrix = read_vectors(fixtures / "lexicon" / "tgt.vec", max_vocab=2)
    assert words == ["haus", "katze"]
    assert matrix.shape == (2, 4)
    assert matrix[0].tolist() == pytest.approx([1, 0, 0, 0.1])


def test_read_vectors_normalise_and_center(fixtures):
    _, matrix = read_vectors(fixtures / "lexicon" / "tgt.vec", center=True, normalise=True)
    assert np.linalg.norm(matrix, axis=1) == pytest.approx([1, 1, 1, 1], abs=1e-6)
    raw = np.array([[1, 0], [3, 0], [2, 3]], np.float32)
    assert center_rows(raw).tolist() == [[-1, -1], [1, -1], [0, 2]]
    assert normalise_rows(np.array([[3, 4], [0, 0]], np.float32)) == pytest.approx(np.array([[0.6, 0.8], [0, 0]]))


@pytest.mark.parametrize("name, line", [("bad_dim.vec", 3), ("bad_value.vec", 1)])
def test_read_vectors_bad_line_names_file_and_line(fixtures, name, line):
    with pytest.raises(InputError) as err:
        read_vectors(fixtures / "lexicon" / name)
    assert err.value.line == line and name in str(err.value)


def test_read_vectors_can_skip_bad_lines_loudly(fixtures, caplog):
    words, _ = read_vectors(fixtures / "lexicon" / "bad_dim.vec", skip_bad_lines=True)
    assert words == ["house"]
    assert "skipped 1 malformed line" in caplog.text


def test_read_vectors_empty_file(fixtures):
    with pytest.raises(InputError) as err:
        read_vectors(fixtures / "lexicon" / "empty.tsv")
    assert err.value.line == 1


def test_write_then_read_vectors(tmp_path):
    matrix = np.array([[0.5, -1.25], [2.0, 0.0]], np.float32)
    path = write_vectors(tmp_path / "v.vec", ["a", "b"], matrix)
    assert path.read_text() == "2 2\na 0.5 -1.25\nb 2 0\n"
    words, back = read_vectors(path)
    assert words == ["a", "b"] and back.tolist() == matrix.tolist()


# ----------------------------------------------------------------------------------- top-k machinery -----


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 20), cols=st.integers(1, 900), k=st.integers(1, 12), seed=st.integers(0, 10**6))
def test_topk_rows_matches_sorting(rows, cols, k, seed):
    scores = np.random.default_rng(seed).standard_normal((rows, cols)).astype(np.float32)
    values, index = topk_rows(scores, k)
    expected = -np.sort(-scores, axis=1)[:, : min(k, cols)]
    assert values.tolist() == expected.tolist()
    assert np.take_along_axis(scores, index, axis=1).tolist() == values.tolist()


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 12), cols=st.integers(1, 1500), k=st.integers(1, 12), top=st.integers(1, 6),
       grouped=st.booleans(), seed=st.integers(0, 10**6))
def test_csls_block_matches_brute_force(rows, cols, k, top, grouped, seed):
    """One group pass gives r_T and the shifted top; rows whose bound is not tight (ungrouped shift) are redone."""
    rng = np.random.default_rng(seed)
    block = rng.standard_normal((rows, cols)).astype(np.float32)
    shift = rng.uniform(0, 2, cols).astype(np.float32)
    if grouped:
        order = _grouped_by(shift)
        block, shift = block[:, order], shift[order]
    r_t, values, index = _csls_block(block, shift, k, top)
    assert r_t == pytest.approx(-np.sort(-block, axis=1)[:, : min(k, cols)].mean(axis=1), abs=1e-5)
    shifted = block - shift
    assert values.tolist() == (-np.sort(-shifted, axis=1)[:, : min(top, cols)]).tolist()
    assert np.take_along_axis(shifted, index, axis=1).tolist() == values.tolist()


def test_grouped_by_puts_similar_shifts_together():
    shift = np.arange(70, dtype=np.float32)[::-1].copy()  # 2 groups of 32, 6 tail columns
    order = _grouped_by(shift)
    assert sorted(order.tolist()) == list(range(70))
    groups = shift[order][:64].reshape(32, 2)  # column g + 2 m holds rank 32 g + m
    assert groups[:, 0].tolist() == list(range(32)) and groups[:, 1].tolist() == list(range(32, 64))
    assert shift[order][64:].tolist() == [64, 65, 66, 67, 68, 69]


def test_blocks_do_not_change_results():
    rng = np.random.default_rng(3)
    src, tgt = rng.standard_normal((150, 16)), rng.standard_normal((700, 16))
    whole = csls_topk(src, tgt, 10, 5, block_rows=10_000)
    for block in (1, 7, 64):
        scores, index = csls_topk(src, tgt, 10, 5, block_rows=block)
        assert index.tolist() == whole[1].tolist()
        assert scores == pytest.approx(whole[0], abs=1e-5)
    assert nn_topk(src, tgt, 3, block_rows=5)[1].tolist() == nn_topk(src, tgt, 3)[1].tolist()


# ------------------------------------------------------------------------------------------------ CSLS -----
# Hand-computed: sources x0 = (1, 0), x1 = (0.6, 0.8) (given as (3, 4): CSLS normalises); targets y0 = (1, 0),
# y1 = (0, 1), y2 = (0.8, 0.6), y3 = (-0.6, 0.8). Cosines x0: 1, 0, 0.8, -0.6; x1: 0.6, 0.8, 0.96, 0.28.
# k = 2: r_T(x0) = (1 + 0.8)/2 = 0.9, r_T(x1) = (0.96 + 0.8)/2 = 0.88;
# r_S(y) over both sources: y0 0.8, y1 0.4, y2 0.88, y3 -0.16.
# CSLS = 2 cos - r_T - r_S: x0 -> y0 0.3, y1 -1.3, y2 -0.18, y3 -1.94; x1 -> y0 -0.48, y1 0.32, y2 0.16, y3 -0.16.
SRC = np.array([[1, 0], [3, 4]], np.float32)
TGT = np.array([[1, 0], [0, 1], [0.8, 0.6], [-0.6, 0.8]], np.float32)


def test_csls_neighbourhoods_by_hand():
    r_t, r_s = csls_neighbourhoods(normalise_rows(SRC), normalise_rows(TGT), k=2)
    assert r_t.tolist() == pytest.approx([0.9, 0.88], abs=1e-6)
    assert r_s.tolist() == pytest.approx([0.8, 0.4, 0.88, -0.16], abs=1e-6)


def test_csls_equals_muse_formula_by_hand():
    scores, index = csls_topk(SRC, TGT, k=2, top=4)
    assert index.tolist() == [[0, 2, 1, 3], [1, 2, 3, 0]]
    assert scores.tolist()[0] == pytest.approx([0.3, -0.18, -1.3, -1.94], abs=1e-6)
    assert scores.tolist()[1] == pytest.approx([0.32, 0.16, -0.16, -0.48], abs=1e-6)
    # nearest neighbour by cosine would give x1 -> y2 (0.96); CSLS prefers y1, whose neighbourhood is sparser
    assert nn_topk(normalise_rows(SRC), TGT, 1)[1].tolist() == [[0], [2]]


def test_nn_is_dot_product_on_vectors_as_given():
    scores, index = nn_topk(np.array([[1, 1]], np.float32), np.array([[1, 0], [3, -1], [0, 1.5]], np.float32), 3)
    assert index.tolist() == [[1, 2, 0]] and scores.tolist() == [[2.0, 1.5, 1.0]]


# ---------------------------------------------------------------------------- planted translations -----


def _planted(n: int, d: int, seed: int):
    """Source words w0..wn, target words t0..tn in shuffled order, and the gold w_i -> t_i."""
    rng = np.random.default_rng(seed)
    src = rng.standard_normal((n, d)).astype(np.float32)
    perm = rng.permutation(n)
    src_words = [f"w{i}" for i in range(n)]
    tgt_words = [f"t{i}" for i in perm]
    gold = from_pairs((f"w{i}", f"t{i}") for i in range(n))
    return rng, src, perm, src_words, tgt_words, gold


@pytest.mark.parametrize("method", ["nn", "csls"])
def test_noisy_copy_is_recovered(method):
    rng, src, perm, src_words, tgt_words, gold = _planted(2000, 64, 1)
    tgt = src[perm] + 0.05 * rng.standard_normal((2000, 64)).astype(np.float32)
    lexicon = induce_lexicon(src_words, src, tgt_words, tgt, method=method, top=5)
    assert len(lexicon) == 2000 and all(len(lexicon.targets(w)) == 5 for w in src_words[:10])
    result = evaluate_lexicon(lexicon, gold)
    assert result["P@1"] >= 0.99 and result["coverage"] == 1.0
    assert lexicon.provenance == f"clwe-{method}"


def test_procrustes_recovers_a_rotation_from_500_seed_pairs():
    rng, src, perm, src_words, tgt_words, gold = _planted(2000, 50, 2)
    rotation, _ = np.linalg.qr(rng.standard_normal((50, 50)))
    tgt = (src @ rotation.T)[perm] + 0.05 * rng.standard_normal((2000, 50)).astype(np.float32)
    seed = from_pairs((f"w{i}", f"t{i}") for i in range(500))
    held_out = from_pairs((f"w{i}", f"t{i}") for i in range(500, 2000))
    aligned = induce_lexicon(src_words, src, tgt_words, tgt, method="csls", seed_dict=seed)
    unaligned = induce_lexicon(src_words, src, tgt_words, tgt, method="csls")
    assert evaluate_lexicon(aligned, held_out)["P@1"] >= 0.95
    assert evaluate_lexicon(unaligned, held_out)["P@1"] < 0.05
    assert aligned.provenance == "clwe-csls+procrustes"


def test_procrustes_is_orthogonal_and_exact_without_noise():
    rng = np.random.default_rng(4)
    rotation, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    x = rng.standard_normal((30, 8))
    w = procrustes(x, x @ rotation.T)
    assert w @ w.T == pytest.approx(np.eye(8), abs=1e-5)
    assert w == pytest.approx(rotation, abs=1e-5)


def test_csls_beats_nn_with_planted_hubs():
    rng = np.random.default_rng(0)
    n, d = 1000, 64
    common = rng.standard_normal(d)
    common *= 1.5 * np.sqrt(d) / np.linalg.norm(common)  # anisotropy: every vector shares one direction
    src = (common + rng.standard_normal((n, d))).astype(np.float32)
    tgt = src + 1.2 * rng.standard_normal((n, d)).astype(np.float32)
    hubs = common + 0.3 * rng.standard_normal((20, d))
    hubs *= np.linalg.norm(tgt, axis=1).mean() / np.linalg.norm(hubs, axis=1, keepdims=True)
    src_words, tgt_words = [f"w{i}" for i in range(n)], [f"t{i}" for i in range(n)] + [f"hub{j}" for j in range(20)]
    gold = from_pairs((f"w{i}", f"t{i}") for i in range(n))
    tgt_all = np.vstack([tgt, hubs]).astype(np.float32)
    nn = induce_lexicon(src_words, src, tgt_words, tgt_all, method="nn", top=1)
    csls = induce_lexicon(src_words, src, tgt_words, tgt_all, method="csls", top=1)
    nn_p1, csls_p1 = evaluate_lexicon(nn, gold)["P@1"], evaluate_lexicon(csls, gold)["P@1"]
    assert csls_p1 >= 0.9 and csls_p1 - nn_p1 >= 0.4
    assert sum(nn.best(w).startswith("hub") for w in src_words) > 100  # the hubs are what NN gets wrong


def test_seed_indices_and_bad_inputs():
    seed = from_pairs([("a", "x"), ("b", "missing"), ("c", "y")])
    s, t = seed_indices(seed, ["a", "b", "c", "a"], ["y", "x"])
    assert s.tolist() == [0, 2] and t.tolist() == [1, 0]
    vecs = np.eye(2, dtype=np.float32)
    with pytest.raises(InputError, match="no seed pair"):
        induce_lexicon(["a", "b"], vecs, ["q", "r"], vecs, seed_dict=seed)
    with pytest.raises(InputError, match="method"):
        induce_lexicon(["a", "b"], vecs, ["q", "r"], vecs, method="cosine")
    with pytest.raises(InputError, match="dimensions"):
        induce_lexicon(["a", "b"], vecs, ["q"], np.ones((1, 3), np.float32))
    with pytest.raises(InputError, match="words for a matrix"):
        induce_lexicon(["a"], vecs, ["q", "r"], vecs)


def test_induction_is_deterministic_and_handles_tiny_vocabularies():
    src = np.array([[1, 0], [0, 1], [1, 1]], np.float32)
    tgt = np.array([[0, 2], [2, 0]], np.float32)
    for method in ("nn", "csls"):
        lexicon = induce_lexicon(["a", "b", "c"], src, ["y", "x"], tgt, method=method, k=10, top=5)
        assert lexicon.table() == {"a": "x", "b": "y", "c": "y"}  # c: a tie, broken toward the first target
        assert [len(lexicon.targets(w)) for w in "abc"] == [2, 2, 2]
        again = induce_lexicon(["a", "b", "c"], src, ["y", "x"], tgt, method=method, k=10, top=5)
        assert list(again.pairs()) == list(lexicon.pairs())
