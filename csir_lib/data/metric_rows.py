"""Wide tables to the long rows of metrics.csv (DESIGN.md section 3): one row per (table row, metric column).

Notebooks 00 to 03 and 06 each keep a wide table (a row per language, lexicon, system or seed; a column per
number) and write its numbers to metrics.csv; `long_rows` is the one loop that turns such a table into those rows,
so every stage skips missing numbers and types `value` and `n_queries` the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Col:
    """A field read from each wide row's column `name`, passed through `kind` (e.g. int)."""

    name: str
    kind: Callable[[Any], Any] | None = None


Field = str | int | Col  # a value the same for every row, or one read from a column


def _missing(value: Any) -> bool:
    """Whether a cell holds no number: None, NaN or pandas' NA."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _field(field: Field, record: Mapping[str, Any]) -> Any:
    """The value of `field` for one wide row."""
    if not isinstance(field, Col):
        return field
    value = record[field.name]
    return value if field.kind is None else field.kind(value)


def long_rows(table: pd.DataFrame | Iterable[Mapping[str, Any]], metrics: Iterable[str], *, experiment: str,
              setting: Field, system: Field, query_lang: Field, doc_lang: Field, n_queries: Field,
              extras: Mapping[str, Field] | None = None, keep_missing: bool = False) -> list[dict[str, Any]]:
    """metrics.csv rows of `table`: for each row in order, one per column of `metrics` in order.

    A missing number (None, NaN) gives no row unless `keep_missing` (then its value is NaN); a missing
    `n_queries` counts 0. Fields are constants or `Col`s; `extras` adds columns after `n_queries` (e.g. the seed).
    """
    records = table.to_dict("records") if hasattr(table, "to_dict") else [dict(r) for r in table]
    metrics = tuple(metrics)
    rows = []
    for record in records:
        for metric in metrics:
            value = record.get(metric)
            if _missing(value) and not keep_missing:
                continue
            n = _field(n_queries, record)
            rows.append({"experiment": experiment, "setting": _field(setting, record),
                         "system": _field(system, record), "query_lang": _field(query_lang, record),
                         "doc_lang": _field(doc_lang, record), "metric": metric,
                         "value": float("nan") if value is None else float(value),
                         "n_queries": 0 if _missing(n) else int(n),
                         **{name: _field(field, record) for name, field in (extras or {}).items()}})
    return rows
