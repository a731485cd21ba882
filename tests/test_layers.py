"""The package layout is the pipeline: stage sub-packages import only from themselves and the stages before them.

Every import of csir_lib counts, those inside functions too (the heavy ones live there), so a back-arrow or a
cycle between modules fails here rather than in a reader's head. ARCHITECTURE.md draws the same order.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "csir_lib"
LAYERS = ("core", "data", "evaluation", "models", "retrieval", "lexicons", "codeswitch", "training", "experiments",
          "analysis", "report", "commands")
TOP = {"csir_lib", "csir_lib.__main__", "csir_lib.cli", "csir_lib.pipeline"}  # the command line and run_all.sh
MAX_LINES = 350


def module_name(path: Path) -> str:
    """csir_lib/core/errors.py -> csir_lib.core.errors; a package's __init__ -> the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(LIB.rglob("*.py"))}


def layer(module: str) -> int:
    """The index in LAYERS of a csir_lib module's stage."""
    if module in TOP:
        return LAYERS.index("commands")
    return LAYERS.index(module.split(".")[1])


def imports(module: str) -> set[str]:
    """The csir_lib modules `module` imports anywhere in its body, functions and TYPE_CHECKING blocks included.

    A name imported from a package that is one of its modules counts as that module.
    """
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m.startswith("csir_lib") and m != module and m in MODULES}


GRAPH = {m: imports(m) for m in MODULES}


def test_every_module_lives_in_a_stage_package():
    """No flat module beside the stage packages except the command line; every package has a layer."""
    stray = [m for m in MODULES if m not in TOP and (m.count(".") < 1 or m.split(".")[1] not in LAYERS)]
    assert stray == [], f"modules outside a stage package (add the package to LAYERS or move them): {stray}"
    flat = [m for m in MODULES if m not in TOP and m.count(".") == 1 and m.split(".")[1] != "commands"
            and not (MODULES[m].name == "__init__.py")]
    assert flat == [], f"flat modules in csir_lib/: {flat}"


def test_imports_flow_one_way():
    """A module imports only from its own stage and the stages before it."""
    back = sorted(f"{m} -> {t} ({LAYERS[layer(m)]} imports {LAYERS[layer(t)]})"
                  for m, targets in GRAPH.items() for t in targets if layer(t) > layer(m))
    assert back == [], "back-arrows:\n" + "\n".join(back)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module (iterative, deterministic order)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def test_no_import_cycle():
    """No two modules import each other, directly or around a loop (imports inside functions included)."""
    assert strongly_connected(GRAPH) == []


def test_cycle_finder_finds_a_cycle():
    """The check above can fail: a hand-made loop of three and a back edge are found, a chain is not."""
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def public_names(package: str) -> list[str]:
    """A stage package's `__all__` (importing the package is light: its names load on first use)."""
    return list(importlib.import_module(f"csir_lib.{package}").__all__)


@pytest.mark.parametrize("package", LAYERS[:-1])
def test_each_stage_package_has_a_small_public_api(package: str):
    """Each stage exports a short `__all__` of functions and classes, and every name in it resolves."""
    names = public_names(package)
    assert 3 <= len(names) <= 30, f"csir_lib.{package}.__all__ has {len(names)} names"
    module = importlib.import_module(f"csir_lib.{package}")
    unresolved = [n for n in names if getattr(module, n, None) is None]
    assert unresolved == [], f"csir_lib.{package}.__all__ names what its modules do not define: {unresolved}"
    assert sorted(dir(module)) == sorted(names)


def test_a_public_api_rejects_an_unknown_name():
    """The lazy lookup fails like a module attribute, naming the public names, rather than importing a guess."""
    from csir_lib import report

    with pytest.raises(AttributeError, match="open_study"):
        report.open_studdy  # noqa: B018


def test_no_module_over_350_lines():
    """Modules stay small enough to read in one sitting."""
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_notebooks_import_public_modules_only():
    """Notebook cells import csir_lib names from a stage package's `__all__`, never from one of its modules."""
    public = {package: public_names(package) for package in LAYERS[:-1]}
    bad = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            code = "\n".join(line for line in "".join(cell["source"]).splitlines() if not line.startswith(("%", "!")))
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("csir_lib"):
                    parts = node.module.split(".")
                    ok = len(parts) == 2 and parts[1] in public and all(a.name in public[parts[1]] for a in node.names)
                    if not ok:
                        bad.append(f"{nb.name}: from {node.module} import {', '.join(a.name for a in node.names)}")
                elif isinstance(node, ast.Import) and any(a.name.startswith("csir_lib") for a in node.names):
                    bad.append(f"{nb.name}: import {', '.join(a.name for a in node.names)}")
    assert bad == []


def test_architecture_md_matches_the_packages():
    """ARCHITECTURE.md's diagram lists the stages in the enforced order and names every module of each."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    diagram = text.split("```")[1]
    order = [line.split()[0] for line in diagram.splitlines() if line.split() and line.split()[0] in LAYERS]
    assert order == list(reversed(LAYERS))
    words = set(diagram.replace(",", " ").split())
    unnamed = sorted(f"{p.parent.name}.{p.stem}" for package in LAYERS[:-1] for p in (LIB / package).glob("*.py")
                     if p.stem != "__init__" and p.stem not in words)
    assert unnamed == [], "modules missing from ARCHITECTURE.md's diagram"


def _exists(module: str) -> bool:
    """Whether `module` is a module or package file of this tree (not one an installed copy elsewhere provides)."""
    path = ROOT / Path(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_every_csir_lib_import_resolves_in_this_tree():
    """No import names a module that is not here: an editable install elsewhere would otherwise answer it."""
    folders = ("csir_lib", "tests", "benchmarks", "scripts")
    files = [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]
    sources = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in files]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        sources += [(f"{nb.name}[{i}]", "\n".join(line for line in "".join(c["source"]).splitlines()
                                                   if not line.startswith(("%", "!"))))
                    for i, c in enumerate(cells) if c["cell_type"] == "code"]
    missing = []
    for where, text in sources:
        for node in ast.walk(ast.parse(text)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            missing += [f"{where}:{node.lineno} {name}" for name in names
                        if name.startswith("csir_lib") and not _exists(name)]
    assert missing == []
