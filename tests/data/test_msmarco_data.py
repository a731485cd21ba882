"""The paper profile's training data, run for real on small local files.

file:// downloads, tar.gz extraction, mMARCO through a stand-in for huggingface_hub, the 1:4 stream, and every
training set built end to end.
"""

from __future__ import annotations

import gzip
import io
import random
import re
import tarfile
from itertools import islice
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from csir_lib.core.config import load_config
from csir_lib.core.download import DownloadError
from csir_lib.core.errors import InputError
from csir_lib.core.hashing import file_md5
from csir_lib.data import msmarco, msmarco_data
from csir_lib.data.formats import iter_pairs
from csir_lib.training.sets import build_training_set, english_pairs, system_names

PASSAGES = {0: "The Manhattan Project was a research effort.", 1: "Cats sleep most of the day.",
            2: "Paris is the capital of France.", 3: "Water boils at 100 degrees at sea level.",
            4: "The Eiffel Tower is in Paris.", 5: "Green tea contains caffeine."}
QUERIES = {100: "what was the manhattan project", 101: "what is the capital of france",
           102: "does green tea have caffeine", 103: "how long do cats sleep"}
TRIPLES = ["100\t0\t1", "103\t1\t2", "101\t2\t3", "100 0 4", "102\t5\t1", "101\t2\t0", "102\t5\t3", "100\t0\t2",
           "101\t2\t5", "102\t5", "100\t0\t3"]  # line 2: a held-out query; line 10: two columns
TRAIN_EVAL = ["103\t1\t2", "103\t1\t4"]
FULL = ["100\t0\t1", "100\t0\t2", "100\t0\t3", "101\t2\t3", "101\t2\t4", "102\t5\t1", "102\t5\t2",
        "103\t1\t0", "103\t1\t2", "103\t1\t3"]  # MS MARCO's own id triples, in MS MARCO's order
P, Q = PASSAGES, QUERIES
# instance i takes the positive of its triple when i % 5 == 0, else the negative; line 2 (qid 103) is skipped
EXPECTED = [(Q[100], P[0], 1), (Q[101], P[3], 0), (Q[100], P[4], 0), (Q[102], P[1], 0), (Q[101], P[0], 0),
            (Q[102], P[5], 1), (Q[100], P[2], 0), (Q[101], P[5], 0)]
EXPECTED_IDS = [(1, "100", "0", 1), (3, "101", "3", 0), (4, "100", "4", 0), (5, "102", "1", 0), (6, "101", "0", 0),
                (7, "102", "5", 1), (8, "100", "2", 0), (9, "101", "5", 0)]
LEXICONS = {"de": {"the": "der", "capital": "hauptstadt"}, "ar": {"the": "ال", "capital": "عاصمة"},
            "sw": {"the": "ya", "capital": "mji"}}


def translated(lang: str, text: str) -> str:
    """How the fixture's mMARCO files translate a text."""
    return text if lang == "en" else f"{lang.upper()}: {text}"


def _tsv(rows: dict[int, str], lang: str = "en") -> bytes:
    return "".join(f"{key}\t{translated(lang, text)}\n" for key, text in rows.items()).encode("utf-8")


def _tar_gz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _gz(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("".join(f"{line}\n" for line in lines))
    return path


@pytest.fixture
def ms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """MS MARCO and mMARCO as local files, served through file:// URLs and a stand-in hf_hub_download."""
    src = tmp_path / "remote"
    src.mkdir()
    files = {
        "collection.tar.gz": _tar_gz(src / "collection.tar.gz", {"collection.tsv": _tsv(PASSAGES)}),
        "queries.tar.gz": _tar_gz(src / "queries.tar.gz", {"./queries.train.tsv": _tsv(QUERIES),
                                                           "./queries.dev.tsv": b"9\tdev query\n"}),
        msmarco_data.TRIPLES: _gz(src / msmarco_data.TRIPLES, TRIPLES),
        msmarco_data.TRAIN_EVAL: _gz(src / msmarco_data.TRAIN_EVAL, TRAIN_EVAL),
        msmarco_data.FULL_TRIPLES: _gz(src / msmarco_data.FULL_TRIPLES, FULL),
    }
    monkeypatch.setattr(msmarco, "MSMARCO_URLS", {name: path.as_uri() for name, path in files.items()})
    monkeypatch.setattr(msmarco_data, "KNOWN_MD5", {})
    hub, calls = {}, []
    for lang in ("de", "ar"):
        for kind, rows in (("collection", PASSAGES), ("queries", QUERIES)):
            path = src / f"{lang}_{kind}.tsv"
            path.write_bytes(_tsv(rows, lang))
            hub[msmarco.mmarco_filename(kind, lang, "train")] = path

    def fake_hf_hub_download(repo_id: str, filename: str, **kwargs: object) -> str:
        calls.append((repo_id, filename, kwargs["revision"], kwargs["cache_dir"]))
        return str(hub[filename])

    monkeypatch.setattr("huggingface_hub.hf_hub_download", fake_hf_hub_download)
    lex = tmp_path / "lexicons"
    lex.mkdir()
    lexicons: dict[str, dict[str, Path]] = {"te": {"titles": lex / "te.titles.tsv"}}  # te: no CLWE lexicon
    (lex / "te.titles.tsv").write_text("new york\tన్యూయార్క్\t1\n", encoding="utf-8")
    for lang, table in LEXICONS.items():
        path = lex / f"{lang}.clwe-nn.tsv"
        path.write_text("".join(f"{s}\t{t}\t0.9\n" for s, t in table.items()), encoding="utf-8")
        lexicons[lang] = {"clwe-nn": path}
    return SimpleNamespace(src=src, files=files, calls=calls, root=tmp_path / "cache", lexicons=lexicons)


def paper_config(**overrides: object):
    """The smoke profile switched to MS MARCO training data (sentence-transformers' shuffled triples), 8 instances."""
    return load_config(profile="smoke", overrides={"data.training_source": "msmarco", "training.max_instances": 8,
                                                   "data.msmarco_triples": "sbert", **overrides})


def test_english_pairs_are_the_papers_stream(ms: SimpleNamespace) -> None:
    assert list(english_pairs(paper_config(), ms.root)) == EXPECTED
    downloads = ms.root / "downloads" / "msmarco"
    assert sorted(p.name for p in downloads.iterdir()) == sorted(
        ["collection.tar.gz", "collection.tsv", "queries.tar.gz", "queries.train.tsv", msmarco_data.TRIPLES,
         msmarco_data.TRAIN_EVAL])
    assert (downloads / "queries.train.tsv").read_bytes() == _tsv(QUERIES)  # member "./queries.train.tsv"
    triples = downloads / msmarco_data.TRIPLES
    assert list(msmarco.msmarco_training_ids(triples, 4, 8, {"103"})) == EXPECTED_IDS


def test_max_instances_and_negatives_per_positive(ms: SimpleNamespace) -> None:
    assert list(english_pairs(paper_config(**{"training.max_instances": 3}), ms.root)) == EXPECTED[:3]
    one_to_one = paper_config(**{"training.max_instances": 4, "training.negatives_per_positive": 1})
    assert list(english_pairs(one_to_one, ms.root)) == [(Q[100], P[0], 1), (Q[101], P[3], 0), (Q[100], P[0], 1),
                                                        (Q[102], P[1], 0)]


def test_english_pairs_are_lazy(ms: SimpleNamespace) -> None:
    stream = english_pairs(paper_config(**{"training.max_instances": 20}), ms.root)
    assert iter(stream) is stream
    assert not (ms.root / "downloads").exists()  # nothing fetched before the first pair is asked for
    assert list(islice(stream, 3)) == EXPECTED[:3]  # line 10 is malformed and was not read
    with pytest.raises(InputError, match="2 field") as err:
        list(stream)
    assert err.value.path == str(ms.root / "downloads" / "msmarco" / msmarco_data.TRIPLES) and err.value.line == 10


def test_held_out_qids_read_no_further_than_needed(tmp_path: Path) -> None:
    path = _gz(tmp_path / "eval.tsv.gz", ["7\t1\t2", "8\t1\t2", "7\t3\t4", "oops"])
    assert msmarco_data.held_out_qids(path, 2) == ["7", "8"]
    with pytest.raises(InputError) as err:
        msmarco_data.held_out_qids(path, 3)
    assert err.value.line == 4


def test_downloads_and_extractions_are_reused(ms: SimpleNamespace) -> None:
    config = paper_config()
    assert list(english_pairs(config, ms.root)) == EXPECTED
    for path in ms.files.values():
        path.unlink()  # the "remote" files are gone: everything must come from the cache
    assert list(english_pairs(config, ms.root)) == EXPECTED
    extracted = ms.root / "downloads" / "msmarco" / "collection.tsv"
    extracted.unlink()  # extracted again from the cached archive
    assert msmarco_data.msmarco_file("collection.tsv", ms.root).read_bytes() == _tsv(PASSAGES)


def test_msmarco_triples_in_a_seeded_random_order(ms: SimpleNamespace) -> None:
    config = paper_config(**{"data.msmarco_triples": "msmarco", "training.max_instances": 6})
    order = np.argsort(np.random.default_rng(13).random(len(FULL)), kind="stable")[:6]  # split_seed 13
    assert order.tolist() == [7, 4, 3, 6, 2, 1]
    triples = [FULL[i].split("\t") for i in order]  # instance i: positive when i % 5 == 0, else negative
    expected = [(Q[int(q)], P[int(pos if i % 5 == 0 else neg)], int(i % 5 == 0)) for i, (q, pos, neg) in
                enumerate(triples)]
    assert list(english_pairs(config, ms.root)) == expected
    downloads = sorted(p.name for p in (ms.root / "downloads" / "msmarco").iterdir())
    assert msmarco_data.TRIPLES not in downloads and "qidpidtriples.train.full.2.seed13.first6.tsv" in downloads
    german = list(msmarco_data.translated_training_pairs(config, ms.root, ["de"], seed=1))
    assert german == [(translated("de", q), translated("de", p), label) for q, p, label in expected]


def test_fine_tuning_pairs_translate_the_same_instances(ms: SimpleNamespace) -> None:
    config = paper_config()
    german = list(msmarco_data.translated_training_pairs(config, ms.root, ["de"], seed=13))
    assert german == [(translated("de", q), translated("de", p), label) for q, p, label in EXPECTED]
    assert list(msmarco_data.translated_training_pairs(config, ms.root, ["en"], seed=13)) == EXPECTED
    langs = ["en", "de", "ar"]
    mixed = list(msmarco_data.translated_training_pairs(config, ms.root, langs, seed=13))
    rng = random.Random(13)  # per instance: the query language, then the passage language
    drawn = [(rng.choice(langs), rng.choice(langs)) for _ in EXPECTED]
    assert mixed == [(translated(ql, q), translated(dl, p), label)
                     for (ql, dl), (q, p, label) in zip(drawn, EXPECTED, strict=True)]
    assert {ql for ql, _ in drawn} == set(langs) and any(ql != dl for ql, dl in drawn)
    assert mixed == list(msmarco_data.translated_training_pairs(config, ms.root, langs, seed=13))
    assert mixed != list(msmarco_data.translated_training_pairs(config, ms.root, langs, seed=14))
    hub_cache = ms.root / "downloads" / "huggingface"
    assert {call[1] for call in ms.calls} == {"data/google/collections/german_collection.tsv",
                                              "data/google/queries/train/german_queries.train.tsv",
                                              "data/google/collections/arabic_collection.tsv",
                                              "data/google/queries/train/arabic_queries.train.tsv"}
    assert {(call[0], call[2], call[3]) for call in ms.calls} == {(msmarco.MMARCO_REPO, msmarco.MMARCO_REVISION,
                                                                   hub_cache)}


def test_fine_tuning_per_pair_keeps_each_side_in_its_language(ms: SimpleNamespace) -> None:
    config = paper_config(**{"training.systems": ["fine_tuning"], "training.fine_tuning": "per_pair",
                             "training.bl_cs_pairs": ["de-ar", "de-de"]})
    assert system_names(config) == ["fine_tuning:de-ar", "fine_tuning:de-de"]
    built = build_training_set("fine_tuning:de-ar", config, ms.lexicons, ms.root)
    assert list(iter_pairs(built.path)) == [(translated("de", q), translated("ar", p), label)
                                            for q, p, label in EXPECTED]
    assert built.stats["languages"] == ["de", "ar"] and built.stats["pairs"] == 8
    assert {call[1] for call in ms.calls} == {"data/google/queries/train/german_queries.train.tsv",
                                              "data/google/collections/arabic_collection.tsv"}  # nothing else
    same = build_training_set("fine_tuning:de-de", config, ms.lexicons, ms.root)
    assert list(iter_pairs(same.path)) == [(translated("de", q), translated("de", p), label)
                                           for q, p, label in EXPECTED]


def test_fine_tuning_rejects_languages_mmarco_lacks(ms: SimpleNamespace) -> None:
    with pytest.raises(InputError, match="'sw'"):  # at once, not at the first pair
        msmarco_data.translated_training_pairs(paper_config(), ms.root, ["en", "sw"], seed=1)


def _unswitch(text: str, langs: list[str]) -> str:
    """The English text back from a switched one (the fixture lexicons are one-to-one)."""
    back = {t: s for lang in langs for s, t in LEXICONS[lang].items()}
    return re.sub("|".join(map(re.escape, sorted(back, key=len, reverse=True))), lambda m: back[m[0]], text)


def test_every_training_set_is_built_from_msmarco(ms: SimpleNamespace) -> None:
    config = paper_config(**{"training.systems": ["zero_shot", "fine_tuning", "ml_cs", "ml_cs_miracl"],
                             "training.p": 1.0, "training.ratios": [1.0]})
    assert system_names(config) == ["zero_shot", "fine_tuning", "ml_cs", "ml_cs_miracl"]
    sets = {name: build_training_set(name, config, ms.lexicons, ms.root) for name in system_names(config)}
    assert list(iter_pairs(sets["zero_shot"].path)) == EXPECTED
    assert sets["zero_shot"].stats == {"mode": "english", "pairs": 8}
    tuned = list(iter_pairs(sets["fine_tuning"].path))
    assert [label for *_, label in tuned] == [label for *_, label in EXPECTED]
    assert tuned == list(msmarco_data.translated_training_pairs(config, ms.root, ["en", "de", "ar"], seed=13))
    assert sets["fine_tuning"].stats["languages"] == ["en", "de", "ar"] and sets["fine_tuning"].stats["pairs"] == 8
    # smoke's languages.miracl is de sw te yo, and te and yo have no CLWE lexicon
    for name, langs in (("ml_cs", ["de", "ar"]), ("ml_cs_miracl", ["de", "sw"])):
        switched = list(iter_pairs(sets[name].path))
        assert [(_unswitch(q, langs).lower(), _unswitch(p, langs).lower(), label) for q, p, label in switched] == [
            (q.lower(), p.lower(), label) for q, p, label in EXPECTED]
        assert all(not re.search(r"\b(the|capital)\b", q + " " + p, re.I) for q, p, _ in switched)  # p = 1
        assert set(sets[name].stats["per_language"]) == set(langs)
    english = [p for p in ms.root.glob("training-sets/*/english.tsv")]
    assert len(english) == 1  # written once, shared by every system trained on English pairs
    assert english[0].stat().st_ino == sets["zero_shot"].path.stat().st_ino  # zero-shot links it, no copy


def test_training_sets_reuse_the_cache_without_downloads(ms: SimpleNamespace) -> None:
    config = paper_config(**{"training.p": 1.0})
    zero = build_training_set("zero_shot", config, ms.lexicons, ms.root)
    for path in (ms.root / "downloads").rglob("*"):
        if path.is_file():
            path.unlink()
    for path in ms.files.values():
        path.unlink()
    again = build_training_set("zero_shot", config, ms.lexicons, ms.root)
    assert again == zero
    switched = build_training_set("ml_cs", config, ms.lexicons, ms.root)  # from the cached English pairs
    assert switched.stats["pairs"] == 8


def test_a_bad_triples_line_names_file_and_line_and_writes_nothing(ms: SimpleNamespace) -> None:
    config = paper_config(**{"training.max_instances": 20})
    for system in ("zero_shot", "fine_tuning"):
        with pytest.raises(InputError, match="2 field") as err:
            build_training_set(system, config, ms.lexicons, ms.root)
        assert err.value.path == str(ms.root / "downloads" / "msmarco" / msmarco_data.TRIPLES)
        assert err.value.line == 10
    assert [p for p in (ms.root / "training-sets").rglob("*") if p.is_file()] == []


def test_an_archive_without_the_member_is_one_clear_error(ms: SimpleNamespace, tmp_path: Path) -> None:
    wrong = _tar_gz(tmp_path / "wrong.tar.gz", {"passages.tsv": b"0\tx\n", "../collection.tsv": b"0\tescape\n"})
    msmarco.MSMARCO_URLS["collection.tar.gz"] = wrong.as_uri()
    with pytest.raises(InputError, match=r"no member 'collection.tsv' among 'passages.tsv', '\.\./collection") as err:
        list(english_pairs(paper_config(), ms.root))
    assert err.value.path == str(ms.root / "downloads" / "msmarco" / "collection.tar.gz")
    assert not (ms.root / "downloads" / "msmarco" / "collection.tsv").exists()
    assert not (ms.root / "downloads" / "collection.tsv").exists()


def test_extraction_rejects_links_and_broken_archives(tmp_path: Path) -> None:
    linked = tmp_path / "linked.tar.gz"
    with tarfile.open(linked, "w:gz") as tar:
        info = tarfile.TarInfo("collection.tsv")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(InputError, match="not a regular file"):
        msmarco_data.extract_member(linked, "collection.tsv", tmp_path / "out.tsv")
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match="unreadable archive") as err:
        msmarco_data.extract_member(broken, "collection.tsv", tmp_path / "out.tsv")
    assert err.value.path == str(broken)
    whole = _tar_gz(tmp_path / "whole.tar.gz", {"collection.tsv": _tsv(PASSAGES)})
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(InputError, match="unreadable archive"):
        msmarco_data.extract_member(cut, "collection.tsv", tmp_path / "out.tsv")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith((".out", "out"))] == []


def test_downloads_are_checked_against_known_md5(ms: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(msmarco_data.KNOWN_MD5, "queries.tar.gz", "0" * 32)
    with pytest.raises(DownloadError, match="MD5"):
        msmarco_data.fetch("queries.tar.gz", ms.root)
    assert list((ms.root / "downloads" / "msmarco").iterdir()) == []
    monkeypatch.setitem(msmarco_data.KNOWN_MD5, "queries.tar.gz", file_md5(ms.files["queries.tar.gz"]))
    assert msmarco_data.fetch("queries.tar.gz", ms.root).read_bytes() == ms.files["queries.tar.gz"].read_bytes()
    with pytest.raises(InputError, match="unknown MS MARCO file"):
        msmarco_data.fetch("qrels.tsv", ms.root)
