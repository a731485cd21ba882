"""Training throughput on two CPU cores: one process on two threads against two processes on one thread each.

The demo trains its cross-encoders one after another, each on both cores; its batches (20 pairs of ~60 tokens
through a 6-layer, 384-wide encoder) are too small for two threads to keep both cores busy. This measures, in one
run, how many optimiser steps per second the machine gives with one training on two threads and with two
concurrent trainings on one thread each (the same spec, seeds 1 and 2): the case for training systems in parallel
processes. The demo's recipe (group softmax, batches of 4 question groups, lr 1e-4, frozen word embeddings) on
the demo encoder and the demo's English pairs, both built by a demo run (`./run_all.sh --only 03`).

    python benchmarks/bench_parallel_train.py [--steps 30]

Prints one JSON object: seconds and steps of each arrangement and `ratio`, the two-process throughput over the
one-process throughput (measured here on 2026-12-02: 1.36 and 1.60 in two runs of 30 steps each, 1.43 at 20;
the machine's timings are noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAIN = """
import sys, torch
torch.set_num_threads(int(sys.argv[1]))
from csir_lib.training.trainer import train_cross_encoder
from csir_lib.training.spec import TrainSpec
spec = TrainSpec(model_dir=sys.argv[4], pairs=sys.argv[5], out_dir=sys.argv[2], steps=int(sys.argv[6]),
                 batch_size=20, learning_rate=1e-4, warmup_steps=3, loss="group_softmax", group_size=5,
                 freeze_embeddings=True, max_length=256, checkpoint_every=int(sys.argv[6]), seed=int(sys.argv[3]))
train_cross_encoder(spec, progress=False)
"""


def _inputs() -> tuple[Path, Path]:
    """The demo encoder and the demo's English pairs from the cache, or an error saying how to build them."""
    models = sorted((ROOT / ".cache" / "models").glob("*/multilingual-e5-small-L6"))
    pairs = sorted((ROOT / ".cache" / "training-sets").glob("*/english.tsv"))
    if not models or not pairs:
        sys.exit("bench_parallel_train: no demo model or English pairs in .cache/; run ./run_all.sh --only 03 first")
    return models[0], pairs[0]


def run(threads: int, processes: int, steps: int, work: Path) -> float:
    """Wall seconds for `processes` concurrent trainings of `steps` steps on `threads` threads each."""
    model, pairs = _inputs()
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONHASHSEED="0", TOKENIZERS_PARALLELISM="false")
    start = time.perf_counter()
    jobs = [subprocess.Popen([sys.executable, "-c", TRAIN, str(threads), str(work / f"{threads}-{i}"), str(i + 1),
                              str(model), str(pairs), str(steps)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) for i in range(processes)]
    if any(job.wait() for job in jobs):
        sys.exit("bench_parallel_train: a training failed; run it alone to see why")
    return time.perf_counter() - start


def main() -> None:
    """Measure both arrangements in one run and print the ratio of their throughputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="optimiser steps per training")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = run(2, 1, args.steps, Path(tmp))
        two = run(1, 2, args.steps, Path(tmp))
    print(json.dumps({"steps": args.steps, "one_process_two_threads_s": round(one, 1),
                      "two_processes_one_thread_s": round(two, 1), "ratio": round(2 * one / two, 2)}))


if __name__ == "__main__":
    main()
