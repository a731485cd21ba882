"""First-stage retrieval: the candidates every re-ranker of a comparison re-ranks.

Two first stages: the multilingual encoder as a bi-encoder with exact cosine search (XQuAD-R: the whole candidate
pool fits in memory), and BM25 through bm25s (MIRACL). Both return exactly min(depth, corpus size) candidates per
query, ranked by score and then docid, so ties never depend on the order of a dict or a sort's stability, and a
query always has candidates to re-rank (BM25 pads with non-matching documents scored 0, docid order).

BM25 tokenisation is written here because bm25s' own splitter (`(?u)\\b\\w\\w+\\b`) cuts words at combining marks
(Devanagari, Bengali, Telugu and Thai vowel signs are marks, not word characters, to Python's `re`) and drops
one-character words: ours is a lower-cased Unicode word regex that keeps marks inside words. Chinese, Japanese and
Thai are first cut into words by the segmenters of csir_lib.data.tokenise (the segmentation every stage uses); other
languages written without spaces (lo, km, my, bo), which have none, are split into overlapping character bigrams
(single characters stay unigrams): a known approximation. No stemming and no stopword removal.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from csir_lib.core.errors import InputError
from csir_lib.data.formats import Run, doc_text
from csir_lib.data.tokenise import SEGMENTED, segment_spans

#: Languages written without spaces between words: segmented (csir_lib.data.tokenise.SEGMENTED) or cut into bigrams.
NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})


def _mark_ranges() -> str:
    """A regex character-class body covering every Unicode combining mark (categories Mn, Mc, Me)."""
    ranges, start, prev = [], None, None
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)).startswith("M"):
            if start is None:
                start = cp
            prev = cp
        elif start is not None:
            ranges.append((start, prev))
            start = None
    return "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)


_WORD = None


def _word_regex() -> re.Pattern:
    """Word characters plus combining marks, built once."""
    global _WORD
    if _WORD is None:
        _WORD = re.compile(f"[\\w{_mark_ranges()}]+")
    return _WORD


def bm25_tokenize(text: str, language: str) -> list[str]:
    """Lower-cased words (marks kept inside words); zh, ja, th segmented first; bigrams for other unspaced scripts."""
    text = unicodedata.normalize("NFKC", text).lower()
    if language in SEGMENTED:
        word = _word_regex()
        return [w for a, b in segment_spans(text, language) for w in word.findall(text, a, b)]
    words = _word_regex().findall(text)
    if language not in NO_SPACE_LANGUAGES:
        return words
    grams = []
    for word in words:
        grams.extend([word] if len(word) < 2 else [word[i : i + 2] for i in range(len(word) - 1)])
    return grams


def top_k(scores: np.ndarray, docids: Sequence[str], k: int) -> dict[str, float]:
    """The k best documents by score, ties by docid; `docids` must be sorted ascending (index order = docid order)."""
    k = min(k, len(docids))
    if k < len(docids):
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        candidates = np.flatnonzero(scores >= threshold)  # all ties at the threshold, in docid order
    else:
        candidates = np.arange(len(docids))
    best = candidates[np.argsort(-scores[candidates], kind="stable")][:k]
    return {docids[i]: float(scores[i]) for i in best}


def _check(topics: Mapping[str, str], corpus: Mapping[str, Mapping[str, str]], depth: int) -> list[str]:
    """Sorted docids after checking the inputs are usable."""
    if depth < 1:
        raise InputError(f"depth {depth}", expected="a positive number of candidates per query")
    if not topics:
        raise InputError("no topics", expected="at least one query")
    if not corpus:
        raise InputError("empty corpus", expected="at least one document")
    return sorted(corpus)


def dense_run(query_emb: np.ndarray, doc_emb: np.ndarray, qids: Sequence[str], docids: Sequence[str],
              depth: int) -> Run:
    """Exact top-`depth` by dot product of (L2-normalised) embeddings; rows of doc_emb follow sorted `docids`."""
    if list(docids) != sorted(docids):
        raise InputError("docids not sorted", expected="doc_emb rows in ascending docid order")
    scores = np.asarray(query_emb, dtype=np.float32) @ np.asarray(doc_emb, dtype=np.float32).T
    return {qid: top_k(scores[i], docids, depth) for i, qid in enumerate(qids)}


def dense_first_stage(model_dir: str | Path, topics: Mapping[str, str], corpus: Mapping[str, Mapping[str, str]],
                      depth: int, query_prefix: str = "query: ", passage_prefix: str = "passage: ",
                      batch_size: int = 32, max_length: int = 512) -> Run:
    """The encoder as a bi-encoder over the whole corpus: cosine top-`depth` per query (e5's prefixes)."""
    from csir_lib.models.encoder import embed_with_encoder

    docids = _check(topics, corpus, depth)
    qids = list(topics)
    q_emb = embed_with_encoder(model_dir, [query_prefix + topics[q] for q in qids], batch_size, max_length)
    d_emb = embed_with_encoder(model_dir, [passage_prefix + doc_text(corpus[d]) for d in docids], batch_size,
                               max_length)
    return dense_run(q_emb, d_emb, qids, docids, depth)


def bm25_first_stage(topics: Mapping[str, str], corpus: Mapping[str, Mapping[str, str]], depth: int,
                     language: str, k1: float = 0.9, b: float = 0.4) -> Run:
    """BM25 (bm25s, Lucene variant; Pyserini's k1=0.9, b=0.4) top-`depth` per query over title + text."""
    import bm25s

    docids = _check(topics, corpus, depth)
    retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
    retriever.index([bm25_tokenize(doc_text(corpus[d]), language) for d in docids], show_progress=False)
    run = {}
    for qid, text in topics.items():
        ids = retriever.get_tokens_ids(bm25_tokenize(text, language))
        scores = (retriever.get_scores_from_ids(ids) if ids else np.zeros(len(docids))).astype(np.float64)
        run[qid] = top_k(scores, docids, depth)
    return run
