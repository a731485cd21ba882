"""Bilingual lexicon induction from word vectors: nearest neighbour, CSLS and Procrustes, in bounded memory.

Hand-written rather than taken from MUSE or faiss: MUSE is not a package and computes CSLS on a GPU with full
score rows per batch; faiss has no CSLS and is another native dependency. Here every similarity matrix is made
in row blocks (never source x target at once) and its top-k is found by a group-maximum filter, so selection
costs a small fraction of the matrix product (see benchmarks/bench_induction.py).

- nearest neighbour (the paper's): argmax of the dot product over the target vocabulary, vectors as given;
- CSLS (Conneau et al. 2018): 2 cos(Wx, y) - r_T(Wx) - r_S(y), r the mean cosine of the k nearest neighbours
  in the other language, exact; it reads the similarities twice: pass 1 (target blocks) gives every r_S(y),
  pass 2 (source blocks) ranks by cos - r_S / 2 and takes r_T(x), a per-source constant, from the same block;
- Procrustes: W = U V^T with U S V^T = SVD(Y^T X) over seed pairs, so that W x ~ y.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from csir_lib.core.errors import InputError
from csir_lib.lexicons.lexicon import Lexicon
from csir_lib.lexicons.vectors import normalise_rows

ROW_GROUP = 32  # columns per group of the row-wise top-k filter
BLOCK_BYTES = 96 << 20  # size of one block of similarities


def _block_rows(n_cols: int, block_rows: int | None) -> int:
    """Rows per block: as many as fit in BLOCK_BYTES, at least 64, unless given."""
    return block_rows or max(64, BLOCK_BYTES // (4 * max(n_cols, 1)) // 64 * 64)


def _argmax_k(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest values of every row and their column indices, best first, by k vectorised argmax passes."""
    work = np.array(values, dtype=np.float32, copy=True)
    rows = np.arange(work.shape[0])
    top = np.empty((work.shape[0], k), dtype=np.float32)
    index = np.empty((work.shape[0], k), dtype=np.int64)
    for j in range(k):
        index[:, j] = best = work.argmax(axis=1)
        top[:, j] = work[rows, best]
        work[rows, best] = -np.inf
    return top, index


def topk_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest values of every row and their column indices, best first (ties in a fixed order).

    Exact: the k best values of a row lie in the k column groups with the largest maxima, so one cheap
    max-reduction over groups of ROW_GROUP columns leaves k * ROW_GROUP candidates; selection is done by
    k argmax passes, which vectorise far better than argpartition on short rows.
    """
    scores = np.ascontiguousarray(scores, dtype=np.float32)
    k = min(k, scores.shape[1])
    if scores.shape[1] // ROW_GROUP < 2 * k:
        return _argmax_k(scores, k)
    return _group_topk(scores, _group_max(scores), k)


def _group_max(block: np.ndarray) -> np.ndarray:
    """Maximum of every row over each column group g = {g, g + G, g + 2G, ...} (G groups of ROW_GROUP columns)."""
    rows, cols = block.shape
    n_groups = cols // ROW_GROUP
    return block[:, : n_groups * ROW_GROUP].reshape(rows, ROW_GROUP, n_groups).max(axis=1)


def _blocks(rows: np.ndarray, cols: np.ndarray, block_rows: int | None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (first row, rows[i:j] @ cols.T) block by block, into one reused buffer."""
    step = _block_rows(cols.shape[0], block_rows)
    buf = np.empty((min(step, rows.shape[0]), cols.shape[0]), np.float32)
    cols_t = cols.T
    for i in range(0, rows.shape[0], step):
        yield i, np.matmul(rows[i:i + step], cols_t, out=buf[: min(step, rows.shape[0] - i)])


def nn_topk(src: np.ndarray, tgt: np.ndarray, top: int = 5, block_rows: int | None = None,
            ) -> tuple[np.ndarray, np.ndarray]:
    """Top targets of every source row by dot product, vectors as given: (scores, target indices), best first."""
    src, tgt = np.asarray(src, np.float32), np.asarray(tgt, np.float32)
    top = min(top, tgt.shape[0])
    scores, index = np.empty((src.shape[0], top), np.float32), np.empty((src.shape[0], top), np.int64)
    for i, block in _blocks(src, tgt, block_rows):
        scores[i:i + len(block)], index[i:i + len(block)] = topk_rows(block, top)
    return scores, index


def knn_means(rows: np.ndarray, cols: np.ndarray, k: int = 10, block_rows: int | None = None) -> np.ndarray:
    """For every row, the mean of its k largest dot products with `cols` (CSLS's r, on unit vectors)."""
    means = np.empty(rows.shape[0], np.float32)
    for i, block in _blocks(rows, cols, block_rows):
        means[i:i + len(block)] = topk_rows(block, k)[0].mean(axis=1)
    return means


def _grouped_by(shift: np.ndarray) -> np.ndarray:
    """An order of columns that puts columns of similar `shift` in one topk_rows group (g, g + G, g + 2G, ...)."""
    ranks = np.argsort(shift, kind="stable")
    n_groups = shift.size // ROW_GROUP
    head = ranks[: n_groups * ROW_GROUP].reshape(n_groups, ROW_GROUP).T.reshape(-1)  # column g + G m <- rank 32 g + m
    return np.concatenate([head, ranks[n_groups * ROW_GROUP:]])


def _csls_block(block: np.ndarray, shift: np.ndarray, k: int, top: int, slack: int = 3,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean of the k largest raw values, top values of raw - shift, their columns) of every row of `block`.

    One group-maximum pass serves both: groups hold columns of near-equal shift (see `_grouped_by`), so a
    group's maximum minus its smallest shift bounds its shifted values; the top + slack groups by that bound
    are searched, and a row whose next bound could still beat its top-th value is redone exactly.
    """
    rows, cols = block.shape
    n_groups = cols // ROW_GROUP
    want = top + slack
    if n_groups < 2 * max(k, want + 1):
        return topk_rows(block, k)[0].mean(axis=1), *topk_rows(block - shift, top)
    group_max = _group_max(block)
    r_t = _group_topk(block, group_max, k)[0].mean(axis=1)
    bound = group_max - shift[: n_groups * ROW_GROUP].reshape(ROW_GROUP, n_groups).min(axis=0)
    bounds, groups = _argmax_k(bound, want + 1)
    values, index = _group_topk(block, None, top, groups[:, :want], shift)
    redo = np.flatnonzero(bounds[:, want] > values[:, -1])
    if redo.size:
        values[redo], index[redo] = topk_rows(block[redo] - shift, top)
    return r_t, values, index


def _group_topk(block: np.ndarray, group_max: np.ndarray | None, k: int, groups: np.ndarray | None = None,
                shift: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top k of every row of block (- shift) among the members of `groups` (default: the k best by group_max)."""
    rows, cols = block.shape
    n_groups = cols // ROW_GROUP
    if groups is None:
        groups = _argmax_k(group_max, k)[1]
    cand = (groups[:, :, None] + n_groups * np.arange(ROW_GROUP)[None, None, :]).reshape(rows, -1)
    tail = np.arange(n_groups * ROW_GROUP, cols)
    if tail.size:
        cand = np.concatenate([cand, np.broadcast_to(tail, (rows, tail.size))], axis=1)
    values = block.reshape(-1).take(cand + cols * np.arange(rows)[:, None])
    if shift is not None:
        values -= shift[cand]
    top, pick = _argmax_k(values, k)
    return top, np.take_along_axis(cand, pick, axis=1)


def csls_neighbourhoods(src: np.ndarray, tgt: np.ndarray, k: int = 10, block_rows: int | None = None,
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(r_T of every source row, r_S of every target row) on unit vectors: mean of the k nearest in the other side."""
    return knn_means(src, tgt, k, block_rows), knn_means(tgt, src, k, block_rows)


def csls_topk(src: np.ndarray, tgt: np.ndarray, k: int = 10, top: int = 5, block_rows: int | None = None,
              ) -> tuple[np.ndarray, np.ndarray]:
    """Top targets of every source row by CSLS over cosines: (CSLS scores, target indices), best first.

    Pass 1 over target blocks gives r_S(y); pass 2 over source blocks ranks by cos(x, y) - r_S(y) / 2 and, from
    the same similarities, gives r_T(x), a constant per source that shifts its scores but not their order.
    """
    src, tgt = normalise_rows(src), normalise_rows(tgt)
    top = min(top, tgt.shape[0])
    half = 0.5 * knn_means(tgt, src, k, block_rows)
    order = _grouped_by(half)
    tgt, half = tgt[order], half[order]
    scores, index = np.empty((src.shape[0], top), np.float32), np.empty((src.shape[0], top), np.int64)
    for i, block in _blocks(src, tgt, block_rows):
        r_t, values, columns = _csls_block(block, half, k, top)
        scores[i:i + len(block)] = 2.0 * values - r_t[:, None]
        index[i:i + len(block)] = order[columns]
    return scores, index


def procrustes(src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """The orthogonal W minimising ||src W^T - tgt|| over paired rows: W = U V^T with U S V^T = SVD(tgt^T src)."""
    u, _, vt = np.linalg.svd(np.asarray(tgt, np.float64).T @ np.asarray(src, np.float64))
    return (u @ vt).astype(np.float32)


def seed_indices(seed: Lexicon, src_words: list[str], tgt_words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (source, target) of every seed pair whose two words both have vectors (first row of a word)."""
    src_pos, tgt_pos = {}, {}
    for i, w in enumerate(src_words):
        src_pos.setdefault(w, i)
    for i, w in enumerate(tgt_words):
        tgt_pos.setdefault(w, i)
    pairs = [(src_pos[s], tgt_pos[t]) for s, t, _ in seed.pairs() if s in src_pos and t in tgt_pos]
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def induce_lexicon(
    src_words: list[str],
    src_vecs: np.ndarray,
    tgt_words: list[str],
    tgt_vecs: np.ndarray,
    method: str = "nn",
    k: int = 10,
    top: int = 5,
    seed_dict: Lexicon | None = None,
    *,
    source_lang: str = "",
    target_lang: str = "",
    provenance: str | None = None,
    block_rows: int | None = None,
) -> Lexicon:
    """A lexicon giving every source word its `top` targets by `method` ("nn" or "csls" with k neighbours).

    With `seed_dict` the source space is first rotated onto the target space by Procrustes over the seed pairs.
    Any (words, matrix) pair works: MUSE or fastText vectors, or vectors taken from an encoder.
    """
    if method not in ("nn", "csls"):
        raise InputError(f"method {method!r}", expected="'nn' or 'csls'")
    src_vecs, tgt_vecs = np.asarray(src_vecs, np.float32), np.asarray(tgt_vecs, np.float32)
    for words, vecs, side in ((src_words, src_vecs, "source"), (tgt_words, tgt_vecs, "target")):
        if vecs.ndim != 2 or len(words) != vecs.shape[0] or not len(words):
            raise InputError(f"{len(words)} {side} words for a matrix of shape {vecs.shape}",
                             expected="one vector per word, at least one word")
    if src_vecs.shape[1] != tgt_vecs.shape[1]:
        raise InputError(f"source vectors have {src_vecs.shape[1]} dimensions, target {tgt_vecs.shape[1]}",
                         expected="one shared dimension")
    tag = f"clwe-{method}"
    if seed_dict is not None:
        s_idx, t_idx = seed_indices(seed_dict, src_words, tgt_words)
        if not s_idx.size:
            raise InputError("no seed pair has both words in the vocabularies", path=seed_dict.provenance or None,
                             expected="seed pairs whose words have vectors")
        src_vecs = src_vecs @ procrustes(src_vecs[s_idx], tgt_vecs[t_idx]).T
        tag += "+procrustes"
    if method == "nn":
        scores, index = nn_topk(src_vecs, tgt_vecs, top, block_rows)
    else:
        scores, index = csls_topk(src_vecs, tgt_vecs, k, top, block_rows)
    lexicon = Lexicon(source_lang=source_lang, target_lang=target_lang, provenance=provenance or tag)
    for word, row_scores, row_index in zip(src_words, scores.tolist(), index.tolist(), strict=True):
        for score, j in zip(row_scores, row_index, strict=True):
            lexicon.add(word, tgt_words[j], score)
    return lexicon
