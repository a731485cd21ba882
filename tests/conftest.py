"""Shared test set-up: offline hubs, a writable numba cache, the fixtures folder, and smoke runs of run_all.sh."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".cache" / "numba"))

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """The folder of hand-made test fixtures."""
    return FIXTURES


@dataclass(frozen=True)
class SmokeRunner:
    """./run_all.sh --profile smoke with its cache and results in a folder of the test's own."""

    numba: Path
    timeout: int = 1500  # seconds for one run (about 2 min alone; the test machine may be shared)

    def run(self, base: Path, *args: str, failpoint: str | None = None) -> subprocess.CompletedProcess:
        """Run it in a session of its own (a failpoint kills the whole group), cache and results under `base`."""
        from csir_lib.core import faults
        from csir_lib.core.paths import ROOT

        env = {**os.environ, "NUMBA_CACHE_DIR": str(self.numba)}
        env.pop(faults.ENV, None)
        if failpoint:
            env[faults.ENV] = failpoint
        cmd = [str(ROOT / "run_all.sh"), "--profile", "smoke", "--set", f"cache_dir={base / 'cache'}",
               "--set", f"results_dir={base / 'results'}", *args]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            pytest.fail(f"run_all.sh took over {self.timeout} s:\n{out[-2000:]}\n{err[-2000:]}")
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)

    @staticmethod
    def results(base: Path) -> Path:
        """The smoke results folder under `base`."""
        return base / "results" / "smoke"


@pytest.fixture(scope="session")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> SmokeRunner:
    """A runner of the smoke profile whose runs share one numba cache outside the repository."""
    return SmokeRunner(tmp_path_factory.mktemp("numba"))


@pytest.fixture(scope="session")
def smoke_reference(smoke: SmokeRunner, tmp_path_factory: pytest.TempPathFactory
                    ) -> tuple[Path, subprocess.CompletedProcess]:
    """One forced smoke run from scratch, shared by the pipeline and fault tests: (its folder, the process)."""
    base = tmp_path_factory.mktemp("reference")
    return base, smoke.run(base, "--force")
