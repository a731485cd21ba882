"""An exclusive, non-blocking lock on a folder, so two processes never write the same outputs at once."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from csir_lib.core.errors import InputError


@contextlib.contextmanager
def exclusive_lock(folder: Path, what: str) -> Iterator[None]:
    """Hold `folder/.lock`; fail at once, naming the folder, when another `what` holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"another {what} is writing this folder", path=folder,
                             expected=f"one {what} at a time (wait for it, or kill it)") from None
        yield
