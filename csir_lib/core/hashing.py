"""The one place csir_lib hashes bytes: files read in 1 MiB blocks, text, and data copied while it is hashed.

SHA-256 names cache entries and checks shipped and downloaded files; MD5 is what MS MARCO publishes for its
archives; a git blob id (SHA-1 over "blob <size>\\0" and the bytes) is how the Hugging Face hub names a file not
stored in LFS. Bytes already in memory (shipped data, cache keys, the tiny model's texts) go through `sha256_hex`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO, Any

BLOCK = 1 << 20  # bytes read at a time: a multi-gigabyte collection never sits in memory whole


def _file_digest(path: str | Path, digest: Any) -> str:
    """`digest` updated with a file's bytes, read in blocks, as hex."""
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return _file_digest(path, hashlib.sha256())


def file_md5(path: str | Path) -> str:
    """Hex MD5 of a file's bytes (only to compare with checksums others publish, never for security)."""
    return _file_digest(path, hashlib.md5(usedforsecurity=False))


def git_blob_sha1(path: str | Path) -> str:
    """The git object id of a file's bytes: how the Hugging Face hub names a file not stored in LFS."""
    prefix = f"blob {Path(path).stat().st_size}\0".encode()
    return _file_digest(path, hashlib.sha1(prefix, usedforsecurity=False))


def sha256_hex(data: bytes | str) -> str:
    """Hex SHA-256 of bytes, or of text as UTF-8."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def copy_hashed(source: IO[bytes], out: IO[bytes]) -> str:
    """Copy `source` to `out` in blocks (a download into its temporary file); the hex SHA-256 of what was copied."""
    digest = hashlib.sha256()
    while block := source.read(BLOCK):
        digest.update(block)
        out.write(block)
    return digest.hexdigest()
