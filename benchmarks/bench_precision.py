"""bfloat16 against float32 on this CPU: re-ranking speed and MRR@10, and training steps per second.

The demo re-ranks with the encoder under bfloat16 autocast and the logit in float32 (`rerank.precision: bf16`)
and trains in bfloat16 mixed precision (`training.precision: bf16`). This measures, in one process, what that buys
and what it costs: for a few demo settings and trained systems, the seconds to re-rank the setting's 300 queries
x top 10 in each precision, both runs' MRR@10, the largest score difference and the number of tied scores; then
optimiser steps per second of a short training of the demo's English pairs in each precision. Needs a demo run's
cache (`./run_all.sh --profile demo --only 04`).

    python benchmarks/bench_precision.py [--settings EN-EN EN-DE AR-RU] [--train-steps 20]

Prints one JSON object; `rerank_ratio` and `train_ratio` are float32 seconds over bfloat16 seconds (above 1:
bfloat16 is faster). The machine's timings are noisy: read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("zero_shot", "ml_cs")


def _model(system: str) -> Path:
    """The demo's trained model of `system` (seed 1), or exit saying how to make it."""
    found = sorted((ROOT / ".cache" / "cross-encoders").glob(f"*/{system}-seed1/model"))
    if not found:
        sys.exit(f"bench_precision: no trained {system} model in .cache/; run ./run_all.sh --profile demo --only 04")
    return found[0]


def rerank_rows(settings: list[str]) -> list[dict]:
    """Seconds, MRR@10, largest score difference and ties of each (setting, system) in fp32 and bf16."""
    from csir_lib.evaluation.measures import evaluate
    from csir_lib.experiments import settings as retrieval_settings
    from csir_lib.report.experiment import top
    from csir_lib.report.study import open_study, profile_model
    from csir_lib.retrieval.rerank import rerank

    study = open_study("demo", results_dir=tempfile.mkdtemp())
    cfg, encoder = study.config, profile_model(study)
    rows = []
    for label, task in retrieval_settings.iter_tasks(cfg, study.cache_dir):
        if label not in settings:
            continue
        first = top(retrieval_settings.first_stage(task, encoder, cfg.rerank.first_stage_depth, study.cache_dir),
                    cfg.rerank.depth)
        for system in SYSTEMS:
            row: dict = {"setting": label, "system": system, "queries": len(first)}
            runs = {}
            for precision in ("fp32", "bf16", "fp32", "bf16"):  # interleaved: the second of each pair is timed
                start = time.perf_counter()
                runs[precision] = rerank(_model(system), task.topics, task.corpus, first,
                                         max_length=cfg.model.max_length, progress=False, precision=precision)
                row[f"{precision}_seconds"] = round(time.perf_counter() - start, 2)
            for precision, run in runs.items():
                row[f"{precision}_mrr10"] = round(evaluate(task.qrels, run, ["mrr@10"]).means["mrr@10"], 4)
                row[f"{precision}_tied_scores"] = sum(len(s) - len(set(s.values())) for s in run.values())
            row["max_score_difference"] = round(max(abs(runs["fp32"][q][d] - runs["bf16"][q][d])
                                                    for q in runs["fp32"] for d in runs["fp32"][q]), 4)
            rows.append(row)
    return rows


def train_seconds(steps: int) -> dict[str, float]:
    """Seconds of `steps` optimiser steps of the demo recipe on its English pairs, in fp32 and in bf16."""
    from csir_lib.training.spec import TrainSpec
    from csir_lib.training.trainer import train_cross_encoder

    models = sorted((ROOT / ".cache" / "models").glob("*/multilingual-e5-small-L6"))
    pairs = sorted((ROOT / ".cache" / "training-sets").glob("*/english.tsv"))
    if not models or not pairs:
        sys.exit("bench_precision: no demo model or English pairs in .cache/; run ./run_all.sh --only 03 first")
    seconds = {}
    with tempfile.TemporaryDirectory() as work:
        spec = TrainSpec(model_dir=models[0], pairs=pairs[0], out_dir=Path(work), steps=steps, batch_size=20,
                         learning_rate=1e-4, warmup_steps=2, loss="group_softmax", group_size=5,
                         freeze_embeddings=True, max_length=256, checkpoint_every=steps, seed=1)
        for precision in ("fp32", "bf16"):
            result = train_cross_encoder(dataclasses.replace(spec, precision=precision, out_dir=Path(work) / precision),
                                         progress=False)
            seconds[precision] = round(steps / result.steps_per_second, 2)
    return seconds


def main() -> None:
    """Measure and print the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", default=["EN-EN", "EN-DE", "AR-RU"])
    parser.add_argument("--train-steps", type=int, default=20)
    args = parser.parse_args()
    os.environ.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TQDM_DISABLE="1")
    rows = rerank_rows(args.settings)
    train = train_seconds(args.train_steps)
    print(json.dumps({
        "rerank": rows,
        "rerank_ratio": round(sum(r["fp32_seconds"] for r in rows) / sum(r["bf16_seconds"] for r in rows), 2),
        "train_seconds": train,
        "train_ratio": round(train["fp32"] / train["bf16"], 2),
    }, indent=1))


if __name__ == "__main__":
    main()
