"""One tokenisation for every stage: zh, ja and th segmented in Translate Test (through the CLI), BM25 and fertility."""

from __future__ import annotations

from pathlib import Path

import pytest

from csir_lib.analysis import queries as qa
from csir_lib.cli import main
from csir_lib.codeswitch.switch import CodeSwitcher
from csir_lib.data import tokenise
from csir_lib.data.treebank_spans import token_spans as treebank_spans
from csir_lib.retrieval.first_stage import bm25_tokenize

# (language, text, its words, an equivalent small X->EN lexicon, the text translated word by word)
SENTENCES = [
    ("zh", "我喜欢猫", ["我", "喜欢", "猫"], {"我": "i", "喜欢": "like", "猫": "cat"}, "i like cat"),
    ("th", "ฉันชอบแมว", ["ฉัน", "ชอบ", "แมว"], {"ฉัน": "i", "ชอบ": "like", "แมว": "cat"}, "i like cat"),
    # particles glossed by their romanisation: は topic marker, が subject marker
    ("ja", "私は猫が好き", ["私", "は", "猫", "が", "好き"],
     {"私": "i", "は": "wa", "猫": "cat", "が": "ga", "好き": "like"}, "i wa cat ga like"),
]
# a passage with a word the lexicon lacks and punctuation: only the known words change, the rest stays as it was
PASSAGES = {"zh": ("我喜欢狗。", "i like 狗。"), "th": ("ฉันชอบหมา", "i like หมา"),
            "ja": ("私は犬が好き。", "i wa 犬 ga like。")}


def _lexicon_file(path: Path, table: dict[str, str]) -> Path:
    """A lexicon TSV `source TAB target TAB score`."""
    path.write_text("".join(f"{s}\t{t}\t1.0\n" for s, t in table.items()), encoding="utf-8")
    return path


@pytest.mark.parametrize("lang, text, _words, table, english", SENTENCES)
def test_cli_translate_mode_turns_unspaced_text_into_english_words(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   lang: str, text: str, _words: list[str],
                                                                   table: dict[str, str], english: str) -> None:
    passage, passage_english = PASSAGES[lang]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"{text}\t{passage}\t1\n", encoding="utf-8")
    lexicon = _lexicon_file(tmp_path / f"{lang}.tsv", table)
    out = tmp_path / "out.tsv"
    assert main(["codeswitch", "--in", str(pairs), "--out", str(out), "--mode", "translate",
                 "--lexicon", f"{lang}={lexicon}", "--query-lang", lang, "--doc-lang", lang]) == 0
    capsys.readouterr()
    assert out.read_text(encoding="utf-8") == f"{english}\t{passage_english}\t1\n"


@pytest.mark.parametrize("lang, text, expected, _table, _english", SENTENCES)
def test_words_spans_bm25_and_fertility_share_one_segmentation(lang: str, text: str, expected: list[str],
                                                               _table: dict[str, str], _english: str) -> None:
    assert tokenise.words(text, lang) == expected
    assert [text[a:b] for a, b in tokenise.token_spans(text, lang)] == expected
    assert bm25_tokenize(text, lang) == expected

    class OnePiecePerCharacter:
        """A tokenizer cutting a text into its non-space characters."""

        def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
            """One id per character."""
            return list(range(len(text.replace(" ", ""))))

    assert qa.fertility(OnePiecePerCharacter(), [text], lang) == pytest.approx(len(text) / len(expected))
    assert qa.lexicon_coverage({expected[0]}, [text], lang) == pytest.approx(1 / len(expected))
    assert qa.query_statistics(lang, [text], None, {})["words_per_query"] == len(expected)


def test_spaced_languages_keep_the_treebank_path() -> None:
    text = "Wo ist das Haus? Es ist (sehr) groß, sagt „Ada“."
    assert tokenise.token_spans(text, "de") == treebank_spans(text)
    assert tokenise.words(text, "de") == ["wo", "ist", "das", "haus", "es", "ist", "sehr", "groß", "sagt", "ada"]
    assert bm25_tokenize("Hello, World!", "en") == tokenise.words("Hello, World!", "en")
    switcher = CodeSwitcher({"de": {"haus": "house", "groß": "big"}}, "translate", query_langs="de", doc_langs="de")
    assert switcher(text, "")[0] == "Wo ist das house? Es ist (sehr) big, sagt „Ada“."


def test_spaced_pads_replacements_only_where_words_touch() -> None:
    text = "我喜欢狗。"
    assert tokenise.spaced(text, [(0, 1, "i"), (1, 3, "like")]) == [(0, 1, "i"), (1, 3, " like ")]
    assert tokenise.spaced(text, [(3, 4, "dog")]) == [(3, 4, " dog")]  # "。" is not a word character
    assert tokenise.spaced("猫 狗", [(0, 1, "cat")]) == [(0, 1, "cat")]  # a space is already there


def test_segmentation_of_mixed_text_is_stable() -> None:
    text = "超级碗50是NFL的比赛"
    first = tokenise.words(text, "zh")
    assert first == tokenise.words(text, "zh") and "nfl" in first and "50" not in first
    with pytest.raises(ValueError, match="no segmenter"):
        tokenise.segment_spans("ພາສາ", "lo")
