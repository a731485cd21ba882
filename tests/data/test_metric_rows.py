"""long_rows: a wide table to metrics.csv rows, in order, missing numbers skipped or kept, with exact rows."""

from __future__ import annotations

import math

import pandas as pd

from csir_lib.data.metric_rows import Col, long_rows


def _table() -> pd.DataFrame:
    return pd.DataFrame({"system": ["bl_cs", "zero_shot"], "seed": [1.0, 2.0], "pairs": [10, None],
                         "rate": [0.5, float("nan")], "share": [0.25, 0.75]})


def test_rows_in_table_then_metric_order_with_constants_columns_and_extras():
    rows = long_rows(_table(), ["rate", "share"], experiment="codeswitch", setting="training data",
                     system=Col("system"), query_lang="en", doc_lang="en", n_queries=Col("pairs"),
                     extras={"seed": Col("seed", int)})
    assert rows == [
        {"experiment": "codeswitch", "setting": "training data", "system": "bl_cs", "query_lang": "en",
         "doc_lang": "en", "metric": "rate", "value": 0.5, "n_queries": 10, "seed": 1},
        {"experiment": "codeswitch", "setting": "training data", "system": "bl_cs", "query_lang": "en",
         "doc_lang": "en", "metric": "share", "value": 0.25, "n_queries": 10, "seed": 1},
        {"experiment": "codeswitch", "setting": "training data", "system": "zero_shot", "query_lang": "en",
         "doc_lang": "en", "metric": "share", "value": 0.75, "n_queries": 0, "seed": 2},  # NaN rate: no row
    ]
    assert [type(r[k]) for r in rows[:1] for k in ("value", "n_queries", "seed")] == [float, int, int]


def test_keep_missing_writes_nan_and_accepts_plain_records():
    records = [{"lang": "sw", "n": 3, "coverage": None}, {"lang": "yo", "n": 4, "coverage": 0.5}]
    rows = long_rows(records, ["coverage"], experiment="lexicon", setting="MIRACL", system="titles",
                     query_lang=Col("lang"), doc_lang=Col("lang"), n_queries=Col("n"), keep_missing=True)
    assert [(r["query_lang"], r["n_queries"]) for r in rows] == [("sw", 3), ("yo", 4)]
    assert math.isnan(rows[0]["value"]) and rows[1]["value"] == 0.5
    assert long_rows(records, ["coverage"], experiment="lexicon", setting="MIRACL", system="titles",
                     query_lang="sw", doc_lang="sw", n_queries=Col("n"))[0]["query_lang"] == "sw"
