"""The study's tables written as Markdown, LaTeX (booktabs) and CSV: paper-style results tables and plain frames.

Hand-written: ranx's report renders one qrels and several runs, not a grid of language pairs grouped by
setting with averages and corrected significance marks; pandas' `to_latex` needs jinja2 styling and cannot
mark cells. A results table is built once (`build_table`) and each renderer only formats it; any other
DataFrame a notebook shows is written by `write_frame`. Both go through one writer (`_write_renders`) and one
LaTeX escape (`_tex`), so a caption or cell with `$`, `{`, `}`, `%`, `&` or `_` never breaks the .tex file.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from csir_lib.core.atomic import write_text
from csir_lib.core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

SETTINGS = ("MoIR", "CLIR", "MLIR")
MARK = "\u2020"  # dagger: significantly different from the baseline after correction
BELOW = "\u25bd"  # white down-pointing triangle: below the first stage it re-ranks
MISSING = "\u2013"  # en dash: how a frame's table shows a number that was not measured (csv: an empty cell)
REQUIRED = ("experiment", "setting", "system", "query_lang", "doc_lang", "metric", "value", "n_queries")


@dataclass(frozen=True)
class Cell:
    """One number of the table (already scaled) and whether it differs significantly from the baseline."""

    value: float | None
    significant: bool = False
    below: bool = False  # below the row's first stage (the candidates' own order)


@dataclass(frozen=True)
class Row:
    """A language pair, or a setting's average (`is_average`), with one cell per system."""

    setting: str
    label: str
    cells: tuple[Cell, ...]
    is_average: bool = False
    extras: tuple[str, ...] = ()  # the table's extra columns (e.g. n and the minimum detectable difference)


@dataclass(frozen=True)
class Table:
    """A results table ready to render."""

    systems: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str
    decimals: int = 1
    extra_columns: tuple[str, ...] = ()


def _pick(frame: pd.DataFrame, column: str, wanted: str | None, what: str) -> pd.DataFrame:
    """Rows of `frame` whose `column` equals `wanted`; with None, the column must hold one value only."""
    present = sorted(str(v) for v in frame[column].unique())
    if wanted is None:
        if len(present) != 1:
            raise InputError(f"{len(present)} {what}s ({', '.join(present)})", path="metrics",
                             expected=f"one {what}, or choose one")
        return frame
    if wanted not in present:
        raise InputError(f"no row for {what} {wanted!r}", path="metrics", expected=f"one of {', '.join(present)}")
    return frame[frame[column] == wanted]


def _note(metric: str, scale: float, baseline: str | None, alpha: float, tested: bool, family: list[int],
          correction: str, test: str) -> str:
    """The sentence under the table: metric, scale, what the mark means and the size of the family."""
    text = f"{metric}" + (f" x{scale:g}" if scale != 1 else "") + "."
    if baseline is not None and tested:
        sizes = "/".join(str(n) for n in family) or "0"
        text += (f" {MARK}: corrected p < {alpha:g} against {baseline} ({test}, {correction} correction over a "
                 f"family of {sizes} comparisons).")
    elif baseline is not None:
        text += " No significance test."
    return text


def build_table(
    metrics: pd.DataFrame,
    metric: str,
    *,
    systems: Sequence[str] | None = None,
    baseline: str | None = None,
    experiment: str | None = None,
    settings: Sequence[str] = SETTINGS,
    alpha: float = 0.05,
    scale: float = 100.0,
    decimals: int = 1,
    family_size: int | None = None,
    correction: str = "Bonferroni",
    test: str = "two-sided paired t-test",
    first_stage: str | None = None,
    references: Sequence[str] = (),
    extras: Mapping[tuple[str, str, str], Mapping[str, str]] | None = None,
) -> Table:
    """A table of `metric` from long-format `metrics`: pairs grouped by setting, one column per system.

    Pairs keep their order of first appearance; settings follow `settings`, then any others by first
    appearance. A cell is marked when its `p_corrected` < `alpha`. Each setting ends with an average row
    (a system's average only when it has every pair of the setting). The family size in the note is
    `family_size`, else the `family_size` column, else the number of tested cells. With `first_stage` (a system
    among `systems`), other systems' cells below it in their row are marked (not those of `references`); `extras`
    adds columns per
    (setting, query_lang, doc_lang) row, e.g. {"n": "300", "MDE": "4.1"}.
    """
    missing = [c for c in REQUIRED if c not in metrics.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path="metrics", expected=", ".join(REQUIRED))
    frame = _pick(_pick(metrics, "experiment", experiment, "experiment"), "metric", metric, "metric")
    found = list(dict.fromkeys(frame["system"]))
    systems = tuple(systems) if systems is not None else tuple(found)
    if baseline is not None and baseline not in systems:
        raise InputError(f"baseline {baseline!r} is not among the systems", path="baseline",
                         expected=f"one of {', '.join(systems)}")
    unknown = [s for s in systems if s not in found]
    if unknown:
        raise InputError(f"no {metric} rows for system(s) {', '.join(unknown)}", path="metrics",
                         expected=f"systems among {', '.join(found)}")
    frame = frame[frame["system"].isin(systems)]
    cell_key = ["setting", "query_lang", "doc_lang", "system"]
    duplicated = frame[frame.duplicated(cell_key, keep=False)]
    if len(duplicated):
        first = duplicated.iloc[0]
        raise InputError(f"several {metric} values for {first['system']} {first['setting']} "
                         f"{first['query_lang']}-{first['doc_lang']}", path="metrics",
                         expected="one value per cell (average the seeds first)")
    has_p = "p_corrected" in frame.columns
    values = {tuple(r[c] for c in cell_key): r for r in frame.to_dict(orient="records")}
    order = [s for s in settings if s in set(frame["setting"])]
    order += [s for s in dict.fromkeys(frame["setting"]) if s not in order]
    rows: list[Row] = []
    tested = 0
    extra_columns = tuple(dict.fromkeys(k for row in (extras or {}).values() for k in row))
    for setting in order:
        part = frame[frame["setting"] == setting]
        pairs = list(dict.fromkeys(zip(part["query_lang"], part["doc_lang"], strict=True)))
        for q, d in pairs:
            cells = []
            floor = values.get((setting, q, d, first_stage)) if first_stage else None
            for system in systems:
                record = values.get((setting, q, d, system))
                if record is None or math.isnan(float(record["value"])):
                    cells.append(Cell(None))
                    continue
                p = record.get("p_corrected") if has_p and system != baseline else None
                p = None if p is None or (isinstance(p, float) and math.isnan(p)) else float(p)
                tested += p is not None
                below = floor is not None and system not in (first_stage, *references) and \
                    float(record["value"]) < float(floor["value"])
                cells.append(Cell(float(record["value"]) * scale, p is not None and p < alpha, below))
            row_extras = (extras or {}).get((setting, q, d), {})
            rows.append(Row(setting, f"{str(q).upper()}-{str(d).upper()}", tuple(cells),
                            extras=tuple(str(row_extras.get(c, "")) for c in extra_columns)))
        averages = []
        for j in range(len(systems)):
            column = [r.cells[j].value for r in rows if r.setting == setting and not r.is_average]
            complete = all(v is not None for v in column)
            averages.append(Cell(sum(column) / len(column) if complete and column else None))  # type: ignore[arg-type]
        rows.append(Row(setting, "Avg.", tuple(averages), is_average=True, extras=("",) * len(extra_columns)))
    if family_size is not None:
        family = [family_size]
    elif "family_size" in frame.columns:
        family = sorted({int(v) for v in frame["family_size"].dropna()})
    else:
        family = [tested]
    note = _note(metric, scale, baseline, alpha, tested > 0, family, correction, test)
    if first_stage is not None:
        note += f" {BELOW}: below the {first_stage} it re-ranks."
    return Table(systems, tuple(rows), note, decimals, extra_columns)


def _number(cell: Cell, decimals: int) -> str:
    """A cell's number with fixed decimals, or an empty string when missing."""
    return "" if cell.value is None else f"{cell.value:.{decimals}f}"


def _best(row: Row, decimals: int) -> set[int]:
    """Columns holding the row's highest number as printed."""
    printed = [float(_number(c, decimals)) if c.value is not None else None for c in row.cells]
    top = max((v for v in printed if v is not None), default=None)
    return {j for j, v in enumerate(printed) if v is not None and v == top}


def to_markdown(table: Table) -> str:
    """The table as GitHub Markdown; the row's best number bold, significant ones with a dagger."""
    columns = (*table.systems, *table.extra_columns)
    lines = ["| Setting | Pair | " + " | ".join(columns) + " |", "|---|---|" + "---:|" * len(columns)]
    for row in table.rows:
        best = _best(row, table.decimals)
        texts = []
        for j, cell in enumerate(row.cells):
            text = _number(cell, table.decimals) or "\u2013"
            text += _marks(cell)
            texts.append(f"**{text}**" if j in best else text)
        label = f"*{row.label}*" if row.is_average else row.label
        lines.append(f"| {row.setting} | {label} | " + " | ".join([*texts, *row.extras]) + " |")
    return "\n".join(lines) + "\n\n" + table.note + "\n"


def _marks(cell: Cell) -> str:
    """The marks after a cell's number: significance, then below the first stage."""
    return (MARK if cell.significant else "") + (BELOW if cell.below else "")


def _tex(text: str) -> str:
    """Text with LaTeX's special characters escaped."""
    specials = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
                ">": r"\textgreater{}", MARK: r"$^\dagger$", BELOW: r"$^\triangledown$"}
    return "".join(specials.get(ch, ch) for ch in text)


def to_latex(table: Table) -> str:
    """The table as a booktabs LaTeX tabular followed by its note."""
    columns = (*table.systems, *table.extra_columns)
    n = len(columns)
    lines = [r"\begin{tabular}{ll" + "r" * n + "}", r"\toprule",
             "Setting & Pair & " + " & ".join(_tex(s) for s in columns) + r" \\", r"\midrule"]
    previous = None
    for row in table.rows:
        if previous is not None and row.setting != previous:
            lines.append(r"\midrule")
        if row.is_average:
            lines.append(rf"\cmidrule(lr){{2-{n + 2}}}")
        best = _best(row, table.decimals)
        texts = []
        for j, cell in enumerate(row.cells):
            text = _number(cell, table.decimals) or "--"
            text = rf"\textbf{{{text}}}" if j in best else text
            texts.append(text + _tex(_marks(cell)))
        setting = _tex(row.setting) if row.setting != previous else ""
        label = r"\textit{Avg.}" if row.is_average else _tex(row.label)
        lines.append(f"{setting} & {label} & " + " & ".join([*texts, *map(_tex, row.extras)]) + r" \\")
        previous = row.setting
    lines += [r"\bottomrule", r"\end{tabular}", "", r"{\footnotesize " + _tex(table.note) + "}"]
    return "\n".join(lines) + "\n"


def to_csv(table: Table) -> str:
    """The table as CSV: setting, pair, one column per system; numbers as printed, daggers kept."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["setting", "pair", *table.systems, *table.extra_columns])
    for row in table.rows:
        cells = [_number(c, table.decimals) + _marks(c) for c in row.cells]
        writer.writerow([row.setting, row.label, *cells, *row.extras])
    return buffer.getvalue()


def _write_renders(folder: str | Path, name: str, renders: Mapping[str, str]) -> dict[str, Path]:
    """Write each text of `renders` to `<folder>/tables/<name>.<suffix>` atomically; the paths by suffix."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise InputError(f"table name {name!r}", path="name", expected="a plain file stem such as 'main_mrr10'")
    base = Path(folder) / "tables"
    return {suffix: write_text(base / f"{name}.{suffix}", text) for suffix, text in renders.items()}


def write_table(table: Table, folder: str | Path, name: str) -> dict[str, Path]:
    """Write `<folder>/tables/<name>.md|.tex|.csv` atomically; returns the paths by suffix."""
    return _write_renders(folder, name, {"md": to_markdown(table), "tex": to_latex(table), "csv": to_csv(table)})


def _frame_cell(value: object, floatfmt: str) -> str:
    """A frame's cell as LaTeX: floats in `floatfmt`, a missing number as MISSING, special characters escaped."""
    if value is None or (isinstance(value, float) and value != value):
        return MISSING
    return _tex(format(value, floatfmt) if isinstance(value, float) else str(value))


def frame_to_latex(frame: pd.DataFrame, caption: str = "", floatfmt: str = ".3f") -> str:
    """A DataFrame as a booktabs LaTeX table, left-aligned, with an escaped caption below it."""
    lines = [r"\begin{table}[t]", r"\centering", r"\begin{tabular}{" + "l" * len(frame.columns) + "}", r"\toprule",
             " & ".join(_frame_cell(c, floatfmt) for c in frame.columns) + r" \\", r"\midrule"]
    lines += [" & ".join(_frame_cell(v, floatfmt) for v in row) + r" \\" for row in frame.itertuples(index=False)]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if caption:
        lines.append(r"\caption{" + _tex(caption) + "}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def write_frame(frame: pd.DataFrame, folder: str | Path, name: str, caption: str = "",
                floatfmt: str = ".3f") -> dict[str, Path]:
    """Write a DataFrame as `<folder>/tables/<name>.csv|.md|.tex` (caption above the Markdown, below the LaTeX)."""
    markdown = frame.astype(object).where(frame.notna(), None).to_markdown(index=False, floatfmt=floatfmt,
                                                                           missingval=MISSING)
    return _write_renders(folder, name, {
        "csv": frame.to_csv(index=False, lineterminator="\n", float_format=f"%{floatfmt}"),
        "md": (f"{caption}\n\n" if caption else "") + markdown + "\n",
        "tex": frame_to_latex(frame, caption, floatfmt)})
