"""report.miracl_report: without MIRACL's passages every method says so, and nothing is written or computed."""

from __future__ import annotations

import pandas as pd

from csir_lib.core.config import load_config
from csir_lib.report.miracl_report import rank_miracl
from csir_lib.report.study import Study


def test_an_offline_profile_gets_an_object_that_says_not_computed(tmp_path, capsys):
    study = Study(load_config(profile="smoke"), tmp_path / "06", tmp_path / "cache")
    assert study.config.miracl.candidates == "none"
    ranking = rank_miracl(study, pd.DataFrame({"lang": ["sw"]}))
    assert not ranking.computed and ranking.rows.empty and ranking.rows.to_dict("records") == []
    ranking.summary()
    ranking.tables()
    ranking.analysis("fertility", title="(d)")
    shown = capsys.readouterr().out
    assert shown.count("*Not computed in the smoke profile:* MIRACL ranking: not run.") == 3
    assert shown.count("With internet access run:  ./run_all.sh --profile paper --only 06_miracl_low_resource") == 3
    assert not (tmp_path / "06").exists()  # no table, no figure, no folder
