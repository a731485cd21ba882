"""Paper-style tables and the long-format metrics.csv, with exact expected text."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csir_lib.core.errors import InputError
from csir_lib.data.tables import build_table, frame_to_latex, to_csv, to_latex, to_markdown, write_frame, write_table
from csir_lib.report.metrics_csv import COLUMNS, format_metrics, read_metrics, write_metrics


def _row(setting, q, d, system, value, p=None, metric="mrr@10", experiment="main"):
    return {"experiment": experiment, "setting": setting, "system": system, "query_lang": q, "doc_lang": d,
            "metric": metric, "value": value, "n_queries": 4, "p_corrected": p}


def _metrics() -> pd.DataFrame:
    return pd.DataFrame([
        _row("CLIR", "en", "de", "Zero-shot", 0.2), _row("CLIR", "en", "de", "BL-CS", 0.25, 0.01),
        _row("CLIR", "ar", "it", "Zero-shot", 0.077), _row("CLIR", "ar", "it", "BL-CS", 0.156, 0.2),
        _row("MoIR", "en", "en", "Zero-shot", 0.3), _row("MoIR", "en", "en", "BL-CS", 0.29, 0.5),
        _row("MoIR", "en", "en", "Zero-shot", 0.5, metric="ndcg@10"),
    ])


NOTE = ("mrr@10 x100. \u2020: corrected p < 0.05 against Zero-shot (two-sided paired t-test, Bonferroni correction "
        "over a family of 3 comparisons).")


def test_markdown_exact():
    table = build_table(_metrics(), "mrr@10", systems=["Zero-shot", "BL-CS"], baseline="Zero-shot")
    assert to_markdown(table) == (
        "| Setting | Pair | Zero-shot | BL-CS |\n"
        "|---|---|---:|---:|\n"
        "| MoIR | EN-EN | **30.0** | 29.0 |\n"
        "| MoIR | *Avg.* | **30.0** | 29.0 |\n"
        "| CLIR | EN-DE | 20.0 | **25.0\u2020** |\n"
        "| CLIR | AR-IT | 7.7 | **15.6** |\n"
        "| CLIR | *Avg.* | 13.8 | **20.3** |\n"
        "\n" + NOTE + "\n")


def test_csv_and_latex():
    table = build_table(_metrics(), "mrr@10", systems=["BL-CS", "Zero-shot"], baseline="Zero-shot", family_size=24)
    assert to_csv(table).splitlines() == [
        "setting,pair,BL-CS,Zero-shot", "MoIR,EN-EN,29.0,30.0", "MoIR,Avg.,29.0,30.0",
        "CLIR,EN-DE,25.0\u2020,20.0", "CLIR,AR-IT,15.6,7.7", "CLIR,Avg.,20.3,13.8"]
    tex = to_latex(table)
    assert tex.startswith("\\begin{tabular}{llrr}\n\\toprule\nSetting & Pair & BL-CS & Zero-shot \\\\\n\\midrule\n")
    assert "CLIR & EN-DE & \\textbf{25.0}$^\\dagger$ & 20.0 \\\\\n" in tex
    assert " & \\textit{Avg.} & \\textbf{20.3} & 13.8 \\\\\n" in tex
    assert "\\cmidrule(lr){2-4}" in tex and "\\bottomrule\n\\end{tabular}" in tex
    assert "corrected p \\textless{} 0.05" in tex and "family of 24 comparisons" in tex


def test_missing_cells_and_family_column():
    frame = _metrics()
    frame = frame[~((frame["system"] == "BL-CS") & (frame["query_lang"] == "ar"))].copy()
    frame["family_size"] = 9
    table = build_table(frame, "mrr@10", baseline="Zero-shot")
    lines = to_markdown(table).splitlines()
    assert "| CLIR | AR-IT | **7.7** | \u2013 |" in lines
    assert "| CLIR | *Avg.* | **13.8** | \u2013 |" in lines  # no average over an incomplete setting
    assert "family of 9 comparisons" in lines[-1]
    untested = build_table(_metrics().drop(columns="p_corrected"), "mrr@10", baseline="Zero-shot")
    assert untested.note == "mrr@10 x100. No significance test."
    assert "\u2020" not in to_markdown(untested)


def test_write_table_writes_three_files_atomically(tmp_path):
    table = build_table(_metrics(), "mrr@10", baseline="Zero-shot")
    paths = write_table(table, tmp_path, "main_mrr10")
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == ["main_mrr10.csv", "main_mrr10.md",
                                                                      "main_mrr10.tex"]
    assert paths["md"].read_text(encoding="utf-8") == to_markdown(table)
    with pytest.raises(InputError, match="table name"):
        write_table(table, tmp_path, "../x")



def test_frame_latex_escapes_caption_and_cells():
    """LaTeX's specials in a caption or cell come out escaped (study.py's old writer left $ { } as they were)."""
    frame = pd.DataFrame({"name_1": ["a_b", "x & y", "{p} 5%"], "cost $": [0.5, float("nan"), 2.0]})
    caption = "Costs in $ for {p} at 50% & more, per pair_id"
    assert frame_to_latex(frame, caption) == (
        "\\begin{table}[t]\n"
        "\\centering\n"
        "\\begin{tabular}{ll}\n"
        "\\toprule\n"
        "name\\_1 & cost \\$ \\\\\n"
        "\\midrule\n"
        "a\\_b & 0.500 \\\\\n"
        "x \\& y & \u2013 \\\\\n"
        "\\{p\\} 5\\% & 2.000 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
        "\\caption{Costs in \\$ for \\{p\\} at 50\\% \\& more, per pair\\_id}\n"
        "\\end{table}\n")


def test_write_frame_is_the_one_writer_with_a_checked_name(tmp_path):
    frame = pd.DataFrame({"claim": ["gain"], "ours": [3.88]})
    paths = write_frame(frame, tmp_path, "check", caption="50% of $x$")
    assert paths["tex"].read_text(encoding="utf-8") == frame_to_latex(frame, "50% of $x$")
    assert paths["md"].read_text(encoding="utf-8").startswith("50% of $x$\n\n| claim   |   ours |\n")
    with pytest.raises(InputError, match="table name"):
        write_frame(frame, tmp_path, "../x")

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"metric": "map"}, "no row for metric 'map'"),
    ({"metric": "mrr@10", "baseline": "ML-CS"}, "baseline 'ML-CS' is not among"),
    ({"metric": "mrr@10", "systems": ["Zero-shot", "X"]}, "no mrr@10 rows for system"),
    ({"metric": "mrr@10", "experiment": "ratio"}, "no row for experiment 'ratio'"),
])
def test_table_bad_choices(kwargs, message):
    metric = kwargs.pop("metric")
    with pytest.raises(InputError, match=message):
        build_table(_metrics(), metric, **kwargs)


def test_table_bad_frames():
    two = pd.concat([_metrics(), pd.DataFrame([_row("CLIR", "en", "de", "BL-CS", 0.2, experiment="other")])])
    with pytest.raises(InputError, match="2 experiments"):
        build_table(two, "mrr@10")
    seeds = pd.concat([_metrics(), _metrics().iloc[:1]])
    with pytest.raises(InputError, match="average the seeds first"):
        build_table(seeds, "mrr@10")
    with pytest.raises(InputError, match="missing column"):
        build_table(_metrics().drop(columns="n_queries"), "mrr@10")


# --- metrics.csv -------------------------------------------------------------------------------------------------
ROWS = [
    {"experiment": "main", "setting": "MoIR", "system": "zs", "query_lang": "en", "doc_lang": "en",
     "metric": "mrr@10", "value": 0.3, "n_queries": 4, "note": "demo", "seed": 2},
    {"experiment": "main", "setting": "CLIR", "system": "zs", "query_lang": "en", "doc_lang": "de",
     "metric": "mrr@10", "value": 1 / 3, "n_queries": 4, "p_value": 1.234567e-7, "seed": 1, "zeta": "x"},
    {"experiment": "main", "setting": "CLIR", "system": "zs", "query_lang": "en", "doc_lang": "de",
     "metric": "mrr@10", "value": float("nan"), "n_queries": 4, "seed": 3},
]
EXPECTED = (
    "experiment,setting,system,query_lang,doc_lang,metric,value,n_queries,seed,p_value,note,zeta\n"
    "main,CLIR,zs,en,de,mrr@10,0.333333,4,1,1.23457e-07,,x\n"
    "main,CLIR,zs,en,de,mrr@10,nan,4,3,,,\n"
    "main,MoIR,zs,en,en,mrr@10,0.300000,4,2,,demo,\n"
)


def test_metrics_csv_exact_bytes_and_roundtrip(tmp_path):
    path = write_metrics(tmp_path / "metrics.csv", ROWS)
    assert path.read_bytes() == EXPECTED.encode("utf-8")
    write_metrics(tmp_path / "again.csv", list(reversed(ROWS)))
    assert (tmp_path / "again.csv").read_bytes() == path.read_bytes()
    frame = read_metrics(path)
    assert frame.columns[: len(COLUMNS)].tolist() == list(COLUMNS)
    assert frame["n_queries"].tolist() == [4, 4, 4]
    assert frame["seed"].tolist() == [1, 3, 2]
    assert frame["value"].iloc[0] == pytest.approx(1 / 3, abs=1e-6) and math.isnan(frame["value"].iloc[1])
    assert frame["p_value"].iloc[0] == pytest.approx(1.23457e-7) and math.isnan(frame["p_value"].iloc[2])
    write_metrics(tmp_path / "third.csv", frame)
    assert (tmp_path / "third.csv").read_bytes() == path.read_bytes()


def test_write_metrics_bad_rows(tmp_path):
    target = tmp_path / "metrics.csv"
    with pytest.raises(InputError, match="row 1 lacks column"):
        write_metrics(target, [{"experiment": "main"}])
    with pytest.raises(InputError, match="two rows for"):
        write_metrics(target, [ROWS[0], dict(ROWS[0])])
    with pytest.raises(InputError, match="value 'high'"):
        write_metrics(target, [{**ROWS[0], "value": "high"}])
    with pytest.raises(InputError, match="n_queries 2.5"):
        write_metrics(target, [{**ROWS[0], "n_queries": 2.5}])
    with pytest.raises(InputError, match="no row"):
        format_metrics([])
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_read_metrics_bad_files(fixtures, tmp_path):
    missing = fixtures / "eval" / "metrics_missing_value.csv"
    with pytest.raises(InputError, match=rf"^{missing}:1: missing column\(s\) value"):
        read_metrics(missing)
    bad = fixtures / "eval" / "metrics_bad_value.csv"
    with pytest.raises(InputError, match=rf"^{bad}:3: value 'high'; expected a float"):
        read_metrics(bad)
    short = tmp_path / "short.csv"
    short.write_text(",".join(COLUMNS) + "\nmain,MoIR,zs,en,en,mrr@10,0.1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"short.csv:2: 7 field\(s\)"):
        read_metrics(short)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty.csv:1: file is empty"):
        read_metrics(empty)
