"""Train the cross-encoder of every system and seed of a profile (each cached and resumable on its own).

Every system of a comparison trains under the same recipe (steps, rate, loss); with `training.eval_every` each
is scored every N steps on a development task carved from the training articles (`data.dev_articles`), and the
training table says whether it left the plateau of the label prior (`learned`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from csir_lib.core.cache import artefact_path, cache_key, key_path
from csir_lib.core.config import Config
from csir_lib.data.metric_rows import Col, long_rows
from csir_lib.data.training_data import training_articles
from csir_lib.evaluation.references import random_order
from csir_lib.training.learning_curve import METRIC, DevTask, read_dev_task, write_dev_task
from csir_lib.training.losses import reference_loss
from csir_lib.training.sets import TrainingSet
from csir_lib.training.spec import TrainSpec, cached_result
from csir_lib.training.trainer import TrainResult, train_cross_encoder

LEARNED_FRACTION = 0.7  # a model learned when its last loss is at most this share of the prior's loss (and more)


def dev_task(config: Config, model_dir: Path, cache_root: Path) -> Path | None:
    """The development task of the learning curves (English, held-out training articles), or None without one.

    Its candidates are the first stage's top `rerank.depth` over the development articles' sentences, as a test
    setting's are over the test articles'.
    """
    from csir_lib.data.formats import doc_text
    from csir_lib.data.xquad import build_task
    from csir_lib.retrieval.first_stage import dense_first_stage

    data, t = config.data, config.training
    if not t.eval_every or not data.dev_articles:
        return None
    _, dev = training_articles(config)
    key = cache_key("dev-task", 1, data, t.dev_queries, config.rerank.depth, key_path(model_dir, cache_root))
    path = artefact_path("dev-tasks", key, "dev.json", cache_root)
    if path.exists():
        return path
    task = build_task("en", "en", dev, data_dir=data.xquad_dir, seed=data.split_seed, max_queries=t.dev_queries)
    run = dense_first_stage(model_dir, task.topics, task.corpus, config.rerank.depth)
    candidates = {qid: list(docs) for qid, docs in run.items()}
    needed = sorted({d for docs in candidates.values() for d in docs})
    write_dev_task(path, DevTask(task.topics, {d: doc_text(task.corpus[d]) for d in needed}, task.qrels, candidates))
    return path


def train_spec(config: Config, model_dir: Path, training_set: TrainingSet, seed: int, cache_root: Path,
               dev: Path | None = None) -> TrainSpec:
    """The training run of one system and seed under the profile's schedule."""
    t = config.training
    name = f"{training_set.system.replace(':', '_')}-seed{seed}"
    key = cache_key(key_path(model_dir, cache_root), key_path(training_set.path, cache_root), t,
                    config.model)  # both paths are content-keyed
    return TrainSpec(model_dir=model_dir, pairs=training_set.path, out_dir=cache_root / "cross-encoders" / key / name,
                     seed=seed, steps=t.steps, batch_size=t.batch_size, learning_rate=t.learning_rate,
                     warmup_steps=t.warmup_steps, weight_decay=t.weight_decay, precision=t.precision,
                     checkpoint_every=t.checkpoint_every, freeze_embeddings=config.model.freeze_embeddings,
                     max_length=config.model.max_length, loss=t.loss, group_size=t.negatives_per_positive + 1,
                     dev_task=dev, eval_every=t.eval_every if dev is not None else 0)


def train_systems(config: Config, model_dir: Path, sets: Sequence[TrainingSet], cache_root: Path,
                  force: bool = False) -> dict[tuple[str, int], TrainResult]:
    """Train (or reuse) one cross-encoder per (system, seed), `training.workers` at a time."""
    dev = dev_task(config, model_dir, cache_root)
    specs = {(s.system, seed): train_spec(config, model_dir, s, seed, cache_root, dev)
             for s in sets for seed in config.training.seeds}
    to_train = [k for k, spec in specs.items() if force or cached_result(spec, spec.cache_key()) is None]
    results = {}
    if config.training.workers > 1 and len(to_train) > 1:  # a pool only when it has work (it costs ~10 s to start)
        results = _train_in_processes({k: specs[k] for k in to_train}, config.training.workers, force)
    for (system, seed), spec in specs.items():
        if (system, seed) not in results:
            print(f"training {system} (seed {seed}) ...", end=" ", flush=True)
            results[(system, seed)] = _report(train_cross_encoder(spec, restart=force))
    return {k: results[k] for k in specs}


def _report(result: TrainResult) -> TrainResult:
    """Print how a training ended (reused from the cache or trained in N s) and pass it on."""
    print("cached" if result.cached else f"done in {result.wall_seconds:.0f} s", flush=True)
    return result


def _one_thread() -> None:
    """Process-pool initializer: one intra-op torch thread per training process."""
    import torch

    torch.set_num_threads(1)


def _train_in_processes(specs: dict[tuple[str, int], TrainSpec], workers: int,
                        force: bool) -> dict[tuple[str, int], TrainResult]:
    """Each spec trained in a process of its own, `workers` at a time, the largest training set first."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    order = sorted(specs, key=lambda k: -specs[k].pairs.stat().st_size)  # the longest trainings start first
    print(f"training {len(specs)} models, {workers} at a time ...", flush=True)
    results = {}
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_one_thread) as pool:
        futures = {pool.submit(train_cross_encoder, specs[k], restart=force, progress=False): k for k in order}
        for future in as_completed(futures):
            system, seed = futures[future]
            print(f"training {system} (seed {seed}) ...", end=" ", flush=True)
            results[(system, seed)] = _report(future.result())
    return results


def dev_references(dev: Path | None) -> dict[str, float]:
    """MRR@10 of the development task's first stage and of a random order of its candidates (empty without one)."""
    from csir_lib.evaluation.measures import evaluate

    if dev is None:
        return {}
    task = read_dev_task(dev)
    first = {q: {d: -float(rank) for rank, d in enumerate(docs)} for q, docs in task.candidates.items()}
    return {"first stage": evaluate(task.qrels, first, [METRIC]).means[METRIC],
            "random order": float(random_order(task.qrels, task.candidates, [METRIC])[METRIC].mean())}


def training_table(results: dict[tuple[str, int], TrainResult], config: Config,
                   references: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per trained model: steps, time, first and last loss against the prior's, dev MRR@10, learned or not.

    `learned`: the last loss is at most LEARNED_FRACTION of `reference_loss` and the last development MRR@10 is
    above a random order of the same candidates (without a development task, the loss alone decides).
    """
    t = config.training
    reference = reference_loss(t.loss, t.negatives_per_positive + 1)
    random_dev = (references or {}).get("random order")
    rows = []
    for (system, seed), result in results.items():
        losses = [loss for _, loss in result.loss_history]
        tail = max(1, len(losses) // 10)
        last = sum(losses[-tail:]) / tail if losses else None
        dev_last = result.curve[-1][1] if result.curve else None
        learned = last is not None and last <= LEARNED_FRACTION * reference and \
            (dev_last is None or random_dev is None or dev_last > random_dev)
        rows.append({"system": system, "seed": seed, "steps": result.global_step, "loss": t.loss,
                     "wall_seconds": round(result.wall_seconds, 1), "steps_per_second": result.steps_per_second,
                     "first_loss": sum(losses[:tail]) / tail if losses else None, "last_loss": last,
                     "reference_loss": reference, "dev_mrr10": dev_last, "learned": learned,
                     "resumed_from": result.resumed_from, "cached": result.cached})
    return pd.DataFrame(rows)


def learning_curves(results: dict[tuple[str, int], TrainResult]) -> pd.DataFrame:
    """Long learning-curve rows: system, seed, step, metric, value (development MRR@10)."""
    from csir_lib.training.learning_curve import curve_points

    rows = curve_points({key: list(result.curve) for key, result in results.items()})
    return pd.DataFrame(rows, columns=["system", "seed", "step", "metric", "value"])


def loss_frame(results: dict[tuple[str, int], TrainResult], window: int = 10) -> pd.DataFrame:
    """Training loss per step of every model, with a rolling mean over `window` steps."""
    frames = []
    for (system, seed), result in results.items():
        frame = pd.DataFrame(result.loss_history, columns=["step", "loss"])
        frame["smoothed"] = frame["loss"].rolling(window, min_periods=1).mean()
        frame["system"], frame["seed"] = system, seed
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def metrics_rows(table: pd.DataFrame) -> list[dict[str, object]]:
    """The training table in the long metrics.csv format (not timings: the same bytes on a rerun)."""
    return long_rows(table, ("first_loss", "last_loss", "reference_loss", "dev_mrr10"), experiment="training",
                     setting="training", system=Col("system"), query_lang="en", doc_lang="en",
                     n_queries=Col("steps"), extras={"seed": Col("seed", int)})


def learned_summary(table: pd.DataFrame) -> str:
    """One line: which models learned and which did not (flagged), and the total training time."""
    failed = [f"{r.system} (seed {r.seed})" for r in table.itertuples() if not r.learned]
    verdict = "every model learned" if not failed else f"NOT LEARNED: {', '.join(failed)}"
    return f"{verdict}; {len(table)} models, total training time {table['wall_seconds'].sum() / 60:.1f} min"
