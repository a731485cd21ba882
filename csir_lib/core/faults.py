"""Fault injection for the kill tests: `failpoint(name)` SIGKILLs the whole run when CSIR_FAILPOINT names it.

The stages call `failpoint` at one chosen place each: code-switching after each row, training after each
checkpoint, re-ranking after each run written. The variable is read once, at import, so with it unset a call
costs one global look-up (about 60 ns). `CSIR_FAILPOINT=name` kills at the first hit, `name:N` at the N-th hit in
this process. The kill is SIGKILL (no cleanup, no `finally`), like `kill -9` or a power cut, so a test sees what
a real kill leaves behind. Inside a notebook kernel that papermill started (JPY_PARENT_PID set; jupyter_client
puts the kernel in a session of its own) run_all.sh's process group is killed first, then the kernel's own
group. Outside a kernel only the caller's own process group dies: start such a process in a session of its own
(`start_new_session=True`). Hand-written: no library kills a run at an exact point of a stage.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from csir_lib.core.errors import InputError

ENV = "CSIR_FAILPOINT"
NAMES = ("codeswitch", "train", "rerank")  # the failpoints the library calls
_SPEC = os.environ.get(ENV) or None  # read once at import: a run's failpoint is fixed when its process starts
_hits: dict[str, int] = {}


def parse_spec(spec: str) -> tuple[str, int]:
    """(name, N) of a CSIR_FAILPOINT value `name` or `name:N`."""
    name, sep, nth = spec.strip().partition(":")
    if name not in NAMES or (sep and not (nth.isdigit() and int(nth) >= 1)):
        raise InputError(f"{ENV}={spec!r}", path=ENV, expected=f"NAME or NAME:N with NAME one of {', '.join(NAMES)}"
                                                             " and N >= 1")
    return name, int(nth) if sep else 1


def failpoint(name: str) -> None:
    """Kill the run with SIGKILL when CSIR_FAILPOINT asks for this hit of `name`; otherwise return at once."""
    if _SPEC is None:
        return
    target, nth = parse_spec(_SPEC)
    if target != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == nth:
        kill_run()


def kill_run() -> None:
    """SIGKILL run_all.sh's process group (when this is a notebook kernel), then this process's own group."""
    own = os.getpgid(0)
    parent = os.environ.get("JPY_PARENT_PID", "")
    if parent.isdigit():
        try:
            group = os.getpgid(int(parent))
        except ProcessLookupError:
            group = own
        if group != own:
            os.killpg(group, signal.SIGKILL)
    os.killpg(own, signal.SIGKILL)


def checkpoint_failpoint(name: str = "train") -> Any:
    """A transformers TrainerCallback that calls `failpoint(name)` after every checkpoint is saved."""
    from transformers.trainer_callback import TrainerCallback

    class CheckpointFailpoint(TrainerCallback):
        """Calls the failpoint once a checkpoint is complete on disk (transformers calls on_save after it)."""

        def on_save(self, args, state, control, **kwargs):  # noqa: D102
            failpoint(name)

    return CheckpointFailpoint()
