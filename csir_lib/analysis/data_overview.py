"""Statistics of the shipped data (XQuAD-R and MIRACL dev) for the data notebook."""

from __future__ import annotations

import pandas as pd

from csir_lib.core import languages
from csir_lib.core.config import DataConfig
from csir_lib.data import xquad
from csir_lib.data.metric_rows import Col, long_rows
from csir_lib.retrieval import miracl


def xquad_statistics(data: DataConfig) -> pd.DataFrame:
    """Per XQuAD-R language: questions, candidate sentences, and how the article split divides them."""
    train, test = xquad.split_articles(data.xquad_articles, data.test_fraction, data.split_seed)
    rows = []
    for lang in xquad.XQUAD_LANGUAGES:
        parsed = xquad.load_language(lang, str(data.xquad_dir))
        rows.append({
            "lang": lang, "questions": len(parsed.questions), "candidates": len(parsed.sentences),
            "train_questions": sum(q.article in train for q in parsed.questions),
            "test_questions": sum(q.article in test for q in parsed.questions),
            "test_candidates": sum(s.article in test for s in parsed.sentences),
            "paper_group": languages.get(lang).paper_group or "",
        })
    return pd.DataFrame(rows)


def miracl_statistics(data: DataConfig, cs_languages: set[str]) -> pd.DataFrame:
    """Per MIRACL language: dev topics, judgements, corpus size and the study's language group."""
    rows = []
    for lang in miracl.MIRACL_LANGUAGES:
        qrels = miracl.load_qrels(lang, data.miracl_dir)
        info = languages.get(lang)
        rows.append({
            "lang": lang, "name": info.name, "script": info.script,
            "dev_queries": len(miracl.load_topics(lang, data.miracl_dir)),
            "judgements": sum(len(j) for j in qrels.values()),
            "relevant": sum(r > 0 for j in qrels.values() for r in j.values()),
            "passages": info.miracl_passages, "group": languages.miracl_group(lang, cs_languages),
        })
    return pd.DataFrame(rows)


def metrics_rows(xq: pd.DataFrame, mi: pd.DataFrame) -> list[dict[str, object]]:
    """The data counts in the long metrics format (experiment data, system '-', metric the count's name)."""
    lang = Col("lang")
    return long_rows(xq, ("questions", "candidates", "test_questions", "test_candidates"), experiment="data",
                     setting="xquad-r", system="-", query_lang=lang, doc_lang=lang, n_queries=Col("questions"),
                     keep_missing=True) + \
        long_rows(mi, ("dev_queries", "judgements", "relevant"), experiment="data", setting="miracl-dev", system="-",
                  query_lang=lang, doc_lang=lang, n_queries=Col("dev_queries"), keep_missing=True)
