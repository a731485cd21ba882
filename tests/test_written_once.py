"""Each concept has one implementation that the others call (issue 14, "written once"); a second copy fails here.

The checks read csir_lib's source (AST, so comments and docstrings do not count): hashing, the run type, YAML
parsing, LaTeX table rendering and the wide-to-long loop of metrics.csv each live in one module.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "csir_lib"


def trees() -> Iterator[tuple[str, ast.Module]]:
    """(path relative to the repository, parsed module) of every csir_lib module."""
    for path in sorted(LIB.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def where(found: Callable[[ast.AST], bool]) -> list[str]:
    """The modules with at least one node for which `found` holds."""
    return [name for name, tree in trees() if any(found(node) for node in ast.walk(tree))]


def _imports(node: ast.AST, module: str) -> bool:
    """Whether `node` imports `module` (import m, import m as x, from m import y)."""
    if isinstance(node, ast.Import):
        return any(a.name == module for a in node.names)
    return isinstance(node, ast.ImportFrom) and node.module == module


def test_hashlib_only_in_core_hashing():
    """Files, text and downloads are hashed by csir_lib.core.hashing alone (the benchmarks and scripts call it too)."""
    assert where(lambda n: _imports(n, "hashlib")) == ["csir_lib/core/hashing.py"]
    files = [p for folder in ("benchmarks", "scripts") for p in sorted((ROOT / folder).rglob("*.py"))]
    others = [p.relative_to(ROOT).as_posix() for p in files
              if any(_imports(n, "hashlib") for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert others == []


def _assigns(node: ast.AST, name: str) -> bool:
    """Whether `node` binds `name` at the left of an assignment (`Run = ...`, `Run: TypeAlias = ...`, `type Run`)."""
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return type(node).__name__ == "TypeAlias" and getattr(node.name, "id", None) == name


def test_the_run_type_is_defined_once():
    """{qid: {docid: score}} is `csir_lib.data.formats.Run`, imported wherever a run is typed."""
    assert where(lambda n: _assigns(n, "Run")) == ["csir_lib/data/formats.py"]


def _calls_yaml_parser(node: ast.AST) -> bool:
    """Whether `node` calls PyYAML's parsers (yaml.load, safe_load, full_load, unsafe_load and their _all forms)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        isinstance(node.func.value, ast.Name) and node.func.value.id == "yaml" and "load" in node.func.attr


def test_yaml_is_parsed_by_core_yaml_load_only():
    """Profiles, train specs, rates and expected.yaml share one loader (safe, a repeated key refused, file:line)."""
    assert where(_calls_yaml_parser) == ["csir_lib/core/yaml_load.py"]


def _renders_a_table(node: ast.AST) -> bool:
    """Whether `node` renders a table itself: a LaTeX `\\toprule` string, or pandas' to_markdown/to_latex/to_csv."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "\\toprule" in node.value
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr in ("to_markdown", "to_latex", "to_csv")


def test_tables_are_rendered_by_data_tables_only():
    """Results tables and notebook frames share one writer, so one LaTeX escape covers every caption and cell."""
    assert where(_renders_a_table) == ["csir_lib/data/tables.py"]


def _wide_to_long_loop(node: ast.AST) -> bool:
    """Whether `node` is a loop over a table's rows with an inner loop over metrics building a dict with "metric"."""
    if not isinstance(node, ast.For):
        return False
    for inner in ast.walk(node):
        if inner is not node and isinstance(inner, ast.For):
            for built in ast.walk(inner):
                if isinstance(built, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "metric"
                                                        for k in built.keys):
                    return True
    return False


def test_wide_tables_become_metric_rows_in_one_loop():
    """Notebooks' wide tables reach metrics.csv through data.metric_rows.long_rows, not loops of their own."""
    assert where(_wide_to_long_loop) == ["csir_lib/data/metric_rows.py"]
