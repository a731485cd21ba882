"""Tables of the lexicon stage: sizes, precision against gold, coverage of training and query words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

import pandas as pd

from csir_lib.data.metric_rows import Col, long_rows
from csir_lib.data.tokenise import words
from csir_lib.lexicons.lexicon import read_lexicon
from csir_lib.lexicons.quality import evaluate_lexicon, token_coverage, vocab_coverage


def quality_table(paths: Mapping[str, Mapping[str, Path]], english_words: list[str], gold: str = "FreeDict",
                  missing: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """One row per (language, EN->X lexicon): size, English-vocabulary coverage, P@1, P@5 and gold coverage.

    With the language's `x2en` lexicon (one entry per target word the stage induced over) also P@1 over the gold
    words whose gold translation is in that target vocabulary (`P@1_in_vocab`) and the share without one
    (`gold_target_oov`); the titles lexicon's own targets are its vocabulary.

    `gold` names the profile's gold dictionary (`lexicon_build.source_names`); a lexicon the stage could not make
    is a row whose `note` says why (`missing`, as `build_lexicons(...).missing` gives it).
    """
    missing = missing or {}
    rows = []
    for lang, sources in paths.items():
        gold_lexicon = read_lexicon(sources["gold"]) if "gold" in sources else None
        gold_note = missing.get(lang, {}).get("gold", "none installed")
        clwe_vocab = set(read_lexicon(sources["x2en"]).entries) if "x2en" in sources else None
        for source in ("clwe-nn", "clwe-csls", "titles"):
            if source not in sources:
                rows.append({"lang": lang, "lexicon": source, "entries": 0,
                             "note": missing.get(lang, {}).get(source, "not made")})
                continue
            lexicon = read_lexicon(sources[source])
            vocab = lexicon.target_words() if source == "titles" else clwe_vocab
            quality = evaluate_lexicon(lexicon, gold_lexicon, target_vocab=vocab) if gold_lexicon is not None else {}
            rows.append({"lang": lang, "lexicon": source, "entries": len(lexicon),
                         "en_vocab_coverage": vocab_coverage(lexicon, english_words),
                         "P@1": quality.get("P@1"), "P@5": quality.get("P@5"),
                         "P@1_in_vocab": quality.get("P@1_in_vocab"), "gold_target_oov": quality.get("gold_target_oov"),
                         "gold_coverage": quality.get("coverage"), "gold_evaluated": quality.get("n_evaluated"),
                         "gold": gold if gold_lexicon is not None else gold_note, "note": ""})
    return pd.DataFrame(rows)


def sample_entries(paths: Mapping[str, Mapping[str, Path]], langs: list[str], probe: list[str],
                   source: str = "clwe-csls") -> pd.DataFrame:
    """The best translation of each `probe` word in each of `langs` (blank when the lexicon has none)."""
    table = {lang: read_lexicon(paths[lang][source]).table() if source in paths[lang] else {} for lang in langs}
    return pd.DataFrame([{"en": word, **{lang: table[lang].get(word, "") for lang in langs}} for word in probe])


def query_coverage(paths: Mapping[str, Mapping[str, Path]], langs: list[str],
                   topics: Callable[[str], dict[str, str]]) -> pd.DataFrame:
    """The share of each language's query tokens that each lexicon covers on its X side."""
    rows = []
    for lang in langs:
        texts = list(topics(lang).values())
        for source in ("clwe-nn", "titles", "x2en"):
            if source not in paths[lang]:
                continue
            lexicon = read_lexicon(paths[lang][source])
            side = "source" if source == "x2en" else "target"
            rows.append({"lang": lang, "lexicon": source, "queries": len(texts),
                         "token_coverage": token_coverage(lexicon, texts, partial(words, lang=lang), side=side)})
    return pd.DataFrame(rows)


def metrics_rows(quality: pd.DataFrame, coverage: pd.DataFrame) -> list[dict[str, object]]:
    """Both tables in the long metrics.csv format (a missing quality number gives no row; coverage always one)."""
    metrics = ("entries", "en_vocab_coverage", "P@1", "P@5", "P@1_in_vocab", "gold_target_oov", "gold_coverage")
    return long_rows(quality, metrics, experiment="lexicon", setting="BLI", system=Col("lexicon"), query_lang="en",
                     doc_lang=Col("lang"), n_queries=Col("gold_evaluated")) + \
        long_rows(coverage, ["token_coverage"], experiment="lexicon", setting="MIRACL dev queries",
                  system=Col("lexicon"), query_lang=Col("lang"), doc_lang=Col("lang"), n_queries=Col("queries"),
                  keep_missing=True)
