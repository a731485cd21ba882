"""Evaluation: our ranx-backed metrics against hand-computed values and an independent trec_eval-style reference."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csir_lib.cli import main
from csir_lib.core.errors import InputError
from csir_lib.data.formats import ranked
from csir_lib.evaluation.measures import check_metrics, evaluate, evaluate_files, per_query_frame, rank_documents

L3 = math.log2(3)


# --- an independent reference, written from the definitions (trec_eval 9 semantics) ----------------------------
def _ref_order(scores: dict[str, float], depth: int | None, docid_desc: bool = False) -> list[str]:
    """Rank by score descending, ties by docid (ascending, or descending like trec_eval), cut at depth."""
    docs = list(scores)
    docs.sort(reverse=docid_desc)
    docs.sort(key=lambda d: scores[d], reverse=True)  # stable: keeps the docid order among ties
    return docs if depth is None else docs[:depth]


def _ref_query(judged: dict[str, int], ranking: list[str], metric: str) -> float:
    """One query's score for `metric` from the textbook definition."""
    name, _, cut = metric.partition("@")
    k = int(cut) if cut else len(ranking)
    top = ranking[:k]
    relevant = {d for d, r in judged.items() if r >= 1}
    if not relevant:
        return 0.0
    if name == "mrr":
        return next((1.0 / (i + 1) for i, d in enumerate(top) if d in relevant), 0.0)
    if name == "recall":
        return sum(d in relevant for d in top) / len(relevant)
    if name == "precision":
        return sum(d in relevant for d in top) / k
    if name == "map":
        hits, total = 0, 0.0
        for i, d in enumerate(top):
            if d in relevant:
                hits += 1
                total += hits / (i + 1)
        return total / len(relevant)
    if name == "ndcg":
        dcg = sum(max(judged.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(top))
        ideal = sorted((r for r in judged.values() if r > 0), reverse=True)[:k]
        return dcg / sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    raise AssertionError(metric)


def reference(qrels, run, metric, depth=None, docid_desc=False) -> float:
    """Mean over every qrels query; a query missing from the run scores 0."""
    values = [_ref_query(qrels[q], _ref_order(run.get(q, {}), depth, docid_desc), metric) for q in qrels]
    return sum(values) / len(values)


# --- the hand-made fixture: graded relevance, a tie, a judged query missing from the run ------------------------
QRELS = {"q1": {"d1": 2, "d2": 1, "d3": 0, "d9": 1}, "q2": {"d4": 1}, "q3": {"d5": 1}, "q4": {"d6": 0}}
RUN = {"q1": {"d3": 0.9, "d2": 0.5, "d1": 0.5, "d7": 0.1}, "q2": {"d8": 2.0, "d4": 1.0}, "q4": {"d6": 1.0},
       "q5": {"d1": 1.0}}
NDCG_Q1 = (2 / L3 + 1 / 2) / (2 + 1 / L3 + 1 / 2)  # ranking d3(0) d1(2) d2(1) d7; ideal 2, 1, 1
NDCG_Q2 = 1 / L3


def test_hand_computed_values():
    result = evaluate(QRELS, RUN, ["mrr@10", "ndcg@10", "recall@100", "map", "precision@2"])
    assert result.n_queries == 4
    assert result.missing_queries == ("q3",)
    assert result.ignored_queries == ("q5",)
    assert result["mrr@10"] == pytest.approx(0.25, abs=1e-12)
    assert result["recall@100"] == pytest.approx((2 / 3 + 1) / 4, abs=1e-12)
    assert result["ndcg@10"] == pytest.approx((NDCG_Q1 + NDCG_Q2) / 4, abs=1e-12)
    assert NDCG_Q1 == pytest.approx(0.5627272, abs=1e-7)
    assert result["map"] == pytest.approx(((1 / 2 + 2 / 3) / 3 + 1 / 2) / 4, abs=1e-12)
    assert result["precision@2"] == pytest.approx((1 / 2 + 1 / 2) / 4, abs=1e-12)
    for metric in result.metrics:  # the reference itself agrees with the hand-computed numbers
        assert reference(QRELS, RUN, metric) == pytest.approx(result[metric], abs=1e-12)
    per_query = result.per_query
    assert list(per_query.index) == ["q1", "q2", "q3", "q4"]
    assert per_query.loc["q1", "ndcg@10"] == pytest.approx(NDCG_Q1, abs=1e-12)
    assert per_query.loc["q3"].tolist() == [0.0] * 5
    assert per_query.loc["q4"].tolist() == [0.0] * 5


def test_ties_follow_written_order_or_trec_eval():
    assert rank_documents(RUN["q1"]) == ["d3", "d1", "d2", "d7"]
    assert rank_documents(RUN["q1"], "trec_eval") == ["d3", "d2", "d1", "d7"]
    trec = evaluate(QRELS, RUN, ["ndcg@10"], ties="trec_eval")
    assert trec.per_query.loc["q1", "ndcg@10"] == pytest.approx((1 / L3 + 2 / 2) / (2 + 1 / L3 + 1 / 2), abs=1e-12)
    # ranx alone would sort ties by score only; the result must not depend on the order docs were inserted
    reversed_run = {q: dict(reversed(list(s.items()))) for q, s in RUN.items()}
    assert evaluate(QRELS, reversed_run, ["ndcg@10"])["ndcg@10"] == evaluate(QRELS, RUN, ["ndcg@10"])["ndcg@10"]


def test_max_depth_reads_only_the_top():
    assert evaluate(QRELS, RUN, ["mrr@10"], max_depth=1)["mrr@10"] == 0.0
    assert evaluate(QRELS, RUN, ["recall@100"], max_depth=2)["recall@100"] == pytest.approx((1 / 3 + 1) / 4)


def test_files_give_the_same_numbers(fixtures):
    result = evaluate_files(fixtures / "eval" / "qrels.txt", fixtures / "eval" / "run.trec")
    assert result.to_dict() == pytest.approx({"mrr@10": 0.25, "ndcg@10": (NDCG_Q1 + NDCG_Q2) / 4,
                                              "recall@100": (2 / 3 + 1) / 4, "n_queries": 4})
    assert list(result.to_dict()) == ["mrr@10", "ndcg@10", "recall@100", "n_queries"]


def test_per_query_frame_is_long():
    frame = per_query_frame({"a": evaluate(QRELS, RUN, ["mrr@10"])}, "mrr@10")
    assert frame.columns.tolist() == ["system", "qid", "value"]
    assert frame["value"].tolist() == [0.5, 0.5, 0.0, 0.0]
    with pytest.raises(InputError, match="ndcg@10"):
        per_query_frame({"a": evaluate(QRELS, RUN, ["mrr@10"])}, "ndcg@10")


ids = st.sampled_from([f"d{i}" for i in range(12)])
run_strategy = st.dictionaries(st.sampled_from(["q1", "q2", "q3", "q4"]),
                               st.dictionaries(ids, st.sampled_from([0.0, 0.5, 1.0, 2.5, -1.0]), min_size=1))
qrels_strategy = st.dictionaries(st.sampled_from(["q1", "q2", "q3", "q5"]),
                                 st.dictionaries(ids, st.integers(0, 3), min_size=1), min_size=1)


@given(scores=st.dictionaries(ids, st.sampled_from([0.0, -0.0, 0.5, 1.0, 1e-300]), min_size=1))
def test_rank_order_is_the_written_order(scores):
    assert rank_documents(scores) == [docid for docid, _ in ranked(scores)]
    assert rank_documents(scores, "trec_eval") == _ref_order(scores, None, docid_desc=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qrels=qrels_strategy, run=run_strategy, depth=st.sampled_from([None, 3, 100]),
       trec_ties=st.booleans())
def test_matches_independent_reference(qrels, run, depth, trec_ties):
    if not set(qrels) & set(run):
        return
    metrics = ["mrr@10", "ndcg@10", "recall@100", "mrr@3", "ndcg@5", "recall@4", "map", "precision@3"]
    result = evaluate(qrels, run, metrics, depth, ties="trec_eval" if trec_ties else "docid_asc")
    assert result.n_queries == len(qrels)
    for metric in metrics:
        assert result[metric] == pytest.approx(reference(qrels, run, metric, depth, trec_ties), abs=1e-6), metric


@pytest.mark.parametrize("metrics", [["bleu"], ["recall"], ["ndcg@0"], ["mrr@x"], []])
def test_unknown_metric_lists_the_known(metrics):
    with pytest.raises(InputError, match="expected mrr, mrr@K, ndcg"):
        check_metrics(metrics)


@pytest.mark.parametrize("score", [float("nan"), float("inf"), float("-inf"), "1.0"])
def test_bad_scores_are_refused(score):
    with pytest.raises(InputError, match=r"^run: score"):
        evaluate(QRELS, {"q1": {"d1": score}}, ["mrr@10"])


def test_bad_inputs_are_refused():
    with pytest.raises(InputError, match="no query id in common with qrels"):
        evaluate(QRELS, {"x": {"d1": 1.0}}, ["mrr@10"])
    with pytest.raises(InputError, match="relevance 1.5"):
        evaluate({"q1": {"d1": 1.5}}, RUN, ["mrr@10"])
    with pytest.raises(InputError, match="qrels hold no query"):
        evaluate({}, RUN, ["mrr@10"])
    with pytest.raises(InputError, match="depth 0"):
        evaluate(QRELS, RUN, ["mrr@10"], max_depth=0)
    with pytest.raises(InputError, match="tie rule"):
        evaluate(QRELS, RUN, ["mrr@10"], ties="random")


def test_no_common_query_names_both_files(fixtures):
    qrels, run = fixtures / "eval" / "qrels.txt", fixtures / "eval" / "run_other_queries.trec"
    with pytest.raises(InputError) as err:
        evaluate_files(qrels, run)
    assert str(err.value).startswith(f"{run}: no query id in common with {qrels}")


def test_cli_prints_json(fixtures, capsys):
    code = main(["evaluate", "--qrels", str(fixtures / "eval" / "qrels.txt"), "--run",
                 str(fixtures / "eval" / "run.trec"), "--metrics", "mrr@10", "map", "--depth", "2"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed) == ["mrr@10", "map", "n_queries"]
    assert printed["mrr@10"] == pytest.approx(0.25)
    assert printed["map"] == pytest.approx((1 / 2 / 3 + 1 / 2) / 4)
    assert printed["n_queries"] == 4


@pytest.mark.parametrize(("run_name", "extra", "message"), [
    ("run_nan.trec", [], "run_nan.trec:2: score 'nan' is not finite"),
    ("run_other_queries.trec", [], "no query id in common"),
    ("run.trec", ["--metrics", "p@5"], "unknown metric 'p@5'"),
    ("run.trec", ["--depth", "-1"], "depth -1"),
    ("missing.trec", [], "missing.trec: file not found"),
])
def test_cli_bad_input_exits_2_with_one_line(fixtures, capsys, run_name, extra, message):
    code = main(["evaluate", "--qrels", str(fixtures / "eval" / "qrels.txt"), "--run",
                 str(fixtures / "eval" / run_name), *extra])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert message in captured.err
    assert captured.err.count("\n") == 1
