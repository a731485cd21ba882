"""run_all.sh under faults, in the smoke profile: determinism, and kills during code-switching, training, re-ranking.

Every run gets its own cache and results folders (conftest's `smoke` runner), so the tests never touch the repository's
.cache or results/. The reference is one forced run from scratch, shared with tests/report/test_pipeline.py. The kills
are made deterministic by csir_lib.core.faults: CSIR_FAILPOINT=name:N SIGKILLs run_all.sh and its notebook kernel at the
N-th hit of a failpoint. To stay within the suite's time budget the three kills are chained in one fresh folder: a run
killed while code-switching, rerun and killed while training, rerun and killed while re-ranking, rerun to the end; after
each kill the state on disk is checked, and each rerun must finish the killed notebook with the reference's metrics.csv,
byte for byte.
"""

from __future__ import annotations

import csv
import difflib
import re
import signal
import subprocess
from pathlib import Path

import pytest

from csir_lib import pipeline
from csir_lib.core.config import load_config
from csir_lib.data.formats import read_run
from csir_lib.pipeline import STAMP
from csir_lib.training.sets import english_pairs
from csir_lib.training.spec import FINAL, WORK
from csir_lib.training.spec import STAMP as TRAIN_STAMP

pytestmark = pytest.mark.slow
KILLED = -signal.SIGKILL


def folder(base: Path) -> Path:
    """The results folder of the smoke profile under `base`."""
    return base / "results" / "smoke"


def metrics(base: Path, stems: list[str] | None = None) -> dict[str, bytes]:
    """{notebook stem: bytes of its metrics.csv} for `stems` (every notebook by default)."""
    stems = stems or [nb.stem for nb in pipeline.notebooks()]
    return {stem: (folder(base) / stem / "metrics.csv").read_bytes() for stem in stems}


def assert_same_metrics(got: dict[str, bytes], reference: dict[str, bytes]) -> None:
    """Every metrics.csv in `got` equals the reference's byte for byte; a failure shows the first differences."""
    for stem, data in got.items():
        if data != reference[stem]:
            diff = difflib.unified_diff(reference[stem].decode().splitlines(), data.decode().splitlines(),
                                        "reference", "this run", lineterm="", n=0)
            pytest.fail(f"{stem}/metrics.csv differs from the reference:\n" + "\n".join(list(diff)[:20]))


def temporary_files(root: Path) -> set[Path]:
    """Files and folders under `root` named as atomic writes name their temporaries (`.NAME.XXXX.tmp[.ext]`)."""
    return {p for p in root.rglob(".*") if ".tmp" in p.name}


def assert_killed_in(run: subprocess.CompletedProcess, base: Path, stem: str) -> None:
    """The run died by SIGKILL inside notebook `stem`: earlier notebooks finished, `stem` and the manifest did not."""
    assert run.returncode == KILLED, f"failpoint did not fire (exit {run.returncode}):\n{run.stderr[-3000:]}"
    assert f"[run] {stem} ..." in run.stdout and f"[done] {stem}" not in run.stdout, run.stdout
    results = folder(base)
    assert not (results / "manifest.json").exists(), "a manifest was written by a run that never finished"
    for nb in pipeline.notebooks():
        stamped = (results / nb.stem / STAMP).exists()
        assert stamped == (nb.stem < stem), f"{nb.stem}: stamp {'present' if stamped else 'missing'}"
        if stamped:  # a stamp vouches for a complete notebook: everything it wrote is there
            assert all((results / nb.stem / name).is_file() for name in
                       (f"{nb.stem}.ipynb", f"{nb.stem}.html", "metrics.csv")), nb.stem


@pytest.fixture(scope="module")
def reference(smoke_reference) -> dict[str, bytes]:
    """The metrics.csv of every notebook from one uninterrupted forced run from scratch."""
    base, run = smoke_reference
    assert run.returncode == 0, run.stderr[-3000:]
    assert not temporary_files(base), "temporary files left by an uninterrupted run"
    return metrics(base)


def test_two_forced_runs_from_scratch_give_identical_metrics(reference, tmp_path_factory, smoke):
    base = tmp_path_factory.mktemp("second")
    run = smoke.run(base, "--force")
    assert run.returncode == 0, run.stderr[-3000:]
    assert_same_metrics(metrics(base), reference)


def test_kills_in_codeswitching_training_and_reranking_resume_to_the_reference(reference, tmp_path_factory, smoke):
    config = load_config(profile="smoke")
    base = tmp_path_factory.mktemp("killed")
    cache = base / "cache"

    # 1. killed half-way through the second code-switched training set (the first is BL-CS)
    n_pairs = len(english_pairs(config))
    run = smoke.run(base, failpoint=f"codeswitch:{n_pairs + n_pairs // 2}")
    assert_killed_in(run, base, "02_code_switching")
    half = temporary_files(cache / "training-sets")
    assert len(half) == 1, half
    partial = next(iter(half))
    final = partial.parent / re.fullmatch(r"\.(.+)\.\w+\.tmp", partial.name).group(1)  # .NAME.XXXX.tmp -> NAME
    assert final.suffix == ".tsv" and not final.exists() and not final.with_suffix(".stats.json").exists()
    finished = {p.name for p in (cache / "training-sets").glob("*/*.stats.json")}  # stats: written last
    assert "bl_cs_en-de.stats.json" in finished and final.with_suffix(".stats.json").name not in finished, finished

    # 2. rerun: code-switching finishes as the reference did; killed after the first checkpoint of the 3rd model
    t = config.training
    saves = t.steps // t.checkpoint_every + (t.steps % t.checkpoint_every > 0)  # a checkpoint at the last step too
    run = smoke.run(base, failpoint=f"train:{2 * saves + 1}")
    assert_killed_in(run, base, "03_training")
    assert not partial.exists() and "[cleaned] 1 temporary file(s)" in run.stdout  # removed as the run began
    assert_same_metrics(metrics(base, ["02_code_switching"]), reference)
    outs = [p.parent for p in (cache / "cross-encoders").glob("*/*/.lock")]
    done = [o for o in outs if (o / TRAIN_STAMP).is_file() and (o / FINAL / "model.safetensors").is_file()]
    cut = [o for o in outs if o not in done]
    assert len(done) == 2 and len(cut) == 1, outs
    assert not (cut[0] / FINAL).exists() and not (cut[0] / TRAIN_STAMP).exists()
    checkpoints = sorted(p.name for p in (cut[0] / WORK).glob("checkpoint-*"))
    assert checkpoints == [f"checkpoint-{t.checkpoint_every}"], checkpoints
    assert (cut[0] / WORK / checkpoints[0] / "trainer_state.json").is_file()

    # 3. rerun: training resumes from that checkpoint to the reference's losses; killed after 5 re-ranked runs
    run = smoke.run(base, failpoint="rerank:5")
    assert_killed_in(run, base, "04_main_results")
    assert_same_metrics(metrics(base, ["03_training"]), reference)
    with open(folder(base) / "03_training" / "tables" / "training.csv", newline="") as fh:
        resumed = [row for row in csv.DictReader(fh) if row["resumed_from"]]
    assert [(int(float(r["resumed_from"])), r["cached"]) for r in resumed] == [(t.checkpoint_every, "False")]
    runs = sorted((cache / "runs").glob("*/run.trec"))
    assert len(runs) == 5 and all(read_run(p) for p in runs), runs  # whole runs only, each readable
    assert not temporary_files(cache / "runs")

    # 4. rerun to the end: every notebook's metrics equal the reference's; nothing temporary in results
    run = smoke.run(base)
    assert run.returncode == 0, run.stderr[-3000:]
    assert_same_metrics(metrics(base), reference)
    assert (folder(base) / "manifest.json").is_file()
    assert not temporary_files(base / "results")
    assert not temporary_files(cache)  # each run removes what the kill before it left
