"""core.hashing, the one module that hashes: known digests, and files longer than one block hash as a whole."""

from __future__ import annotations

import hashlib
import io

from csir_lib.core import hashing


def test_known_digests(tmp_path):
    path = tmp_path / "abc"
    path.write_bytes(b"abc")
    assert hashing.file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hashing.file_md5(path) == "900150983cd24fb0d6963f7d28e17f72"
    assert hashing.sha256_hex(b"abc") == hashing.sha256_hex("abc") == hashing.file_sha256(path)
    hello = tmp_path / "hello"
    hello.write_bytes(b"hello\n")
    assert hashing.git_blob_sha1(hello) == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object hello


def test_blocks_add_up_to_the_whole_file(tmp_path):
    data = bytes(range(256)) * (hashing.BLOCK // 256) + b"tail"  # one block and four bytes
    path = tmp_path / "long"
    path.write_bytes(data)
    assert hashing.file_sha256(path) == hashlib.sha256(data).hexdigest()
    assert hashing.git_blob_sha1(path) == hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    out = io.BytesIO()
    assert hashing.copy_hashed(io.BytesIO(data), out) == hashlib.sha256(data).hexdigest()
    assert out.getvalue() == data
