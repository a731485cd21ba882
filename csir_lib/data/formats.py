"""Readers and writers for the file formats of DESIGN.md section 3.

Hand-written because the formats are tiny and every reader must report bad input by file and line, which
pandas and ir_datasets do not do; each reader streams or returns plain dicts.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO

from csir_lib.core.atomic import atomic_open
from csir_lib.core.errors import InputError
from csir_lib.core.io_checks import input_file

BOM = "\ufeff"  # a UTF-8 byte-order mark: stripped from the start of every file read (README, "Bad input")
_RELEVANCE = re.compile(r"-?[0-9]+")  # what trec_eval reads as a relevance grade (no "1_0", no full-width digits)
Run = dict[str, dict[str, float]]  # {qid: {docid: score}}: read_run, every first stage and re-ranker (one type)


def _open_binary(path: Path) -> IO[bytes]:
    """Open a regular file for reading bytes, transparently gunzipping `.gz`."""
    input_file(path)
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def iter_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, line without its newline) of a UTF-8 text file, naming the line of bad bytes.

    The one place every text reader decodes: a byte-order mark opening the file is dropped (Windows editors write
    one; kept, it would become part of the first word or qid), and a NUL byte is refused (a binary or corrupt file).
    """
    path = Path(path)
    with _open_binary(path) as fh:
        number = 0
        try:
            for number, raw in enumerate(fh, start=1):
                yield number, decode_line(raw, path, number)
        except (OSError, EOFError) as err:  # gzip: not gzip data, or cut off
            raise InputError(f"unreadable ({err})", path=path, line=number + 1,
                             expected="a complete gzip file" if path.suffix == ".gz" else "a readable file") from None


def decode_line(raw: bytes, path: str | Path, number: int) -> str:
    """Line `number` of a file as `iter_lines` yields it: UTF-8, no BOM on line 1, no NUL, no line end."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"invalid UTF-8 ({err.reason})", path=path, line=number, expected="UTF-8 text") from None
    if number == 1:
        line = line.removeprefix(BOM)
    if "\0" in line:
        raise InputError("NUL byte (a binary or corrupt file)", path=path, line=number,
                         expected="UTF-8 text without NUL bytes")
    return line.rstrip("\r\n")


def _nonempty(path: Path, count: int, what: str) -> None:
    """Raise when a reader saw no records at all."""
    if count == 0:
        raise InputError("file is empty", path=path, expected=what)


def read_topics(path: str | Path) -> dict[str, str]:
    """Topics `qid TAB text`, one per line, qids unique."""
    path, topics = Path(path), {}
    expected = "'qid<TAB>text'"
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise InputError(f"{len(parts)} tab-separated field(s)", path=path, line=number, expected=expected)
        qid = parts[0].strip()
        if qid in topics:
            raise InputError(f"duplicate qid {qid!r}", path=path, line=number, expected="each qid once")
        topics[qid] = parts[1]
    _nonempty(path, len(topics), expected)
    return topics


def write_topics(path: str | Path, topics: Mapping[str, str]) -> Path:
    """Write topics `qid TAB text` atomically."""
    with atomic_open(path) as fh:
        for qid, text in topics.items():
            fh.write(f"{qid}\t{_one_line(text)}\n")
    return Path(path)


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """TREC qrels `qid ITER docid rel` (any whitespace) as {qid: {docid: rel}}."""
    path, qrels = Path(path), {}
    expected = "'qid iter docid rel' with an integer rel"
    for number, line in iter_lines(path):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise InputError(f"{len(parts)} field(s)", path=path, line=number, expected=expected)
        qid, _, docid, rel = parts
        if not _RELEVANCE.fullmatch(rel):
            problem = f"relevance {rel!r} is not an integer"
            raise InputError(problem, path=path, line=number, expected=expected + " (ASCII digits, as trec_eval)")
        grade = int(rel)
        judged = qrels.setdefault(qid, {})
        if docid in judged:
            raise InputError(f"duplicate judgement of {docid!r} for {qid!r}", path=path, line=number,
                             expected="each (qid, docid) once")
        judged[docid] = grade
    _nonempty(path, len(qrels), expected)
    return qrels


def read_run(path: str | Path) -> Run:
    """TREC run `qid Q0 docid rank score tag` (any whitespace) as {qid: {docid: score}}, scores finite."""
    path, run = Path(path), {}
    expected = "'qid Q0 docid rank score tag' with a finite score"
    for number, line in iter_lines(path):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 6:
            raise InputError(f"{len(parts)} field(s)", path=path, line=number, expected=expected)
        qid, _, docid, _, score, _ = parts
        try:
            value = float(score)
        except ValueError:
            raise InputError(f"score {score!r} is not a number", path=path, line=number, expected=expected) from None
        if not math.isfinite(value):
            raise InputError(f"score {score!r} is not finite", path=path, line=number, expected=expected)
        ranked = run.setdefault(qid, {})
        if docid in ranked:
            raise InputError(f"{docid!r} ranked twice for {qid!r}", path=path, line=number,
                             expected="each (qid, docid) once")
        ranked[docid] = value
    _nonempty(path, len(run), expected)
    return run


def ranked(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """Documents by score descending, ties broken by docid ascending (deterministic)."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def write_run(path: str | Path, run: Mapping[str, Mapping[str, float]], tag: str = "csir") -> Path:
    """Write a TREC run atomically, each query's documents ranked by score then docid."""
    with atomic_open(path) as fh:
        for qid, scores in run.items():
            bad = [d for d, s in scores.items() if not math.isfinite(s)]
            if bad:
                raise InputError(f"score of {bad[0]!r} for {qid!r} is {scores[bad[0]]}", path=path,
                                 expected="finite scores")
            # rank the scores as written, so the file's rank column is the order a reader of it evaluates
            written = {docid: round(score, 6) for docid, score in scores.items()}
            for rank, (docid, score) in enumerate(ranked(written), start=1):
                fh.write(f"{qid} Q0 {docid} {rank} {score:.6f} {tag}\n")
    return Path(path)


def iter_corpus(path: str | Path) -> Iterator[dict[str, str]]:
    """Stream a JSONL corpus (`.jsonl` or `.jsonl.gz`) of {"docid", "title", "text"} objects."""
    for _, doc in iter_numbered_corpus(path):
        yield doc


def iter_numbered_corpus(path: str | Path) -> Iterator[tuple[int, dict[str, str]]]:
    """`iter_corpus` with each document's line number."""
    path = Path(path)
    expected = 'a JSON object {"docid": ..., "title": ..., "text": ...}'
    count = 0
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"invalid JSON ({err.msg})", path=path, line=number, expected=expected) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("docid"), str) or not isinstance(doc.get("text"), str):
            raise InputError("missing string 'docid' or 'text'", path=path, line=number, expected=expected)
        count += 1
        yield number, {"docid": doc["docid"], "title": str(doc.get("title") or ""), "text": doc["text"]}
    _nonempty(path, count, expected)


def read_corpus(path: str | Path) -> dict[str, dict[str, str]]:
    """A whole JSONL corpus as {docid: doc}; docids unique. Use `iter_corpus` for large corpora."""
    corpus: dict[str, dict[str, str]] = {}
    for number, doc in iter_numbered_corpus(path):
        if doc["docid"] in corpus:
            raise InputError(f"duplicate docid {doc['docid']!r}", path=path, line=number, expected="each docid once")
        corpus[doc["docid"]] = doc
    return corpus


def write_corpus(path: str | Path, docs: Iterable[Mapping[str, str]]) -> Path:
    """Write a JSONL corpus atomically (gzip when the name ends in .gz)."""
    path = Path(path)
    with atomic_open(path, "wb") as raw:
        sink = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if path.suffix == ".gz" else raw
        for doc in docs:
            record = {"docid": doc["docid"], "title": doc.get("title", ""), "text": doc["text"]}
            sink.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        if sink is not raw:
            sink.close()
    return path


def doc_text(doc: Mapping[str, str]) -> str:
    """What a model reads of a document: title and text joined by one space, the text alone without a title."""
    title = (doc.get("title") or "").strip()
    return f"{title} {doc['text']}" if title else doc["text"]


def iter_pairs(path: str | Path) -> Iterator[tuple[str, str, int]]:
    """Stream training pairs `query TAB passage TAB label` with label 0 or 1."""
    path = Path(path)
    count = 0
    for number, line in iter_lines(path):
        count += 1
        yield parse_pair_line(line, path, number)
    _nonempty(path, count, PAIR_FORMAT)


PAIR_FORMAT = "'query<TAB>passage<TAB>label' with label 0 or 1"


def parse_pair_line(line: str, path: str | Path, number: int) -> tuple[str, str, int]:
    """One line of a pairs file as (query, passage, label), or an InputError naming `path` and line `number`."""
    parts = line.split("\t")
    if len(parts) != 3:
        raise InputError(f"{len(parts)} tab-separated field(s)", path=path, line=number, expected=PAIR_FORMAT)
    if parts[2] not in ("0", "1"):
        raise InputError(f"label {parts[2]!r}", path=path, line=number, expected=PAIR_FORMAT)
    return parts[0], parts[1], int(parts[2])


def _one_line(text: str) -> str:
    """Text with tabs and newlines turned into spaces, so it fits one TSV field."""
    return " ".join(text.replace("\t", " ").splitlines()) if ("\t" in text or "\n" in text or "\r" in text) else text


def write_pairs(path: str | Path, pairs: Iterable[tuple[str, str, int]]) -> Path:
    """Write training pairs atomically, one `query TAB passage TAB label` per line."""
    with atomic_open(path) as fh:
        for query, passage, label in pairs:
            fh.write(pair_line(query, passage, label))
    return Path(path)


def pair_line(query: str, passage: str, label: int) -> str:
    """One line of a pairs file, newline included; tabs and line breaks inside a text become spaces."""
    return f"{_one_line(query)}\t{_one_line(passage)}\t{int(label)}\n"
