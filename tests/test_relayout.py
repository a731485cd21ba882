"""scripts/relayout.py's rewriting on hand-made text: imports, dotted names, paths, notebooks, `Path(__file__)`."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("relayout", ROOT / "scripts" / "relayout.py")
relayout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(relayout)

MOVES = {"report": "report.front_page", "lexicon_build": "lexicons.build", "figures": "report.figures",
         "lexicon": "lexicons.lexicon", "errors": "core.errors"}
TESTS = {"test_report": "report"}


def test_from_package_imports_are_grouped_with_the_old_names_as_aliases():
    text = "from csir_lib import figures, lexicon_build as lb, report, cli  # why\n"
    assert relayout.rewrite_text(text, MOVES, TESTS) == (
        "from csir_lib.report import figures, front_page as report  # why\n"
        "from csir_lib.lexicons import build as lb\n"
        "from csir_lib import cli\n")


def test_parenthesised_import_inside_a_function():
    text = "def f():\n    from csir_lib import (\n        lexicon,\n        report,\n    )\n"
    assert relayout.rewrite_text(text, MOVES, TESTS) == (
        "def f():\n    from csir_lib.lexicons import lexicon\n    from csir_lib.report import front_page as report\n")


def test_dotted_names_are_rewritten_once_and_whole():
    text = ('from csir_lib.lexicon import x\n'
            'monkeypatch.setattr("csir_lib.lexicon_build.load", f)  # csir_lib.lexiconx\n')
    assert relayout.rewrite_text(text, MOVES, TESTS) == (
        'from csir_lib.lexicons.lexicon import x\n'
        'monkeypatch.setattr("csir_lib.lexicons.build.load", f)  # csir_lib.lexiconx\n')
    # a new package spelt like an old module (report) is not rewritten a second time
    assert relayout.rewrite_text("from csir_lib import report\n", MOVES, TESTS) == (
        "from csir_lib.report import front_page as report\n")


def test_paths_of_modules_and_tests_in_prose():
    text = "see `csir_lib/errors.py` and tests/test_report.py, not csir_lib/cli.py or tests/test_other.py"
    assert relayout.rewrite_text(text, MOVES, TESTS) == (
        "see `csir_lib/core/errors.py` and tests/report/test_report.py, not csir_lib/cli.py or tests/test_other.py")


def test_file_relative_paths_gain_one_parent():
    assert relayout.deepen("ROOT = Path(__file__).resolve().parent.parent\nX = Path(__file__).parent / 'f'") == (
        "ROOT = Path(__file__).resolve().parent.parent.parent\nX = Path(__file__).parent.parent / 'f'")


def test_notebook_cells_keep_nbformat_layout():
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": ["from csir_lib import lexicon_build\n", "x = 1"],
                     "outputs": [], "execution_count": None},
                    {"cell_type": "markdown", "metadata": {}, "source": ["`csir_lib/errors.py` · é"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    out = json.loads(relayout.rewrite_notebook(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", MOVES, TESTS))
    assert out["cells"][0]["source"] == ["from csir_lib.lexicons import build as lexicon_build\n", "x = 1"]
    assert out["cells"][1]["source"] == ["`csir_lib/core/errors.py` · é"]


def test_an_unmapped_module_stops_the_move(tmp_path, monkeypatch, capsys):
    lib = tmp_path / "csir_lib"
    (lib / "commands").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    for name in ("__init__", "errors", "brand_new"):
        (lib / f"{name}.py").write_text("")
    monkeypatch.setattr(relayout, "LIB", lib)
    monkeypatch.setattr(relayout, "ROOT", tmp_path)
    with pytest.raises(SystemExit):
        relayout.plan()
    assert "no package for csir_lib module(s) brand_new.py" in capsys.readouterr().err


def test_dunder_import_attribute_chain_follows_the_module():
    text = 'f = __import__("csir_lib.lexicon").lexicon.read'
    expected = 'f = __import__("csir_lib.lexicons.lexicon").lexicons.lexicon.read'
    assert relayout.rewrite_text(text, MOVES, TESTS) == expected
