"""A cached rerun of run_all.sh against a forced run, in the smoke profile (or another), in fresh temporary folders.

Three runs of `./run_all.sh --profile P` with their own cache and results folders (never the repository's): a
forced run from scratch (cold: builds the tiny model, compiles ranx with numba), a forced run on that warm cache
(`--force`: every notebook and every cached stage redone), then a plain rerun with nothing changed. The ratio is
the cached rerun's wall time over the warm forced run's (the stricter denominator; `ratio_vs_cold` uses the cold
run). A rerun that recomputes a notebook (someone edited csir_lib meanwhile, which changes every notebook's key)
is repeated, at most --attempts times, and the attempts are reported.

    python benchmarks/bench_rerun.py [--profile smoke] [--attempts 3] [--keep]

Prints one JSON object: cold_forced_seconds, forced_seconds, cached_seconds, ratio (<= 0.30 wanted), ok,
cached_notebooks (how many notebooks the rerun skipped, of notebooks), attempts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 0.30


def run_all(base: Path, profile: str, *args: str) -> tuple[float, str]:
    """Wall seconds and stdout of one run_all.sh with cache and results under `base`; exits on failure."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(base / "numba")}
    env.pop("CSIR_FAILPOINT", None)
    results = os.path.relpath(base / "results", ROOT)  # pipeline.run_notebook wants a path it can make ROOT-relative
    cmd = [str(ROOT / "run_all.sh"), "--profile", profile, "--set", f"cache_dir={base / 'cache'}",
           "--set", f"results_dir={results}", *args]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"run_all.sh {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def main() -> None:
    """Time a cold forced run, a warm forced run and a cached rerun; print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke", help="profile to run (default: %(default)s)")
    parser.add_argument("--attempts", type=int, default=3, help="cached reruns tried until one skips every notebook")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (their path is printed)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench_rerun."))
    try:
        cold, _ = run_all(base, args.profile, "--force")
        forced, out = run_all(base, args.profile, "--force")
        notebooks = out.count("[run] ")
        attempt, skipped = 0, -1
        while skipped != notebooks and attempt < args.attempts:
            attempt += 1
            cached, out = run_all(base, args.profile)
            skipped = out.count("[cached] ")
        ratio = cached / forced
        print(json.dumps({
            "profile": args.profile, "cold_forced_seconds": round(cold, 1), "forced_seconds": round(forced, 1),
            "cached_seconds": round(cached, 1), "ratio": round(ratio, 3), "ratio_vs_cold": round(cached / cold, 3),
            "limit": LIMIT, "ok": ratio <= LIMIT and skipped == notebooks, "cached_notebooks": skipped,
            "notebooks": notebooks, "attempts": attempt, **({"folder": str(base)} if args.keep else {}),
        }))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
