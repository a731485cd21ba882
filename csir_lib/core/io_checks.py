"""Checks every command makes before it reads or writes: inputs are regular files, no output overwrites an input.

One place for both, so `lexicon induce`, `codeswitch`, `rerank` and `train` refuse the same things with the same
words: an --out that is an existing folder, whose parent is a file, or that resolves (symbolic or hard links
included) to one of the command's inputs, which the atomic rename would otherwise replace with the output.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from csir_lib.core.errors import InputError


def input_file(path: str | Path, expected: str = "an existing file (check the path)") -> Path:
    """`path` if it is a readable regular file; else an InputError saying what it is instead."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError("file not found", path=path, expected=expected) from None
    except NotADirectoryError:
        raise InputError("a parent of this path is a file, not a folder", path=path, expected=expected) from None
    except OSError as err:
        raise InputError(f"unreadable ({err.strerror})", path=path, expected=expected) from None
    if stat.S_ISDIR(mode):
        raise InputError("is a folder, not a file", path=path, expected=expected)
    if not stat.S_ISREG(mode):
        raise InputError("not a regular file (a device, pipe or socket)", path=path, expected=expected)
    if not os.access(path, os.R_OK):
        raise InputError("unreadable (permission denied)", path=path, expected=expected)
    return path


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name the same file: equal once resolved, or the same inode (hard links)."""
    if a.resolve() == b.resolve():
        return True
    try:
        sa, sb = a.stat(), b.stat()
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _linked_into(out: Path, folder: Path) -> bool:
    """Whether an existing `out` is a hard link to a file inside `folder`."""
    try:
        key = (out.stat().st_dev, out.stat().st_ino)
    except OSError:
        return False
    return any((p.stat().st_dev, p.stat().st_ino) == key for p in folder.rglob("*") if p.is_file())


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` resolves to `folder` or to something inside it."""
    return path.resolve().is_relative_to(folder.resolve())


def _parents_are_folders(out: Path, option: str) -> None:
    """Refuse `out` when its nearest existing parent is a file."""
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{option}'s parent {parent} is a file, not a folder", path=out,
                                 expected="a path whose parents are folders")
            return


def output_path(out: str | Path, inputs: Iterable[str | Path | None], option: str = "out") -> Path:
    """`out` if a file may be written there: not a folder, parent not a file, not an input nor inside an input folder.

    Checked before any work, so a refused command leaves nothing behind.
    """
    out = Path(out)
    if out.is_dir():
        raise InputError(f"{option} is an existing folder", path=out, expected="a file path to write")
    _parents_are_folders(out, option)
    for given in inputs:
        if given is None or str(given) == "":
            continue
        source = Path(given)
        if source.is_dir() and (_inside(out, source) or _linked_into(out, source)) or _same(out, source):
            raise InputError(f"{option} is the input {source}" + (" (the same file by a link)" if
                             out.resolve() != source.resolve() and not source.is_dir() else ""), path=out,
                             expected="an output path that is none of the command's inputs (they would be replaced)")
    return out


def output_folder(out: str | Path, inputs: Iterable[str | Path | None], written: Iterable[str],
                  option: str = "out_dir") -> Path:
    """`out` if a command may write the entries `written` (names inside it) there.

    Not a file, parent not a file, not inside an input folder, and no input at or inside an entry it writes or deletes.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{option} is an existing file, not a folder", path=out, expected="a folder path")
    _parents_are_folders(out, option)
    targets = [out / name for name in written]
    for given in inputs:
        if given is None or str(given) == "":
            continue
        source = Path(given)
        hit = (source.is_dir() and _inside(out, source)) or any(_inside(source, t) or _same(source, t)
                                                                 for t in targets)
        if hit:
            raise InputError(f"{option} would write over or into the input {source}", path=out,
                             expected="an output folder whose " + ", ".join(written) + " are none of the inputs")
    return out
