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
    stages = [e.stage for e in estimates(plan, gpu=False)]
    assert stages == ["downloads", "lexicons", "training sets", "training", "re-ranking"]
    assert all(e.seconds and e.seconds > 0 for e in estimates(plan, gpu=False))
    text = render(plan, gpu=False)
    assert "ESTIMATED TIME" in text and "estimates from measured rates" in text and "(estimate)" in text


def test_rates_name_their_source() -> None:
    rates = load_rates()
    for name, entry in rates.items():
        for leaf in ([entry] if "value" in entry else entry.values()):
            assert leaf["source"].strip(), name
            assert leaf["value"] > 0 if leaf["value"] is not None else leaf["source"].startswith("not measured"), name
    assert rates["train_pairs_per_s"]["gpu"]["value"] is None and rates["rerank_pairs_per_s"]["gpu"]["value"] is None


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
    (["--set", "training.parallel_sets=0"], "training.parallel_sets is 0, out of range"),
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


def test_on_a_gpu_the_model_stages_are_unknown_without_a_gpu_rate() -> None:
    plan = make_plan(load_config(profile="paper"))
    on_gpu = {e.stage: e for e in estimates(plan, gpu=True)}
    for stage in ("training", "re-ranking"):
        assert on_gpu[stage].seconds is None and on_gpu[stage].device == "gpu" and "UNKNOWN" in on_gpu[stage].basis
    assert on_gpu["lexicons"].seconds and on_gpu["training sets"].seconds  # CPU stages keep their estimates
    assert "(estimate; without training, re-ranking: unknown)" in render(plan, gpu=True)
    on_cpu = {e.stage: e for e in estimates(plan, gpu=False)}
    assert on_cpu["training"].device == "cpu" and on_cpu["training"].seconds == 105 * 200_000 * 64 / 13
    assert "on this CPU at 13 pairs/s" in on_cpu["training"].basis and "on a GPU: UNKNOWN" in on_cpu["training"].basis
    assert "this profile is meant for a GPU" in render(plan, gpu=False)


def test_a_recorded_gpu_rate_is_used_with_its_source_and_cpu_profiles_never_mention_one() -> None:
    rates = load_rates()
    rates["train_pairs_per_s"]["gpu"] = {"value": 1000, "source": "a published rate (Someone et al. 2030)"}
    plan = make_plan(load_config(profile="paper"))
    training = next(e for e in estimates(plan, rates, gpu=True) if e.stage == "training")
    assert training.seconds == 105 * 200_000 * 64 / 1000
    assert "(a published rate (Someone et al. 2030))" in training.basis
    demo = render(make_plan(load_config(profile="demo")), gpu=False)
    assert "GPU rate" not in demo and "meant for a GPU" not in demo and "no GPU)" in demo


class FakeEntry:
    """A RepoFile of huggingface_hub as far as the plan reads it (a folder: size None)."""

    def __init__(self, path: str, size: int | None, lfs_size: int | None = None) -> None:
        self.path, self.size = path, size
        self.lfs = None if lfs_size is None else type("Lfs", (), {"size": lfs_size})()


class FakeHub:
    """HfApi's get_paths_info and list_repo_tree over a fixed listing; records each call."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[tuple] = []
        self.fail = fail

    def get_paths_info(self, repo_id, paths, *, repo_type=None, revision=None):
        self.calls.append(("info", repo_id, tuple(paths), repo_type, revision))
        if self.fail:
            raise self.fail
        sizes = {p: 100 for p in paths if not p.startswith("data/bm25/sw")}  # sw: not on the hub at that revision
        return [FakeEntry(p, 1234, lfs_size=3_500_000_000) if p.endswith("german_collection.tsv") else FakeEntry(p, n)
                for p, n in sizes.items()]

    def list_repo_tree(self, repo_id, path_in_repo=None, *, recursive=False, repo_type=None, revision=None):
        self.calls.append(("tree", repo_id, path_in_repo, repo_type, revision))
        if self.fail:
            raise self.fail
        if repo_type == "model":
            return [FakeEntry("config.json", 700), FakeEntry("model.safetensors", 90_000), FakeEntry("onnx", None),
                    FakeEntry("onnx/model.onnx", 5_000_000), FakeEntry("pytorch_model.bin", 80_000),
                    FakeEntry("README.md", 10)]
        from csir_lib.retrieval.miracl import MIRACL_LANGUAGES

        folders = [path_in_repo] if path_in_repo else [f"miracl-corpus-v1.0-{lang}" for lang in MIRACL_LANGUAGES]
        return [FakeEntry("README.md", 5)] + [FakeEntry(f, None) for f in folders] + [
            FakeEntry(f"{f}/{name}", size) for f in folders
            for name, size in [("docs-0.jsonl.gz", 2_000), ("README.md", 5), ("docs-1.jsonl.gz", 3_000)]]


def test_sizes_from_the_hubs_metadata_when_it_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from csir_lib.data.mmarco_hub import MMARCO_REVISION

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    hub = FakeHub()
    plan = make_plan(load_config(profile="paper"), hub_api=hub)
    by_what = {d.what: d for d in plan.downloads}
    model = next(d for d in plan.downloads if d.stage == "00 model")
    # the stage's allow patterns: *.json, *.safetensors, pytorch_model.bin (fnmatch: "*" crosses "/", as the hub's)
    assert (model.size, model.size_from, model.size_note) == (700 + 90_000 + 80_000, "hub", "hub metadata")
    german = by_what["mMARCO de collection"]
    assert (german.size, german.size_from) == (3_500_000_000, "hub")
    assert german.size_note == "hub metadata (shipped 3,488,187,566 B, replaced)"
    mmarco_call = next(c for c in hub.calls if c[1] == "unicamp-dl/mmarco")
    assert mmarco_call[0] == "info" and mmarco_call[3:] == ("dataset", MMARCO_REVISION)
    assert "data/google/collections/german_collection.tsv" in mmarco_call[2]
    de_passages = by_what["MIRACL de passages (every shard)"]
    assert (de_passages.size, de_passages.size_from) == (5_000, "hub")
    assert ("tree", "miracl/miracl-corpus", None, "dataset", None) in hub.calls  # every language in one listing
    missing = by_what["MIRACL sw bm25 top-100 lists"]
    assert (missing.size, missing.size_from) == (None, "unknown") and "lists no such file" in missing.size_note
    muse = next(d for d in plan.downloads if d.stage == "01 lexicons")
    assert (muse.size, muse.size_from) == (None, "unknown") and muse.hub is None
    triples = next(d for d in plan.downloads if d.what == "id triples")
    assert (triples.size, triples.size_from) == (1_841_693_309, "shipped") and triples.size_note.startswith("shipped")
    asked = sum(1 for d in plan.downloads if d.hub)
    repositories = {(d.hub.repo_type, d.hub.repo_id, d.hub.revision) for d in plan.downloads if d.hub}
    assert len(hub.calls) == len(repositories) == 4 < asked  # one request per repository, not one per file
    assert any(f"{asked - 1} of {asked} hub file(s) read from the hub's metadata, asking 4 repositories" in n
               for n in plan.notes)
    assert "from the hub's metadata" in render(plan, gpu=False)


def test_one_repository_is_asked_once_for_its_files_and_once_for_its_folders() -> None:
    from csir_lib.report.plan_fetch import HubRef
    from csir_lib.report.plan_hub import hub_sizes

    def ref(path: str, patterns: tuple[str, ...] = ()) -> HubRef:
        return HubRef("dataset", "miracl/miracl-corpus", "v1", path, patterns)

    hub = FakeHub()
    refs = [ref("data/bm25/de.gz"), ref("data/bm25/sw.gz"), ref("miracl-corpus-v1.0-de/", ("*.jsonl.gz",)),
            ref("miracl-corpus-v1.0-fi/")]
    sizes = hub_sizes(hub, refs)
    assert sizes == dict(zip(refs, [100, None, 5_000, 5_005], strict=True))  # sw: not listed; fi: README counted
    assert [c[0] for c in hub.calls] == ["info", "tree"] and hub.calls[1][2] is None  # two folders: the whole repo


def test_an_unreachable_hub_is_asked_once_and_sizes_fall_back_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    hub = FakeHub(fail=ConnectionError("Failed to resolve 'huggingface.co'"))
    plan = make_plan(load_config(profile="paper"), hub_api=hub)
    assert len(hub.calls) == 1
    german = next(d for d in plan.downloads if d.what == "mMARCO de collection")
    assert (german.size, german.size_from) == (3_488_187_566, "shipped")
    assert "hub not reachable (ConnectionError: Failed to resolve 'huggingface.co')" in german.size_note
    model = next(d for d in plan.downloads if d.stage == "00 model")
    assert (model.size, model.size_from) == (None, "unknown") and "hub not reachable" in model.size_note
    assert {d.size_from for d in plan.downloads} == {"shipped", "unknown"}
    assert any("the hub did not answer (ConnectionError" in n for n in plan.notes)


def test_offline_the_hub_is_never_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub = FakeHub(fail=AssertionError("asked while offline"))
    plan = make_plan(load_config(profile="paper"), hub_api=hub)
    assert hub.calls == [] and all(d.size_from in ("shipped", "unknown") for d in plan.downloads)
    assert all("HF_HUB_OFFLINE is set" in d.size_note for d in plan.downloads if d.hub)
    assert "sizes: 0 from the hub's metadata" in render(plan, gpu=False)
    assert make_plan(load_config(profile="demo"), hub_api=hub).downloads == [] and hub.calls == []


def _committed(notebook: str, name: str) -> list[dict[str, str]]:
    """Rows of a table (tables/<name>.csv, or the notebook's metrics.csv) of the committed demo run."""
    import csv

    from csir_lib.core.paths import ROOT

    folder = ROOT / "results" / "demo" / notebook
    path = folder / "metrics.csv" if name == "metrics" else folder / "tables" / f"{name}.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _setting(row: dict[str, str]) -> str:
    """A metrics.csv row's setting as the plan names it: EN-DE, or MLIR-seen / MLIR-all."""
    if row["query_lang"].startswith("x("):
        return f"MLIR-{row['query_lang'][2:-1]}"
    return f"{row['query_lang']}-{row['doc_lang']}".upper()


def test_demo_plan_is_what_the_committed_demo_run_made() -> None:
    """The demo's plan against results/demo (the cold run of the README's time table), read, not rerun."""
    plan = make_plan(load_config(profile="demo"))
    lexicons = _committed("01_lexicon_induction", "lexicon_quality")
    assert {row["lang"] for row in lexicons} == set(plan.lexicons) and len(plan.lexicons) == 20
    assert all(row["lexicon"] in plan.lexicons[row["lang"]] for row in lexicons)
    built = {(row["system"], int(row["pairs"])) for row in _committed("02_code_switching", "training_sets")}
    assert built == {(s.system, s.pairs) for s in plan.training_sets} and len(built) == 8
    trained = {(row["system"], int(row["seed"]), int(row["steps"])) for row in _committed("03_training", "training")}
    assert trained == {(m.system, m.seed, m.steps) for m in plan.models} and len(trained) == 8
    baselines = ("first stage", "random order")
    for notebook, folder, experiment in (("04", "04_main_results", "main"), ("05", "05_ratio_and_unseen", "ratio")):
        rows = [row for row in _committed(folder, "metrics") if row["experiment"] == experiment
                and row["metric"] == "mrr@10" and row["system"] not in baselines]
        planned = [r for r in plan.reranks if r.notebook == notebook]
        made = {(_setting(row), row["system"]) for row in rows}
        if notebook == "05":  # 05 also reports Zero-shot and ML-CS at p, the runs 04 re-ranked; it re-ranks the rest
            made = {(setting, system) for setting, system in made if system.startswith("ml_cs@")}
        assert made == {(r.setting, "bl_cs" if r.system.startswith("bl_cs:") else r.system) for r in planned}, notebook
        queries = {_setting(row): int(row["n_queries"]) for row in rows}
        assert all(queries[r.setting] == r.queries == 300 and r.exact for r in planned)
    assert len(plan.reranks) == 115 and sum(r.pairs for r in plan.reranks) == 345_000
