"""Importing csir_lib changes no global state: no warnings filter at module level (filters go at the call site)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from csir_lib import pipeline
from csir_lib.core.paths import ROOT

FILTERS = {"filterwarnings", "simplefilter", "resetwarnings"}


def _module_level_calls(tree: ast.Module) -> list[ast.Call]:
    """Calls a module makes when imported: outside every function and class body."""
    calls, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            calls.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return calls


def test_no_module_installs_a_warnings_filter_when_imported():
    found = []
    for path in sorted((ROOT / "csir_lib").rglob("*.py")):
        for call in _module_level_calls(ast.parse(path.read_text(encoding="utf-8"))):
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if name in FILTERS:
                found.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert found == []


KERNEL = """
import sys, types
sys.modules["ipykernel.zmqshell"] = types.ModuleType("ipykernel.zmqshell")  # what tqdm.autonotebook looks for
import IPython
import tqdm.auto
"""


@pytest.mark.parametrize("quiet", [False, True])
def test_run_kernels_do_not_print_the_tqdm_widget_warning(monkeypatch, quiet):
    """Without ipywidgets, tqdm.auto in a kernel warns with this machine's paths; run_all's kernels ignore it."""
    pytest.importorskip("IPython")
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    if quiet:
        pipeline.quiet_kernels()
        pipeline.quiet_kernels()  # twice: the filter is added once
        assert os.environ["PYTHONWARNINGS"] == pipeline.QUIET_WARNING and os.environ["TQDM_DISABLE"] == "1"
    try:
        import ipywidgets  # noqa: F401
        pytest.skip("ipywidgets is installed: tqdm has no warning to give")
    except ImportError:
        pass
    done = subprocess.run([sys.executable, "-c", KERNEL], env=dict(os.environ), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ("IProgress not found" in done.stderr) is not quiet
