"""The long-format `metrics.csv` of DESIGN.md section 3: one row per number, byte-identical on rerun.

Hand-written over `DataFrame.to_csv` because the contract needs a fixed column order, a deterministic row
order, one float format for every platform and pandas version, and errors that name the file and line.

Layout: the eight required columns, then the known extras (seed, p_value, p_corrected, family_size, note),
then any other extras sorted by name. Rows are sorted by their printed cells. `value` has six decimals and
may be `nan` (e.g. the std of a single seed); other floats have six significant digits; a missing extra is
an empty cell. One row per (experiment, setting, system, query_lang, doc_lang, metric[, seed]).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csir_lib.core.atomic import atomic_open
from csir_lib.core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("experiment", "setting", "system", "query_lang", "doc_lang", "metric", "value", "n_queries")
KEY = ("experiment", "setting", "system", "query_lang", "doc_lang", "metric")
EXTRA_ORDER = ("seed", "p_value", "p_corrected", "family_size", "note")  # known extras first, others sorted after
FLOAT_EXTRAS = ("p_value", "p_corrected")
INT_EXTRAS = ("seed", "family_size")
VALUE_FORMAT = ".6f"  # metric values: six decimals
FLOAT_FORMAT = ".6g"  # other floats (p-values can be tiny): six significant digits


def _cell(value: Any, fmt: str, nan: str = "") -> str:
    """One CSV cell: floats in the fixed format, NaN as `nan`, None and pandas' NA as empty, the rest as text."""
    if value is None or type(value).__name__ == "NAType":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        number = float(value)
        return nan if math.isnan(number) else format(number, fmt)
    if type(value).__name__.startswith(("int", "uint")):
        return str(int(value))
    return str(value)


def _records(rows: Iterable[Mapping[str, Any]] | pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts, from a DataFrame or any iterable of mappings."""
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
        return [dict(r) for r in rows.to_dict(orient="records")]  # type: ignore[union-attr]
    return [dict(r) for r in rows]


def format_metrics(rows: Iterable[Mapping[str, Any]] | pd.DataFrame, where: str = "rows") -> str:
    """The CSV text of `rows`: required columns first, known extras, other extras sorted; rows sorted."""
    records = _records(rows)
    if not records:
        raise InputError("no row to write", path=where, expected="at least one metric row")
    extras: set[str] = set()
    for i, record in enumerate(records, start=1):
        missing = [c for c in COLUMNS if c not in record]
        if missing:
            raise InputError(f"row {i} lacks column(s) {', '.join(missing)}", path=where, expected=", ".join(COLUMNS))
        value, n = record["value"], record["n_queries"]
        if isinstance(value, bool) or not isinstance(value, Real):
            raise InputError(f"row {i} value {value!r}", path=where, expected="a number")
        if isinstance(n, bool) or not float(n).is_integer() or float(n) < 0:
            raise InputError(f"row {i} n_queries {n!r}", path=where, expected="a non-negative integer")
        extras.update(k for k in record if k not in COLUMNS)
    header = [*COLUMNS, *(c for c in EXTRA_ORDER if c in extras), *sorted(extras - set(EXTRA_ORDER))]
    lines = [[_cell(r.get(c), VALUE_FORMAT, "nan") if c == "value" else _cell(r.get(c), FLOAT_FORMAT) for c in header]
             for r in records]
    identity = [header.index(c) for c in (*KEY, "seed") if c in header]
    seen: set[tuple[str, ...]] = set()
    for line in lines:
        key = tuple(line[i] for i in identity)
        if key in seen:
            raise InputError(f"two rows for {dict(zip([header[i] for i in identity], key, strict=True))}",
                             path=where, expected="one row per experiment, setting, system, pair, metric (and seed)")
        seen.add(key)
    lines.sort()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue()


def write_metrics(path: str | Path, rows: Iterable[Mapping[str, Any]] | pd.DataFrame) -> Path:
    """Write `rows` to the long-format metrics.csv at `path` atomically (same rows, same bytes)."""
    text = format_metrics(rows, where=str(path))
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)


def _parse(text: str, kind: type, path: Path, line: int, column: str) -> Any:
    """One cell as `kind`, empty as missing; InputError naming file, line and column otherwise."""
    if text == "":
        if column in COLUMNS:
            raise InputError(f"empty {column}", path=path, line=line, expected=f"a {kind.__name__} {column}")
        return math.nan if kind is float else None
    try:
        number = float(text)
        if kind is int:
            if not number.is_integer():
                raise ValueError
            return int(number)
        return number
    except ValueError:
        raise InputError(f"{column} {text!r}", path=path, line=line, expected=f"a {kind.__name__}") from None


def read_metrics(path: str | Path) -> pd.DataFrame:
    """A metrics.csv as a DataFrame, its columns and numbers checked."""
    import pandas as pd

    from csir_lib.data.formats import iter_lines

    path = Path(path)
    reader = csv.reader(io.StringIO("".join(text + "\n" for _, text in iter_lines(path))))
    header = next(reader, [])
    if not header:
        raise InputError("file is empty", path=path, line=1, expected="a header: " + ",".join(COLUMNS))
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path=path, line=1, expected=",".join(COLUMNS))
    if len(set(header)) != len(header):
        raise InputError("a column name appears twice", path=path, line=1, expected="distinct column names")
    kinds = {"value": float, "n_queries": int, **dict.fromkeys(FLOAT_EXTRAS, float), **dict.fromkeys(INT_EXTRAS, int)}
    records = []
    for cells in reader:
        number = reader.line_num
        if not cells:
            continue
        if len(cells) != len(header):
            raise InputError(f"{len(cells)} field(s)", path=path, line=number, expected=f"{len(header)} fields")
        record: dict[str, Any] = {}
        for column, text in zip(header, cells, strict=True):
            if column in kinds:
                record[column] = _parse(text, kinds[column], path, number, column)
            elif column in KEY and text == "":
                raise InputError(f"empty {column}", path=path, line=number, expected=f"a {column}")
            else:
                record[column] = text
        records.append(record)
    frame = pd.DataFrame(records, columns=header)
    for column in header:
        if column in INT_EXTRAS:
            frame[column] = frame[column].astype("Int64")
        elif column in kinds:
            frame[column] = frame[column].astype(kinds[column])
    return frame
