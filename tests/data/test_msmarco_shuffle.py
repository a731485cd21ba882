"""The head of a seeded random permutation of an id-triples file, in bounded memory."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from csir_lib.core.errors import InputError
from csir_lib.data.msmarco_shuffle import shuffled_head

LINES = [f"{q}\t{q * 10 + 1}\t{q * 10 + 2}" for q in range(100, 137)]


def _gz(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress("".join(f"{line}\n" for line in lines).encode()))
    return path


@pytest.mark.parametrize("chunk_lines", [1, 4, 7, 1000])
def test_head_is_the_lines_of_the_smallest_keys_whatever_the_chunking(tmp_path, chunk_lines):
    source = _gz(tmp_path / "triples.tsv.gz", LINES)
    out = shuffled_head(source, tmp_path / f"head{chunk_lines}.tsv", count=5, seed=3, chunk_lines=chunk_lines)
    order = np.argsort(np.random.default_rng(3).random(len(LINES)), kind="stable")[:5]
    assert out.read_text().splitlines() == [LINES[i] for i in order]
    assert order.tolist() == [20, 28, 0, 31, 4]  # numpy pins PCG64 streams across versions


def test_whole_file_when_count_exceeds_it_and_reused_once_written(tmp_path):
    source = _gz(tmp_path / "t.tsv.gz", LINES[:4])
    out = shuffled_head(source, tmp_path / "all.tsv", count=10, seed=0)
    assert sorted(out.read_text().splitlines()) == sorted(LINES[:4])
    source.unlink()
    assert shuffled_head(source, out, count=10, seed=0) == out  # reused: the source is not read again
    other = shuffled_head(_gz(tmp_path / "u.tsv.gz", LINES[:4]), tmp_path / "seed1.tsv", count=10, seed=1)
    assert sorted(other.read_text().splitlines()) == sorted(LINES[:4])


@pytest.mark.parametrize("lines, line", [(["1\t2\t3", "4\t5", "6\t7\t8"], 2), (["1\t2\t3", "4\tx\t6"], 2),
                                         (["1\t2\t3\t4"], 1)])
def test_bad_lines_are_named(tmp_path, lines, line):
    source = _gz(tmp_path / "bad.tsv.gz", lines)
    with pytest.raises(InputError) as err:
        shuffled_head(source, tmp_path / "out.tsv", count=2, seed=0)
    assert err.value.path == str(source) and err.value.line == line
    assert not (tmp_path / "out.tsv").exists()


def test_empty_and_cut_files(tmp_path):
    with pytest.raises(InputError, match="empty|unreadable"):
        shuffled_head(_gz(tmp_path / "e.tsv.gz", []), tmp_path / "o.tsv", count=2, seed=0)
    cut = tmp_path / "cut.tsv.gz"
    cut.write_bytes(gzip.compress(b"1\t2\t3\n" * 1000)[:40])
    with pytest.raises(InputError):
        shuffled_head(cut, tmp_path / "o.tsv", count=2, seed=0)
