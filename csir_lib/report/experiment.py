"""Everything the results notebooks share: trained models, settings, first-stage runs, re-ranked runs, scores.

Each step reuses the cache of the notebook that made it, so notebooks 04 and 05 only evaluate. The first stage
retrieves `rerank.first_stage_depth` candidates (its own recall@100 is measured on those) and every system
re-ranks its top `rerank.depth`; the scores carry the two references every re-ranker must beat (that top
`depth` as ranked, and a random order of it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from csir_lib.data.formats import ranked
from csir_lib.data.xquad import Task
from csir_lib.experiments import reranking as reranking_stage
from csir_lib.experiments import results as results_stage
from csir_lib.experiments import settings as retrieval_settings
from csir_lib.experiments.settings import Setting
from csir_lib.lexicons import build as lexicon_build
from csir_lib.report.study import Study, profile_model
from csir_lib.training import sets as training_sets
from csir_lib.training import systems as systems_training

Lexicons = dict[str, dict[str, Path]]  # {lang: {source: lexicon TSV}}
Models = dict[str, dict[int, Path]]  # {system: {seed: model folder}}


@dataclass(frozen=True)
class Experiment:
    """The settings of a profile with their tasks, first stage, and every system's per-query scores."""

    settings: list[Setting]
    tasks: dict[str, Task]  # topics and qrels of each setting (corpora dropped once re-ranked)
    first_model: Path
    first_scores: pd.DataFrame  # the first stage at its own depth (rerank.first_stage_depth), first_stage_metrics
    scores: pd.DataFrame  # per_query_scores with the references; per-pair BL-CS, Fine-tuning as "bl_cs", "fine_tuning"
    not_learned: tuple[str, ...] = ()  # systems whose training did not leave the label prior (notebook 03)


@dataclass(frozen=True)
class Trained:
    """The profile's lexicons and trained models, and which systems did not learn (notebook 03's flag)."""

    lexicons: Lexicons
    models: Models
    not_learned: tuple[str, ...]


def trained_models(study: Study, names: list[str] | None = None) -> Trained:
    """The profile's lexicons and its trained models (all cached), with the systems whose training did not learn.

    `names` picks systems among `training_sets.system_names`; all of them by default.
    """
    cfg = study.config
    model_dir = profile_model(study)
    lexicons = lexicon_build.build_lexicons(cfg, model_dir, study.cache_dir)
    names = training_sets.system_names(cfg) if names is None else names
    sets = [training_sets.build_training_set(name, cfg, lexicons, study.cache_dir) for name in names]
    trained = systems_training.train_systems(cfg, model_dir, sets, study.cache_dir)
    references = systems_training.dev_references(systems_training.dev_task(cfg, model_dir, study.cache_dir))
    table = systems_training.training_table(trained, cfg, references)
    by_system: Models = {}
    for (system, seed), result in trained.items():
        by_system.setdefault(system, {})[seed] = result.model_dir
    flagged = tuple(dict.fromkeys(_table_name(s) for s in table.loc[~table.learned.astype(bool), "system"]))
    return Trained(lexicons, by_system, flagged)


def _table_name(system: str) -> str:
    """A system's name in results tables (every per-pair BL-CS or Fine-tuning model is "bl_cs", "fine_tuning")."""
    return system.split(":", 1)[0]


def top(run: dict[str, dict[str, float]], depth: int) -> dict[str, dict[str, float]]:
    """The first `depth` documents of each query of `run`, in its ranking order (score, then docid)."""
    return {qid: dict(ranked(docs)[:depth]) for qid, docs in run.items()}


def run_experiment(study: Study, *, ratios: bool = False) -> Experiment:
    """Train (cached), re-rank (cached) and evaluate every system on every setting of the study's profile.

    `ratios` adds ML-CS at every p of `training.ratios` on the setting kinds of `rerank.ratio_settings` and leaves
    out Translate Test, BL-CS, Wiki-CS and Fine-tuning.
    """
    cfg = study.config
    model_dir = profile_model(study)
    names = [n for n in training_sets.system_names(cfg)
             if ("@p=" not in n or ratios) and not (ratios and n.startswith(("bl_cs", "wiki_cs", "fine_tuning")))]
    trained = trained_models(study, names)
    lexicons, by_system = trained.lexicons, trained.models
    settings = {s.label: s for s in retrieval_settings.settings(cfg)}
    first_model = model_dir  # the starting encoder as a bi-encoder: the same candidates for every system
    x2en = {lang: paths["x2en"] for lang, paths in lexicons.items() if "x2en" in paths}  # see lexicons.missing
    tasks, full, first, runs = {}, {}, {}, {}
    depth = cfg.rerank.depth
    for label, task in retrieval_settings.iter_tasks(cfg, study.cache_dir):  # one task's passages in memory at once
        s = settings[label]
        if ratios and s.kind not in cfg.rerank.ratio_settings:
            continue
        full[label] = retrieval_settings.first_stage(task, first_model, max(depth, cfg.rerank.first_stage_depth),
                                                     study.cache_dir)
        first[label] = top(full[label], depth)
        chosen = {name: m for name, m in by_system.items()  # per-pair systems (bl_cs:, fine_tuning:) on their pair
                  if ":" not in name or name.split(":", 1)[1] == f"{s.query_lang}-{s.doc_lang}"}
        runs[label] = reranking_stage.rerank_setting(
            label, task, first[label], chosen, x2en, () if ratios else cfg.rerank.translate_test,
            cfg.rerank.batch_tokens, cfg.model.max_length, study.cache_dir, study.force, cfg.rerank.precision)
        runs[label][(results_stage.FIRST_STAGE, 0)] = first[label]
        tasks[label] = replace(task, corpus={})  # evaluation needs topics and qrels only
    ev = cfg.evaluation
    order = [settings[label] for label in tasks]
    scores = pd.concat([results_stage.random_scores(order, tasks, first, ev.metrics),
                        results_stage.per_query_scores(order, tasks, runs, ev.metrics)], ignore_index=True)
    scores["system"] = scores["system"].str.replace(r"^(bl_cs|fine_tuning):.*", r"\1", regex=True)
    first_scores = results_stage.per_query_scores(
        order, tasks, {k: {(results_stage.FIRST_STAGE, 0): v} for k, v in full.items()}, ev.first_stage_metrics)
    return Experiment(order, tasks, first_model, first_scores, scores, trained.not_learned)
