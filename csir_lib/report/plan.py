"""The plan of a profile's run, made before it starts: what it fetches, builds, trains and re-ranks, and at what cost.

Nothing is downloaded, trained or encoded: counts come from the config and from the shipped data (XQuAD-R and the
MIRACL topics are read to count pairs and queries, as the stages will), downloads and their sizes from
csir_lib.report.plan_fetch, estimated times from measured rates (csir_lib.report.plan_report). The plan follows the
stages' own functions (training.sets.system_names, experiments.settings.settings, lexicons.build.lexicon_languages,
...), so a change to a stage changes the plan; a test checks the smoke plan against a real smoke run's cache. Counts
marked `exact=False` are upper bounds known only once the data is read (MS MARCO's pairs, mMARCO's judged queries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from csir_lib.core.config import Config
from csir_lib.report.plan_fetch import Download, downloads

DEV_SMALL_QUERIES = 6980  # MS MARCO's dev.small queries (mmarco_tasks.QRELS_FILE judges them)


@dataclass(frozen=True)
class TrainingSetPlan:
    """One system's training pairs: how many, and whether they are code-switched."""

    system: str
    pairs: int
    exact: bool
    switched: bool


@dataclass(frozen=True)
class ModelPlan:
    """One cross-encoder training: its system, seed, steps and the pairs of its learning curve."""

    system: str
    seed: int
    steps: int
    batch_size: int
    curve_points: int  # development evaluations (0: no learning curve)

    @property
    def name(self) -> str:
        """The model's folder name in the cache (`<system>-seed<N>`, ':' as '_')."""
        return f"{self.system.replace(':', '_')}-seed{self.seed}"


@dataclass(frozen=True)
class RerankPlan:
    """One re-ranking run: a notebook's setting scored by one model (tt: Translate Test)."""

    notebook: str
    setting: str
    system: str
    seed: int
    queries: int
    pairs: int
    exact: bool


@dataclass
class Plan:
    """Everything a profile's run will fetch and build."""

    profile: str
    config: Config
    downloads: list[Download]
    lexicons: dict[str, tuple[str, ...]]  # language -> lexicon sources it will have
    english_pairs: int
    english_exact: bool
    training_sets: list[TrainingSetPlan]
    models: list[ModelPlan]
    reranks: list[RerankPlan]
    notes: list[str] = field(default_factory=list)


def make_plan(config: Config, hub_api: object = None) -> Plan:
    """The plan of `config` (reads shipped data to count; fetches and computes nothing).

    Hub files' sizes are read from the hub's metadata when it is reachable (csir_lib.report.plan_hub; `hub_api`: an
    HfApi stand-in for tests), never with HF_HUB_OFFLINE set.
    """
    from csir_lib.report.plan_hub import with_hub_sizes

    english, exact = _english_pairs(config)
    sets = _training_sets(config, english, exact)
    models = _models(config, sets)
    reranks, notes = _reranks(config)
    fetched, hub_note = with_hub_sizes(downloads(config), hub_api)
    return Plan(config.profile, config, fetched, _lexicons(config), english, exact, sets, models, reranks,
                notes + ([hub_note] if hub_note else []))


def _lexicons(config: Config) -> dict[str, tuple[str, ...]]:
    """The lexicon sources each language will have (lexicon_build.SOURCES minus those it cannot get)."""
    from csir_lib.lexicons import build as lexicon_build
    from csir_lib.lexicons import sources as paper_sources
    from csir_lib.lexicons.lexicon import freedict_paths

    out = {}
    for lang in lexicon_build.lexicon_languages(config):
        if config.lexicon.clwe_source == "muse":
            missing = set(paper_sources.plan(lang, config.lexicon, None).missing)
            if config.lexicon.gold != "muse":
                missing.add("gold")
        else:
            gold = config.lexicon.gold == "freedict" and freedict_paths("en", lang) is not None
            missing = set() if gold else {"gold"}
        out[lang] = tuple(s for s in lexicon_build.SOURCES if s not in missing)
    return out


def _count(pairs: object) -> int:
    """How many items an iterable yields."""
    return sum(1 for _ in pairs)  # type: ignore[attr-defined]


def _english_pairs(config: Config) -> tuple[int, bool]:
    """(number of English training pairs, exact?): XQuAD-R's counted, MS MARCO's at most training.max_instances."""
    if config.data.training_source == "msmarco":
        return config.training.max_instances, False
    from csir_lib.training.sets import english_pairs

    return _count(english_pairs(config)), True


def _training_sets(config: Config, english: int, exact: bool) -> list[TrainingSetPlan]:
    """Every system's training set (training_sets.system_names) with its pair count."""
    from csir_lib.training.sets import _switcher_needs_lexicons, system_names, translated_pairs

    out = []
    for system in system_names(config):
        pairs = english
        if system.split(":")[0] == "fine_tuning" and exact:
            pair = system.split(":", 1)[1] if ":" in system else None
            pairs = _count(translated_pairs(config, None, pair))
        out.append(TrainingSetPlan(system, pairs, exact, _switcher_needs_lexicons(system)))
    return out


def _models(config: Config, sets: list[TrainingSetPlan]) -> list[ModelPlan]:
    """One training per (system, seed), with the learning curve's evaluation points when the profile has one."""
    t = config.training
    curve = t.steps // t.eval_every + 1 if t.eval_every and config.data.dev_articles else 0
    return [ModelPlan(s.system, seed, t.steps, t.batch_size, curve) for s in sets for seed in t.seeds]


def _reranks(config: Config) -> tuple[list[RerankPlan], list[str]]:
    """Re-ranking runs of notebooks 04 (every system), 05 (ML-CS ratio variants) and 06 (MIRACL)."""
    from csir_lib.experiments import settings as retrieval_settings
    from csir_lib.training.sets import system_names

    settings = retrieval_settings.settings(config)
    sizes, exact = _setting_sizes(config, settings)
    names = system_names(config)
    depth, seeds, tt = config.rerank.depth, config.training.seeds, config.rerank.translate_test
    out: list[RerankPlan] = []
    for s in settings:
        queries, pool = sizes[s.label]
        pairs = queries * min(depth, pool)
        pair = f"{s.query_lang}-{s.doc_lang}"
        english_only = set(s.query_langs) | set(s.doc_langs) == {"en"}
        for system in names:
            if "@p=" in system or (":" in system and system.split(":", 1)[1] != pair):
                continue
            for seed in seeds:
                out.append(RerankPlan("04", s.label, system, seed, queries, pairs, exact))
                if system in tt and not english_only:
                    out.append(RerankPlan("04", s.label, f"tt:{system}", seed, queries, pairs, exact))
        if s.kind in config.rerank.ratio_settings:  # notebook 05: the ratio variants (the others' runs are 04's)
            out += [RerankPlan("05", s.label, system, seed, queries, pairs, exact)
                    for system in names if "@p=" in system for seed in seeds]
    notes = [] if exact else ["mMARCO settings: queries and pairs are upper bounds (judged dev.small queries with "
                              "candidates, at most rerank.max_queries; at most rerank.depth candidates each)"]
    miracl, miracl_notes = _miracl_reranks(config)
    return out + miracl, notes + miracl_notes


def _setting_sizes(config: Config, settings: list) -> tuple[dict[str, tuple[int, int]], bool]:
    """{label: (queries, candidate pool size)} of every setting, and whether they are exact (XQuAD-R) or bounds."""
    if config.data.evaluation_source == "mmarco":
        queries = min(config.rerank.max_queries, DEV_SMALL_QUERIES)
        return {s.label: (queries, config.rerank.depth) for s in settings}, False
    from csir_lib.data.xquad import build_task, split_articles

    data = config.data
    _, test = split_articles(data.xquad_articles, data.test_fraction, data.split_seed)
    out = {}
    for s in settings:
        task = build_task(list(s.query_langs), list(s.doc_langs), test, data_dir=data.xquad_dir,
                          seed=data.split_seed, max_queries=config.rerank.max_queries)
        out[s.label] = (len(task.topics), len(task.corpus))
    return out, True


def _miracl_reranks(config: Config) -> tuple[list[RerankPlan], list[str]]:
    """Notebook 06's MIRACL re-ranking runs (none when miracl.candidates is none)."""
    m = config.miracl
    if m.candidates == "none":
        return [], ["MIRACL (notebook 06): query-side analyses only (miracl.candidates: none), no re-ranking"]
    from csir_lib.experiments import miracl_reranking as miracl_ranking
    from csir_lib.retrieval import miracl

    langs, what = miracl_ranking.ranked_languages(config)
    out = []
    for lang in langs:
        topics = miracl.load_topics(lang, config.data.miracl_dir)
        qrels = miracl.load_qrels(lang, config.data.miracl_dir)
        queries = min(m.max_queries, sum(1 for q in qrels if q in topics))
        out += [RerankPlan("06", f"MIRACL {lang}", system, seed, queries, queries * m.depth, False)
                for system in miracl_ranking.system_names(config) for seed in config.training.seeds]
    return out, [f"MIRACL (notebook 06): {what}; pairs are upper bounds (queries with candidates, at most "
                 f"miracl.depth each)"]


def cache_names(plan: Plan) -> dict[str, object]:
    """What a run of the plan leaves in its cache, in the terms a cache listing gives (the plan test compares)."""
    return {
        "lexicons": sorted(f"{lang}.{source}.tsv" for lang, sources in plan.lexicons.items() for source in sources),
        "training_sets": {s.system.replace(":", "_"): s.pairs for s in plan.training_sets},
        "models": {m.name: m.steps for m in plan.models},
        "runs": len(plan.reranks),
        "run_pairs": sum(r.pairs for r in plan.reranks),
    }


def cache_listing(cache: Path) -> dict[str, object]:
    """The same summary read from a finished run's cache folder."""
    import json

    sets = {p.stem: json.loads(p.with_suffix(".stats.json").read_text())["pairs"]
            for p in (cache / "training-sets").glob("*/*.tsv") if p.stem != "english"}
    models = {p.parent.name: json.loads(p.read_text())["global_step"]
              for p in (cache / "cross-encoders").glob("*/*/training.json")}
    runs = sorted((cache / "runs").glob("*/run.trec"))
    return {
        "lexicons": sorted(p.name for p in (cache / "lexicons").glob("*/*.tsv")),
        "training_sets": sets,
        "models": models,
        "runs": len(runs),
        "run_pairs": sum(sum(1 for line in p.open(encoding="utf-8") if line.strip()) for p in runs),
    }
