"""The plan of a run (python -m csir_lib plan, run_all.sh --plan): counts, downloads, estimates, bad input."""

from __future__ import annotations

import json

import pytest

from csir_lib import pipeline
from csir_lib.cli import main
from csir_lib.core.config import load_config
from csir_lib.report.plan import cache_listing, cache_names, make_plan
from csir_lib.report.plan_report import estimates, load_rates, render

SMOKE_LANGS = ["ar", "de", "es", "sw", "te", "yo", "zh"]


@pytest.fixture(scope="module")
def smoke_plan():
    """The smoke profile's plan."""
    return make_plan(load_config(profile="smoke"))


def test_smoke_plan_counts_by_hand(smoke_plan) -> None:
    # 4 articles, half held out, 1 of the 2 left for the curve: 23 training questions x (1 + 4 negatives)
    assert smoke_plan.english_pairs == 115 and smoke_plan.english_exact
    assert [(s.system, s.pairs, s.switched) for s in smoke_plan.training_sets] == [
        ("zero_shot", 115, False), ("fine_tuning", 115, False), ("bl_cs:en-de", 115, True), ("ml_cs", 115, True),
        ("wiki_cs", 115, True), ("ml_cs@p=1", 115, True)]
    assert len(smoke_plan.models) == 12 and {(m.steps, m.batch_size, m.curve_points) for m in smoke_plan.models} == {
        (6, 10, 3)}
    assert sorted(smoke_plan.lexicons) == SMOKE_LANGS and smoke_plan.downloads == []
    assert all({"clwe-nn", "clwe-csls", "x2en", "titles"} <= set(s) for s in smoke_plan.lexicons.values())
    # 6 settings of 20 queries x top 10; notebook 04: 4 pooled systems x 2 seeds everywhere, BL-CS en-de on EN-DE,
    # Translate Test (zero_shot, ml_cs) x 2 seeds on the 5 settings that are not all English; 05: ML-CS p=1 x 2 seeds
    runs = [(r.notebook, r.setting, r.system) for r in smoke_plan.reranks]
    assert len(runs) == 6 * 8 + 2 + 5 * 4 + 6 * 2 == 82
    assert {r.pairs for r in smoke_plan.reranks} == {200} and all(r.exact for r in smoke_plan.reranks)
    assert runs.count(("04", "EN-DE", "bl_cs:en-de")) == 2 and ("04", "EN-EN", "tt:zero_shot") not in runs


def test_demo_plan_matches_the_demo_training_sets() -> None:
    plan = make_plan(load_config(profile="demo"))
    names = cache_names(plan)
    assert names["training_sets"] == dict.fromkeys(["zero_shot", "fine_tuning", "bl_cs_en-de", "bl_cs_ar-ru", "ml_cs",
                                                    "wiki_cs", "ml_cs@p=0.25", "ml_cs@p=1"], 2585)
    assert names["models"] == {f"{s}-seed1": 300 for s in ["zero_shot", "fine_tuning", "bl_cs_en-de", "bl_cs_ar-ru",
                                                          "ml_cs", "wiki_cs", "ml_cs@p=0.25", "ml_cs@p=1"]}
    assert {r.pairs for r in plan.reranks if r.notebook == "04"} == {3000}  # 300 queries x top 10


def test_overrides_change_the_plan() -> None:
    plan = make_plan(load_config(profile="smoke", overrides={"training.steps": 12, "training.seeds": [1],
                                                             "training.ratios": [0.5], "rerank.depth": 5}))
    assert len(plan.models) == 5 and {m.steps for m in plan.models} == {12}
    assert {r.notebook for r in plan.reranks} == {"04"} and {r.pairs for r in plan.reranks} == {100}


def test_paper_plan_lists_every_download_and_estimates_every_stage() -> None:
    plan = make_plan(load_config(profile="paper"))
    sources = [d.source for d in plan.downloads]
    assert len(sources) == len(set(sources)) and all(d.size is not None or d.size_note for d in plan.downloads)
    sized = {d.source.rsplit("/", 1)[-1]: d.size for d in plan.downloads if d.size}
    assert sized["qidpidtriples.train.full.2.tsv.gz"] == 1_841_693_309 and sized["top1000.dev.tar.gz"] == 687_414_398
    assert sized["german_collection.tsv"] == 3_488_187_566 and "english_collection.tsv" not in sized
    assert len(plan.models) == 35 * 3 and {m.steps for m in plan.models} == {200_000}
    assert not any(s.exact for s in plan.training_sets) and {s.pairs for s in plan.training_sets} == {20_000_000}
    stages = [e.stage for e in estimates(plan)]
    assert stages == ["downloads", "lexicons", "training sets", "training", "re-ranking"]
    assert all(e.seconds and e.seconds > 0 for e in estimates(plan))
    text = render(plan)
    assert "ESTIMATED TIME" in text and "estimates from measured rates" in text and "(estimate)" in text


def test_rates_name_their_source() -> None:
    rates = load_rates()
    for name, entry in rates.items():
        for leaf in ([entry] if "value" in entry else entry.values()):
            assert leaf["value"] > 0 and leaf["source"].strip(), name


def test_cli_prints_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--profile", "smoke"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Plan of profile smoke: nothing has been downloaded") and "RE-RANKING: 82 runs" in text
    assert main(["plan", "--profile", "smoke", "--json", "--set", "training.seeds=[1]"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert len(body["models"]) == 6 and body["config"]["training"]["seeds"] == [1] and body["estimates"]


def test_run_all_plan_forwards_profile_and_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    assert pipeline.main(["--plan", "--profile", "smoke", "--set", "training.steps=9"]) == 0
    assert "6 trainings" not in (out := capsys.readouterr().out) and "9 steps of 10 pairs" in out
    assert pipeline.main(["--plan", "--only", "02"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["--profile", "nope"], "invalid choice: 'nope'"),
    (["--set", "training.steps=abc"], "training.steps is 'abc'"),
    (["--set", "nonsense"], "override 'nonsense'"),
    (["--set", "training.codeswitch_workers=0"], "out of range"),
    (["--set", "foo.bar=1"], "unknown key(s) foo"),
    (["--profile", "paper", "--set", "languages.moir=[sw]"], "language 'sw' is not in mMARCO"),
])
def test_bad_input_is_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    try:
        code = main(["plan", *argv])
    except SystemExit as err:  # argparse's refusal of a choice
        code = err.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and message in err


@pytest.mark.slow
def test_smoke_plan_is_what_a_smoke_run_makes(smoke_reference, smoke_plan) -> None:
    base, run = smoke_reference
    assert run.returncode == 0, run.stderr[-3000:]
    assert cache_names(smoke_plan) == cache_listing(base / "cache")
