"""Shipped data under data/: every file checked against its folder's SHA256SUMS when it is loaded."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from csir_lib.core.errors import InputError
from csir_lib.core.hashing import sha256_hex


@lru_cache(maxsize=32)
def read_sums(folder: str | Path) -> dict[str, str]:
    """The `sha256  name` lines of `folder/SHA256SUMS` as {name: hex digest}."""
    path = Path(folder) / "SHA256SUMS"
    if not path.exists():
        raise InputError("checksum list not found", path=path, expected="a SHA256SUMS file beside the data")
    sums = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 64:
            raise InputError("malformed checksum line", path=path, line=number, expected="'<sha256>  <file name>'")
        sums[parts[1].lstrip("*")] = parts[0]
    return sums


def verified_bytes(path: str | Path, decode: Callable[[bytes], bytes] | None = None, name: str | None = None) -> bytes:
    """The bytes of a shipped file (after `decode`, e.g. gunzip) once their SHA-256 matches SHA256SUMS[name]."""
    path = Path(path)
    if not path.exists():
        raise InputError("shipped data file not found", path=path,
                         expected="the repository's data/ folder intact (git checkout -- data/)")
    data = path.read_bytes()
    if decode is not None:
        data = decode(data)
    name = name or path.name
    expected = read_sums(str(path.parent)).get(name)
    if expected is None:
        raise InputError(f"{name} is not listed in SHA256SUMS", path=path.parent / "SHA256SUMS",
                         expected=f"a checksum line for {name}")
    actual = sha256_hex(data)
    if actual != expected:
        raise InputError(f"checksum mismatch for {name}: {actual[:12]}... != {expected[:12]}...", path=path,
                         expected="the shipped file unchanged (git checkout -- data/)")
    return data


@lru_cache(maxsize=1)
def english_stopwords() -> frozenset[str]:
    """NLTK's 179 English stopwords (data/stopwords/english.txt, checked), the list Wiki-CS filters titles with."""
    from csir_lib.core.paths import ROOT

    text = verified_bytes(ROOT / "data" / "stopwords" / "english.txt").decode("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())
