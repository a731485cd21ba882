"""Train the cross-encoder of every system and seed of a profile (each cached and resumable on its own)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from csir_lib.cache import cache_key
from csir_lib.config import Config
from csir_lib.training import TrainResult, train_cross_encoder
from csir_lib.training_config import TrainSpec
from csir_lib.training_sets import TrainingSet


def train_spec(config: Config, model_dir: Path, training_set: TrainingSet, seed: int, cache_root: Path) -> TrainSpec:
    """The training run of one system and seed under the profile's schedule."""
    t = config.training
    name = f"{training_set.system.replace(':', '_')}-seed{seed}"
    key = cache_key(str(model_dir), str(training_set.path), t, config.model)  # both paths are content-keyed
    return TrainSpec(model_dir=model_dir, pairs=training_set.path, out_dir=cache_root / "cross-encoders" / key / name,
                     seed=seed, steps=t.steps, batch_size=t.batch_size, learning_rate=t.learning_rate,
                     warmup_steps=t.warmup_steps, weight_decay=t.weight_decay, precision=t.precision,
                     checkpoint_every=t.checkpoint_every, freeze_embeddings=config.model.freeze_embeddings,
                     max_length=config.model.max_length)


def train_systems(config: Config, model_dir: Path, sets: Sequence[TrainingSet], cache_root: Path,
                  force: bool = False) -> dict[tuple[str, int], TrainResult]:
    """Train (or reuse) one cross-encoder per (system, seed)."""
    results = {}
    for training_set in sets:
        for seed in config.training.seeds:
            spec = train_spec(config, model_dir, training_set, seed, cache_root)
            print(f"training {training_set.system} (seed {seed})", flush=True)
            results[(training_set.system, seed)] = train_cross_encoder(spec, restart=force)
    return results


def training_table(results: dict[tuple[str, int], TrainResult]) -> pd.DataFrame:
    """One row per trained model: steps, time, speed, first and last training loss."""
    rows = []
    for (system, seed), result in results.items():
        losses = [loss for _, loss in result.loss_history]
        tail = max(1, len(losses) // 10)
        rows.append({"system": system, "seed": seed, "steps": result.global_step,
                     "wall_seconds": round(result.wall_seconds, 1), "steps_per_second": result.steps_per_second,
                     "first_loss": sum(losses[:tail]) / tail if losses else None,
                     "last_loss": sum(losses[-tail:]) / tail if losses else None,
                     "resumed_from": result.resumed_from, "cached": result.cached})
    return pd.DataFrame(rows)


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
    """The training table in the long metrics.csv format."""
    rows = []
    for row in table.to_dict("records"):
        for metric in ("first_loss", "last_loss"):  # not timings: metrics.csv must be byte-identical on rerun
            if row[metric] is None or pd.isna(row[metric]):
                continue
            rows.append({"experiment": "training", "setting": "training", "system": row["system"],
                         "query_lang": "en", "doc_lang": "en", "metric": metric, "value": float(row[metric]),
                         "n_queries": int(row["steps"]), "seed": int(row["seed"])})
    return rows
