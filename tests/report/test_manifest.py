"""The manifest's time table, and the README's time row that must come from the committed demo manifest."""

from __future__ import annotations

import json

from csir_lib.core.paths import ROOT
from csir_lib.report.manifest import duration, times_row

DEMO_LABEL = "demo, the committed run"


def test_duration_reads_like_a_person_says_it():
    assert [duration(s) for s in (4.4, 59.6, 616, 3720.2)] == ["4 s", "1 min 0 s", "10 min 16 s", "1 h 2 min"]


def test_times_row_lists_every_notebook_and_the_total():
    manifest = {"notebooks": {"00_data": {"seconds": 5.1}, "03_training": {"seconds": 616.4}}}
    assert times_row(manifest, "demo") == "| demo | 5 s | 10 min 16 s | 10 min 22 s |"


def test_readme_time_row_is_the_committed_demo_manifest():
    manifest = json.loads((ROOT / "results" / "demo" / "manifest.json").read_text(encoding="utf-8"))
    row = times_row(manifest, DEMO_LABEL)
    assert row in (ROOT / "README.md").read_text(encoding="utf-8"), (
        f"README's time table is stale: put this row in it "
        f"(python -m csir_lib.report.manifest results/demo/manifest.json)\n{row}")


def test_dirty_flag_ignores_the_results_the_run_is_writing(tmp_path, monkeypatch):
    import subprocess

    from csir_lib.core.config import load_config
    from csir_lib.report import manifest

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    (tmp_path / "results").mkdir()
    (tmp_path / "code.py").write_text("a = 1\n")
    (tmp_path / "results" / "metrics.csv").write_text("old\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "start")
    monkeypatch.setattr(manifest, "ROOT", tmp_path)
    config = load_config(profile="demo")
    (tmp_path / "results" / "metrics.csv").write_text("new\n")
    assert manifest.build_manifest(config, {})["git_dirty"] is False
    (tmp_path / "code.py").write_text("a = 2\n")
    assert manifest.build_manifest(config, {})["git_dirty"] is True
