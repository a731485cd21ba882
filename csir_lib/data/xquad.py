"""XQuAD-R (LAReQA) as sentence-retrieval tasks: queries, candidate sentences and qrels for any language pair.

A question's relevant candidate is the sentence of the document language that contains the answer span of the
same question in that language (as in LAReQA). Articles are split deterministically into train and test parts,
so no training question shares an article with a test question.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from csir_lib.core.errors import InputError
from csir_lib.core.paths import resolve
from csir_lib.data.shipped import verified_bytes

XQUAD_LANGUAGES = ("ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh")


@dataclass(frozen=True)
class Sentence:
    """A candidate: one sentence of one paragraph."""

    docid: str  # "{lang}-{article}-{paragraph}-{sentence}"
    article: int
    paragraph: int
    text: str


@dataclass(frozen=True)
class Question:
    """A question and the id of the sentence that holds its answer."""

    qid: str  # shared by all 11 languages
    article: int
    paragraph: int
    text: str
    answer_docid: str


@dataclass(frozen=True)
class XquadLanguage:
    """One language file of XQuAD-R, parsed."""

    lang: str
    titles: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    questions: tuple[Question, ...]
    by_docid: dict[str, Sentence] = field(repr=False, compare=False, hash=False)


@dataclass(frozen=True)
class Task:
    """A retrieval task: topics, a candidate corpus and binary qrels."""

    name: str
    topics: dict[str, str]
    corpus: dict[str, dict[str, str]]
    qrels: dict[str, dict[str, int]]
    query_langs: dict[str, str]  # qid -> language of its text
    doc_langs: dict[str, str]  # docid -> language
    first_stage: str = "encoder"  # how candidates are found: "encoder", "bm25" or "file" (csir_lib.experiments.tasks)


def _answer_sentence(breaks: list[list[int]], start: int, where: str) -> int:
    """Index of the sentence whose character span holds `start` (the next one when it falls in a gap)."""
    for index, (begin, end) in enumerate(breaks):
        if begin <= start < end:
            return index
    for index, (begin, _) in enumerate(breaks):
        if begin > start:
            return index
    raise InputError(f"answer_start {start} lies after the last sentence", path=where,
                     expected="sentence_breaks covering every answer")


@lru_cache(maxsize=16)
def load_language(lang: str, data_dir: str | Path = "data/xquad-r") -> XquadLanguage:
    """Parse `{lang}.json.gz` of XQuAD-R after checking its SHA-256 against the shipped SHA256SUMS."""
    if lang not in XQUAD_LANGUAGES:
        known = " ".join(XQUAD_LANGUAGES)
        raise InputError(f"XQuAD-R has no language {lang!r}", expected=f"one of {known}")
    path = resolve(data_dir) / f"{lang}.json.gz"
    raw = json.loads(verified_bytes(path, gzip.decompress, name=f"{lang}.json"))
    sentences, questions, titles = [], [], []
    for a, article in enumerate(raw["data"]):
        titles.append(article["title"])
        for p, para in enumerate(article["paragraphs"]):
            ids = [f"{lang}-{a}-{p}-{s}" for s in range(len(para["sentences"]))]
            sentences += [Sentence(d, a, p, text.strip()) for d, text in zip(ids, para["sentences"], strict=True)]
            for qa in para["qas"]:
                index = _answer_sentence(para["sentence_breaks"], qa["answers"][0]["answer_start"], str(path))
                questions.append(Question(qa["id"], a, p, qa["question"].strip(), ids[index]))
    return XquadLanguage(lang, tuple(titles), tuple(sentences), tuple(questions), {s.docid: s for s in sentences})


def split_articles(n_articles: int, test_fraction: float, seed: int) -> tuple[frozenset[int], frozenset[int]]:
    """A deterministic article-level split into (train, test) article indices."""
    order = list(range(n_articles))
    random.Random(seed).shuffle(order)
    n_test = round(n_articles * test_fraction)
    return frozenset(order[n_test:]), frozenset(order[:n_test])


def split_train_dev(train: frozenset[int], dev_articles: int, seed: int) -> tuple[frozenset[int], frozenset[int]]:
    """Training articles split into (train, development): `dev_articles` of them held out, seeded."""
    if dev_articles >= len(train):
        raise InputError(f"data.dev_articles {dev_articles} leaves no training article of {len(train)}",
                         expected=f"data.dev_articles below {len(train)}")
    dev = frozenset(random.Random(f"dev:{seed}").sample(sorted(train), dev_articles))
    return train - dev, dev


def _doc(sentence: Sentence) -> dict[str, str]:
    """A sentence as a corpus record (no title: the sentence alone is the passage)."""
    return {"docid": sentence.docid, "title": "", "text": sentence.text}


def build_task(query_langs: list[str] | str, doc_langs: list[str] | str, articles: frozenset[int], *,
               data_dir: str | Path = "data/xquad-r", seed: int = 0, max_queries: int | None = None) -> Task:
    """Queries in `query_langs` over sentences in `doc_langs`, restricted to `articles`.

    With one language on a side, every query (or paragraph) is in that language; with several, each query and
    each paragraph draws its language from them (seeded), so every question keeps exactly one relevant sentence
    and the pool mixes languages as the paper's MLIR setting does.
    """
    q_langs = [query_langs] if isinstance(query_langs, str) else list(query_langs)
    d_langs = [doc_langs] if isinstance(doc_langs, str) else list(doc_langs)
    rng = random.Random(f"{seed}:{','.join(q_langs)}:{','.join(d_langs)}")
    data = {lang: load_language(lang, str(data_dir)) for lang in sorted(set(q_langs + d_langs))}
    paragraphs = sorted({(s.article, s.paragraph) for s in data[d_langs[0]].sentences if s.article in articles})
    para_lang = {key: rng.choice(d_langs) for key in paragraphs}
    corpus = {s.docid: _doc(s) for lang in d_langs for s in data[lang].sentences
              if para_lang.get((s.article, s.paragraph)) == lang}
    answers = {lang: {q.qid: q.answer_docid for q in data[lang].questions} for lang in d_langs}
    pool = [q for q in data[q_langs[0]].questions if q.article in articles]
    if max_queries is not None and len(pool) > max_queries:
        pool = sorted(random.Random(seed).sample(pool, max_queries), key=lambda q: (q.article, q.paragraph, q.qid))
    topics, qrels, qlang = {}, {}, {}
    for question in pool:
        lang = rng.choice(q_langs)
        localized = question if lang == q_langs[0] else _question(data[lang], question.qid)
        topics[question.qid] = localized.text
        qlang[question.qid] = lang
        doc_lang = para_lang[(question.article, question.paragraph)]
        qrels[question.qid] = {answers[doc_lang][question.qid]: 1}
    name = f"{'+'.join(q_langs)}-{'+'.join(d_langs)}"
    doc_of = {docid: docid.split("-", 1)[0] for docid in corpus}
    return Task(name, topics, corpus, qrels, qlang, doc_of)


def _question(data: XquadLanguage, qid: str) -> Question:
    """The question `qid` in the language of `data`."""
    for question in data.questions:
        if question.qid == qid:
            return question
    raise InputError(f"question {qid!r} missing in XQuAD-R {data.lang}", expected="11-way parallel files")
