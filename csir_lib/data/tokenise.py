"""One tokenisation for every stage: the words of a text in a language, and its token spans for code-switching.

Lexicon induction, code-switching, Translate Test, BM25 and the query analyses (fertility, coverage) all split
text here, so a word means the same thing in each of them.

- Languages written with spaces: a word is a run of Unicode letters, combining marks kept inside (Indic vowel
  signs and viramas), apostrophes and hyphens between letters, lower-cased (`WORD`); code-switching tokens are
  NLTK's Treebank tokens as in the paper (csir_lib.data.treebank_spans), so this path is unchanged.
- zh, ja, th (written without spaces): a dictionary segmenter first, then `WORD` inside each segment; the
  code-switching tokens are the segments themselves. The segmenters are the field's usual ones, from PyPI, offline
  (their dictionaries ship inside the packages) and deterministic: jieba 0.42.1 for Chinese (MIT; its default
  dictionary, HMM for unknown words), fugashi 1.5.2 with unidic-lite 1.0.8 for Japanese (MeCab with UniDic 2.1.2,
  MIT / BSD), pythainlp 5.4.0's `newmm` for Thai (Apache-2.0; its bundled word list).
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable

import regex

# letters followed by letters or combining marks (vowel signs, viramas, tone marks), so Indic words stay whole
WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:[-'’]\p{L}[\p{L}\p{M}]*)*")
WORD_CHAR = regex.compile(r"[\p{L}\p{M}\p{N}]")
SEGMENTED = frozenset({"zh", "ja", "th"})  # languages split by a dictionary segmenter


@functools.cache
def _segmenter(lang: str) -> Callable[[str], list[str]]:
    """The segmenter of a SEGMENTED language: text -> its segments, in order (loaded once)."""
    if lang == "zh":
        with warnings.catch_warnings():  # jieba imports pkg_resources, deprecated
            warnings.simplefilter("ignore")
            import jieba
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        return lambda text: tokenizer.lcut(text, HMM=True)
    if lang == "ja":
        import fugashi
        import unidic_lite

        tagger = fugashi.Tagger(f'-d "{unidic_lite.DICDIR}"')  # unidic-lite named: a full unidic would differ
        return lambda text: [node.surface for node in tagger(text)]
    if lang == "th":
        from pythainlp.tokenize import word_tokenize

        return lambda text: word_tokenize(text, engine="newmm", keep_whitespace=False)
    raise ValueError(f"no segmenter for {lang!r}: expected one of {sorted(SEGMENTED)}")


@functools.lru_cache(maxsize=1 << 16)
def segment_spans(text: str, lang: str) -> tuple[tuple[int, int], ...]:
    """Character spans of `text`'s segments in a SEGMENTED language (whitespace is never a segment)."""
    spans, pos = [], 0
    for piece in _segmenter(lang)(text):
        piece = piece.strip()
        if not piece:
            continue
        start = text.find(piece, pos)
        if start < 0:
            raise RuntimeError(f"{lang} segment {piece!r} not found at offset {pos} of {text!r}")
        spans.append((start, start + len(piece)))
        pos = start + len(piece)
    return tuple(spans)


def words(text: str, lang: str) -> list[str]:
    """The lower-cased alphabetic words of `text` in `lang` (segmented first for zh, ja and th)."""
    if lang not in SEGMENTED:
        return [w.lower() for w in WORD.findall(text)]
    return [w.lower() for a, b in segment_spans(text, lang) for w in WORD.findall(text, a, b)]


def token_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Code-switching tokens of `text` in `lang` as character spans: Treebank tokens, or segments for zh, ja, th."""
    if lang in SEGMENTED:
        return list(segment_spans(text, lang))
    from csir_lib.data.treebank_spans import token_spans as treebank_spans

    return treebank_spans(text)


def spaced(text: str, replacements: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Replacements padded with a space where they would touch a word character of the text or of each other.

    In a script without spaces, switched words (e.g. English ones in Translate Test) must not run together:
    我喜欢猫 with 我/i, 喜欢/like, 猫/cat becomes "i like cat", 我喜欢狗 becomes "i like 狗". Text between the
    replacements stays as it was.
    """
    out: list[tuple[int, int, str]] = []
    starts = {a for a, _, _ in replacements}

    def touches(i: int) -> bool:
        """Whether the text has a word character at index i."""
        return 0 <= i < len(text) and WORD_CHAR.match(text[i]) is not None

    for a, b, target in replacements:
        before = " " if touches(a - 1) else ""
        after = " " if touches(b) and b not in starts else ""
        out.append((a, b, before + target + after))
    return out

