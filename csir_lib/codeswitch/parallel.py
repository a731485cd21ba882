"""Code-switching a pairs file in N processes: contiguous chunks, written in input order, the same bytes for any N.

Every row is switched with the random stream of its own index (csir_lib.codeswitch.switch: seeded from (seed, row)),
so a chunk gives the same bytes whichever process switches it, and the statistics are integer counts added chunk by
chunk: output and statistics do not depend on N. The main process only cuts the file into byte ranges of whole lines
(counting lines, decoding nothing) and writes the bytes each worker sends back, in order; a worker reads its range
itself, decodes it as every reader does (formats.decode_line: a bad line is named by its line number in the file, as
in one process), switches and encodes it. So no line crosses the process boundary twice, and the main process, which
shares the cores with the workers, uses little CPU. At most 2 x N chunks are in flight, so memory does not grow with
the file. A gzip input has no byte ranges to seek: its decoded lines are sent to the workers instead.

Workers are forked when this process runs a single thread and has not imported torch or tokenizers (`start_method`):
they inherit the switcher and every imported module, and start in milliseconds. Otherwise (a notebook kernel, whose
helper threads a fork would copy mid-lock) they are spawned and receive the switcher once. An error in a worker (an
InputError included: it pickles whole) is raised here and nothing is written. A file of one chunk is switched in this
process. Hand-written on concurrent.futures: the ordered, bounded fan-out is a dozen lines.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

from csir_lib.codeswitch.stats import CodeSwitchStats
from csir_lib.codeswitch.switch import CodeSwitcher
from csir_lib.core.errors import InputError
from csir_lib.core.faults import failpoint

CHUNK_PAIRS = 2000  # pairs per task: ~1 MB of MS MARCO text, a fraction of a second of work
MAX_WORKERS = 256
FORK_UNSAFE = ("torch", "tokenizers")  # modules whose state (threads, CUDA, a Rust pool) a fork must not copy
_SWITCHER: CodeSwitcher | None = None  # a worker's switcher, set once by _start_worker

Chunk = tuple[int, list[str]]  # (line number of its first line, its lines)
Span = tuple[int, int, int]  # (line number of its first line, byte offset of its start, byte offset of its end)


def check_workers(workers: object, where: str = "workers") -> int:
    """`workers` as a number of processes (1 .. MAX_WORKERS), or an InputError naming `where`."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"{workers!r} workers", path=where,
                         expected=f"an integer from 1 (one process) to {MAX_WORKERS}")
    return workers


def switch_lines(switcher: CodeSwitcher, path: str, first_line: int, lines: list[str]) -> tuple[str, CodeSwitchStats]:
    """Lines of a pairs file, the first numbered `first_line`, switched as rows `first_line - 1, ...`: text, counts."""
    from csir_lib.data.formats import pair_line, parse_pair_line

    stats = switcher.new_stats()
    out = []
    for number, line in enumerate(lines, start=first_line):
        query, passage, label = parse_pair_line(line, path, number)
        switched_query, switched_passage = switcher.switch_pair(query, passage, number - 1, stats)
        out.append(pair_line(switched_query, switched_passage, label))
        failpoint("codeswitch")  # kill tests (csir_lib.core.faults): no-op unless CSIR_FAILPOINT names it
    return "".join(out), stats


def read_span(path: str, span: Span) -> list[str]:
    """The lines of a byte range of a plain file, decoded as `formats.iter_lines` decodes them."""
    import io

    from csir_lib.data.formats import decode_line

    first, start, stop = span
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(stop - start)
    return [decode_line(raw, path, number) for number, raw in enumerate(io.BytesIO(data), start=first)]


def _start_worker(switcher: CodeSwitcher) -> None:
    """Keep the switcher in the worker process (sent once, or inherited by a fork)."""
    global _SWITCHER
    _SWITCHER = switcher


def _switch_in_worker(path: str, first_line: int, lines: list[str]) -> tuple[bytes, CodeSwitchStats]:
    """`switch_lines` with the worker's switcher, as UTF-8 bytes."""
    assert _SWITCHER is not None, "worker started without a switcher"
    text, stats = switch_lines(_SWITCHER, path, first_line, lines)
    return text.encode("utf-8"), stats


def _switch_span_in_worker(path: str, span: Span) -> tuple[bytes, CodeSwitchStats]:
    """A byte range of the file read, switched and encoded by the worker."""
    return _switch_in_worker(path, span[0], read_span(path, span))


def chunks(path: str | Path, size: int) -> Iterator[Chunk]:
    """Contiguous runs of `size` lines of a text file (the last may be shorter), streamed."""
    from csir_lib.data.formats import iter_lines

    batch: list[str] = []
    first = 1
    for number, line in iter_lines(path):
        if not batch:
            first = number
        batch.append(line)
        if len(batch) == size:
            yield first, batch
            batch = []
    if batch:
        yield first, batch


def spans(path: str | Path, size: int) -> Iterator[Span]:
    """Contiguous runs of `size` lines of a plain file as byte ranges (the last may be shorter), lines undecoded."""
    first, start, end, count = 1, 0, 0, 0
    with open(path, "rb") as fh:
        for raw in fh:
            end += len(raw)
            count += 1
            if count == size:
                yield first, start, end
                first, start, count = first + size, end, 0
    if count:
        yield first, start, end


def add_stats(total: CodeSwitchStats, part: CodeSwitchStats) -> CodeSwitchStats:
    """Add one chunk's counts into `total` and return it."""
    total.pairs += part.pairs
    total.query.add(part.query)
    total.passage.add(part.passage)
    return total


def start_method() -> str:
    """'fork' if this process runs one thread and holds no FORK_UNSAFE module (then a fork is safe), else 'spawn'."""
    import multiprocessing
    import threading

    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return "spawn"
    if any(name in sys.modules for name in FORK_UNSAFE):
        return "spawn"
    tasks = Path("/proc/self/task")  # threads started outside Python (a BLAS pool), where the OS lists them
    return "fork" if not tasks.is_dir() or len(os.listdir(tasks)) == 1 else "spawn"


def switch_file(in_path: str | Path, out_path: str | Path, switcher: CodeSwitcher, workers: int = 1,
                chunk_pairs: int | None = None, progress: Callable[[int], object] | None = None) -> CodeSwitchStats:
    """Switch a pairs file `query TAB passage TAB label` into `out_path` (atomically) with `workers` processes.

    Chunks of `chunk_pairs` lines (default CHUNK_PAIRS); `progress(n)` is called with each written chunk's pairs.
    """
    from csir_lib.core.atomic import atomic_open
    from csir_lib.data.formats import PAIR_FORMAT

    workers = check_workers(workers)
    if not Path(in_path).is_file():
        raise InputError("file not found", path=in_path, expected="an existing pairs file")
    path, total, size = str(in_path), switcher.new_stats(), chunk_pairs or CHUNK_PAIRS
    seekable = Path(in_path).suffix != ".gz"
    pieces: Iterator = spans(in_path, size) if seekable and workers > 1 else chunks(in_path, size)
    head = list(itertools.islice(pieces, 2))
    if not head:
        raise InputError("file is empty", path=in_path, expected=PAIR_FORMAT)
    with atomic_open(out_path, "wb") as fh:
        if workers == 1 or len(head) == 1:
            results: Iterator[tuple[bytes, CodeSwitchStats]] = (
                _in_process(switcher, path, piece, seekable and workers > 1) for piece in itertools.chain(head, pieces))
        else:
            results = _in_pool(switcher, path, itertools.chain(head, pieces), workers, seekable)
        for data, part in results:
            fh.write(data)
            add_stats(total, part)
            if progress is not None:
                progress(part.pairs)
    return total


def _in_process(switcher: CodeSwitcher, path: str, piece: Chunk | Span, is_span: bool) -> tuple[bytes, CodeSwitchStats]:
    """One chunk (or byte range) switched in this process, as UTF-8 bytes."""
    first, lines = (piece[0], read_span(path, piece)) if is_span else piece  # type: ignore[arg-type, misc]
    text, stats = switch_lines(switcher, path, first, lines)
    return text.encode("utf-8"), stats


def _in_pool(switcher: CodeSwitcher, path: str, pieces: Iterator, workers: int,
             is_span: bool) -> Iterator[tuple[bytes, CodeSwitchStats]]:
    """Each chunk's result in input order, switched by `workers` processes, at most 2 x workers in flight."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = start_method()
    _start_worker(switcher)  # a forked worker inherits it; a spawned one receives it through initargs
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                               initializer=None if method == "fork" else _start_worker,
                               initargs=() if method == "fork" else (switcher,))
    pending: deque[Future] = deque()
    task = _switch_span_in_worker if is_span else _switch_in_worker
    try:
        for piece in pieces:
            pending.append(pool.submit(task, path, piece) if is_span else pool.submit(task, path, *piece))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _start_worker(None)  # type: ignore[arg-type]
