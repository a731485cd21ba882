"""MS MARCO's own id triples in a seeded random order, standing in for sentence-transformers' shuffled file.

The paper's English pairs follow sentence-transformers' `msmarco-qidpidtriples.rnd-shuf.train.tsv.gz`, "a randomly
shuffled version of qidpidtriples.train.full.2.tsv.gz" (their old `train_cross-encoder_scratch.py`). Its publisher
no longer documents that file: the script that fetched it from sbert.net/datasets was deleted from
sentence-transformers in March 2025 (commit d3581c23) and its MS MARCO examples now load Hugging Face datasets,
none of which holds these id triples. So `data.msmarco_triples: msmarco` (the paper profile's setting) takes
MS MARCO's own `qidpidtriples.train.full.2.tsv.gz` (its MD5 checked against ir_datasets) and draws the same kind of
order from it: the first `count` triples of a uniformly random permutation, seeded. `sbert` keeps the
sentence-transformers file where it can still be downloaded (the paper's exact order and held-out queries).

Hand-written: no library takes the head of a random permutation of a 400M-line file in bounded memory. Line i gets
the key u_i, the i-th double of numpy's PCG64 generator seeded with `seed` (the draws do not depend on how the
file is chunked); the permutation sorts lines by key, so its first `count` lines are the `count` smallest keys,
kept chunk by chunk with `numpy.argpartition`: memory grows with `count` and the chunk, not with the file.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from csir_lib.core.atomic import atomic_open
from csir_lib.core.errors import InputError

EXPECTED = "'qid pos_pid neg_pid' (three integers per line)"


def shuffled_head(source: str | Path, dest: str | Path, count: int, seed: int, chunk_lines: int = 1 << 22) -> Path:
    """Write the first `count` lines of a seeded random permutation of the id triples `source` to `dest` (reused)."""
    import numpy as np
    import pandas as pd

    source, dest = Path(source), Path(dest)
    if dest.is_file():
        return dest
    if count < 1:
        raise InputError(f"count {count}", path=source, expected="at least one triple to keep")
    rng = np.random.default_rng(seed)
    keys, rows, lines = np.empty(0), np.empty((0, 3), dtype=np.int64), np.empty(0, dtype=np.int64)
    seen = 0
    try:
        for chunk in pd.read_csv(source, sep=r"\s+", header=None, dtype=np.int64, chunksize=chunk_lines,
                                 engine="c", on_bad_lines="error"):
            if chunk.shape[1] != 3:
                raise ValueError(f"{chunk.shape[1]} columns")
            keys = np.concatenate([keys, rng.random(len(chunk))])
            rows = np.concatenate([rows, chunk.to_numpy()])
            lines = np.concatenate([lines, np.arange(seen, seen + len(chunk))])
            seen += len(chunk)
            if len(keys) > count:
                keep = np.argpartition(keys, count - 1)[:count]
                keys, rows, lines = keys[keep], rows[keep], lines[keep]
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, EOFError, OSError, zlib.error) as err:
        raise _bad_input(source, err) from None
    if not seen:
        raise InputError("file is empty", path=source, expected=EXPECTED)
    order = np.lexsort((lines, keys))
    with atomic_open(dest, "w") as out:
        for start in range(0, len(order), 1 << 20):
            block = rows[order[start:start + (1 << 20)]]
            out.write("".join(f"{q}\t{p}\t{n}\n" for q, p, n in block.tolist()))
    return dest


def _bad_input(source: Path, err: Exception) -> InputError:
    """The error for an unreadable triples file, naming its first bad line when a line-by-line scan finds one."""
    from csir_lib.data.msmarco import iter_id_triples

    try:
        for number, *ids in iter_id_triples(source):
            if not all(part.strip().isdigit() for part in ids):
                return InputError(f"a non-integer id in {ids!r}", path=source, line=number, expected=EXPECTED)
    except InputError as bad:
        return bad
    except (OSError, EOFError, zlib.error):
        pass
    return InputError(f"unreadable ({type(err).__name__}: {err})", path=source,
                      expected=f"{EXPECTED}; delete the file to download it again")
