"""Word vectors in fastText/word2vec text format: streaming reader, writer, L2 normalising and mean-centring.

Hand-written rather than gensim's `KeyedVectors.load_word2vec_format`: gensim is a large dependency for
forty lines, it loads the whole file before `limit` applies to nothing but rows, and it does not name the
line of a malformed vector.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from csir_lib.core.atomic import atomic_open
from csir_lib.core.errors import InputError
from csir_lib.data.formats import iter_lines

log = logging.getLogger(__name__)
EXPECTED = "'word v1 ... vD' with D numbers, after an optional 'N D' header line"


def _header(line: str) -> tuple[int, int] | None:
    """(N, D) when `line` is a word2vec header of two integers, else None."""
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def read_vectors(
    path: str | Path,
    max_vocab: int | None = None,
    normalise: bool = False,
    center: bool = False,
    skip_bad_lines: bool = False,
) -> tuple[list[str], np.ndarray]:
    """Read the first `max_vocab` vectors of a text vector file as (words, float32 matrix), rows in file order.

    A line whose dimension differs from the header's (or the first vector's), a word seen before, a line without
    numbers and a header promising another number of rows than the file holds (read to its end) are InputErrors
    naming the file and line; with `skip_bad_lines` a bad line is skipped (the first copy of a word kept) and
    counted in a logged warning instead (MUSE's Arabic file has one such line). `center` subtracts the mean
    vector, then `normalise` scales rows to unit length.
    """
    path = Path(path)
    if max_vocab is not None and max_vocab < 1:
        raise InputError(f"max_vocab={max_vocab}", path=path, expected="a positive number of words")
    words: list[str] = []
    rows: list[np.ndarray] = []
    dim: int | None = None
    promised: int | None = None
    seen: dict[str, int] = {}
    skipped: list[int] = []
    complete = True
    for number, line in iter_lines(path):
        if number == 1 and (header := _header(line)):
            promised, dim = header
            if dim < 1:
                raise InputError(f"header promises {dim}-dimensional vectors", path=path, line=1, expected=EXPECTED)
            continue
        if max_vocab is not None and len(words) >= max_vocab:
            complete = False
            break
        parts = line.rstrip().split(" ")
        if dim is None:
            dim = len(parts) - 1
        problem = None
        if dim < 1:
            problem = "no numbers after the word"
        elif len(parts) != dim + 1 or not parts[0]:
            problem = f"{len(parts) - 1} value(s) after the word, not {dim}"
        elif parts[0] in seen:
            problem = f"word {parts[0]!r} again (first on line {seen[parts[0]]})"
        else:
            try:
                row = np.array(parts[1:], dtype=np.float32)
            except ValueError:
                problem = "a value is not a number"
            else:
                if not np.isfinite(row).all():
                    problem = "a value is not finite"
        if problem:
            if not skip_bad_lines or dim < 1:
                raise InputError(problem, path=path, line=number, expected=EXPECTED + ", each word once")
            skipped.append(number)
            continue
        seen[parts[0]] = number
        words.append(parts[0])
        rows.append(row)
    if complete and promised is not None and len(words) + len(skipped) != promised:
        raise InputError(f"header promises {promised} vectors, the file holds {len(words) + len(skipped)} "
                         "(cut off or padded)", path=path, line=1, expected=EXPECTED)
    if skipped:
        log.warning("%s: skipped %d malformed line(s), first at line(s) %s", path, len(skipped), skipped[:5])
    if not words:
        raise InputError("no vectors", path=path, line=1, expected=EXPECTED)
    matrix = np.vstack(rows).astype(np.float32, copy=False)
    if center:
        matrix = center_rows(matrix)
    if normalise:
        matrix = normalise_rows(matrix)
    return words, matrix


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """A float32 copy with every row scaled to unit L2 length (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32, copy=False)


def center_rows(matrix: np.ndarray) -> np.ndarray:
    """A float32 copy with the mean row subtracted from every row."""
    matrix = np.asarray(matrix, dtype=np.float32)
    return (matrix - matrix.mean(axis=0, keepdims=True, dtype=np.float64)).astype(np.float32)


def write_vectors(path: str | Path, words: list[str], matrix: np.ndarray, header: bool = True) -> Path:
    """Write vectors in text format atomically (with the `N D` header unless told not to), 6 significant digits."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2 or len(words) != matrix.shape[0]:
        raise InputError(f"{len(words)} words for a matrix of shape {matrix.shape}", path=path,
                         expected="one row per word")
    with atomic_open(path) as fh:
        if header:
            fh.write(f"{matrix.shape[0]} {matrix.shape[1]}\n")
        for word, row in zip(words, matrix, strict=True):
            if not word or any(c.isspace() for c in word):
                raise InputError(f"word {word!r} is empty or has white space", path=path,
                                 expected="words without spaces")
            fh.write(word + " " + " ".join(f"{v:.6g}" for v in row.tolist()) + "\n")
    return Path(path)
