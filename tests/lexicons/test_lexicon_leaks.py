"""The encoder lexicon stage without leaks: no target word from the gold dictionary or from the test articles.

The demo-style stage (clwe_source encoder, CLDR titles, FreeDict gold) runs on the smoke profile's XQuAD-R articles
with a tiny model and a planted gold dictionary. One planted pair translates an English word into itself: were the
gold targets in the candidate vocabulary (as they were), nearest-neighbour search over identical pieces would make
it a sure hit. Now it must count as a gold pair whose target is outside the vocabulary, not as a hit.
"""

from __future__ import annotations

import pytest

from csir_lib.core.config import load_config
from csir_lib.data.tokenise import words
from csir_lib.data.xquad import load_language, split_articles
from csir_lib.lexicons import base as lexicon_base
from csir_lib.lexicons import build as lexicon_build
from csir_lib.lexicons.induction import induce_lexicon
from csir_lib.lexicons.lexicon import Lexicon, read_lexicon
from csir_lib.lexicons.report import metrics_rows, quality_table
from csir_lib.lexicons.titles import cldr_lexicon
from csir_lib.models.tiny_model import build_tiny_model

LANG = "de"


@pytest.fixture(scope="module")
def config():  # noqa: ANN201 - a Config
    """The smoke profile reduced to one code-switching language."""
    return load_config(profile="smoke", overrides={"languages.seen": [LANG], "languages.unseen": [],
                                                    "languages.miracl": [], "languages.moir": ["en", LANG],
                                                    "languages.clir": [f"en-{LANG}"]})


def _texts(config, lang: str, articles: frozenset[int]) -> list[str]:  # noqa: ANN001 - a Config
    """Questions and sentences of some XQuAD-R articles."""
    data = load_language(lang, config.data.xquad_dir)
    return [q.text for q in data.questions if q.article in articles] + [s.text for s in data.sentences
                                                                         if s.article in articles]


def test_planted_gold_pair_outside_the_target_vocabulary_is_uncovered(config, tmp_path, monkeypatch):
    train, test = split_articles(config.data.xquad_articles, config.data.test_fraction, config.data.split_seed)
    model = build_tiny_model(tmp_path / "model", _texts(config, "en", train) + _texts(config, LANG, train),
                             seed=0, vocab_size=400)
    english = lexicon_build.xquad_english_vocabulary(config).words
    target = lexicon_build.target_vocabulary(LANG, config, cldr_lexicon(LANG), model)
    planted = next(w for w in english if w not in target.words and len(w) > 3)  # an English word German lacks
    reachable = next(w for w in english if w in target.words)  # spelt alike in both: its gold target is there
    leaky = sorted({*target.words, planted})  # the old candidate list held the gold translations
    vectors = lexicon_build._language_vectors
    old = induce_lexicon(english, vectors(model, english), leaky, vectors(model, leaky), "nn", 10)
    assert old.best(planted) == planted  # there the planted pair was a sure hit
    gold = Lexicon(entries={planted: [(planted, 1.0)], reachable: [(reachable, 1.0)]}, source_lang="en",
                   target_lang=LANG, provenance="planted")
    monkeypatch.setattr(lexicon_base, "gold_lexicon", lambda lang: gold if lang == LANG else None)

    paths = lexicon_build.build_lexicons(config, model, cache_root=tmp_path / "cache")[LANG]
    vocab = set(read_lexicon(paths["x2en"]).entries)
    assert vocab == set(target.words)  # x2en has one entry per target word: the table reads the vocabulary there
    assert planted not in vocab  # the gold dictionary did not add its translation
    nn = read_lexicon(paths["clwe-nn"])
    assert planted not in nn.targets(planted, 5)  # so it cannot be found

    test_only = {w for t in _texts(config, LANG, test) for w in words(t, LANG)} - {
        w for t in _texts(config, LANG, train) for w in words(t, LANG)}
    other_sources = set(lexicon_build.frequency_words(LANG, config.lexicon.vocab_size)) | {
        w for t in cldr_lexicon(LANG).target_words() for w in words(t, LANG)}
    assert test_only & vocab and test_only & vocab <= other_sources  # test-article words only via wordfreq or CLDR
    assert "XQuAD-R training articles" in target.origin and "FreeDict" not in target.origin

    table = quality_table({LANG: paths}, english, "planted gold")
    row = table[table.lexicon == "clwe-nn"].iloc[0]
    assert row.gold_evaluated == 2 and row.gold_target_oov == 0.5  # the planted pair: outside the vocabulary
    hit = float(reachable in nn.targets(reachable, 1))
    assert row["P@1"] == hit / 2 and row["P@1_in_vocab"] == hit  # counted as a miss in P@1, left out of P@1_in_vocab
    metrics = {(r["system"], r["metric"]): r["value"] for r in metrics_rows(table, table.iloc[0:0].assign(
        lang=[], lexicon=[], queries=[], token_coverage=[]))}
    assert metrics[("clwe-nn", "gold_target_oov")] == 0.5 and metrics[("clwe-nn", "P@1_in_vocab")] == hit
