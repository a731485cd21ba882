"""Everything the results notebooks share: trained models, settings, first-stage runs, re-ranked runs, scores.

Each step reuses the cache of the notebook that made it, so notebooks 04 and 05 only evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from csir_lib import (
    lexicon_build,
    reranking_stage,
    results_stage,
    retrieval_settings,
    systems_training,
    training_sets,
)
from csir_lib.retrieval_settings import Setting
from csir_lib.study import Study, profile_model
from csir_lib.xquad import Task

Lexicons = dict[str, dict[str, Path]]  # {lang: {source: lexicon TSV}}
Models = dict[str, dict[int, Path]]  # {system: {seed: model folder}}
TRANSLATE_TEST = ("zero_shot", "ml_cs")  # models that score Translate Test (paper: Zero-shot and ML-CS)


@dataclass(frozen=True)
class Experiment:
    """The settings of a profile with their tasks, first stage, and every system's per-query scores."""

    settings: list[Setting]
    tasks: dict[str, Task]  # topics and qrels of each setting (corpora dropped once re-ranked)
    first_model: Path
    first_scores: pd.DataFrame
    scores: pd.DataFrame  # results_stage.per_query_scores, per-pair BL-CS and Fine-tuning named "bl_cs", "fine_tuning"


def trained_models(study: Study, names: list[str] | None = None) -> tuple[Lexicons, Models]:
    """The profile's lexicons and its trained models (all cached): ({lang: {source: path}}, {system: {seed: dir}}).

    `names` picks systems among `training_sets.system_names`; all of them by default.
    """
    cfg = study.config
    model_dir = profile_model(study)
    lexicons = lexicon_build.build_lexicons(cfg, model_dir, study.cache_dir)
    names = training_sets.system_names(cfg) if names is None else names
    sets = [training_sets.build_training_set(name, cfg, lexicons, study.cache_dir) for name in names]
    trained = systems_training.train_systems(cfg, model_dir, sets, study.cache_dir)
    by_system: Models = {}
    for (system, seed), result in trained.items():
        by_system.setdefault(system, {})[seed] = result.model_dir
    return lexicons, by_system


def run_experiment(study: Study, *, ratios: bool = False) -> Experiment:
    """Train (cached), re-rank (cached) and evaluate every system on every setting of the study's profile.

    `ratios` adds ML-CS at every p of `training.ratios` and leaves out Translate Test and BL-CS.
    """
    cfg = study.config
    model_dir = profile_model(study)
    names = [n for n in training_sets.system_names(cfg)
             if ("@p=" not in n or ratios) and not (ratios and n.startswith(("bl_cs", "wiki_cs", "fine_tuning")))]
    lexicons, by_system = trained_models(study, names)
    settings = {s.label: s for s in retrieval_settings.settings(cfg)}
    first_model = model_dir  # the starting encoder as a bi-encoder: the same candidates for every system
    x2en = {lang: paths["x2en"] for lang, paths in lexicons.items() if "x2en" in paths}  # see lexicons.missing
    tasks, first, runs = {}, {}, {}
    for label, task in retrieval_settings.iter_tasks(cfg, study.cache_dir):  # one task's passages in memory at once
        s = settings[label]
        first[label] = retrieval_settings.first_stage(task, first_model, cfg.rerank.depth, study.cache_dir)
        chosen = {name: m for name, m in by_system.items()  # per-pair systems (bl_cs:, fine_tuning:) on their pair
                  if ":" not in name or name.split(":", 1)[1] == f"{s.query_lang}-{s.doc_lang}"}
        runs[label] = reranking_stage.rerank_setting(
            label, task, first[label], chosen, x2en, () if ratios else TRANSLATE_TEST,
            cfg.rerank.batch_tokens, cfg.model.max_length, study.cache_dir, study.force)
        tasks[label] = replace(task, corpus={})  # evaluation needs topics and qrels only
    metrics = cfg.evaluation.metrics
    order = list(settings.values())
    scores = results_stage.per_query_scores(order, tasks, runs, metrics)
    scores["system"] = scores["system"].str.replace(r"^(bl_cs|fine_tuning):.*", r"\1", regex=True)
    first_scores = results_stage.per_query_scores(
        order, tasks, {k: {("first stage", 0): v} for k, v in first.items()}, metrics)
    return Experiment(order, tasks, first_model, first_scores, scores)
