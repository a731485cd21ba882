"""run_all.sh in the smoke profile: every notebook runs, reports, manifest and index are written, caching works."""

from __future__ import annotations

import csv
import json

import pytest

from csir_lib import pipeline
from csir_lib.core.errors import InputError
from csir_lib.core.paths import ROOT

COLUMNS = ["experiment", "setting", "system", "query_lang", "doc_lang", "metric", "value", "n_queries"]


@pytest.mark.slow
def test_smoke_run_writes_the_results_layout(smoke_reference):
    base, run = smoke_reference
    assert run.returncode == 0, run.stderr[-3000:]
    results = base / "results" / "smoke"
    stems = [nb.stem for nb in pipeline.notebooks()]
    manifest = json.loads((results / "manifest.json").read_text())
    assert manifest["profile"] == "smoke" and sorted(manifest["notebooks"]) == sorted(stems)
    assert {"git_commit", "git_dirty", "config", "packages", "device", "seeds"} <= set(manifest)
    index = (results / "index.html").read_text()
    for stem in stems:
        folder = results / stem
        assert (folder / f"{stem}.ipynb").exists() and (folder / f"{stem}.html").exists()
        assert f'href="{stem}/{stem}.html"' in index
        with open(folder / "metrics.csv", newline="") as fh:
            assert next(csv.reader(fh))[: len(COLUMNS)] == COLUMNS
        assert str(ROOT) not in (folder / f"{stem}.ipynb").read_text(), f"{stem}: a machine path in the report"
    assert not list(results.rglob("*.tmp*")), "temporary files left behind"


@pytest.mark.slow
def test_second_run_is_cached(smoke_reference, smoke):
    base, _ = smoke_reference
    again = smoke.run(base)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("[cached]") == len(pipeline.notebooks()) and "[run]" not in again.stdout


def test_only_with_unknown_notebook_fails_clearly():
    with pytest.raises(InputError, match="--only 99_nothing matches no notebook; expected a stem or prefix of 00_data"):
        pipeline.notebooks(["99_nothing"])


def test_lock_refuses_a_second_writer(tmp_path):
    with pipeline.results_lock(tmp_path), pytest.raises(InputError, match="another run_all.sh is writing"):
        with pipeline.results_lock(tmp_path):
            pass


def test_committed_demo_results_carry_no_machine_paths():
    """Reports, tables and manifests name files relative to the repository, never by this machine's paths."""
    import re

    absolute = re.compile(r"(?<![\w.:/-])/(?:home|root|tmp|work|Users|mnt|opt|var|private)/[^\s\"'<>]*")
    found = {}
    for path in sorted((ROOT / "results" / "demo").rglob("*")):
        if path.is_file() and path.suffix in {".ipynb", ".html", ".md", ".csv", ".tex", ".json", ".svg"}:
            hits = absolute.findall(path.read_text(encoding="utf-8", errors="replace"))
            if hits:
                found[str(path.relative_to(ROOT))] = sorted(set(hits))[:3]
    assert found == {}


@pytest.mark.slow
def test_reports_show_results_not_progress_bars(smoke_reference):
    """Progress bars belong on the terminal: no executed notebook keeps a stderr block with one."""
    import re

    base, _ = smoke_reference
    bar = re.compile(r"\d+%\|| \d+/\d+ \[|it/s\]|s/it\]")
    for executed in sorted((base / "results" / "smoke").glob("*/*.ipynb")):
        for cell in json.loads(executed.read_text())["cells"]:
            for output in cell.get("outputs", []):
                text = "".join(output.get("text", ""))
                if output.get("name") == "stderr":
                    assert not bar.search(text), f"{executed.name}: a progress bar in the report: {text[:200]!r}"


@pytest.mark.slow
def test_smoke_tables_carry_references_power_and_learning_curves(smoke_reference):
    """The comparison tables show the first stage, a random order, n and the MDE; training shows its references."""
    import pandas as pd

    base, _ = smoke_reference
    results = base / "results" / "smoke"
    header = (results / "04_main_results" / "tables" / "main_mrr10.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["setting", "pair", "first stage", "random order"] and header[-2:] == ["n", "MDE"]
    assert "MDE: the smallest difference" in (results / "04_main_results" / "tables" / "main_mrr10.md").read_text()
    training = pd.read_csv(results / "03_training" / "tables" / "training.csv")
    assert {"reference_loss", "learned", "dev_mrr10"} <= set(training.columns)
    assert training.reference_loss.round(3).eq(1.609).all()  # the smoke profile trains with the group softmax
    curves = pd.read_csv(results / "03_training" / "tables" / "learning_curves.csv")
    assert set(curves.groupby(["system", "seed"]).step.apply(tuple)) == {(0, 3, 6)}
    first = pd.read_csv(results / "04_main_results" / "tables" / "first_stage.csv")
    assert {"recall@100", "recall@10"} <= set(first.columns)
    main = pd.read_csv(results / "04_main_results" / "metrics.csv")
    random_rows = main[(main.system == "random order") & (main.metric == "mrr@10")]
    first_rows = main[(main.system == "first stage") & (main.metric == "mrr@10")]
    assert len(random_rows) == len(first_rows) > 0 and (random_rows.value.to_numpy() <= 1).all()
    assert set(main.experiment) == {"main", "pooled"}


# A few numbers of every stage, from a forced smoke run at 946cb5d (the smoke profile is deterministic: same seed,
# same bytes). The layout tests above pass with any numbers; these fail when a change moves a result, which must
# then be explained and the number here updated with it.
SMOKE_NUMBERS = [  # (notebook, the row's columns, its value)
    ("00_data", {"setting": "xquad-r", "query_lang": "de", "metric": "test_questions"}, 104),
    ("00_data", {"setting": "miracl-dev", "query_lang": "ar", "metric": "relevant"}, 5658),
    ("01_lexicon_induction", {"system": "clwe-csls", "doc_lang": "de", "metric": "P@1"}, 0.073418),
    ("01_lexicon_induction", {"system": "titles", "doc_lang": "de", "metric": "P@1"}, 0.866051),
    ("02_code_switching", {"system": "bl_cs:en-de", "metric": "switch_rate"}, 0.507670),
    ("02_code_switching", {"system": "bl_cs:en-de", "metric": "switched"}, 1059),
    ("03_training", {"system": "bl_cs:en-de", "seed": 1, "metric": "first_loss"}, 1.611238),
    ("03_training", {"system": "bl_cs:en-de", "seed": 2, "metric": "dev_mrr10"}, 0.360714),
    ("04_main_results", {"setting": "CLIR", "system": "first stage", "doc_lang": "de", "metric": "mrr@10"}, 0.027917),
    ("04_main_results", {"setting": "CLIR", "system": "zero_shot", "doc_lang": "de", "metric": "mrr@10"}, 0.049861),
    ("04_main_results", {"setting": "CLIR", "system": "bl_cs", "doc_lang": "de", "metric": "mrr@10"}, 0.105278),
    ("06_miracl_low_resource", {"setting": "MoIR", "query_lang": "de", "metric": "fertility"}, 3.188889),
    ("07_summary", {"setting": "clir-cs-gain", "metric": "ours"}, 0.70),
]


@pytest.mark.slow
def test_smoke_run_gives_the_known_numbers(smoke_reference):
    """A handful of metrics.csv values, one or two per notebook, equal to the committed smoke run's (6 decimals)."""
    import pandas as pd

    base, _ = smoke_reference
    results = base / "results" / "smoke"
    found = {}
    for stem, row, _ in SMOKE_NUMBERS:
        frame = pd.read_csv(results / stem / "metrics.csv", keep_default_na=False)
        if stem == "04_main_results":
            frame = frame[frame.experiment == "main"]
        chosen = frame[pd.concat([frame[column].astype(str) == str(value) for column, value in row.items()],
                                 axis=1).all(axis=1)]
        assert len(chosen) == 1, f"{stem}: {row} matches {len(chosen)} rows"
        found[(stem, *row.values())] = float(chosen.iloc[0]["value"])
    assert found == {(stem, *row.values()): pytest.approx(value, abs=5e-7) for stem, row, value in SMOKE_NUMBERS}


def test_notebook_markdown_renders_as_written():
    """A line that starts with a number and a dot or parenthesis is a list item in Markdown: only where meant."""
    import re

    item = re.compile(r"^\s{0,3}\d+[.)](\s|$)")
    for path in pipeline.notebooks():
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            lines = "".join(cell["source"]).split("\n")
            for before, line in zip(["", *lines], lines, strict=False):
                if item.match(line):
                    assert not before.strip() or item.match(before), f"{path.name}: {line!r} becomes a list item"
