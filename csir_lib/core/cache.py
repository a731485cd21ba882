"""Artefacts cached by a hash of everything that made them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from csir_lib.core.hashing import file_sha256, sha256_hex
from csir_lib.core.paths import ROOT

DEFAULT_CACHE = Path(os.environ.get("CSIR_CACHE", ROOT / ".cache"))
RUN_STARTED = "CSIR_RUN_STARTED"  # set by the pipeline for its kernels: when this run of run_all.sh began


def reusable(path: Path, force: bool) -> bool:
    """Whether the cached artefact at `path` may be used: it exists and, with `force`, was made during this run.

    `run_all.sh --force` recomputes each cached stage once per run, not once per notebook: notebooks 04 and 05
    share their re-ranked runs, and 05 reuses what 04 made minutes before. Outside a pipeline run `force`
    always recomputes.
    """
    if not path.exists():
        return False
    started = os.environ.get(RUN_STARTED)
    return not force or (started is not None and path.stat().st_mtime >= float(started))


def _canonical(obj: Any) -> Any:
    """Turn paths into their content hashes and dataclasses into dicts so a key follows the content.

    A dataclass field with metadata `cache_key: False` (how work is run, never what it makes) is left out.
    """
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if f.metadata.get("cache_key", True)}
    if isinstance(obj, Path):
        if obj.is_dir():
            files = sorted(p for p in obj.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            return {"dir": {p.relative_to(obj).as_posix(): file_sha256(p) for p in files}}
        return {"file": file_sha256(obj)}
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    return obj


def key_path(path: str | Path, cache_root: str | Path | None = None) -> str:
    """`path` as a cache key holds it: relative to the cache, else to the repository, else absolute.

    A folder made in the cache is named by the key of what made it, so its place there identifies it; its absolute
    path would change every key built on it when the checkout or `.cache/` moves, and nothing would be reused.
    """
    resolved = Path(path).resolve()
    for tag, base in (("cache", Path(cache_root or DEFAULT_CACHE)), ("repo", ROOT)):
        if resolved.is_relative_to(base.resolve()):
            return f"{tag}:{resolved.relative_to(base.resolve()).as_posix()}"
    return resolved.as_posix()


def cache_key(*parts: Any, length: int = 16) -> str:
    """A short hex key over `parts`; `Path` parts count by their content, not their name (`key_path`: by place)."""
    blob = json.dumps(_canonical(list(parts)), sort_keys=True, ensure_ascii=False, default=str)
    return sha256_hex(blob)[:length]


def artefact_path(stage: str, key: str, name: str, root: str | Path | None = None) -> Path:
    """Where the artefact `name` of `stage` made under `key` lives in the cache."""
    return Path(root or DEFAULT_CACHE) / stage / key / name
