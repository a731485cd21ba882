"""Settings, Translate Test, per-query evaluation, gains and the expected.yaml check on hand-made data."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csir_lib.analysis.expected import check, claim_metrics, load_expected
from csir_lib.core.config import load_config
from csir_lib.core.errors import InputError
from csir_lib.data.xquad import Task
from csir_lib.experiments.reranking import translate_task
from csir_lib.experiments.results import gains, per_query_scores, summary
from csir_lib.experiments.settings import Setting, settings
from csir_lib.lexicons.lexicon import from_pairs, write_lexicon


def test_demo_settings_in_table_order():
    found = settings(load_config(profile="demo"))
    assert [s.label for s in found] == ["EN-EN", "DE-DE", "RU-RU", "AR-AR", "ES-ES", "ZH-ZH", "EN-DE",
                                        "EN-AR", "EN-RU", "DE-RU", "AR-RU", "EN-ES", "EN-ZH", "DE-VI", "ES-ZH",
                                        "EN-TH", "MLIR-seen", "MLIR-all"]
    seen = {s.label: s.seen for s in found}
    assert seen["DE-RU"] and not seen["EN-ES"] and seen["MLIR-seen"] and not seen["MLIR-all"]
    assert next(s for s in found if s.label == "MLIR-seen").query_langs == ("ar", "de", "en", "ru")


TASK = Task("t", topics={"q1": "wo ist der Hund", "q2": "a cat"},
            corpus={"d1": {"docid": "d1", "title": "", "text": "der Hund"}, "d2": {"docid": "d2", "title": "",
                                                                               "text": "the dog"}},
            qrels={"q1": {"d1": 1}, "q2": {"d2": 1}}, query_langs={"q1": "de", "q2": "en"},
            doc_langs={"d1": "de", "d2": "en"})


def test_translate_task_translates_only_non_english_text(tmp_path):
    lexicon = write_lexicon(tmp_path / "de.tsv", from_pairs([("hund", "dog"), ("der", "the"), ("wo", "where")]))
    translated = translate_task(TASK, {"de": lexicon})
    assert translated.topics == {"q1": "where ist the dog", "q2": "a cat"}
    assert translated.corpus["d1"]["text"] == "the dog" and translated.corpus["d2"] == TASK.corpus["d2"]
    assert translated.qrels == TASK.qrels


SETTING = Setting("CLIR", "de", "en", ("de",), ("en",), True)


def scores_of(runs):
    """Per-query scores of hand-made runs on the hand-made task."""
    return per_query_scores([SETTING], {"DE-EN": TASK}, {"DE-EN": runs}, ["mrr@10"])


def test_per_query_scores_gains_and_summary_exact():
    runs = {("zero_shot", 1): {"q1": {"d2": 2.0, "d1": 1.0}, "q2": {"d2": 1.0}},  # RR 0.5, 1
            ("zero_shot", 2): {"q1": {"d1": 2.0, "d2": 1.0}, "q2": {"d1": 3.0, "d2": 1.0}},  # RR 1, 0.5
            ("ml_cs", 1): {"q1": {"d1": 1.0}, "q2": {"d2": 1.0}},  # RR 1, 1
            ("ml_cs", 2): {"q1": {"d1": 1.0}}}  # RR 1, 0 (q2 missing from the run scores zero)
    scores = scores_of(runs)
    assert sorted(scores.value.tolist()) == [0.0, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0]
    gain = gains(scores, "mrr@10", "zero_shot")
    assert gain.system.tolist() == ["ml_cs"] and gain.gain.iloc[0] == pytest.approx(0.0)
    table = summary(scores).set_index("system")
    assert table.loc["zero_shot", "value"] == pytest.approx(0.75)
    assert table.loc["ml_cs", "value"] == pytest.approx(0.75)
    assert table.loc["ml_cs", "std"] == pytest.approx(math.sqrt(0.125))
    assert table.loc["ml_cs", "n_queries"] == 2 and table.loc["ml_cs", "n_seeds"] == 2


def test_no_common_query_is_an_error():
    with pytest.raises(InputError, match="run of zero_shot \\(seed 1\\) on DE-EN: no query id in common with qrels"):
        scores_of({("zero_shot", 1): {"q9": {"d1": 1.0}}})


def _pooled(setting: str, pairs: str, system: str, gain: float, ci: tuple[float, float], p: float, mde: float,
            baseline: str = "zero_shot") -> dict:
    """One pooled-gain row of notebook 04's metrics.csv."""
    return {"experiment": "pooled", "setting": setting, "system": system, "query_lang": pairs, "doc_lang": pairs,
            "metric": f"mrr@10 gain vs {baseline}", "value": gain, "ci_low": ci[0], "ci_high": ci[1], "p_value": p,
            "mde": mde, "n_settings": 10 if pairs == "all" else 5, "baseline": baseline}


def test_expected_check_statuses_and_readings():
    wanted = ("clir-cs-gain", "ar-ru-doubling", "moir-cs-stable", "clir-ft-gain", "mlir-cs-gain")
    claims = [c for c in load_expected() if c["id"] in wanted]  # results/expected.yaml by default
    main = pd.DataFrame([
        _pooled("CLIR", "all", "ml_cs", 0.06, (0.03, 0.09), 0.001, 0.02),
        _pooled("CLIR", "seen", "ml_cs", 0.04, (0.0, 0.08), 0.2, 0.05),
        _pooled("MoIR", "all", "ml_cs", 0.005, (-0.01, 0.02), 0.6, 0.015),
        _pooled("CLIR", "all", "fine_tuning", 0.11, (0.08, 0.14), 0.0001, 0.02),
        *({"experiment": "main", "setting": "CLIR", "query_lang": "ar", "doc_lang": "ru", "system": s,
           "metric": "mrr@10", "value": v, "p_value": p} for s, v, p in (("zero_shot", 0.10, None),
                                                                        ("ml_cs", 0.111, 0.004)))])
    paper = check(claims, "paper", main, None, per_pair_fine_tuning=False)
    rows = {(r["id"], "second" in r["pairs"]): r for r in paper.to_dict("records")}
    first = rows[("clir-cs-gain", False)]
    assert (first["ours"], first["status"], first["ci"]) == (6.0, "OK", "[+3.00, +9.00]")
    assert first["pairs"].startswith("all pairs (10 settings)") and first["reading"] == "agrees"
    # Holm over the five tested readings (0.0001, 0.001, 0.004, 0.2, 0.6): 0.001 is second, so x4
    assert first["p_corrected"] == pytest.approx(0.004)
    seen = rows[("clir-cs-gain", True)]
    assert (seen["ours"], seen["status"], seen["reading"]) == (4.0, "OKish", "no detectable difference (MDE 5.0)")
    doubling = rows[("ar-ru-doubling", False)]
    assert doubling["ours"] == pytest.approx(1.11) and doubling["status"] == "FAIL"
    assert doubling["reading"] == "same direction, different size (paper 1.99, ours 1.11)"
    stable = rows[("moir-cs-stable", False)]
    assert stable["reading"] == "agrees: no detectable difference (MDE 1.5)" and stable["status"] == "OK"
    pooled_ft = rows[("clir-ft-gain", False)]
    assert pooled_ft["status"] == "NOT-COMPARABLE" and "not the paper's one per pair" in pooled_ft["note"]
    assert rows[("mlir-cs-gain", False)]["reading"] == "not measured"
    demo = check(claims, "demo", main, None, per_pair_fine_tuning=False)
    assert set(demo.status) == {"NOT-COMPARABLE"} and demo.reading.tolist() == paper.reading.tolist()
    against = main.assign(value=[-0.06, 0.04, 0.005, 0.11, 0.10, 0.111], ci_low=[-0.09, 0, -0.01, 0.08, None, None],
                          ci_high=[-0.03, 0.08, 0.02, 0.14, None, None])
    opposite = check(claims, "paper", against, None, per_pair_fine_tuning=True).set_index("id")
    assert opposite.loc["clir-cs-gain", "reading"].iloc[0] == "differs: significant in the opposite direction"
    assert opposite.loc["clir-ft-gain", "status"] == "OK"
    rows = claim_metrics(paper)
    assert [(r["setting"], r["value"], r["note"]) for r in rows[:2]] == [
        ("clir-cs-gain", 6.0, "OK"), ("clir-cs-gain:also", 4.0, "OKish")]
    assert math.isnan(next(r["value"] for r in rows if r["setting"] == "mlir-cs-gain"))
    assert {(r["experiment"], r["system"], r["metric"], r["n_queries"]) for r in rows} == {("expected", "-", "ours", 0)}


def test_expected_yaml_errors(tmp_path):
    bad = tmp_path / "expected.yaml"
    bad.write_text("claims:\n  - id: x\n    claim: y\n    kind: magic\n    paper: 1\n    tolerance: {ok: 1}\n")
    with pytest.raises(InputError, match="claim 1 \\(x\\)"):
        load_expected(bad)
    bad.write_text("claims:\n  - id: x\n    id: y\n")  # read by core.yaml_load: a repeated key names its line
    with pytest.raises(InputError, match=r"expected\.yaml:3: invalid YAML \(duplicate key 'id'\)"):
        load_expected(bad)
    bad.write_text("claims: [\n")
    with pytest.raises(InputError, match=r"expected\.yaml:2: invalid YAML"):
        load_expected(bad)


def test_translated_task_is_not_served_the_untranslated_run(tmp_path):
    import shutil

    import torch
    from transformers import AutoModelForSequenceClassification

    from csir_lib.experiments.reranking import rerank_cached
    from csir_lib.models.tiny_model import build_tiny_model

    encoder = build_tiny_model(tmp_path / "encoder", ["wo ist der Hund", "the dog", "der Hund", "a cat"] * 10, seed=0)
    torch.manual_seed(0)
    model = tmp_path / "model"
    AutoModelForSequenceClassification.from_pretrained(encoder, num_labels=1).save_pretrained(model)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (encoder / name).exists():
            shutil.copy(encoder / name, model / name)
    lexicon = write_lexicon(tmp_path / "de.tsv", from_pairs([("hund", "dog"), ("der", "the"), ("wo", "where")]))
    candidates = {"q1": {"d1": 1.0, "d2": 0.5}, "q2": {"d1": 1.0, "d2": 0.5}}
    plain = rerank_cached(model, TASK, candidates, 4096, 64, tmp_path / "cache")
    translated = translate_task(TASK, {"de": lexicon})
    english = rerank_cached(model, translated, candidates, 4096, 64, tmp_path / "cache", derived_from=[lexicon])
    assert english["q2"]["d1"] != plain["q2"]["d1"]  # q2 is English: only the candidate d1 was translated


def test_force_recomputes_a_cached_artefact_once_per_run(tmp_path, monkeypatch):
    import os

    from csir_lib.core.cache import RUN_STARTED, reusable

    made = tmp_path / "run.trec"
    assert not reusable(made, force=False) and not reusable(made, force=True)
    made.write_text("x")
    os.utime(made, (1000.0, 1000.0))
    monkeypatch.delenv(RUN_STARTED, raising=False)
    assert reusable(made, force=False) and not reusable(made, force=True)  # outside a pipeline run: recompute
    monkeypatch.setenv(RUN_STARTED, "1000.5")
    assert not reusable(made, force=True)  # made before this run began: recomputed
    monkeypatch.setenv(RUN_STARTED, "999.5")
    assert reusable(made, force=True)  # made during this run (by notebook 04): reused by notebook 05
