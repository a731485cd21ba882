"""analysis.comparison: the main table's default columns, and the labels titles and captions use."""

from __future__ import annotations

import pandas as pd

from csir_lib.analysis.comparison import compare, metric_label, system_label
from csir_lib.core.config import EvaluationConfig


def _scores(systems: dict[str, list[float]]) -> pd.DataFrame:
    """Long per-query MRR@10 of each system on one EN-EN setting (four queries, seed 1)."""
    return pd.DataFrame([{"setting": "MoIR", "query_lang": "en", "doc_lang": "en", "label": "EN-EN", "seen": True,
                          "system": system, "seed": 1, "qid": f"q{i}", "metric": "mrr@10", "value": value}
                         for system, values in systems.items() for i, value in enumerate(values)])


def test_the_default_table_has_references_then_every_system_in_the_papers_order():
    scores = _scores({"ml_cs@p=1": [1, 1, 0, 0], "wiki_cs": [1, 0, 1, 0], "first stage": [0, 0, 1, 1],
                      "ml_cs": [1, 1, 1, 0], "random order": [0.5, 0.5, 0.5, 0.5], "zero_shot": [1, 0, 0, 0]})
    main = compare(scores, EvaluationConfig(permutations=100))
    assert main.baseline == "zero_shot" and main.metric == "mrr@10"
    assert main.table().systems == ("first stage", "random order", "zero_shot", "ml_cs", "wiki_cs", "ml_cs@p=1")
    assert main.table(["ml_cs", "zero_shot"]).systems == ("first stage", "random order", "ml_cs", "zero_shot")


def test_the_baseline_comes_from_the_config():
    scores = _scores({"first stage": [0, 0, 1, 1], "zero_shot": [1, 0, 0, 0], "ml_cs": [1, 1, 1, 0]})
    main = compare(scores, EvaluationConfig(permutations=100, baseline="ml_cs"))
    assert main.baseline == "ml_cs" and set(main.tests.system) == {"zero_shot"}


def test_labels():
    assert [system_label(s) for s in ("zero_shot", "bl_cs", "ml_cs@p=1")] == ["Zero-shot", "BL-CS", "ml_cs@p=1"]
    assert [metric_label(m) for m in ("mrr@10", "ndcg@10", "recall@100", "p@5")] == [
        "MRR@10", "nDCG@10", "Recall@100", "p@5"]
