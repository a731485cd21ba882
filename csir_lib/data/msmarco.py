"""MS MARCO and mMARCO for the paper profile: readers, downloads, and the 1:4 training pairs of the paper.

Hand-written because the files are plain TSVs whose errors must name file and line, and because the training
stream must not hold the 8.8M-passage collection as Python strings (a dict of it takes about 3-4 GB):
`PassageStore` keeps one int64 byte offset per passage (about 70 MB) and reads a passage on demand.
ir_datasets would do the look-ups but downloads from sources these machines cannot reach and hides the line
numbers of bad input.

Files (all UTF-8, tab-separated, optionally gzipped):
- `collection.tsv` and mMARCO's `google/collections/{language}_collection.tsv`: `pid TAB passage`;
- `queries.{train,dev}.tsv` and mMARCO's `google/queries/{split}/{language}_queries.{split}.tsv`: `qid TAB text`;
- id triples `qidpidtriples.train.full.2.tsv.gz`, sentence-transformers' shuffled
  `msmarco-qidpidtriples.rnd-shuf.train.tsv.gz` (and its held-out `...train-eval.tsv.gz`) and mMARCO's
  `triples.train.ids.small.tsv`: `qid pos neg`;
- `top1000.dev`: `qid TAB pid TAB query TAB passage`.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from csir_lib.core.errors import InputError
from csir_lib.data.formats import iter_lines
from csir_lib.data.mmarco_hub import (  # noqa: F401 - re-exported: mMARCO files are fetched where MS MARCO is read
    KNOWN_SHA256,
    MMARCO_LANGUAGES,
    MMARCO_REPO,
    MMARCO_REVISION,
    download_dataset_file,
    download_mmarco,
    mmarco_filename,
    verify_sha256,
)

# msmarco.blob.core.windows.net answers 404 since 2024; Microsoft moved the files here
MSMARCO_HOST = "https://msmarco.z22.web.core.windows.net/msmarcoranking"
MSMARCO_URLS = {  # not on the Hugging Face hub: fetched with csir_lib.core.download (see csir_lib.data.msmarco_data)
    "collection.tar.gz": f"{MSMARCO_HOST}/collection.tar.gz",
    "queries.tar.gz": f"{MSMARCO_HOST}/queries.tar.gz",
    "qidpidtriples.train.full.2.tsv.gz": f"{MSMARCO_HOST}/qidpidtriples.train.full.2.tsv.gz",
    "top1000.dev.tar.gz": f"{MSMARCO_HOST}/top1000.dev.tar.gz",
    "msmarco-qidpidtriples.rnd-shuf.train.tsv.gz":
        "https://sbert.net/datasets/msmarco-qidpidtriples.rnd-shuf.train.tsv.gz",
    "msmarco-qidpidtriples.rnd-shuf.train-eval.tsv.gz":
        "https://sbert.net/datasets/msmarco-qidpidtriples.rnd-shuf.train-eval.tsv.gz",
}


def _fields(path: Path, count: int, expected: str, sep: str | None = "\t") -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of lines with exactly `count` non-empty fields split on `sep` (None: any whitespace)."""
    seen = 0
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        parts = line.split(sep)
        if len(parts) != count or not all(part.strip() for part in parts):
            raise InputError(f"{len(parts)} field(s) or an empty one", path=path, line=number, expected=expected)
        seen += 1
        yield number, parts
    if not seen:
        raise InputError("file is empty", path=path, expected=expected)


def iter_id_texts(path: str | Path) -> Iterator[tuple[str, str]]:
    """Stream `id TAB text` lines (a collection or a query file) as (id, text)."""
    for _, (key, text) in _fields(Path(path), 2, "'id<TAB>text'"):
        yield key.strip(), text


def read_queries(path: str | Path) -> dict[str, str]:
    """A query file `qid TAB text` as {qid: text}, qids unique."""
    path, queries = Path(path), {}
    for number, (qid, text) in _fields(path, 2, "'qid<TAB>text'"):
        if qid.strip() in queries:
            raise InputError(f"duplicate qid {qid.strip()!r}", path=path, line=number, expected="each qid once")
        queries[qid.strip()] = text
    return queries


def iter_id_triples(path: str | Path) -> Iterator[tuple[int, str, str, str]]:
    """Stream id triples `qid pos_pid neg_pid` (tabs or spaces) as (line number, qid, pos, neg)."""
    for number, (qid, pos, neg) in _fields(Path(path), 3, "'qid pos_pid neg_pid'", sep=None):
        yield number, qid, pos, neg


def iter_top1000(path: str | Path) -> Iterator[tuple[str, str, str, str]]:
    """Stream `top1000.dev` lines `qid TAB pid TAB query TAB passage`."""
    for _, (qid, pid, query, passage) in _fields(Path(path), 4, "'qid<TAB>pid<TAB>query<TAB>passage'"):
        yield qid.strip(), pid.strip(), query, passage


class PassageStore(Mapping[str, str]):
    """A `pid TAB passage` collection looked up by pid from byte offsets, never held in memory as text."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError("file not found", path=self.path, expected="a collection 'pid<TAB>passage'")
        if self.path.suffix == ".gz":
            raise InputError("gzipped collection", path=self.path, expected="an uncompressed TSV (random access)")
        pids, offsets = array("q"), array("q")
        position, number = 0, 0
        with open(self.path, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                tab = line.find(b"\t")
                try:
                    pids.append(int(line[:tab]) if tab > 0 else -1)
                except ValueError:
                    pids.append(-1)
                if pids[-1] < 0:
                    raise InputError("no integer pid before a tab", path=self.path, line=number,
                                     expected="'pid<TAB>passage' with an integer pid >= 0")
                offsets.append(position)
                position += len(line)
        if not pids:
            raise InputError("file is empty", path=self.path, expected="'pid<TAB>passage'")
        self._index = self._build_index(pids, offsets)
        self._file: Any = None

    def _build_index(self, pids: array, offsets: array) -> Any:
        """A dense offset array indexed by pid (MS MARCO's pids are 0..N-1) or sorted (pids, offsets) arrays."""
        import numpy as np

        pid_array, offset_array = np.frombuffer(pids, dtype=np.int64), np.frombuffer(offsets, dtype=np.int64)
        order = np.argsort(pid_array, kind="stable")
        sorted_pids = pid_array[order]
        duplicate = np.flatnonzero(sorted_pids[1:] == sorted_pids[:-1])
        if duplicate.size:
            first = int(order[duplicate[0] + 1]) + 1
            raise InputError(f"duplicate pid {int(sorted_pids[duplicate[0]])}", path=self.path, line=first,
                             expected="each pid once")
        self._count = len(pid_array)
        if int(sorted_pids[-1]) < 2 * len(pid_array):
            dense = np.full(int(sorted_pids[-1]) + 1, -1, dtype=np.int64)
            dense[pid_array] = offset_array
            return dense
        return sorted_pids, offset_array[order]

    def _offset(self, pid: str | int) -> int:
        """Byte offset of `pid`'s line, or -1."""
        import numpy as np

        try:
            key = int(pid)
        except (TypeError, ValueError):
            return -1
        if isinstance(self._index, tuple):
            pids, offsets = self._index
            at = int(np.searchsorted(pids, key))
            return int(offsets[at]) if at < len(pids) and pids[at] == key else -1
        return int(self._index[key]) if 0 <= key < len(self._index) else -1

    def __getitem__(self, pid: str | int) -> str:
        """The passage text of `pid` (KeyError when absent)."""
        offset = self._offset(pid)
        if offset < 0:
            raise KeyError(pid)
        if self._file is None:
            self._file = open(self.path, "rb")  # noqa: SIM115 - kept open for random access, closed by close()
        self._file.seek(offset)
        line = self._file.readline().decode("utf-8").rstrip("\r\n")
        return line.split("\t", 1)[1]

    def __contains__(self, pid: object) -> bool:
        """Whether `pid` is in the collection."""
        return isinstance(pid, str | int) and self._offset(pid) >= 0

    def __len__(self) -> int:
        """Number of passages."""
        return self._count

    def __iter__(self) -> Iterator[str]:
        """Pids in file order."""
        for pid, _ in iter_id_texts(self.path):
            yield pid

    def close(self) -> None:
        """Close the file handle used for look-ups."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> PassageStore:
        """The store itself, closed when the block ends."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the look-up file handle."""
        self.close()


def msmarco_training_ids(triples: str | Path, negatives_per_positive: int = 4,
                         max_instances: int | None = 20_000_000,
                         exclude_qids: Iterable[str] = ()) -> Iterator[tuple[int, str, str, int]]:
    """Stream (triples line number, qid, pid, label), 1 positive to k negatives as in the paper.

    Instance i takes its triple's positive when i % (k + 1) == 0 and its negative otherwise. Triples whose qid
    is in `exclude_qids` are skipped without counting (the paper's code skips its 200 held-out queries so).
    The stream stops right after instance `max_instances`, reading no line beyond it.
    """
    if negatives_per_positive < 0:
        raise ValueError("negatives_per_positive must be >= 0")
    if max_instances is not None and max_instances <= 0:
        return
    excluded, stride, count = frozenset(exclude_qids), negatives_per_positive + 1, 0
    for number, qid, positive, negative in iter_id_triples(triples):
        if qid in excluded:
            continue
        is_positive = count % stride == 0
        yield number, qid, positive if is_positive else negative, int(is_positive)
        count += 1
        if max_instances is not None and count >= max_instances:
            return


def msmarco_training_pairs(triples: str | Path, queries: Mapping[str, str], collection: Mapping[str, str],
                           negatives_per_positive: int = 4, max_instances: int | None = 20_000_000,
                           exclude_qids: Iterable[str] = ()) -> Iterator[tuple[str, str, int]]:
    """Stream (query, passage, label) from an id-triples file, 1 positive to k negatives as in the paper.

    The instances of `msmarco_training_ids`; only the passage an instance uses is looked up.
    """
    path = Path(triples)
    for number, qid, pid, label in msmarco_training_ids(path, negatives_per_positive, max_instances, exclude_qids):
        query = lookup(queries, qid, "qid", "the queries", path, number)
        yield query, lookup(collection, pid, "pid", "the collection", path, number), label


def lookup(table: Mapping[str, str], key: str, what: str, where: str, path: Path, line: int) -> str:
    """`table[key]`, or an InputError naming the triples file and line that asked for a missing `what`."""
    try:
        return table[key]
    except KeyError:
        raise InputError(f"{what} {key} is not in {where}", path=path, line=line, expected=f"known {what}s") from None
