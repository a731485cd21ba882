"""Study.save_table: the same numbers in csv, md and tex, a number not measured shown as a dash."""

from __future__ import annotations

import pandas as pd

from csir_lib.core.config import load_config
from csir_lib.report.study import Study


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
