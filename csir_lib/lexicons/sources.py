"""What the paper profile's lexicon stage downloads for each language, from where, and where it keeps it.

A declarative plan per language (ir_datasets' habit), decided from the languages table before anything is
fetched:
- CLWE lexicons: MUSE's aligned `wiki.multi.{lang}.vec` (30 languages); otherwise fastText's unaligned
  `wiki.{lang}.vec` rotated onto MUSE's English space by Procrustes over MUSE's training dictionary
  `en-{lang}.0-5000.txt`; a language with neither (sw, te, yo among ours) gets no CLWE lexicon, and the plan
  says why;
- titles: linguatools' Wikipedia parallel titles for the paper's five languages, the language's own Wikipedia
  `langlinks` and `page` dumps for every other one;
- gold: MUSE's test dictionary `en-{lang}.5000-6500.txt` where MUSE has one.
Files go to `<cache_root>/downloads/<kind>/<file name>` and are reused when present; a file that cannot be
fetched is an error naming what it was for, its URL and where to put it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from csir_lib.core import download as dl
from csir_lib.core.config import LexiconConfig
from csir_lib.core.errors import InputError
from csir_lib.core.languages import MUSE_ALIGNED, MUSE_DICTIONARIES

CLWE_SOURCES = ("clwe-nn", "clwe-csls", "x2en")
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Remote:
    """One file the stage needs: what it is for, where it comes from, where it is kept."""

    what: str
    url: str
    path: Path


@dataclass(frozen=True)
class Plan:
    """The remote files of one language's lexicons (by role) and the lexicons it cannot have, with the reason."""

    lang: str
    remotes: dict[str, Remote] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def remote(what: str, url: str, kind: str, cache_root: str | Path | None) -> Remote:
    """A remote file kept as `<downloads>/<kind>/<the URL's file name>`."""
    return Remote(what, url, dl.downloads_dir(cache_root, kind) / Path(urlparse(url).path).name)


def english_vectors(cache_root: str | Path | None) -> Remote:
    """MUSE's English vectors: the space every other language is aligned to."""
    return remote("MUSE aligned English vectors", dl.muse_vectors_url("en"), "muse-vectors", cache_root)


def clwe_remotes(lang: str, cache_root: str | Path | None) -> dict[str, Remote]:
    """{"vectors"} for a MUSE language, {"vectors", "seed"} for fastText + Procrustes, {} when neither exists."""
    if lang in MUSE_ALIGNED:
        return {"vectors": remote(f"MUSE aligned vectors ({lang})", dl.muse_vectors_url(lang), "muse-vectors",
                                  cache_root)}
    if lang in MUSE_DICTIONARIES:
        return {"vectors": remote(f"fastText Wikipedia vectors ({lang}, to align by Procrustes)",
                                  dl.fasttext_wiki_url(lang), "fasttext-wiki", cache_root),
                "seed": remote(f"MUSE training dictionary en-{lang} (Procrustes seed)",
                               dl.muse_dictionary_url("en", lang, "0-5000"), "muse-dictionaries", cache_root)}
    return {}


def clwe_missing_reason(lang: str) -> str:
    """Why `lang` cannot get a CLWE lexicon."""
    return (f"MUSE has no aligned vectors wiki.multi.{lang}.vec and no en-{lang} training dictionary to align "
            f"fastText's wiki.{lang}.vec with Procrustes")


def titles_remotes(lang: str, cache_root: str | Path | None) -> dict[str, Remote]:
    """The titles' files: {"linguatools"} for the paper's five languages, else Wikipedia's {"langlinks", "page"}."""
    if lang in dl.LINGUATOOLS_TITLES:
        return {"linguatools": remote(f"linguatools Wikipedia parallel titles en-{lang}", dl.linguatools_url(lang),
                                      "linguatools", cache_root)}
    return {table: remote(f"{lang}.wikipedia.org `{table}` dump", dl.wikipedia_dump_url(lang, table), "wikipedia",
                          cache_root) for table in ("langlinks", "page")}


def plan(lang: str, lexicon: LexiconConfig, cache_root: str | Path | None) -> Plan:
    """What `lang` needs under the lexicon config (clwe_source muse), and which sources it cannot have."""
    remotes, missing = clwe_remotes(lang, cache_root), {}
    if not remotes:
        missing = dict.fromkeys(CLWE_SOURCES, clwe_missing_reason(lang))
    if lexicon.titles_source == "wikipedia":
        remotes |= titles_remotes(lang, cache_root)
    if lexicon.gold == "muse":
        if lang in MUSE_DICTIONARIES:
            remotes["gold"] = remote(f"MUSE test dictionary en-{lang} (gold)",
                                     dl.muse_dictionary_url("en", lang, "5000-6500"), "muse-dictionaries", cache_root)
        else:
            missing["gold"] = f"MUSE has no en-{lang} test dictionary (en-{lang}.5000-6500.txt)"
    return Plan(lang, remotes, missing)


def fetch(item: Remote) -> Path:
    """The remote file, downloaded once (a DownloadError names what it was for, its URL and where to put it)."""
    try:
        return dl.download(item.url, item.path)
    except dl.DownloadError as err:
        raise dl.DownloadError(f"{item.what}: {err}") from None


def identity(item: Remote) -> list[str]:
    """[URL, SHA-256] of a fetched file: what the cache key of anything made from it follows."""
    return [item.url, dl.file_identity(item.path)]


def check_gzip(item: Remote) -> Path:
    """The fetched file, or an InputError when it is not gzip (Dropbox may have sent an HTML page instead)."""
    with open(item.path, "rb") as fh:
        if fh.read(2) != GZIP_MAGIC:
            raise InputError(f"not a gzip file (fetched from {item.url}; a share link may have sent a web page)",
                             path=item.path, line=1,
                             expected=f"{item.what} as .xml.gz: replace the file with the real one and rerun")
    return item.path
