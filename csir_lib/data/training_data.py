"""Training pairs of a profile: XQuAD-R's training articles (here) or MS MARCO and mMARCO (csir_lib.data.msmarco_data).

Each training question gives one positive (the sentence holding its answer) and `negatives` negatives drawn
from the other sentences of its article, as the paper pairs one positive with four negatives. The translated
pairs use XQuAD-R's human translations of the same questions and sentences (the offline stand-in for mMARCO's
machine translations).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from csir_lib.core.config import Config
from csir_lib.core.errors import InputError
from csir_lib.core.paths import resolve
from csir_lib.data.xquad import XQUAD_LANGUAGES, XquadLanguage, load_language, split_articles, split_train_dev


def _by_article(data: XquadLanguage) -> dict[int, list[str]]:
    """The docids of each article's sentences, in order."""
    out: dict[int, list[str]] = {}
    for sentence in data.sentences:
        out.setdefault(sentence.article, []).append(sentence.docid)
    return out


def xquad_pairs(articles: frozenset[int], *, query_langs: Sequence[str] = ("en",),
                doc_langs: Sequence[str] = ("en",), negatives: int = 4, seed: int = 0,
                data_dir: str = "data/xquad-r") -> Iterator[tuple[str, str, int]]:
    """(query, passage, label) pairs of the training `articles`, positive first then its negatives.

    With several languages on a side, each training question draws its query language and its document
    language from them (seeded), as the paper's fine-tuning data pairs one query with passages of one language.
    """
    for lang in {*query_langs, *doc_langs}:
        if lang not in XQUAD_LANGUAGES:
            raise InputError(f"XQuAD-R has no language {lang!r}", expected=f"one of {' '.join(XQUAD_LANGUAGES)}")
    if negatives < 1:
        raise InputError(f"negatives={negatives}", expected="at least one negative per positive")
    data = {lang: load_language(lang, str(resolve(data_dir))) for lang in {*query_langs, *doc_langs}}
    articles_of = {lang: _by_article(d) for lang, d in data.items()}
    questions = {lang: {q.qid: q for q in d.questions} for lang, d in data.items()}
    rng = random.Random(seed)
    for question in data[query_langs[0]].questions:
        if question.article not in articles:
            continue
        q_lang, d_lang = rng.choice(list(query_langs)), rng.choice(list(doc_langs))
        positive = questions[d_lang][question.qid].answer_docid
        pool = [d for d in articles_of[d_lang][question.article] if d != positive]
        chosen = rng.sample(pool, min(negatives, len(pool)))
        query = questions[q_lang][question.qid].text
        yield query, data[d_lang].by_docid[positive].text, 1
        for docid in chosen:
            yield query, data[d_lang].by_docid[docid].text, 0


def training_articles(config: Config) -> tuple[frozenset[int], frozenset[int]]:
    """XQuAD-R articles to train on and those held out from them for learning curves (`data.dev_articles`)."""
    data = config.data
    train, _ = split_articles(data.xquad_articles, data.test_fraction, data.split_seed)
    return split_train_dev(train, data.dev_articles, data.split_seed) if data.dev_articles else (train, frozenset())


def english_pairs(config: Config, cache_root: Path | None = None) -> Iterable[tuple[str, str, int]]:
    """The profile's English training pairs in order: XQuAD-R's training articles (a list), MS MARCO (a lazy stream)."""
    data = config.data
    if data.training_source == "msmarco":
        from csir_lib.data.msmarco_data import english_training_pairs

        return english_training_pairs(config, cache_root)
    train, _ = training_articles(config)
    return list(xquad_pairs(train, negatives=config.training.negatives_per_positive, seed=data.split_seed,
                            data_dir=data.xquad_dir))


def translated_pairs(config: Config, cache_root: Path | None = None,
                     pair: str | None = None) -> Iterable[tuple[str, str, int]]:
    """Fine-tuning's pairs: each side's language drawn (seeded) from English and the seen languages, or `pair`'s.

    With `pair` ("de-it") the query is in its first language and the passage in its second.
    """
    data = config.data
    query_langs, doc_langs = ([lang] for lang in pair.split("-")) if pair else (["en", *config.languages.seen],) * 2
    if data.training_source == "msmarco":
        from csir_lib.data.msmarco_data import translated_training_pairs

        return translated_training_pairs(config, cache_root, query_langs, data.split_seed, doc_langs)
    train, _ = training_articles(config)
    return xquad_pairs(train, query_langs=query_langs, doc_langs=doc_langs,
                       negatives=config.training.negatives_per_positive, seed=data.split_seed, data_dir=data.xquad_dir)
