"""Readers and writers of DESIGN.md section 3: exact round trips and one clear error per malformed input."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from csir_lib.core.errors import InputError
from csir_lib.data import formats


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    """Write a fixture file and return its path."""
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_topics_round_trip(tmp_path):
    topics = {"q1": "what is a cat?", "q2": "wo ist Köln"}
    path = formats.write_topics(tmp_path / "t.tsv", topics)
    assert path.read_text(encoding="utf-8") == "q1\twhat is a cat?\nq2\two ist Köln\n"
    assert formats.read_topics(path) == topics


def test_qrels_accept_tabs_and_spaces(tmp_path):
    path = write(tmp_path, "q.txt", "1\tQ0\td1\t1\n1 0 d2 0\n2 0 d9 2\n")
    assert formats.read_qrels(path) == {"1": {"d1": 1, "d2": 0}, "2": {"d9": 2}}


def test_run_round_trip_ranks_ties_by_docid(tmp_path):
    run = {"q": {"b": 1.0, "a": 1.0, "c": 2.5}}
    path = formats.write_run(tmp_path / "r.trec", run, tag="x")
    assert path.read_text().splitlines() == ["q Q0 c 1 2.500000 x", "q Q0 a 2 1.000000 x", "q Q0 b 3 1.000000 x"]
    assert formats.read_run(path) == {"q": {"c": 2.5, "a": 1.0, "b": 1.0}}


def test_run_ranks_near_ties_as_written(tmp_path):
    path = formats.write_run(tmp_path / "r.trec", {"q": {"b": 0.1000004, "a": 0.1000001}})
    assert [line.split()[2:4] for line in path.read_text().splitlines()] == [["a", "1"], ["b", "2"]]


def test_corpus_round_trip_gzip_and_doc_text(tmp_path):
    docs = [{"docid": "39#0", "title": "Köln", "text": "Eine Stadt."}, {"docid": "7", "title": "", "text": "x"}]
    path = formats.write_corpus(tmp_path / "c.jsonl.gz", docs)
    assert list(formats.iter_corpus(path)) == docs
    assert [formats.doc_text(d) for d in docs] == ["Köln Eine Stadt.", "x"]
    assert gzip.decompress(path.read_bytes()).decode().count("\n") == 2


def test_pairs_round_trip_flattens_tabs(tmp_path):
    path = formats.write_pairs(tmp_path / "p.tsv", [("a\tb", "c\nd", 1), ("e", "f", 0)])
    assert list(formats.iter_pairs(path)) == [("a b", "c d", 1), ("e", "f", 0)]


BAD = [
    ("topics", "q1\ttext\nq2\n", 2, "1 tab-separated field"),
    ("topics", "q1\ta\nq1\tb\n", 2, "duplicate qid"),
    ("topics", "", None, "empty"),
    ("qrels", "1 0 d1 1\n1 0 d2 yes\n", 2, "not an integer"),
    ("qrels", "1 0 d1\n", 1, "3 field"),
    ("qrels", "1 0 d1 1\n1 0 d1 0\n", 2, "duplicate judgement"),
    ("run", "q Q0 d 1 nan t\n", 1, "not finite"),
    ("run", "q Q0 d 1 inf t\n", 1, "not finite"),
    ("run", "q Q0 d 1 high t\n", 1, "not a number"),
    ("run", "q Q0 d 1 1.0\n", 1, "5 field"),
    ("corpus", '{"docid": "1", "text": "a"}\n{"docid": 2, "text": "b"}\n', 2, "missing string"),
    ("corpus", '{"docid": "1", "text": "a"}\n{not json}\n', 2, "invalid JSON"),
    ("corpus_dict", '{"docid": "1", "text": "a"}\n{"docid": "1", "text": "b"}\n', 2, "duplicate docid"),
    ("pairs", "q\tp\t1\nq\tp\t2\n", 2, "label '2'"),
    ("pairs", "q\tp\n", 1, "2 tab-separated"),
    ("pairs", "", None, "empty"),
]

READERS = {
    "topics": formats.read_topics, "qrels": formats.read_qrels, "run": formats.read_run,
    "corpus": lambda p: list(formats.iter_corpus(p)), "corpus_dict": formats.read_corpus,
    "pairs": lambda p: list(formats.iter_pairs(p)),
}


@pytest.mark.parametrize(("reader", "content", "line", "problem"), BAD)
def test_malformed_input_names_file_and_line(tmp_path, reader, content, line, problem):
    path = write(tmp_path, f"{reader}.txt", content)
    with pytest.raises(InputError) as err:
        READERS[reader](path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}:" if line else f"{path}:")
    assert problem in message and "expected" in message


GOOD_LINE = {"topics": "q\tx", "qrels": "q 0 d 1", "run": "q Q0 d 1 0.5 t", "corpus": '{"docid": "d", "text": "x"}',
             "corpus_dict": '{"docid": "d", "text": "x"}', "pairs": "q\tp\t1"}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_invalid_utf8_names_the_line(tmp_path, reader):
    path = write(tmp_path, "bad.txt", GOOD_LINE[reader].encode() + b"\n\xff\xfe broken\n")
    with pytest.raises(InputError, match=r"bad\.txt:2: invalid UTF-8"):
        READERS[reader](path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        formats.read_qrels(tmp_path / "nope.txt")


def test_writer_leaves_nothing_behind_on_error(tmp_path):
    target = tmp_path / "r.trec"
    with pytest.raises(InputError):
        formats.write_run(target, {"q": {"a": 1.0, "b": float("nan")}})
    assert list(tmp_path.iterdir()) == []
