"""run_all.sh in the smoke profile: every notebook runs, reports, manifest and index are written, caching works."""

from __future__ import annotations

import csv
import json

import pytest

from csir_lib import pipeline
from csir_lib.errors import InputError
from csir_lib.paths import ROOT

COLUMNS = ["experiment", "setting", "system", "query_lang", "doc_lang", "metric", "value", "n_queries"]


@pytest.mark.slow
def test_smoke_run_writes_the_results_layout(smoke_reference):
    base, run = smoke_reference
    assert run.returncode == 0, run.stderr[-3000:]
    results = base / "results" / "smoke"
    stems = [nb.stem for nb in pipeline.notebooks()]
    manifest = json.loads((results / "manifest.json").read_text())
    assert manifest["profile"] == "smoke" and sorted(manifest["notebooks"]) == sorted(stems)
    assert {"git_commit", "git_dirty", "config", "packages", "device", "seeds"} <= set(manifest)
    index = (results / "index.html").read_text()
    for stem in stems:
        folder = results / stem
        assert (folder / f"{stem}.ipynb").exists() and (folder / f"{stem}.html").exists()
        assert f'href="{stem}/{stem}.html"' in index
        with open(folder / "metrics.csv", newline="") as fh:
            assert next(csv.reader(fh))[: len(COLUMNS)] == COLUMNS
        assert str(ROOT) not in (folder / f"{stem}.ipynb").read_text(), f"{stem}: a machine path in the report"
    assert not list(results.rglob("*.tmp*")), "temporary files left behind"


@pytest.mark.slow
def test_second_run_is_cached(smoke_reference, smoke):
    base, _ = smoke_reference
    again = smoke.run(base)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("[cached]") == len(pipeline.notebooks()) and "[run]" not in again.stdout


def test_only_with_unknown_notebook_fails_clearly():
    with pytest.raises(InputError, match="--only 99_nothing matches no notebook; expected a stem or prefix of 00_data"):
        pipeline.notebooks(["99_nothing"])


def test_lock_refuses_a_second_writer(tmp_path):
    with pipeline.results_lock(tmp_path), pytest.raises(InputError, match="another run_all.sh is writing"):
        with pipeline.results_lock(tmp_path):
            pass


def test_committed_demo_results_carry_no_machine_paths():
    """Reports, tables and manifests name files relative to the repository, never by this machine's paths."""
    import re

    absolute = re.compile(r"(?<![\w.:/-])/(?:home|root|tmp|work|Users|mnt|opt|var|private)/[^\s\"'<>]*")
    found = {}
    for path in sorted((ROOT / "results" / "demo").rglob("*")):
        if path.is_file() and path.suffix in {".ipynb", ".html", ".md", ".csv", ".tex", ".json", ".svg"}:
            hits = absolute.findall(path.read_text(encoding="utf-8", errors="replace"))
            if hits:
                found[str(path.relative_to(ROOT))] = sorted(set(hits))[:3]
    assert found == {}
