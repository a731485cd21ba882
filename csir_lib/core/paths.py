"""The repository root, and config paths (repository-relative) resolved against it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def resolve(path: str | Path) -> Path:
    """An absolute path: `path` itself when absolute, else relative to the repository root."""
    path = Path(path)
    return path if path.is_absolute() else ROOT / path
