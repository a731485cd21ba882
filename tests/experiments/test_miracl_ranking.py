"""MIRACL re-ranking on a small MIRACL-format fixture: exact trec_eval scores, Holm tests, the Pyserini check.

The fixture is written in MIRACL's formats (a gzipped JSONL corpus shard, tab-separated topics and qrels with a
SHA256SUMS beside them, a gzipped TREC candidate run) and served through `miracl.local_dir`, the way a cluster
without hub access runs the paper profile.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import ttest_rel

from csir_lib.analysis.expected import check, load_expected
from csir_lib.core.config import load_config
from csir_lib.core.errors import InputError
from csir_lib.core.paths import ROOT
from csir_lib.evaluation.measures import evaluate
from csir_lib.evaluation.significance import holm
from csir_lib.experiments import miracl_reranking as mr
from csir_lib.report.study import Study

L2 = math.log2
PASSAGES = {
    "1#0": ("Èkó", "Èkó jẹ́ ìlú ńlá ní Nàìjíríà."), "1#1": ("Èkó", "Ọjà ńlá wà ní Èkó."),
    "2#0": ("Ọ̀yọ́", "Ọ̀yọ́ jẹ́ ìlú àtijọ́."), "2#1": ("Ọ̀yọ́", "Aláàfin ń gbé ní Ọ̀yọ́."),
    "3#0": ("Odò Ọya", "Odò Ọya ń ṣàn."), "3#1": ("Odò Ọya", "Ẹja pọ̀ nínú odò."),
    "4#0": ("Ìbàdàn", "Ìbàdàn tóbi gan-an."), "4#1": ("Ìbàdàn", "Yunifásítì wà ní Ìbàdàn."),
    "5#0": ("Ifẹ̀", "Ilé-Ifẹ̀ jẹ́ ìlú mímọ́."), "5#1": ("Ifẹ̀", "Ọ̀ni ń gbé ní Ifẹ̀."),
}
TOPICS = {"1": "Kí ni Èkó?", "2": "Ibo ni Ìbàdàn wà?", "3": "Ta ni Ọ̀ni Ifẹ̀?", "4": "Ọjà Èkó"}
QRELS = {"1": {"1#0": 1, "2#0": 1, "3#1": 0}, "2": {"4#0": 1}, "3": {"5#0": 1, "5#1": 1}, "4": {"1#1": 1}}
# q1's ranks 6 and 7 name passages missing from the corpus: depth 5 never looks them up, depth 7 must fail.
# q2 ties 5#1 and 4#0 at 1.0: trec_eval ranks 5#1 (docid descending) third and the relevant 4#0 fourth.
# q4 is judged but has no candidate: it scores 0 (trec_eval -c).
CANDIDATES = [("1", "1#1", 10), ("1", "1#0", 9), ("1", "2#1", 8), ("1", "2#0", 7), ("1", "3#0", 6), ("1", "99#0", 5),
              ("1", "98#0", 4), ("2", "3#1", 3), ("2", "4#1", 2), ("2", "5#1", 1), ("2", "4#0", 1),
              ("3", "5#0", 2), ("3", "3#0", 1.5), ("3", "1#0", 1)]
NDCG = {"1": (1 / L2(3) + 1 / L2(5)) / (1 + 1 / L2(3)), "2": 1 / L2(5), "3": 1 / (1 + 1 / L2(3)), "4": 0.0}
RECALL = {"1": 1.0, "2": 1.0, "3": 0.5, "4": 0.0}


def _gz(path: Path, text: str) -> Path:
    """Write `text` gzipped (fixed mtime) to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    return path


@pytest.fixture
def fixture_dirs(tmp_path) -> Path:
    """Shipped-style topics and qrels (with SHA256SUMS) and a local_dir with one shard and the BM25 list."""
    data = tmp_path / "miracl"
    data.mkdir()
    (data / "topics.miracl-v1.0-yo-dev.tsv").write_text("".join(f"{q}\t{t}\n" for q, t in TOPICS.items()))
    (data / "qrels.miracl-v1.0-yo-dev.tsv").write_text(
        "".join(f"{q}\tQ0\t{d}\t{r}\n" for q, judged in QRELS.items() for d, r in judged.items()))
    (data / "SHA256SUMS").write_text("".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
                                             for p in sorted(data.glob("*.tsv"))))
    local = tmp_path / "local"
    docs = [{"docid": d, "title": t, "text": x} for d, (t, x) in PASSAGES.items()]
    _gz(local / "miracl-corpus-v1.0-yo" / "docs-0.jsonl.gz",
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs))
    _gz(local / "data" / "bm25" / "yo.gz", "".join(f"{q} Q0 {d} {i} {s} bm25\n"
                                                   for i, (q, d, s) in enumerate(CANDIDATES, start=1)))
    return tmp_path


def _config(root: Path, **extra):
    """The smoke profile pointed at the fixture, BM25 candidates, depth 5."""
    overrides = {"data.miracl_dir": str(root / "miracl"), "miracl.candidates": "bm25", "miracl.depth": 5,
                 "miracl.local_dir": str(root / "local"), "languages.miracl": ["yo"], **extra}
    return load_config(profile="smoke", overrides=overrides)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, dict[int, Path]]:
    """Two tiny cross-encoders (heads drawn from torch seeds 0 and 1) standing for Zero-shot and ML-CS."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from csir_lib.models.tiny_model import build_tiny_model

    root = tmp_path_factory.mktemp("models")
    encoder = build_tiny_model(root / "encoder", [t for p in PASSAGES.values() for t in p] + list(TOPICS.values()),
                               seed=0, vocab_size=300)
    out = {}
    for seed, system in enumerate(("zero_shot", "ml_cs")):
        torch.manual_seed(seed)
        model = AutoModelForSequenceClassification.from_pretrained(encoder, num_labels=1)
        torch.nn.init.normal_(model.classifier.weight, std=1.0)
        folder = root / system / "seed-1"
        model.save_pretrained(folder)
        AutoTokenizer.from_pretrained(encoder).save_pretrained(folder)
        out[system] = {1: folder}
    return out


# ------------------------------------------------------------------------------------------ the task and its cache

def test_language_task_keeps_the_top_depth_and_the_passages_they_name(fixture_dirs, monkeypatch):
    task, run = mr.language_task("yo", _config(fixture_dirs), fixture_dirs / "cache")
    assert sorted(task.topics) == ["1", "2", "3"] and sorted(task.qrels) == ["1", "2", "3", "4"]
    assert run["1"] == {"1#1": 10, "1#0": 9, "2#1": 8, "2#0": 7, "3#0": 6}
    assert run["2"] == {"3#1": 3, "4#1": 2, "5#1": 1, "4#0": 1} and run["3"] == {"5#0": 2, "3#0": 1.5, "1#0": 1}
    assert sorted(task.corpus) == sorted({d for scores in run.values() for d in scores})
    assert task.corpus["2#1"] == {"docid": "2#1", "title": "Ọ̀yọ́", "text": "Aláàfin ń gbé ní Ọ̀yọ́."}
    def no_download(*args, **kwargs):
        raise AssertionError("the corpus was read again")

    monkeypatch.setattr(mr.miracl, "corpus_shards", no_download)  # a rerun reads the cache, not the corpus
    again, run_again = mr.language_task("yo", _config(fixture_dirs), fixture_dirs / "cache")
    assert (again, run_again) == (task, run)


def test_max_queries_takes_the_first_judged_queries(fixture_dirs):
    task, run = mr.language_task("yo", _config(fixture_dirs, **{"miracl.max_queries": 2}), fixture_dirs / "cache")
    assert sorted(task.qrels) == ["1", "2"] and sorted(run) == ["1", "2"]


def test_first_stage_scores_exactly_as_trec_eval(fixture_dirs):
    task, run = mr.language_task("yo", _config(fixture_dirs), fixture_dirs / "cache")
    result = mr.evaluate_run(task.qrels, run)
    for qid in TOPICS:
        assert result.per_query.loc[qid, "ndcg@10"] == pytest.approx(NDCG[qid], abs=1e-12)
        assert result.per_query.loc[qid, "recall@100"] == pytest.approx(RECALL[qid], abs=1e-12)
    assert result["ndcg@10"] == pytest.approx(sum(NDCG.values()) / 4, abs=1e-12)


def test_depth_cut_matters_in_a_run_of_more_than_100():
    # 150 candidates: relevant a at rank 1, b at rank 5, c at rank 120; x010 and x011 tie at rank 10-11, and
    # x011 (relevant) comes first in trec_eval's order (docid descending)
    docs = [f"x{i:03d}" for i in range(1, 151)]
    scores = {d: 1000.0 - i for i, d in enumerate(docs)}
    scores["x011"] = scores["x010"]
    run = {"q": {("a" if d == "x001" else "b" if d == "x005" else "c" if d == "x120" else d): s
                 for d, s in scores.items()}}
    qrels = {"q": {"a": 1, "b": 1, "c": 1, "x011": 1}}
    result = mr.evaluate_run(qrels, run, ["ndcg@10", "recall@100", "ndcg"])
    idcg = 1 + 1 / L2(3) + 1 / L2(4) + 1 / L2(5)
    assert result["ndcg@10"] == pytest.approx((1 + 1 / L2(6) + 1 / L2(11)) / idcg, abs=1e-12)
    assert result["recall@100"] == pytest.approx(3 / 4, abs=1e-12)
    assert result["ndcg"] == pytest.approx((1 + 1 / L2(6) + 1 / L2(11)) / idcg, abs=1e-12)  # -M 100 drops c
    uncut = evaluate(qrels, run, ["ndcg"], ties="trec_eval")
    assert uncut["ndcg"] == pytest.approx((1 + 1 / L2(6) + 1 / L2(11) + 1 / L2(121)) / idcg, abs=1e-12)


# ------------------------------------------------------------------------------------- re-ranking with every system

def test_rank_languages_rescores_the_candidates_with_every_model(fixture_dirs, models):
    from csir_lib.retrieval.rerank import rerank

    cfg = _config(fixture_dirs)
    study = Study(cfg, fixture_dirs / "results", fixture_dirs / "cache")
    scores = mr.rank_languages(study, ["yo"], models)
    assert set(zip(scores.system, scores.seed, strict=True)) == {("first_stage", 0), ("random order", 0),
                                                                 ("zero_shot", 1), ("ml_cs", 1)}
    first = scores[(scores.system == "first_stage") & (scores.metric == "ndcg@10")].set_index("qid").value
    assert first.to_dict() == pytest.approx(NDCG, abs=1e-12)
    task, run = mr.language_task("yo", cfg, fixture_dirs / "cache")
    direct = rerank(models["zero_shot"][1], task.topics, task.corpus, run, progress=False,
                    precision=cfg.rerank.precision)
    direct = {q: {d: round(s, 6) for d, s in docs.items()} for q, docs in direct.items()}
    expected = mr.evaluate_run(task.qrels, direct).per_query["ndcg@10"]
    zero = scores[(scores.system == "zero_shot") & (scores.metric == "ndcg@10")].set_index("qid").value
    assert zero.to_dict() == pytest.approx(expected.to_dict(), abs=1e-12)
    assert zero["4"] == 0.0 and set(scores.query_lang) == {"yo"}
    coverage = mr.candidate_coverage(scores).set_index("query_lang")
    assert coverage.loc["yo"].to_dict() == {"judged_queries": 4, "with_candidates": 3, "candidates_per_query": 3.0}
    recall = scores[scores.metric == "recall@100"].groupby("system").value.mean()
    assert recall.nunique() == 1  # re-ranking the same candidates cannot change recall at 100
    from csir_lib.evaluation.references import expected_value

    shuffled = scores[(scores.system == "random order") & (scores.metric == "ndcg@10")].set_index("qid").value
    assert shuffled.to_dict() == pytest.approx({q: expected_value("ndcg@10", run.get(q, {}), task.qrels[q])
                                                for q in task.qrels}, abs=1e-12)

    tested = mr.language_tests(scores, permutations=200, baseline="zero_shot")
    rows = mr.metrics_rows(scores, tested, "bm25", cfg.languages.seen)
    assert set(rows.group) == {"unseen in pre-training"} and set(rows.experiment) == {"miracl-ranking"}
    assert rows[rows.system == "first_stage"].p_corrected.isna().all()
    table = mr.language_table(rows, "ndcg@10", alpha=0.05, baseline="zero_shot")
    assert table.systems == ("first_stage", "random order", "zero_shot", "ml_cs")
    assert table.rows[0].label == "YO-YO"
    assert table.rows[0].cells[0].value == pytest.approx(100 * sum(NDCG.values()) / 4)


# --------------------------------------------------------------------------------- Holm, gains and the analyses

def _hand_scores() -> pd.DataFrame:
    """Per-query nDCG@10 of three systems on two languages; ML-CS has two seeds."""
    values = {("sw", "zero_shot", 1): [0.1, 0.2, 0.3, 0.4, 0.5], ("sw", "ml_cs", 1): [0.3, 0.3, 0.5, 0.5, 0.9],
              ("sw", "ml_cs", 2): [0.1, 0.5, 0.3, 0.7, 0.7], ("sw", "wiki_cs", 1): [0.1, 0.25, 0.3, 0.38, 0.5],
              ("de", "zero_shot", 1): [0.5, 0.5, 0.6, 0.2, 0.1], ("de", "ml_cs", 1): [0.4, 0.6, 0.6, 0.3, 0.3],
              ("de", "ml_cs", 2): [0.4, 0.6, 0.6, 0.1, 0.1], ("de", "wiki_cs", 1): [0.0, 0.1, 0.2, 0.2, 0.0]}
    rows = [{"setting": "MoIR", "query_lang": lang, "doc_lang": lang, "label": lang, "seen": lang == "de",
             "system": system, "seed": seed, "qid": f"q{i}", "metric": metric, "value": v}
            for (lang, system, seed), vs in values.items() for metric in mr.METRICS for i, v in enumerate(vs)]
    return pd.DataFrame(rows)


def test_holm_on_hand_pvalues():
    assert holm([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.09, 0.09, 0.2], abs=1e-15)


def test_tests_are_holm_corrected_within_each_language_on_seed_averages():
    scores = _hand_scores()
    tested = mr.language_tests(scores, permutations=200, baseline="zero_shot")
    ndcg = tested[tested.metric == "ndcg@10"].set_index(["query_lang", "system"])
    mean = {"sw": [0.2, 0.4, 0.4, 0.6, 0.8], "de": [0.4, 0.6, 0.6, 0.2, 0.2]}  # ML-CS averaged over its seeds
    base = {"sw": [0.1, 0.2, 0.3, 0.4, 0.5], "de": [0.5, 0.5, 0.6, 0.2, 0.1]}
    wiki = {"sw": [0.1, 0.25, 0.3, 0.38, 0.5], "de": [0.0, 0.1, 0.2, 0.2, 0.0]}
    for lang in mean:  # the family of a language: its two systems against Zero-shot
        p = {"ml_cs": ttest_rel(mean[lang], base[lang]).pvalue, "wiki_cs": ttest_rel(wiki[lang], base[lang]).pvalue}
        low, high = sorted(p, key=p.get)
        adjusted = {low: min(1.0, 2 * p[low])}
        adjusted[high] = max(adjusted[low], min(1.0, p[high]))
        for system in p:
            assert ndcg.loc[(lang, system), "p_value"] == pytest.approx(p[system], rel=1e-12)
            assert ndcg.loc[(lang, system), "p_corrected"] == pytest.approx(adjusted[system], rel=1e-12)
            assert ndcg.loc[(lang, system), "family_size"] == 2


def test_group_gains_and_analyses():
    scores = _hand_scores()
    gains = mr.group_gains(scores, "ndcg@10", cs_languages=["de"], baseline="zero_shot")
    ml = gains[gains.system == "ml_cs"].set_index("group")
    assert ml.loc["seen in code-switching (de)", "gain"] == pytest.approx(0.02, abs=1e-12)
    assert ml.loc["unseen, low-resource (sw)", "gain"] == pytest.approx(0.18, abs=1e-12)
    assert ml.loc["unseen, low-resource (sw)", "ci_low"] < 0.18 < ml.loc["unseen, low-resource (sw)", "ci_high"]
    assert mr.group_members(["de", "yo", "sw", "fi"], ["de"]) == {
        "seen in code-switching": ["de"], "unseen, well resourced": ["fi"], "unseen, low-resource": ["yo", "sw"],
        "unseen in pre-training": ["yo"]}
    table = pd.DataFrame({"lang": ["sw", "de"], "n_queries": [5, 5], "passages": [131_924, 15_866_222],
                          "fertility": [1.5, 1.2]})
    frame = mr.analysis_frame(scores, "ndcg@10", table, "zero_shot")
    assert frame.set_index(["query_lang", "system"]).loc[("sw", "wiki_cs"), "gain"] == pytest.approx(0.006, abs=1e-12)
    text = mr.analysis_paragraph(frame, ["passages"], "nDCG@10", "zero_shot")
    assert "Fewer than three languages" in text and "Swahili +0.180" in text
    flat = pd.DataFrame({"query_lang": ["sw", "de", "yo"], "system": "ml_cs", "gain": 0.01, "ci_low": 0.0,
                         "ci_high": 0.02, "fertility": [1.5, 1.2, 2.0]})
    flat_text = mr.analysis_paragraph(flat, ["fertility"], "nDCG@10", "zero_shot")
    assert "ml_cs undefined (constant gain or fertility)" in flat_text
    assert "the same gain +0.010 on every language; the 95% interval excludes 0 for 0 of 3" in flat_text
    fig = mr.analysis_figure(frame, ["passages", "fertility"], "nDCG@10", "zero_shot")
    assert len(fig.axes) == 2 and fig.axes[0].get_xscale() == "log"


# ----------------------------------------------------------------------------------------- the Pyserini check

def test_first_stage_claims_ok_okish_fail_and_not_comparable():
    claims = [c for c in load_expected(ROOT / "results" / "expected.yaml") if c["kind"] == "first_stage"]
    assert {c["lang"] for c in claims} == set(mr.miracl.MIRACL_LANGUAGES) and len(claims) == 18
    paper = {c["lang"]: c["paper"] for c in claims}
    assert (paper["yo"], paper["ar"], paper["zh"]) == (0.406, 0.481, 0.180)
    ours = {"yo": paper["yo"] + 0.015, "sw": paper["sw"] - 0.04, "te": paper["te"] + 0.06}
    metrics = pd.DataFrame([{"experiment": "miracl-ranking", "system": "first_stage", "query_lang": lang,
                             "metric": "ndcg@10", "value": v} for lang, v in ours.items()])
    picked = [c for c in claims if c["lang"] in ("yo", "sw", "te", "ar")]
    status = check(picked, "paper", pd.DataFrame(), None, miracl=metrics, candidates="bm25").set_index("id")
    assert status.status.to_dict() == {"miracl-bm25-sw": "OKish", "miracl-bm25-te": "FAIL", "miracl-bm25-yo": "OK",
                                       "miracl-bm25-ar": "NOT-COMPARABLE"}
    assert status.loc["miracl-bm25-yo", "ours"] == round(paper["yo"] + 0.015, 3)
    other = check(picked, "paper", pd.DataFrame(), None, miracl=metrics, candidates="mdpr").set_index("id")
    assert set(other.status) == {"NOT-COMPARABLE"} and "not the bm25 lists" in other.loc["miracl-bm25-yo", "note"]
    offline = check(picked, "demo", pd.DataFrame(), None)  # notebook 07's call: the demo profile has no passages
    assert set(offline.status) == {"NOT-COMPARABLE"} and set(offline.note) == {"no MIRACL passages offline"}


# --------------------------------------------------------------------------------------------------- bad input

def test_invalid_shard_line_is_one_error(fixture_dirs):
    shard = fixture_dirs / "local" / "miracl-corpus-v1.0-yo" / "docs-0.jsonl.gz"
    text = gzip.decompress(shard.read_bytes()).decode().splitlines()
    _gz(shard, "\n".join(text[:3] + ['{"docid": "9#9", "text": '] + text[3:]) + "\n")
    with pytest.raises(InputError, match="docs-0.jsonl.gz:4: invalid JSON"):
        mr.language_task("yo", _config(fixture_dirs), fixture_dirs / "cache")


def test_candidate_missing_from_the_corpus_names_the_list_and_line(fixture_dirs):
    with pytest.raises(InputError, match=r"yo.gz:7: 2 candidate passage\(s\) not in the corpus .*\['98#0', '99#0'\]"):
        mr.language_task("yo", _config(fixture_dirs, **{"miracl.depth": 7}), fixture_dirs / "cache")
    assert not (fixture_dirs / "cache" / "miracl-tasks").exists() or not any(
        (fixture_dirs / "cache" / "miracl-tasks").rglob("*.trec"))


def test_language_without_dev_data_and_no_candidates(fixture_dirs):
    with pytest.raises(InputError, match="MIRACL has no dev data for language 'it'"):
        mr.language_task("it", _config(fixture_dirs), fixture_dirs / "cache")
    with pytest.raises(InputError, match="miracl.candidates is none"):
        mr.language_task("yo", _config(fixture_dirs, **{"miracl.candidates": "none"}), fixture_dirs / "cache")


def test_offline_message_names_the_command():
    assert "./run_all.sh --profile paper --only 06_miracl_low_resource" in mr.offline_message()


def test_systems_and_languages_of_a_profile(fixture_dirs):
    assert mr.system_names(_config(fixture_dirs)) == ["zero_shot", "fine_tuning", "ml_cs", "wiki_cs"]
    with pytest.raises(InputError, match="training.systems lacks zero_shot"):
        mr.system_names(_config(fixture_dirs, **{"training.systems": ["ml_cs"]}))
    cfg = _config(fixture_dirs, **{"miracl.candidates": "bm25s", "languages.miracl": ["de", "sw", "yo"]})
    assert mr.ranked_languages(cfg) == (["sw", "yo"], "2 languages with our own BM25 top-5; not ranked (corpus too "
                                                      "large to index here): de")


def test_bm25s_candidates_index_the_whole_language(fixture_dirs):
    from csir_lib.retrieval.first_stage import bm25_first_stage

    task, run = mr.language_task("yo", _config(fixture_dirs, **{"miracl.candidates": "bm25s"}), fixture_dirs / "c")
    corpus = {d: {"docid": d, "title": t, "text": x} for d, (t, x) in PASSAGES.items()}
    expected = bm25_first_stage(TOPICS, corpus, 5, "yo")
    assert sorted(run) == ["1", "2", "3", "4"] and all(len(docs) == 5 for docs in run.values())
    assert run == {q: {d: round(s, 6) for d, s in docs.items()} for q, docs in expected.items()}
