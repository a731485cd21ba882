"""Query-side analyses of MIRACL dev topics per language: tokenizer fertility, lexicon coverage, switchable share.

Hand-written: these are a few counts over the queries' words (csir_lib.data.tokenise.words, the one tokenisation of
every stage: lexicons, code-switching, BM25) that no library computes. Definitions:

- fertility: the tokenizer's pieces (special tokens excluded) over the whole texts divided by their words;
  pieces include punctuation and digits, which `words` does not count as words.
- coverage: the share of query word tokens that are in a lexicon's X-side vocabulary; the X side is split into
  words by the same tokeniser, so a multi-word translation contributes each of its words.
- switchable share: the share of queries with at least one covered word token.

Scripts written without spaces (ja, zh, th) are split into words by their segmenters (jieba, MeCab with
UniDic, pythainlp's newmm), so their words are dictionary words, not whole runs of text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from csir_lib.core.errors import InputError
from csir_lib.core.languages import get, miracl_group
from csir_lib.data import typology
from csir_lib.data.metric_rows import Col, long_rows
from csir_lib.data.tokenise import words
from csir_lib.retrieval.miracl import load_topics

if TYPE_CHECKING:
    import pandas as pd

EXPERIMENT = "miracl-query-side"
SETTING = "MoIR"
SYSTEM = "-"
QUERY_METRICS = ("words_per_query", "fertility")
PREFIXES = ("coverage:", "switchable:")


def _texts(texts: Iterable[str]) -> list[str]:
    """The texts as a list, refusing a single string or an empty collection."""
    if isinstance(texts, str):
        raise InputError("got one string where a collection of query texts was expected", expected="a list of texts")
    out = list(texts)
    if not out:
        raise InputError("no query text", expected="at least one query")
    return out


def _pieces(tokenizer: Any, text: str) -> int:
    """Number of pieces `tokenizer` splits `text` into, special tokens excluded."""
    encoded = tokenizer.encode(text, add_special_tokens=False)
    return len(getattr(encoded, "ids", encoded))


def fertility(tokenizer: Any, texts: Iterable[str], lang: str) -> float:
    """Tokenizer pieces per word over `texts` in `lang` (a `tokenizers.Tokenizer` or a transformers tokenizer)."""
    if not callable(getattr(tokenizer, "encode", None)):
        raise InputError(f"{type(tokenizer).__name__} has no encode()",
                         expected="a tokenizers.Tokenizer or a transformers tokenizer")
    texts = _texts(texts)
    n_words = sum(len(words(t, lang)) for t in texts)
    if n_words == 0:
        raise InputError("the texts contain no word", expected="texts with at least one alphabetic word")
    return sum(_pieces(tokenizer, t) for t in texts) / n_words


def x_vocabulary(x_words: Collection[str], lang: str) -> frozenset[str]:
    """The lower-cased words of a lexicon's X-side entries in `lang` (a set of X words, not the lexicon mapping)."""
    if isinstance(x_words, Mapping | str):
        raise InputError(f"got a {type(x_words).__name__} where a set of X-side words was expected",
                         expected="a set of X-side words, e.g. set(table.values()) or Lexicon.target_words()")
    return frozenset(w for entry in x_words for w in words(entry, lang))


def _covered(vocabulary: frozenset[str], texts: list[str], lang: str) -> list[tuple[int, int]]:
    """(covered word tokens, word tokens) per text."""
    counts = []
    for text in texts:
        tokens = words(text, lang)
        counts.append((sum(t in vocabulary for t in tokens), len(tokens)))
    return counts


def _coverage(counts: list[tuple[int, int]]) -> float:
    """Share of word tokens covered, from per-text counts."""
    total = sum(n for _, n in counts)
    if total == 0:
        raise InputError("the texts contain no word", expected="texts with at least one alphabetic word")
    return sum(c for c, _ in counts) / total


def lexicon_coverage(x_words: Collection[str], texts: Iterable[str], lang: str) -> float:
    """Share of the texts' word tokens (in `lang`) that are in the lexicon's X-side vocabulary."""
    return _coverage(_covered(x_vocabulary(x_words, lang), _texts(texts), lang))


def switchable_share(x_words: Collection[str], texts: Iterable[str], lang: str) -> float:
    """Share of texts (in `lang`) with at least one word token in the lexicon's X-side vocabulary."""
    counts = _covered(x_vocabulary(x_words, lang), _texts(texts), lang)
    return sum(c > 0 for c, _ in counts) / len(counts)


def query_statistics(lang: str, texts: Iterable[str], tokenizer: Any | None,
                     x_words: Mapping[str, Collection[str]]) -> dict[str, Any]:
    """Per-language query statistics: size, words per query, fertility (no tokenizer: none), per-source coverage."""
    texts = _texts(texts)
    stats: dict[str, Any] = {"lang": lang, "n_queries": len(texts),
                             "words_per_query": sum(len(words(t, lang)) for t in texts) / len(texts)}
    if tokenizer is not None:
        stats["fertility"] = fertility(tokenizer, texts, lang)
    for source in sorted(x_words):
        counts = _covered(x_vocabulary(x_words[source], lang), texts, lang)
        stats[f"coverage:{source}"] = _coverage(counts)
        stats[f"switchable:{source}"] = sum(c > 0 for c, _ in counts) / len(counts)
    return stats


def query_table(langs: Sequence[str], tokenizer: Any | None,
                lexicon_sources: Mapping[str, Mapping[str, Collection[str]]], *, cs_languages: Collection[str],
                topics_loader: Callable[[str], Mapping[str, str]] = load_topics,
                feature_set: str = "syntax_knn") -> pd.DataFrame:
    """One row per language: group, script, passages, query statistics, typological distance to en and cs set.

    `lexicon_sources` maps a source name to {lang: X-side words}; a source without the language gives NaN.
    `distance_en` is `typology.distance(lang, "en", feature_set)`, `distance_cs_min` the minimum distance to
    `cs_languages` (0 for a code-switching language itself).
    """
    import pandas as pd

    if not langs:
        raise InputError("no language", expected="at least one MIRACL language code")
    rows = []
    for lang in langs:
        info = get(lang)
        available = {s: by_lang[lang] for s, by_lang in lexicon_sources.items() if lang in by_lang}
        stats = query_statistics(lang, topics_loader(lang).values(), tokenizer, available)
        for source in lexicon_sources:
            for prefix in PREFIXES:
                stats.setdefault(prefix + source, math.nan)
        rows.append({
            "lang": lang, "name": info.name, "group": miracl_group(lang, frozenset(cs_languages)),
            "script": info.script, "same_script_en": typology.same_script(lang, "en"),
            "passages": info.miracl_passages, "xlmr": info.xlmr, **stats,
            "distance_en": typology.distance(lang, "en", feature_set),
            "distance_cs_min": typology.distance_to_set(lang, cs_languages, feature_set, how="min"),
        })
    frame = pd.DataFrame(rows)
    ordered = [c for c in frame.columns if not c.startswith(PREFIXES)]
    position = ordered.index("distance_en")
    sources = sorted(c for c in frame.columns if c.startswith(PREFIXES))
    return frame[ordered[:position] + sources + ordered[position:]]


def metrics_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The table's query-side numbers as metrics.csv rows; a NaN (source without the language) gives no row."""
    if "lang" not in table.columns or "n_queries" not in table.columns:
        raise InputError("table lacks 'lang' or 'n_queries'", expected="a frame from query_table()")
    metrics = [c for c in table.columns if c in QUERY_METRICS or c.startswith(PREFIXES)]
    return long_rows(table, metrics, experiment=EXPERIMENT, setting=SETTING, system=SYSTEM, query_lang=Col("lang"),
                     doc_lang=Col("lang"), n_queries=Col("n_queries"))
