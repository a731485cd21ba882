"""Atomic writes leave whole files or nothing, and the temporaries of killed writes are cleaned on the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from csir_lib.core.atomic import TEMPORARY, atomic_dir, atomic_open, atomic_path, remove_stale
from csir_lib.core.paths import ROOT
from csir_lib.report.study import clean_cache

HOUR = 3600.0


def _plant(path: Path, age: float, text: str = "partial") -> Path:
    """A file at `path` last changed `age` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def test_temporary_names_are_those_the_writers_make(tmp_path: Path) -> None:
    seen = []
    with atomic_open(tmp_path / "run.trec"):
        seen += [p.name for p in tmp_path.iterdir()]
    with atomic_path(tmp_path / "01_x.ipynb") as tmp:
        seen.append(tmp.name)
    with atomic_dir(tmp_path / "model") as tmp:
        seen.append(tmp.name)
    assert all(TEMPORARY.fullmatch(name) for name in seen), seen
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_x.ipynb", "model", "run.trec"]
    for name in ("run.trec", ".lock", ".inputs-key", ".run.trec.tmp", "x.abcdefgh.tmp", ".run.trec.ABCDEFGH.tmp"):
        assert not TEMPORARY.fullmatch(name), name


def test_stale_temporaries_go_fresh_and_live_ones_stay(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    started = time.time() - 60  # this run began a minute ago
    stale = _plant(cache / "runs" / "k1" / ".run.trec.ab12cd34.tmp", HOUR)
    stale_nb = _plant(cache / "x" / ".01_data.q_7zz9k0.tmp.ipynb", HOUR)
    stale_dir = cache / "models" / "k2" / ".tiny-bert.0a1b2c3d.tmp"
    _plant(stale_dir / "model.safetensors", HOUR)
    os.utime(stale_dir, (time.time() - HOUR, time.time() - HOUR))
    fresh = _plant(cache / "runs" / "k3" / ".run.trec.zz99yy88.tmp", 0)  # begun during this run
    kept = [_plant(cache / "runs" / "k4" / "run.trec", HOUR), _plant(cache / "cross-encoders" / "k5" / ".lock", HOUR),
            _plant(cache / "models" / "k6" / "tiny-bert" / "config.json", HOUR)]
    with atomic_open(cache / "training-sets" / "k7" / "pairs.tsv") as live:
        live.write("a\tb\t1\n")
        (writing,) = (cache / "training-sets" / "k7").iterdir()
        os.utime(writing, (time.time() - HOUR, time.time() - HOUR))  # a slow writer: old, but locked
        assert remove_stale(cache, started) == sorted([stale, stale_nb, stale_dir])
        assert writing.exists()
    assert (cache / "training-sets" / "k7" / "pairs.tsv").read_text() == "a\tb\t1\n"
    assert fresh.exists() and all(p.exists() for p in kept)
    assert not stale.exists() and not stale_nb.exists() and not stale_dir.exists()
    assert remove_stale(cache, started) == []


KILLED_WRITER = """
import os, signal, sys
from csir_lib.core.atomic import atomic_open
with atomic_open(sys.argv[1]) as fh:
    fh.write("half a file")
    fh.flush()
    print(next(p for p in os.scandir(os.path.dirname(sys.argv[1])) if p.name.startswith(".")).path, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_writes_temporary_is_cleaned_when_the_next_run_starts(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    target = cache / "runs" / "k" / "run.trec"
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL
    left = Path(done.stdout.strip())
    assert left.read_text() == "half a file" and not target.exists()
    time.sleep(0.05)  # the next run starts after the kill
    assert clean_cache(cache, time.time()) == [left]
    assert not left.exists() and not target.exists()
    assert capsys.readouterr().out == f"[cleaned] 1 temporary file(s) a killed run left in the cache: " \
                                      f"runs/k/{left.name}\n"
    assert clean_cache(tmp_path / "no-cache-yet", time.time()) == []
