"""run_all: execute every notebook of a profile with papermill, render HTML, write the manifest and the index.

Each notebook runs into a temporary folder renamed into place only when it succeeds, so results/ never holds a
half-written report; what its cells print is echoed to the terminal as it runs, while progress bars are turned
off in the kernel (`TQDM_DISABLE`), so the rendered report shows results, not frozen bars; a notebook whose
inputs (its source, the resolved config, the library's code and the notebooks before it) are unchanged is skipped
unless `--force` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

from csir_lib.core.atomic import atomic_open, atomic_path, write_json, write_text
from csir_lib.core.cache import RUN_STARTED, cache_key
from csir_lib.core.config import PROFILES, load_config, parse_override
from csir_lib.core.errors import InputError, OneLineParser, as_options
from csir_lib.core.io_checks import output_folder
from csir_lib.core.locks import exclusive_lock
from csir_lib.core.paths import ROOT
from csir_lib.report.front_page import write_index
from csir_lib.report.manifest import build_manifest
from csir_lib.report.study import clean_cache

NOTEBOOKS = ROOT / "notebooks"
STAMP = ".inputs-key"
# tqdm.auto in a kernel without ipywidgets falls back to text bars (what we want) and warns, with this machine's
# paths, into every report: the kernels of a run ignore that one warning
QUIET_WARNING = "ignore:IProgress not found"


def notebooks(only: list[str] | None = None) -> list[Path]:
    """The notebooks in run order, optionally only those whose stem starts with one of `only`."""
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if only is not None and not all(o.strip() for o in only):
        raise InputError("--only has an empty name (it would match every notebook)", path=NOTEBOOKS,
                         expected=f"a stem or prefix of {', '.join(nb.stem for nb in found)}")
    if only:
        chosen = [nb for nb in found if any(nb.stem == o or nb.stem.startswith(o) for o in only)]
        if not chosen:
            raise InputError(f"--only {' '.join(only)} matches no notebook", path=NOTEBOOKS,
                             expected=f"a stem or prefix of {', '.join(nb.stem for nb in found)}")
        return chosen
    return found


def results_lock(folder: Path) -> contextlib.AbstractContextManager[None]:
    """An exclusive lock on a results folder so two runs never write it at once."""
    return exclusive_lock(folder, "run_all.sh")


def render_html(notebook: Path) -> str:
    """An executed notebook as a standalone HTML page, without prompts."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(exclude_input_prompt=True, exclude_output_prompt=True).from_filename(str(notebook))
    return body


def _relative_paths(executed: Path, source: Path, final: Path) -> None:
    """Record papermill's input and output paths relative to the repository (not this machine's temp file)."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata["papermill"].update(input_path=os.path.relpath(source, ROOT),
                                          output_path=os.path.relpath(final, ROOT))
    nbformat.write(notebook, executed)


def quiet_kernels() -> None:
    """Set what the notebook kernels inherit: no progress bars (`TQDM_DISABLE`), no tqdm widget warning.

    A filter in the kernels' environment, not one installed by importing csir_lib: a notebook opened by hand
    shows every warning.
    """
    os.environ["TQDM_DISABLE"] = "1"
    current = os.environ.get("PYTHONWARNINGS", "")
    if QUIET_WARNING not in current.split(","):
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [current, QUIET_WARNING]))


def run_notebook(nb: Path, out_dir: Path, parameters: dict, key: str) -> float:
    """Execute `nb` with papermill into `out_dir`, render its HTML, stamp it last; return the wall time."""
    import papermill

    start = time.perf_counter()
    if out_dir.exists():
        shutil.rmtree(out_dir)  # stale outputs of another config must not survive next to new ones
    out_dir.mkdir(parents=True)
    params = dict(parameters, results_dir=os.path.relpath(out_dir, ROOT))  # relative: reports carry no machine paths
    quiet_kernels()  # the kernel inherits them: the rendered report shows results, not bars or tqdm's warning
    with atomic_path(out_dir / nb.name) as executed:
        papermill.execute_notebook(str(nb), str(executed), parameters=params, cwd=str(ROOT), kernel_name="python3",
                                   progress_bar=False, stdout_file=sys.stdout, stderr_file=sys.stderr)
        _relative_paths(executed, nb, out_dir / nb.name)
    with atomic_open(out_dir / f"{nb.stem}.html") as handle:
        handle.write(render_html(out_dir / nb.name))
    write_text(out_dir / STAMP, key)  # last: only a finished notebook is ever trusted as cached
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the notebooks of one profile; stop with the failing notebook's name and a non-zero exit."""
    parser = OneLineParser(prog="run_all.sh", description="Regenerate every table, figure and report.")
    parser.add_argument("--profile", default="demo", choices=PROFILES, help="which configs/<profile>.yaml to run")
    parser.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="run only these notebooks (stem or prefix)")
    parser.add_argument("--force", action="store_true", help="rerun notebooks (and their cached stages) anyway")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one config value")
    parser.add_argument("--plan", action="store_true",
                        help="print what the run would fetch and build, with estimated times (python -m csir_lib "
                             "plan); runs nothing")
    args = parser.parse_args(argv)
    if args.plan:
        return _plan(args)
    try:
        overrides = dict(parse_override(o) for o in args.set)
        with as_options({"overrides": "--set"}):
            config = load_config(profile=args.profile, overrides=overrides)
        chosen = notebooks(args.only)
        for key in ("results_dir", "cache_dir"):  # a file in the way is one line now, not a traceback later
            output_folder(ROOT / getattr(config, key), [], (), option=key)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for name, value in (("HF_HUB_OFFLINE", "1"), ("HF_DATASETS_OFFLINE", "1")) if config.offline else ():
        os.environ[name] = value
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / config.cache_dir / "numba"))
    started = time.time()
    os.environ[RUN_STARTED] = str(started)  # --force recomputes a cached stage once per run (cache.reusable)
    cache = ROOT / config.cache_dir
    clean_cache(cache, started)
    cold = not cache.is_dir() or not any(p.name != "numba" for p in cache.iterdir())  # numba's cache is not ours
    folder = ROOT / config.results_dir / args.profile
    manifest_path = folder / "manifest.json"
    previous = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    timings = dict(previous.get("notebooks", {}))
    lib_key = cache_key(ROOT / "csir_lib")
    upstream = ""
    with results_lock(folder):
        for nb in notebooks():
            out_dir = folder / nb.stem
            key = cache_key(nb, config.to_dict(), lib_key, upstream)
            upstream = key
            stamp = out_dir / STAMP
            if nb not in chosen:
                continue
            if not args.force and stamp.exists() and stamp.read_text() == key:
                print(f"[cached] {nb.stem}")
                timings[nb.stem] = dict(timings.get(nb.stem, {}), cached=True)
                continue
            print(f"[run] {nb.stem} ...", flush=True)
            params = {"profile": args.profile, "overrides": overrides, "force": args.force}
            try:
                seconds = run_notebook(nb, out_dir, params, key)
            except Exception as err:  # papermill raises its own error type carrying the cell's traceback
                print(f"error: notebook {nb.stem} failed: {type(err).__name__}: {str(err)[-2000:]}", file=sys.stderr)
                return 1
            timings[nb.stem] = {"seconds": round(seconds, 1), "cached": False}
            print(f"[done] {nb.stem} in {seconds:.0f} s", flush=True)
        cold = cold and not any(t.get("cached") for t in timings.values())  # every notebook ran in this run
        write_json(manifest_path, build_manifest(config, timings, cold_cache=cold))
        write_index(folder)
    print(f"wrote {folder / 'index.html'}")
    return 0


def _plan(args: argparse.Namespace) -> int:
    """`--plan`: the profile's plan (`python -m csir_lib plan`) instead of a run; --only and --force make no sense."""
    from csir_lib.cli import main as cli_main

    if args.only or args.force:
        print("error: run_all.sh: --plan prints the plan of the whole profile; expected no --only or --force with it",
              file=sys.stderr)
        return 2
    return cli_main(["plan", "--profile", args.profile, *(part for o in args.set for part in ("--set", o))])


if __name__ == "__main__":
    raise SystemExit(main())
