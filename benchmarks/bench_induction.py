"""Time lexicon induction against one bare matrix product of the same shapes, in one process, and print JSON.

    python benchmarks/bench_induction.py [--src 20000] [--tgt 50000] [--dim 300] [--repeats 3]

Targets (issue 3): nearest neighbour at most 1.3x the bare product, exact CSLS (two reads of the similarities)
at most 2.3x, peak memory under 2 GB. The baseline is the faster of (a) one full `src @ tgt.T` and (b) the same
product written block by block into one reused buffer (no page faults for a 4 GB result); ratios are reported
against both. Each timing is the best of `--repeats` runs, interleaved, so other load on the machine affects
numerator and denominator alike. Peak memory is tracemalloc's peak (numpy reports its buffers to it) during each
induction call, beyond the inputs, and the whole process's resident peak (`resource`) before any full product.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import tracemalloc

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402

from csir_lib.lexicons.induction import _block_rows, csls_topk, nn_topk  # noqa: E402


def _timed(fn) -> float:
    """Wall seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _traced_peak(fn) -> float:
    """Peak traced allocation in bytes during one call."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    """Run the benchmark and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=int, default=20000)
    parser.add_argument("--tgt", type=int, default=50000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--skip-full", action="store_true", help="do not time the full 4 GB product")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    src = rng.standard_normal((args.src, args.dim), dtype=np.float32)
    tgt = rng.standard_normal((args.tgt, args.dim), dtype=np.float32)
    step = _block_rows(args.tgt, None)
    buf = np.empty((step, args.tgt), np.float32)

    def blocked() -> None:
        for i in range(0, args.src, step):
            np.matmul(src[i:i + step], tgt.T, out=buf[: min(step, args.src - i)])

    def full() -> None:
        np.matmul(src, tgt.T)

    runs = {"matmul_blocked": blocked, "nn": lambda: nn_topk(src, tgt, args.top),
            "csls": lambda: csls_topk(src, tgt, 10, args.top)}
    peaks = {name: _traced_peak(runs[name]) / 2**30 for name in ("nn", "csls")}  # also the warm-up round
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # before any full 4 GB product
    if not args.skip_full:
        runs["matmul_full"] = full
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, fn in runs.items():
            times[name].append(_timed(fn))
    best = {name: min(values) for name, values in times.items()}
    baseline = min(best["matmul_blocked"], best.get("matmul_full", float("inf")))
    result = {
        "shape": [args.src, args.tgt, args.dim], "top": args.top, "csls_k": 10, "block_rows": step,
        "threads": int(os.environ["OMP_NUM_THREADS"]), "repeats": args.repeats,
        "seconds": {name: round(value, 3) for name, value in best.items()},
        "nn_ratio": round(best["nn"] / baseline, 3),
        "csls_ratio": round(best["csls"] / baseline, 3),
        "nn_ratio_vs_blocked": round(best["nn"] / best["matmul_blocked"], 3),
        "csls_ratio_vs_blocked": round(best["csls"] / best["matmul_blocked"], 3),
        "inputs_gb": round((src.nbytes + tgt.nbytes) / 2**30, 3),
        "peak_traced_gb_beyond_inputs": {name: round(value, 3) for name, value in peaks.items()},
        "max_rss_gb_process": round(max_rss, 3),
        "targets": {"nn_ratio": 1.3, "csls_ratio": 2.3, "peak_gb": 2.0},
    }
    if "matmul_full" in best:
        result["nn_ratio_vs_full"] = round(best["nn"] / best["matmul_full"], 3)
        result["csls_ratio_vs_full"] = round(best["csls"] / best["matmul_full"], 3)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
