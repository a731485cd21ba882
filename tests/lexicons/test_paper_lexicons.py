"""The paper profile's lexicon stage end to end on tiny local files fetched through real `file://` downloads.

Languages: de (MUSE aligned vectors, linguatools titles, MUSE gold), hi (fastText vectors rotated away from the
English space, aligned back by Procrustes over a MUSE training dictionary; langlinks titles; MUSE gold) and sw
(no MUSE vectors or dictionary: no CLWE lexicon and no gold, recorded as missing; langlinks titles).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from csir_lib.core import download
from csir_lib.core.config import load_config
from csir_lib.core.download import DownloadError
from csir_lib.core.errors import InputError
from csir_lib.data import training_data
from csir_lib.lexicons import base as lexicon_base
from csir_lib.lexicons import build as lexicon_build
from csir_lib.lexicons import muse as paper_lexicons
from csir_lib.lexicons.build import build_lexicons, english_vocabulary
from csir_lib.lexicons.lexicon import Lexicon, read_lexicon
from csir_lib.lexicons.muse import align_onto, training_vocabulary

EN = ["the", "house", "dog", "cat", "water", "tree", "red", "big", "city"]
DE = ["der", "haus", "hund", "katze", "wasser", "baum", "rot", "groß", "stadt"]
HI = ["यह", "घर", "कुत्ता", "बिल्ली", "पानी", "पेड़", "लाल", "बड़ा", "शहर"]
EN_VECS = """\
0.06 -0.16 -0.12 -0.74 0.54 0.35
-0.22 0.53 0.19 -0.38 0.67 -0.21
-0.26 -0.62 0.36 -0.08 0.43 -0.48
0.09 -0.66 0.62 0.14 0.24 0.30
-0.27 0.21 0.55 -0.44 -0.47 -0.41
0.53 0.08 0.68 0.45 0.13 0.18
-0.07 0.37 -0.48 -0.18 0.10 0.77
-0.35 -0.49 -0.26 0.44 -0.11 0.60
-0.61 0.37 0.34 -0.46 0.05 0.40"""
DE_VECS = """\
0.06 -0.11 0.00 -0.73 0.53 0.31
-0.19 0.52 0.18 -0.39 0.70 -0.26
-0.34 -0.74 0.42 -0.08 0.51 -0.48
0.05 -0.64 0.62 0.08 0.20 0.39
-0.25 0.23 0.54 -0.47 -0.43 -0.42
0.49 0.07 0.63 0.46 0.19 0.14
0.00 0.34 -0.47 -0.22 0.09 0.77
-0.37 -0.53 -0.29 0.40 -0.19 0.59
-0.59 0.42 0.37 -0.34 0.07 0.38
0.88 -0.27 0.70 -0.02 0.18 -0.48"""  # the last row is "gehölz", a weaker neighbour of "tree"
HI_SEED = [0, 1, 2, 4, 5, 6, 7]  # Procrustes pairs: every word but "cat" and "city", which it must recover
PAIRS = [("What is the red house?", "The house of the big dog is red.", 1),
         ("Where does the cat drink water?", "A cat drinks water in the city.", 0)]
VOCABULARY = [("the", 5), ("cat", 2), ("house", 2), ("red", 2), ("water", 2), ("big", 1), ("city", 1), ("dog", 1)]
LINGUATOOLS = Path(__file__).resolve().parent.parent / "fixtures" / "lexicon" / "wikititles-2014_deen.xml"
MISSING_CLWE = ("MUSE has no aligned vectors wiki.multi.sw.vec and no en-sw training dictionary to align "
                "fastText's wiki.sw.vec with Procrustes")
OVERRIDES = {"languages.seen": ["de"], "languages.unseen": ["hi"], "languages.miracl": ["en", "sw"],
             "training.bl_cs_pairs": ["en-de"], "lexicon.vocab_size": 10}


def _matrix(text: str) -> np.ndarray:
    """Rows of numbers."""
    return np.array([[float(v) for v in line.split()] for line in text.splitlines()])


def _rotation(dim: int) -> np.ndarray:
    """A fixed rotation: Givens rotations in the planes (i, i+1) by 0.7 + 0.3 i radians."""
    out = np.eye(dim)
    for i in range(dim - 1):
        g, a = np.eye(dim), 0.7 + 0.3 * i
        g[i, i] = g[i + 1, i + 1] = np.cos(a)
        g[i, i + 1], g[i + 1, i] = -np.sin(a), np.sin(a)
        out = g @ out
    return out


def _vec_file(path: Path, words: list[str], matrix: np.ndarray, trailing: str = "") -> None:
    """A word2vec text file with its header (fastText's files end every line with a space)."""
    lines = [f"{len(words)} {matrix.shape[1]}"] + [w + " " + " ".join(f"{v:.4f}" for v in row) + trailing
                                                   for w, row in zip(words, matrix, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _sql(path: Path, table: str, rows: str) -> None:
    """A gzip MySQL dump with one INSERT of `rows`."""
    path.write_bytes(gzip.compress(f"-- MySQL dump\nINSERT INTO `{table}` VALUES {rows};\n".encode()))


def _page_row(page_id: int, ns: int, title: str) -> str:
    """One row of MediaWiki's `page` table (leading columns as the dumps have them)."""
    return f"({page_id},{ns},'{title}','',0,0,0.5,'20240101000000',NULL,1,100,'wikitext',NULL)"


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The 'internet': fixture files behind file:// URLs that csir_lib.core.download's URL templates point to."""
    root = tmp_path / "remote"
    root.mkdir()
    en, de = _matrix(EN_VECS), _matrix(DE_VECS)
    _vec_file(root / "wiki.multi.en.vec", EN, en)
    _vec_file(root / "wiki.multi.de.vec", [*DE, "gehölz"], de)
    _vec_file(root / "wiki.hi.vec", HI, en @ _rotation(6).T, trailing=" ")
    (root / "en-hi.0-5000.txt").write_text("".join(f"{EN[i]} {HI[i]}\n" for i in HI_SEED), encoding="utf-8")
    (root / "en-de.5000-6500.txt").write_text("house haus\nhouse heim\ntree baum\n", encoding="utf-8")
    (root / "en-hi.5000-6500.txt").write_text("cat बिल्ली\n", encoding="utf-8")
    (root / "wikititles-2014_deen.xml.gz").write_bytes(gzip.compress(LINGUATOOLS.read_bytes()))
    _sql(root / "hiwiki-latest-page.sql.gz", "page",
         ",".join([_page_row(1, 0, "भारत"), _page_row(2, 0, "नई_दिल्ली_(शहर)"), _page_row(3, 14, "श्रेणी")]))
    _sql(root / "hiwiki-latest-langlinks.sql.gz", "langlinks",
         "(1,'en','India'),(2,'de','Neu-Delhi'),(2,'en','New Delhi'),(3,'en','Category:Things')")
    _sql(root / "swwiki-latest-page.sql.gz", "page", _page_row(5, 0, "Tanzania") + "," + _page_row(6, 0, "Kenya"))
    _sql(root / "swwiki-latest-langlinks.sql.gz", "langlinks", "(5,'en','Tanzania'),(6,'en','Kenya (country)')")
    base = root.as_uri()
    monkeypatch.setattr(download, "MUSE_VECTORS", base + "/wiki.multi.{lang}.vec")
    monkeypatch.setattr(download, "MUSE_DICTIONARY", base + "/{src}-{tgt}{suffix}.txt")
    monkeypatch.setattr(download, "FASTTEXT_WIKI", base + "/wiki.{lang}.vec")
    monkeypatch.setattr(download, "WIKIPEDIA_DUMP", base + "/{lang}wiki-latest-{table}.sql.gz")
    monkeypatch.setattr(download, "LINGUATOOLS_TITLES", {"de": base + "/wikititles-2014_deen.xml.gz"})
    monkeypatch.setattr(training_data, "english_pairs", lambda config, cache_root=None: iter(PAIRS))
    return root


def _config(**extra: object):
    """The paper profile restricted to de, hi and sw."""
    return load_config(profile="paper", overrides={**OVERRIDES, **extra})


def _read(paths, lang: str, source: str) -> Lexicon:
    """One lexicon of the stage's output."""
    return read_lexicon(paths[lang][source])


def _files(root: Path) -> set[str]:
    """Every file under `root` (relative paths), checksum sidecars left out."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.suffix != ".sha256"}


def test_paper_lexicons_end_to_end(remote, tmp_path):
    cache = tmp_path / "cache"
    paths = build_lexicons(_config(), model_dir=tmp_path / "unused", cache_root=cache)
    assert sorted(paths) == ["de", "hi", "sw"]
    assert sorted(paths["de"]) == sorted(paths["hi"]) == ["clwe-csls", "clwe-nn", "gold", "titles", "x2en"]
    assert sorted(paths["sw"]) == ["titles"]
    assert paths.missing == {"sw": {"clwe-nn": MISSING_CLWE, "clwe-csls": MISSING_CLWE, "x2en": MISSING_CLWE,
                                    "gold": "MUSE has no en-sw test dictionary (en-sw.5000-6500.txt)"}}
    english = [w for w, _ in VOCABULARY]  # "tree" has vectors but is not in the training pairs
    for source in ("clwe-nn", "clwe-csls"):
        assert list(_read(paths, "de", source).entries) == english
        assert _read(paths, "de", source).table() == {e: DE[EN.index(e)] for e in english}
        assert _read(paths, "hi", source).table() == {e: HI[EN.index(e)] for e in english}  # cat, city held out
    nn = _read(paths, "de", "clwe-nn").entries["house"]
    assert len(nn) == 5 and nn[0] == ("haus", pytest.approx(1.0234, abs=1e-5))  # dot product, not cosine
    assert _read(paths, "de", "x2en").table() == dict(zip([*DE, "gehölz"], [*EN, "tree"], strict=True))
    assert _read(paths, "hi", "x2en").table() == dict(zip(HI, EN, strict=True))
    assert _read(paths, "de", "gold").entries == {"house": [("haus", 1.0), ("heim", 1.0)], "tree": [("baum", 1.0)]}
    assert _read(paths, "hi", "gold").entries == {"cat": [("बिल्ली", 1.0)]}
    assert _read(paths, "de", "titles").entries == {
        "united states": [("vereinigte staaten", 1.0)], "paris (disambiguation)": [("paris", 1.0)],
        "category:physics": [("physik", 1.0)], "moon and sun": [("mond & sonne", 1.0)]}
    assert _read(paths, "hi", "titles").entries == {"india": [("भारत", 1.0)], "new delhi": [("नई दिल्ली", 1.0)]}
    assert _read(paths, "sw", "titles").entries == {"tanzania": [("tanzania", 1.0)],
                                                    "kenya (country)": [("kenya", 1.0)]}
    assert _files(cache / "downloads") == {
        "muse-vectors/wiki.multi.en.vec", "muse-vectors/wiki.multi.de.vec", "fasttext-wiki/wiki.hi.vec",
        "muse-dictionaries/en-hi.0-5000.txt", "muse-dictionaries/en-de.5000-6500.txt",
        "muse-dictionaries/en-hi.5000-6500.txt", "linguatools/wikititles-2014_deen.xml.gz",
        "wikipedia/hiwiki-latest-langlinks.sql.gz", "wikipedia/hiwiki-latest-page.sql.gz",
        "wikipedia/swwiki-latest-langlinks.sql.gz", "wikipedia/swwiki-latest-page.sql.gz"}
    folder = paths["sw"]["titles"].parent
    assert json.loads((folder / "sw.missing.json").read_text())["gold"].startswith("MUSE has no en-sw")
    assert (folder / "sw.done").exists() and not [p for p in cache.rglob(".*") if p.is_file()]  # no temp files


def test_english_vocabulary_and_its_cache(remote, tmp_path):
    vocabulary = english_vocabulary(_config(), cache_root=tmp_path / "cache")
    assert vocabulary.words == [w for w, _ in VOCABULARY]
    assert "Treebank tokens of the first 1,000,000 English training pairs (msmarco)" in vocabulary.origin
    files = list((tmp_path / "cache" / "lexicons").rglob("en.vocabulary.tsv"))
    assert len(files) == 1 and files[0].read_text(encoding="utf-8") == "".join(f"{w}\t{c}\n" for w, c in VOCABULARY)


def test_unaligned_vectors_need_procrustes(remote, tmp_path):
    """Without the rotation the planted Hindi translations are not found: the test above relies on Procrustes."""
    from csir_lib.lexicons.induction import induce_lexicon
    from csir_lib.lexicons.vectors import read_vectors

    en_words, en_vecs = read_vectors(remote / "wiki.multi.en.vec")
    hi_words, hi_vecs = read_vectors(remote / "wiki.hi.vec")
    raw = induce_lexicon(en_words, en_vecs, hi_words, hi_vecs, "nn").table()
    assert sum(raw[e] == h for e, h in zip(EN, HI, strict=True)) <= 2
    seed = Lexicon(entries={"nothing": [("कुछ", 1.0)]})
    with pytest.raises(InputError, match="no seed pair") as err:
        align_onto(hi_words, hi_vecs, en_words, en_vecs, seed, remote / "seed.txt")
    assert err.value.path == str(remote / "seed.txt")


def test_second_call_reuses_the_cache_without_downloading(remote, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = build_lexicons(_config(), model_dir=tmp_path, cache_root=cache)
    stamps = {p: p.stat().st_mtime_ns for per_lang in first.values() for p in per_lang.values()}
    for path in remote.iterdir():
        path.unlink()  # the 'internet' is gone

    def fail(*args, **kwargs):
        raise AssertionError("rebuilt instead of reused")

    monkeypatch.setattr(training_data, "english_pairs", fail)
    monkeypatch.setattr(paper_lexicons, "induce_lexicon", fail)
    monkeypatch.setattr(lexicon_build, "write_lexicon", fail)
    second = build_lexicons(_config(), model_dir=tmp_path, cache_root=cache)
    assert second == first and second.missing == first.missing
    assert {p: p.stat().st_mtime_ns for per_lang in second.values() for p in per_lang.values()} == stamps


def test_missing_download_is_one_clear_error_and_writes_nothing(remote, tmp_path):
    (remote / "en-de.5000-6500.txt").unlink()
    cache = tmp_path / "cache"
    dest = cache / "downloads" / "muse-dictionaries" / "en-de.5000-6500.txt"
    with pytest.raises(DownloadError) as err:
        build_lexicons(_config(), model_dir=tmp_path, cache_root=cache)
    message = str(err.value)
    assert message.startswith("MUSE test dictionary en-de (gold): cannot download ")
    assert (remote / "en-de.5000-6500.txt").as_uri() in message and f"put it at {dest}" in message
    assert not dest.exists() and not list(cache.rglob("*.done")) and not list(cache.rglob("*.tsv"))
    assert not [p for p in cache.rglob(".*") if p.is_file()]


def test_interrupted_build_leaves_no_done_marker_and_reruns(remote, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    real = lexicon_build.write_lexicon

    def write_then_die(path, lexicon):
        if path.name == "de.titles.tsv":
            raise KeyboardInterrupt
        return real(path, lexicon)

    monkeypatch.setattr(lexicon_build, "write_lexicon", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        build_lexicons(_config(), model_dir=tmp_path, cache_root=cache)
    assert not list(cache.rglob("*.done")) and not list(cache.rglob("de.titles.tsv"))
    monkeypatch.setattr(lexicon_build, "write_lexicon", real)
    paths = build_lexicons(_config(), model_dir=tmp_path, cache_root=cache)
    assert _read(paths, "de", "titles").best("united states") == "vereinigte staaten"
    assert len(list(cache.rglob("*.done"))) == 3


def test_muse_with_cldr_titles_and_no_gold(remote, tmp_path):
    cache = tmp_path / "cache"
    config = _config(**{"languages.unseen": [], "languages.miracl": [], "lexicon.titles_source": "cldr",
                        "lexicon.gold": "none"})
    paths = build_lexicons(config, model_dir=tmp_path, cache_root=cache)
    assert sorted(paths["de"]) == ["clwe-csls", "clwe-nn", "titles", "x2en"]
    assert paths.missing == {"de": {"gold": "not asked for (lexicon.gold: none)"}}
    titles = _read(paths, "de", "titles")
    assert titles.best("germany") == "deutschland"
    assert _files(cache / "downloads") == {"muse-vectors/wiki.multi.en.vec", "muse-vectors/wiki.multi.de.vec"}


def test_muse_with_freedict_gold(remote, tmp_path, monkeypatch):
    freedict = Lexicon(entries={"house": [("haus", 1.0)]}, source_lang="en", target_lang="de", provenance="freedict")
    monkeypatch.setattr(lexicon_base, "gold_lexicon", lambda lang: freedict if lang == "de" else None)
    config = _config(**{"languages.unseen": ["hi"], "languages.miracl": [], "lexicon.gold": "freedict"})
    paths = build_lexicons(config, model_dir=tmp_path, cache_root=tmp_path / "cache")
    assert _read(paths, "de", "gold").entries == {"house": [("haus", 1.0)]}
    assert paths.missing == {"hi": {"gold": "no Debian FreeDict en-hi dictionary is installed"}}
    assert not (tmp_path / "cache" / "downloads" / "muse-dictionaries" / "en-de.5000-6500.txt").exists()


def test_encoder_with_wikipedia_titles_is_rejected(tmp_path):
    config = load_config(profile="smoke", overrides={"lexicon.titles_source": "wikipedia"})
    with pytest.raises(InputError, match="lexicon.clwe_source 'encoder' with lexicon.titles_source 'wikipedia'"):
        build_lexicons(config, model_dir=tmp_path, cache_root=tmp_path / "cache")
    config = load_config(profile="smoke", overrides={"lexicon.gold": "muse"})
    with pytest.raises(InputError, match="lexicon.gold 'muse'"):
        build_lexicons(config, model_dir=tmp_path, cache_root=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_seen_language_without_clwe_is_an_error_before_any_download(remote, tmp_path):
    config = _config(**{"languages.seen": ["de", "sw"]})
    with pytest.raises(InputError, match=r"languages.seen / training.bl_cs_pairs name sw, .*no aligned vectors"):
        build_lexicons(config, model_dir=tmp_path, cache_root=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_linguatools_web_page_instead_of_gzip(remote, tmp_path):
    (remote / "wikititles-2014_deen.xml.gz").write_text("<!DOCTYPE html><html>Dropbox</html>\n")
    cache = tmp_path / "cache"
    with pytest.raises(InputError, match="not a gzip file") as err:
        build_lexicons(_config(), model_dir=tmp_path, cache_root=cache)
    assert err.value.path == str(cache / "downloads" / "linguatools" / "wikititles-2014_deen.xml.gz")
    assert not list(cache.rglob("*.done"))


def test_linguatools_dropbox_links_ask_for_the_file():
    assert download.linguatools_url("de") == download.LINGUATOOLS_TITLES["de"] + "?dl=1"


def test_training_vocabulary_bounds():
    known = {"the", "cat", "house", "red", "water", "dog"}
    assert training_vocabulary(PAIRS, known, max_size=10) == [
        ("the", 5), ("cat", 2), ("house", 2), ("red", 2), ("water", 2), ("dog", 1)]
    assert training_vocabulary(PAIRS, known, max_size=3) == [("the", 5), ("cat", 2), ("house", 2)]
    assert training_vocabulary(iter(PAIRS), known, max_size=10, max_pairs=1) == [
        ("the", 3), ("house", 2), ("red", 2), ("dog", 1)]  # only the first pair is read


def test_file_identity_is_remembered_until_the_file_changes(tmp_path):
    import hashlib

    path = tmp_path / "x.vec"
    path.write_bytes(b"a 1\n")
    assert download.file_identity(path) == hashlib.sha256(b"a 1\n").hexdigest()
    sidecar = tmp_path / "x.vec.sha256"
    assert sidecar.read_text().split()[0] == hashlib.sha256(b"a 1\n").hexdigest()
    path.write_bytes(b"b 22\n")
    assert download.file_identity(path) == hashlib.sha256(b"b 22\n").hexdigest()
