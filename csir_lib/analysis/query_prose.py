"""The sentences notebook 06 says about its query-side table, computed from the table so they cannot go stale.

Languages are grouped by where the offline lexicons' words come from (csir_lib.core.languages): XQuAD-R text or a
Debian FreeDict dictionary, neither (CLDR names only), and scripts written without spaces (Chinese, Japanese,
Thai), whose coverage and fertility depend on their segmentation. English (the source side) has no coverage.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from csir_lib.core.errors import InputError
from csir_lib.core.languages import FREEDICT, get

if TYPE_CHECKING:
    import pandas as pd

NO_SPACE_SCRIPTS = frozenset({"Hans", "Hant", "Jpan", "Thai"})
GROUPS = ("with XQuAD-R text or a FreeDict dictionary", "with only CLDR names", "written without spaces")


def source_group(lang: str) -> str:
    """Which of GROUPS a language belongs to (its script first, then its offline word sources)."""
    info = get(lang)
    if info.script in NO_SPACE_SCRIPTS:
        return GROUPS[2]
    return GROUPS[0] if info.in_xquad_r or lang in FREEDICT else GROUPS[1]


def _percent(value: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * value:.1f}"


def coverage_sentence(table: pd.DataFrame, column: str = "coverage:clwe") -> str:
    """One sentence: each group's languages and the range of `column` over them (lowest and highest named)."""
    if "lang" not in table.columns or column not in table.columns:
        raise InputError(f"table lacks 'lang' or {column!r}", expected="a frame from query_analysis.query_table()")
    values = {lang: float(v) for lang, v in zip(table["lang"], table[column], strict=True)
              if not math.isnan(float(v))}
    if not values:
        raise InputError(f"no language has a value in {column!r}", expected="coverage of at least one language")
    parts = []
    for group in GROUPS:
        langs = sorted((lang for lang in values if source_group(lang) == group), key=lambda x: (values[x], x))
        if not langs:
            continue
        low, high = langs[0], langs[-1]
        span = (f"{_percent(values[low])}%" if len(langs) == 1 else
                f"{_percent(values[low])}-{_percent(values[high])}% ({low} lowest, {high} highest)")
        parts.append(f"languages {group} ({' '.join(sorted(langs))}) reach {span}")
    return f"Share of query word tokens covered (`{column}`): " + "; ".join(parts) + "."


def fertility_sentence(table: pd.DataFrame, top: int = 8) -> str:
    """One sentence: the `top` languages by fertility, highest first, and the languages XLM-R never saw."""
    if not {"lang", "fertility", "xlmr"} <= set(table.columns):
        raise InputError("table lacks 'lang', 'fertility' or 'xlmr'", expected="a frame from query_table()")
    rows = table.dropna(subset=["fertility"]).sort_values(["fertility", "lang"], ascending=[False, True])
    if rows.empty:
        raise InputError("no language has a fertility", expected="query_table() run with a tokenizer")
    ranked = ", ".join(f"{r.lang} {r.fertility:.2f}" for r in rows.head(top).itertuples())
    text = f"Tokenizer pieces per word, highest first: {ranked}."
    unseen = [f"{r.lang} {r.fertility:.2f}" for r in rows.itertuples() if not bool(r.xlmr)]
    if unseen:
        text += f" Not in XLM-R's pre-training: {', '.join(unseen)}."
    return text


def query_paragraph(table: pd.DataFrame, column: str = "coverage:clwe") -> str:
    """Notebook 06's paragraph on its query-side table: coverage by group, then fertility (each when measured)."""
    parts = []
    if column in table.columns and table[column].notna().any():
        parts.append(coverage_sentence(table, column))
    if "fertility" in table.columns and table["fertility"].notna().any():
        parts.append(fertility_sentence(table))
    return " ".join(parts) or f"The table has neither {column} nor fertility values to describe."
