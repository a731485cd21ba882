"""Code-switching a pairs file in N processes: contiguous chunks, written in input order, the same bytes for any N.

Every row is switched with the random stream of its own index (csir_lib.codeswitch.switch: seeded from (seed, row)),
so a chunk gives the same bytes whichever process switches it, and the statistics are integer counts added chunk by
chunk: output and statistics do not depend on N. The main process reads and decodes lines (formats.iter_lines names
bad bytes by line) and writes the workers' text; the workers parse (a bad line is named by its line number in the
file, as in one process), switch and format. At most 2 x N chunks are in flight, so memory does not grow with the
file. Workers start by the spawn method (no fork of a process holding threads or a notebook kernel's state) and
receive the switcher once; an error in a worker (an InputError included: it pickles whole) is raised here and
nothing is written. A file of one chunk is switched in this process: a pool costs seconds to start (each worker
imports NLTK). Hand-written on concurrent.futures: the ordered, bounded fan-out is a dozen lines.
"""

from __future__ import annotations

import itertools
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
_SWITCHER: CodeSwitcher | None = None  # a worker's switcher, set once by _start_worker

Chunk = tuple[int, list[str]]  # (line number of its first line, its lines)


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


def _start_worker(switcher: CodeSwitcher) -> None:
    """Keep the switcher in the worker process (sent once, not with every chunk)."""
    global _SWITCHER
    _SWITCHER = switcher


def _switch_in_worker(path: str, first_line: int, lines: list[str]) -> tuple[str, CodeSwitchStats]:
    """`switch_lines` with the worker's switcher."""
    assert _SWITCHER is not None, "worker started without a switcher"
    return switch_lines(_SWITCHER, path, first_line, lines)


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


def add_stats(total: CodeSwitchStats, part: CodeSwitchStats) -> CodeSwitchStats:
    """Add one chunk's counts into `total` and return it."""
    total.pairs += part.pairs
    total.query.add(part.query)
    total.passage.add(part.passage)
    return total


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
    path, total = str(in_path), switcher.new_stats()
    pieces = chunks(in_path, chunk_pairs or CHUNK_PAIRS)
    head = list(itertools.islice(pieces, 2))
    if not head:
        raise InputError("file is empty", path=in_path, expected=PAIR_FORMAT)
    with atomic_open(out_path) as fh:
        if workers == 1 or len(head) == 1:
            results: Iterator[tuple[str, CodeSwitchStats]] = (
                switch_lines(switcher, path, first, lines) for first, lines in itertools.chain(head, pieces))
        else:
            results = _in_pool(switcher, path, itertools.chain(head, pieces), workers)
        for text, part in results:
            fh.write(text)
            add_stats(total, part)
            if progress is not None:
                progress(part.pairs)
    return total


def _in_pool(switcher: CodeSwitcher, path: str, pieces: Iterator[Chunk],
             workers: int) -> Iterator[tuple[str, CodeSwitchStats]]:
    """Each chunk's result in input order, switched by `workers` spawned processes, at most 2 x workers in flight."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                               initargs=(switcher,))
    pending: deque[Future] = deque()
    try:
        for first, lines in pieces:
            pending.append(pool.submit(_switch_in_worker, path, first, lines))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
