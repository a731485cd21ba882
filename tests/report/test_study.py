"""Study.save_table: the same numbers in csv, md and tex, a number not measured shown as a dash."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from csir_lib.core.cache import RUN_STARTED
from csir_lib.core.config import load_config
from csir_lib.report.study import Study, open_study


def test_save_table_writes_three_formats_and_marks_missing_numbers(tmp_path):
    study = Study(load_config(profile="smoke"), tmp_path, tmp_path / "cache")
    frame = pd.DataFrame({"claim": ["gain", "gap_x"], "ours": [3.88, float("nan")]})
    study.save_table(frame, "check", caption="Claims")
    tables = tmp_path / "tables"
    assert (tables / "check.csv").read_text() == "claim,ours\ngain,3.880\ngap_x,\n"
    assert (tables / "check.md").read_text() == (
        "Claims\n\n| claim   |   ours |\n|:--------|-------:|\n| gain    |  3.880 |\n| gap_x   |  –     |\n")
    tex = (tables / "check.tex").read_text()
    assert r"gain & 3.880 \\" in tex and r"gap\_x & – \\" in tex and r"\caption{Claims}" in tex


def test_section_metrics_reads_an_earlier_notebooks_metrics_or_says_which_to_run(tmp_path):
    from csir_lib.core.errors import InputError

    here = Study(load_config(profile="smoke"), tmp_path / "07_summary", tmp_path / "cache")
    earlier = Study(here.config, tmp_path / "04_main_results", here.cache_dir)
    row = {"experiment": "main", "setting": "MoIR", "system": "zero_shot", "query_lang": "en", "doc_lang": "en",
           "metric": "mrr@10", "value": 0.5, "n_queries": 3}
    earlier.write_metrics([row])
    main = here.section_metrics("04_main_results")
    assert main[["system", "value", "n_queries"]].to_dict("records") == [
        {"system": "zero_shot", "value": 0.5, "n_queries": 3}]
    assert here.section_metrics("05_ratio_and_unseen", required=False) is None
    with pytest.raises(InputError, match=r"05_ratio_and_unseen/metrics.csv: no metrics of notebook "
                                         r"05_ratio_and_unseen.*--profile smoke --only 05_ratio_and_unseen"):
        here.section_metrics("05_ratio_and_unseen")


def test_a_notebook_opened_by_hand_cleans_what_a_killed_write_left(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    stale = cache / "runs" / ".run.trec.ab12cd34.tmp"  # atomic_open's name for run.trec; no writer holds it
    stale.parent.mkdir(parents=True)
    stale.write_text("half a file")
    os.utime(stale, (1, 1))  # older than any run
    overrides = {"cache_dir": str(cache)}
    monkeypatch.setenv(RUN_STARTED, "2")  # under run_all.sh, which cleaned the cache when the run began
    open_study("smoke", overrides, results_dir=str(tmp_path / "out"))
    assert stale.exists()
    monkeypatch.delenv(RUN_STARTED)
    open_study("smoke", overrides, results_dir=str(tmp_path / "out"))
    assert not stale.exists() and (cache / "runs").is_dir()
    assert capsys.readouterr().out == "[cleaned] 1 temporary file(s) a killed run left in the cache: " \
                                      "runs/.run.trec.ab12cd34.tmp\n"
