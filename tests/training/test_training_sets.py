"""Training data of every system: XQuAD-R pairs (1 positive to 4 negatives) and the switched sets."""

from __future__ import annotations

import pytest

from csir_lib.core.config import load_config
from csir_lib.core.errors import InputError
from csir_lib.data.formats import iter_pairs
from csir_lib.data.training_data import xquad_pairs
from csir_lib.data.xquad import load_language, split_articles
from csir_lib.lexicons.lexicon import from_pairs, write_lexicon
from csir_lib.training.sets import build_training_set, papers_fine_tuning, system_names

TRAIN, TEST = split_articles(48, 0.5, seed=13)


def test_pairs_are_one_positive_then_four_negatives_of_the_same_article():
    pairs = list(xquad_pairs(TRAIN, seed=0))
    en = load_language("en")
    questions = [q for q in en.questions if q.article in TRAIN]
    assert len(pairs) == 5 * len(questions) == 3035
    sentences = {s.text: s for s in en.sentences}
    for i, question in enumerate(questions[:50]):
        group = pairs[5 * i: 5 * i + 5]
        assert [label for _, _, label in group] == [1, 0, 0, 0, 0]
        assert {q for q, _, _ in group} == {question.text}
        assert group[0][1] == en.by_docid[question.answer_docid].text
        assert {sentences[d].article for _, d, _ in group} == {question.article}
    assert not {q.qid for q in en.questions if q.article in TEST} & {q.qid for q in questions}


def test_pairs_are_seeded():
    assert list(xquad_pairs(TRAIN, seed=1)) == list(xquad_pairs(TRAIN, seed=1))
    assert list(xquad_pairs(TRAIN, seed=1)) != list(xquad_pairs(TRAIN, seed=2))


def test_translated_pairs_use_the_human_translations():
    de = load_language("de")
    first = next(xquad_pairs(TRAIN, query_langs=["de"], doc_langs=["de"]))
    question = next(q for q in de.questions if q.article in TRAIN)
    assert first == (question.text, de.by_docid[question.answer_docid].text, 1)


def test_unknown_language_and_no_negatives():
    with pytest.raises(InputError, match="XQuAD-R has no language 'sw'"):
        list(xquad_pairs(TRAIN, query_langs=["sw"]))
    with pytest.raises(InputError, match="at least one negative"):
        list(xquad_pairs(TRAIN, negatives=0))


def test_system_names_expand_pairs_and_ratios():
    config = load_config(profile="demo")
    assert system_names(config) == ["zero_shot", "fine_tuning", "bl_cs:en-de", "bl_cs:ar-ru", "ml_cs", "wiki_cs",
                                    "ml_cs@p=0.25", "ml_cs@p=1"]


def test_paper_profile_trains_monolingual_bl_cs_and_one_fine_tuning_per_pair():
    names = system_names(load_config(profile="paper"))
    pairs = ["en-de", "en-it", "en-ar", "en-ru", "de-it", "de-nl", "de-ru", "ar-it", "ar-ru",
             "de-de", "ru-ru", "ar-ar", "nl-nl", "it-it"]
    assert names[:1 + 2 * len(pairs)] == ["zero_shot", *[f"fine_tuning:{p}" for p in pairs],
                                          *[f"bl_cs:{p}" for p in pairs]]
    assert "fine_tuning" not in names and load_config(profile="demo").training.fine_tuning == "pooled"
    assert papers_fine_tuning(load_config(profile="paper")) and not papers_fine_tuning(load_config(profile="demo"))


def test_fine_tuning_per_pair_offline_puts_query_and_passage_in_the_pair_languages(tmp_path):
    config = load_config(profile="smoke", overrides={"training.fine_tuning": "per_pair",
                                                     "training.bl_cs_pairs": ["de-ar"]})
    assert system_names(config)[:2] == ["zero_shot", "fine_tuning:de-ar"]
    built = build_training_set("fine_tuning:de-ar", config, {}, tmp_path / "cache")
    de, ar = load_language("de"), load_language("ar")
    question = next(q for q in de.questions if q.article in split_articles(4, 0.5, seed=13)[0])
    first = next(iter_pairs(built.path))
    answer = next(q for q in ar.questions if q.qid == question.qid).answer_docid
    assert first == (question.text, ar.by_docid[answer].text, 1)
    assert built.stats["languages"] == ["de", "ar"]


@pytest.fixture
def lexicons(tmp_path):
    """Hand-made EN->X lexicons for the smoke profile's seen languages."""
    out = {}
    for lang, table in {"de": {"the": "der", "what": "was"}, "ar": {"the": "ال", "what": "ماذا"}}.items():
        out[lang] = {"clwe-nn": write_lexicon(tmp_path / f"{lang}.clwe.tsv", from_pairs(table.items())),
                     "titles": write_lexicon(tmp_path / f"{lang}.titles.tsv", from_pairs([("new york", "nyc")]))}
    return out


def test_training_sets_are_cached_and_keep_labels(tmp_path, lexicons):
    config = load_config(profile="smoke")
    zero = build_training_set("zero_shot", config, lexicons, tmp_path / "cache")
    ml = build_training_set("ml_cs@p=1", config, lexicons, tmp_path / "cache")
    english, switched = list(iter_pairs(zero.path)), list(iter_pairs(ml.path))
    assert [label for *_, label in english] == [label for *_, label in switched]
    assert ml.stats["p"] == 1.0 and ml.stats["switched"] == ml.stats["eligible"] > 0
    assert all(" the " not in f" {q.lower()} " for q, _, _ in switched)
    again = build_training_set("ml_cs@p=1", config, lexicons, tmp_path / "cache")
    assert again.path == ml.path and again.path.read_bytes() == ml.path.read_bytes()
    assert zero.stats == {"mode": "english", "pairs": len(english)}


def test_system_names_add_ml_cs_miracl_without_ratio_variants():
    config = load_config(profile="smoke", overrides={"training.systems": ["zero_shot", "ml_cs_miracl"]})
    assert system_names(config) == ["zero_shot", "ml_cs_miracl"]


def test_ml_cs_miracl_switches_toward_miracl_languages_with_a_clwe_lexicon(tmp_path, lexicons):
    config = load_config(profile="smoke", overrides={"training.p": 1.0})  # languages.miracl: de sw te yo
    sw = {"clwe-nn": write_lexicon(tmp_path / "sw.clwe.tsv", from_pairs([("the", "ya"), ("what", "nini")]))}
    te = {"titles": write_lexicon(tmp_path / "te.titles.tsv", from_pairs([("new york", "nyc")]))}  # no CLWE lexicon
    built = build_training_set("ml_cs_miracl", config, {**lexicons, "sw": sw, "te": te}, tmp_path / "cache")
    english = list(iter_pairs(build_training_set("zero_shot", config, lexicons, tmp_path / "cache").path))
    switched = list(iter_pairs(built.path))
    assert set(built.stats["per_language"]) == {"de", "sw"}  # not ar: seen, but not a MIRACL language here
    targets = {"the": {"der", "ya"}, "what": {"was", "nini"}}  # de and sw; never ar
    for (q, _, label), (sq, _, slabel) in zip(english, switched, strict=True):
        assert slabel == label
        for word, new in zip(q.split(" "), sq.split(" "), strict=True):
            word, new = word.strip(".,;:?!\"'()"), new.strip(".,;:?!\"'()")
            assert new in targets[word.lower()] if word.lower() in targets else new == word
    assert any(" ya " in f" {sq} " for sq, _, _ in switched) and any(" der " in f" {sq} " for sq, _, _ in switched)


def test_ml_cs_miracl_needs_a_miracl_language_with_a_clwe_lexicon(tmp_path, lexicons):
    config = load_config(profile="smoke", overrides={"languages.miracl": ["ar", "en"]})
    without_ar = {lang: paths for lang, paths in lexicons.items() if lang != "ar"}
    with pytest.raises(InputError, match="no language of languages.miracl"):
        build_training_set("ml_cs_miracl", config, without_ar, tmp_path / "cache")


def test_wiki_cs_draws_each_side_from_english_and_the_seen_languages(tmp_path, lexicons):
    from csir_lib.training.sets import _switcher

    config = load_config(profile="smoke")  # seen: ar, de
    switcher = _switcher("wiki_cs", config, lexicons)
    assert switcher.query_langs == switcher.doc_langs == ("ar", "de", "en") and switcher.p == 1.0
    built = build_training_set("wiki_cs", config, lexicons, tmp_path / "cache")
    english = list(iter_pairs(build_training_set("zero_shot", config, lexicons, tmp_path / "cache").path))
    switched = list(iter_pairs(built.path))
    kept = sum(q == sq and q != q.lower() for (q, _, _), (sq, _, _) in zip(english, switched, strict=True))
    cased = sum(q != q.lower() for q, _, _ in english)
    assert 0.2 < kept / cased < 0.47  # a third of the query sides drawn English keep their text and casing


def test_a_missing_lexicon_is_an_input_error(tmp_path, lexicons):
    config = load_config(profile="smoke", overrides={"languages.seen": ["de", "ru"]})
    with pytest.raises(InputError, match="system ml_cs needs a clwe-nn lexicon for ru"):
        build_training_set("ml_cs", config, lexicons, tmp_path / "cache")


def test_codeswitch_workers_change_no_byte_and_no_cache_key(tmp_path, lexicons, monkeypatch):
    from csir_lib.codeswitch import parallel as codeswitch_parallel

    monkeypatch.setattr(codeswitch_parallel, "CHUNK_PAIRS", 40)  # the smoke's few hundred pairs in several chunks
    built = {}
    for workers in (1, 2):
        config = load_config(profile="smoke", overrides={"training.codeswitch_workers": workers})
        built[workers] = build_training_set("ml_cs", config, lexicons, tmp_path / f"cache{workers}")
    one, two = built[1], built[2]
    assert one.path.relative_to(tmp_path / "cache1") == two.path.relative_to(tmp_path / "cache2")
    assert one.path.read_bytes() == two.path.read_bytes() and one.stats == two.stats
    assert one.stats["pairs"] > 2 * 40 and one.stats["switched"] > 0


def _tree(root):
    """{relative path: bytes} of every file under `root`."""
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("parallel_sets,codeswitch_workers,method", [(3, 1, "spawn"), (2, 2, "fork")])
def test_sets_built_at_once_are_the_files_built_one_after_another(tmp_path, lexicons, monkeypatch, parallel_sets,
                                                                   codeswitch_workers, method):
    from csir_lib.codeswitch import parallel as codeswitch_parallel
    from csir_lib.training.sets import build_training_sets

    # forked builders inherit both patches, so each of their sets is switched by a pool of its own in 4 chunks
    monkeypatch.setattr(codeswitch_parallel, "CHUNK_PAIRS", 30)
    monkeypatch.setattr(codeswitch_parallel, "start_method", lambda: method)
    built = {}
    for n, workers in ((1, 1), (parallel_sets, codeswitch_workers)):
        config = load_config(profile="smoke", overrides={"training.parallel_sets": n,
                                                         "training.codeswitch_workers": workers})
        systems = system_names(config)
        assert systems == ["zero_shot", "fine_tuning", "bl_cs:en-de", "ml_cs", "wiki_cs", "ml_cs@p=1"]
        sets = build_training_sets(systems, config, lexicons, tmp_path / f"cache{n}")
        built[n] = sets, _tree(tmp_path / f"cache{n}")
    (one, files_one), (many, files_many) = built[1], built[parallel_sets]
    assert [s.system for s in many] == [s.system for s in one] and [s.stats for s in many] == [s.stats for s in one]
    assert [s.path.relative_to(tmp_path / f"cache{parallel_sets}") for s in many] == \
        [s.path.relative_to(tmp_path / "cache1") for s in one]
    assert files_many == files_one and len(files_one) == 2 * 7  # 6 sets and the English pairs, each with its stats
    assert one[3].stats["pairs"] == 115  # 4 chunks of 30
