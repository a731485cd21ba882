"""Downloads for the paper profile (MUSE, fastText, linguatools, Wikipedia dumps), checked and written atomically.

Hand-written over urllib rather than through huggingface_hub: none of these files is on the Hugging Face hub,
and `pooch`/`requests` would be new dependencies for one function. A download streams into a temporary file
beside its destination, is checked against an optional SHA-256, and only then takes the destination's name.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from csir_lib.core.atomic import atomic_open, write_text
from csir_lib.core.cache import DEFAULT_CACHE
from csir_lib.core.hashing import copy_hashed, file_sha256, git_blob_sha1

USER_AGENT = "csir-lib/0.1 (reproduction of Litschko et al. 2023; https://github.com/mainlp/CodeSwitchCLIR)"
# No hash is pinned for the files below: neither MUSE/fastText (dl.fbaipublicfiles.com) nor linguatools publish
# checksums, and ir_datasets lists none of them; Wikipedia's `latest` dumps change with every dump (each dated
# dump has its own md5sums file, but `latest` names no date). MS MARCO's MD5s: csir_lib.data.msmarco_data.KNOWN_MD5.
MUSE_VECTORS = "https://dl.fbaipublicfiles.com/arrival/vectors/wiki.multi.{lang}.vec"
MUSE_DICTIONARY = "https://dl.fbaipublicfiles.com/arrival/dictionaries/{src}-{tgt}{suffix}.txt"
FASTTEXT_WIKI = "https://dl.fbaipublicfiles.com/fasttext/vectors-wiki/wiki.{lang}.vec"
WIKIPEDIA_DUMP = "https://dumps.wikimedia.org/{lang}wiki/latest/{lang}wiki-latest-{table}.sql.gz"
#: linguatools' Wikipedia parallel titles (2014) as the paper's code fetched them (gzip XML, English with X).
LINGUATOOLS_TITLES = {
    "de": "https://www.dropbox.com/s/gqirltluna8z76r/wikititles-2014_deen.xml.gz",
    "it": "https://www.dropbox.com/s/5vns1b698wzf4v8/wikititles-2014_enit.xml.gz",
    "ar": "https://www.dropbox.com/s/58swse04brrnt9h/wikititles-2014_aren.xml.gz",
    "ru": "https://www.dropbox.com/s/jqeiybu797zj434/wikititles-2014_enru.xml.gz",
    "nl": "https://www.dropbox.com/s/1fkx4y98155b7bp/wikititles-2014_ennl.xml.gz",
}


def downloads_dir(cache_root: str | Path | None, *parts: str) -> Path:
    """`<cache_root>/downloads/<parts>`, where every downloaded file lives (the project cache when None)."""
    return Path(cache_root or DEFAULT_CACHE, "downloads", *parts)


class DownloadError(RuntimeError):
    """A download failed (offline, HTTP error, checksum mismatch); the message says what to do instead."""


def muse_vectors_url(lang: str) -> str:
    """URL of MUSE's supervised aligned fastText vectors for `lang`."""
    return MUSE_VECTORS.format(lang=lang)


def muse_dictionary_url(src: str, tgt: str, part: str = "0-5000") -> str:
    """URL of a MUSE bilingual dictionary: `part` "0-5000" (train), "5000-6500" (test) or "full"."""
    if part not in ("0-5000", "5000-6500", "full"):
        raise ValueError(f"part {part!r}: expected '0-5000', '5000-6500' or 'full'")
    return MUSE_DICTIONARY.format(src=src, tgt=tgt, suffix="" if part == "full" else f".{part}")


def fasttext_wiki_url(lang: str) -> str:
    """URL of fastText's (unaligned) Wikipedia vectors for `lang`."""
    return FASTTEXT_WIKI.format(lang=lang)


def wikipedia_dump_url(lang: str, table: str) -> str:
    """URL of the latest `table` ("langlinks" or "page") SQL dump of `lang`.wikipedia.org."""
    return WIKIPEDIA_DUMP.format(lang=lang, table=table)


def linguatools_url(lang: str) -> str:
    """URL of linguatools' EN-`lang` parallel titles (Dropbox share links get `dl=1`: the file, not a web page)."""
    url = LINGUATOOLS_TITLES[lang]
    if "dropbox.com/" in url and "dl=" not in url:
        url += ("&" if "?" in url else "?") + "dl=1"
    return url


def file_identity(path: str | Path) -> str:
    """SHA-256 of a file, remembered in a `<name>.sha256` file beside it while the size and mtime stay the same."""
    path = Path(path)
    stat = path.stat()
    stamp = f"{stat.st_size} {stat.st_mtime_ns}"
    sidecar = path.with_name(path.name + ".sha256")
    if sidecar.is_file():
        digest, _, recorded = sidecar.read_text(encoding="utf-8").strip().partition(" ")
        if recorded == stamp and len(digest) == 64:
            return digest
    digest = file_sha256(path)
    write_text(sidecar, f"{digest} {stamp}\n")
    return digest


def hub_blob_checked(path: str | Path) -> Path:
    """A file of huggingface_hub's cache once its bytes match the blob it links to, named by the hub's record.

    The cache names a blob by the hub's ETag: the LFS SHA-256 for large files, the git blob id for small ones, so
    the check needs no network and follows the pinned revision. A path that is no such link (a local copy) has
    no record to check against and is returned as it is. SHA-256s are remembered beside the file (`file_identity`).
    """
    import re

    path = Path(path)
    blob = path.resolve().name
    if re.fullmatch(r"[0-9a-f]{64}", blob):
        actual = file_identity(path)
    elif re.fullmatch(r"[0-9a-f]{40}", blob):
        actual = git_blob_sha1(path)
    else:
        return path
    if actual != blob:
        from csir_lib.core.errors import InputError

        raise InputError(f"checksum mismatch: {actual[:12]}... is not the hub's {blob[:12]}...", path=path,
                         expected="the hub's file unchanged: delete it from the cache and run again")
    return path


def download(url: str, dest: str | Path, sha256: str | None = None, timeout: float = 60.0) -> Path:
    """Fetch `url` to `dest` atomically, verifying `sha256` when given; an existing good `dest` is kept as is."""
    dest = Path(dest)
    if dest.is_file() and (sha256 is None or file_sha256(dest) == sha256.lower()):
        return dest
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, atomic_open(dest, "wb") as out:
            digest = copy_hashed(response, out)
            if sha256 is not None and digest != sha256.lower():
                raise DownloadError(f"{url}: SHA-256 {digest} differs from the expected {sha256}; "
                                    f"nothing was written to {dest}")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        reason = getattr(err, "reason", err)
        raise DownloadError(f"cannot download {url} ({reason}); this machine may be offline: fetch the file "
                            f"elsewhere and put it at {dest}") from None
    return dest

