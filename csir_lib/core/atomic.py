"""Atomic writes: a file appears whole under its final name or not at all.

A write goes to a temporary beside its target, `.NAME.XXXXXXXX.tmp` (`.STEM.XXXXXXXX.tmp.EXT` from `atomic_path`,
XXXXXXXX mkstemp's random characters), renamed onto NAME when complete. The writer holds an exclusive flock on the
temporary until then, so a temporary that is old and unlocked was left by a killed process: `remove_stale` removes
those, on the cache when run_all.sh starts a run or a notebook opened by hand opens its study.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp(\.[^.]+)?")  # the names below; mkstemp draws [a-z0-9_]{8}


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_parents(path: Path) -> list[Path]:
    """Create `path`'s missing parent folders; return those created, deepest first (to remove on failure)."""
    created = [parent for parent in path.parents if not parent.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    return created


def _remove_empty(folders: list[Path]) -> None:
    """Remove folders this write created, deepest first, as long as they are empty (nothing half-made is left)."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _hold(fd: int) -> int | None:
    """A duplicate of `fd` holding an exclusive flock on its file until closed (None where flock is refused)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return None
    return os.dup(fd)


def _release(held: int | None) -> None:
    """Close the duplicate `_hold` returned, and with it the lock."""
    if held is not None:
        os.close(held)


def _held(path: Path) -> bool:
    """Whether a live process holds `path`'s lock (or it cannot be checked: then it is left alone)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def remove_stale(folder: str | Path, before: float) -> list[Path]:
    """Remove the temporaries under `folder` that killed writes left: last changed before `before`, unlocked.

    A live writer's temporary is locked, and one that began after `before` (the start of this run) is too new;
    everything else named as a temporary was abandoned and is never renamed into place. Returns what was removed.
    """
    removed = []
    for top, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(top) / name
            if not TEMPORARY.fullmatch(name) or path.is_symlink():
                continue
            try:
                if path.stat().st_mtime >= before or _held(path):
                    continue
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except FileNotFoundError:  # its writer renamed or removed it meanwhile
                continue
            removed.append(path)
        dirs[:] = [d for d in dirs if not TEMPORARY.fullmatch(d)]
    return sorted(removed)


def _readable(tmp: str) -> None:
    """Give a temporary file the permissions a plain `open` would (mkstemp makes them owner-only)."""
    os.chmod(tmp, 0o666 & ~_umask())


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    created = _make_parents(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    held = _hold(fd)  # until the rename: a live write is never taken for a killed one's
    _readable(tmp)
    binary = "b" in mode
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        _remove_empty(created)
        raise
    finally:
        _release(held)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` for a writer that wants a file name; rename it on success."""
    path = Path(path)
    created = _make_parents(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    held = _hold(fd)
    os.close(fd)
    _readable(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        _remove_empty(created)
        raise
    finally:
        _release(held)


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    created = _make_parents(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    fd = os.open(tmp, os.O_RDONLY)
    held = _hold(fd)
    os.close(fd)
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_empty(created)
        raise
    finally:
        _release(held)


def write_text(path: str | Path, text: str) -> Path:
    """Write `text` to `path` atomically."""
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)


def write_json(path: str | Path, obj: Any) -> Path:
    """Write `obj` as pretty, key-sorted JSON to `path` atomically."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
