"""core.api.public_api: a stage's public names load from their modules on first use, and only those names."""

from __future__ import annotations

import subprocess
import sys

import pytest

from csir_lib.core.api import public_api
from csir_lib.core.paths import ROOT


def test_names_resolve_to_functions_renamed_functions_and_modules():
    from csir_lib import analysis, report
    from csir_lib.analysis import data_overview
    from csir_lib.report import figures, study

    assert report.open_study is study.open_study  # a function under its own name
    assert analysis.data_metrics is data_overview.metrics_rows  # a module's function under a public name
    assert report.figures is figures and figures.__name__ == "csir_lib.report.figures"  # a namespace module


def test_an_unknown_name_is_an_attribute_error_that_lists_the_public_names():
    all_, getattr_, dir_ = public_api("csir_lib.report", {"open_study": "study", "figures": "figures"})
    assert all_ == ["figures", "open_study"] and dir_() == ["figures", "open_study"]
    with pytest.raises(AttributeError, match=r"has no attribute 'study'.*\['figures', 'open_study'\]"):
        getattr_("study")


def test_importing_a_stage_loads_none_of_its_modules():
    """`import csir_lib.report` is light: its modules load only when one of their names is asked for."""
    code = ("import sys, csir_lib.report as r; before = 'csir_lib.report.figures' in sys.modules; r.make_plan; "
            "print(before, 'csir_lib.report.plan' in sys.modules, 'csir_lib.report.figures' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "True", "False"]
