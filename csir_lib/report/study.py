"""What a notebook's first cell needs: the resolved config, its folders, and writers for its outputs.

Notebooks stay thin: `study = open_study(profile, overrides, results_dir)` and then library calls; figures,
tables and metrics go through the methods here so every output lands, atomically, in the results layout of
DESIGN.md section 3.
"""

from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csir_lib.core.atomic import atomic_open, remove_stale
from csir_lib.core.cache import RUN_STARTED
from csir_lib.core.config import Config, load_config
from csir_lib.core.errors import InputError
from csir_lib.core.paths import ROOT


@dataclass(frozen=True)
class Study:
    """A notebook's view of one profile: its config, cache and results folder."""

    config: Config
    results_dir: Path
    cache_dir: Path
    force: bool = False

    def save_figure(self, fig: Any, name: str) -> Path:
        """Save a matplotlib figure as figures/<name>.png and .svg, reproducibly (no timestamps)."""
        import matplotlib

        folder = self.results_dir / "figures"
        for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
            buffer = io.BytesIO()
            with matplotlib.rc_context({"svg.hashsalt": name}):  # fixed element ids: same figure, same bytes
                fig.savefig(buffer, format=ext, dpi=110, bbox_inches="tight", metadata=meta)
            with atomic_open(folder / f"{name}.{ext}", "wb") as fh:
                fh.write(buffer.getvalue())
        return folder / f"{name}.png"

    def save_table(self, frame: Any, name: str, caption: str = "", floatfmt: str = ".3f") -> Path:
        """Save a DataFrame as tables/<name>.csv, .md and .tex (`data.tables.write_frame`, the one table writer)."""
        from csir_lib.data.tables import write_frame

        return write_frame(frame, self.results_dir, name, caption, floatfmt)["md"]

    def write_metrics(self, rows: Any) -> Path:
        """Write this notebook's long-format metrics.csv (DESIGN.md section 3) atomically."""
        from csir_lib.report.metrics_csv import write_metrics

        return write_metrics(self.results_dir / "metrics.csv", rows)

    def section_metrics(self, section: str, required: bool = True) -> Any:
        """The metrics.csv an earlier notebook wrote (e.g. "04_main_results"); None if optional and absent."""
        from csir_lib.report.metrics_csv import read_metrics

        path = self.results_dir.parent / section / "metrics.csv"
        if not required and not path.exists():
            return None
        if not path.exists():
            raise InputError(f"no metrics of notebook {section}", path=path,
                             expected=f"run it first: ./run_all.sh --profile {self.config.profile} --only {section}")
        return read_metrics(path)


def open_study(profile: str = "demo", overrides: dict[str, Any] | None = None, results_dir: str | None = None,
               force: bool = False) -> Study:
    """Load the profile, set the offline environment it asks for, and make its folders."""
    config = load_config(profile=profile, overrides=overrides)
    if config.offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["HF_DATASETS_OFFLINE"] = "1"
    cache = ROOT / config.cache_dir
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache / "numba"))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    out = ROOT / (results_dir or f"{config.results_dir}/{profile}/scratch")
    out.mkdir(parents=True, exist_ok=True)
    if RUN_STARTED not in os.environ:  # opened by hand: run_all.sh has not cleaned the cache for this run
        clean_cache(cache, time.time())
    cache.mkdir(parents=True, exist_ok=True)
    return Study(config, out, cache, force)


def clean_cache(cache: Path, started: float) -> list[Path]:
    """Remove the temporaries a killed run left in the cache (older than this run, no live writer); say so."""
    removed = remove_stale(cache, started) if cache.is_dir() else []
    if removed:
        shown = ", ".join(os.path.relpath(p, cache) for p in removed[:3]) + (" ..." if len(removed) > 3 else "")
        print(f"[cleaned] {len(removed)} temporary file(s) a killed run left in the cache: {shown}", flush=True)
    return removed


def profile_model(study: Study) -> Path:
    """The profile's starting encoder as a local folder (built or converted into the cache on first use)."""
    from csir_lib.data.xquad import XQUAD_LANGUAGES, load_language
    from csir_lib.models.starting import resolve_model

    model = study.config.model
    texts: list[str] = []
    if model.kind == "tiny":  # the tiny model's tokenizer learns the profile's own text
        articles = range(study.config.data.xquad_articles)
        for lang in XQUAD_LANGUAGES:
            data = load_language(lang, study.config.data.xquad_dir)
            texts += [q.text for q in data.questions if q.article in articles]
            texts += [s.text for s in data.sentences if s.article in articles]
    return resolve_model(model.kind, study.cache_dir, model.num_layers, texts, name=model.name)
