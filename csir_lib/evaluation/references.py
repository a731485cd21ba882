"""The trivial references every re-ranker must beat: the exact expected metrics of a random order of its candidates.

A re-ranker reorders the first stage's top k; ranking those k uniformly at random is what a model that learned
nothing does. Its expected per-query score has a closed form for each metric (by linearity of expectation over
the position of each candidate, uniform over 1..n), so no sampling is needed:

- RR@k: P(first relevant at i) = C(n-i, r-1) / C(n, r) for r relevant among n candidates;
- DCG@k: every candidate's gain times the mean discount over positions 1..min(k, n), over the ideal DCG@k of all
  judged documents (trec_eval's ndcg_cut);
- recall@k and precision@k: r * min(k, n) / n relevant found, over the judged relevant or over k;
- AP@k: a relevant document at position i has 1 + (r-1)(i-1)/(n-1) relevant documents expected at or above it.

Queries follow `csir_lib.evaluation.measures`'s trec_eval -c semantics: every judged query counts, scoring 0 without
candidates or without a relevant document.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from csir_lib.core.errors import InputError
from csir_lib.evaluation.measures import METRIC_NAME, check_metrics

if TYPE_CHECKING:
    import pandas as pd

RANDOM = "random order"  # the system name of this reference in tables


def _rr(n: int, r: int, k: int) -> float:
    """Expected reciprocal rank within the first k of a random order of n candidates, r relevant."""
    if r == 0:
        return 0.0
    total = math.comb(n, r)
    return sum(math.comb(n - i, r - 1) / total / i for i in range(1, min(k, n - r + 1) + 1))


def _ap(n: int, r: int, k: int, judged: int) -> float:
    """Expected average precision within the first k of a random order (r relevant of n, `judged` in the qrels)."""
    if r == 0 or judged == 0:
        return 0.0
    others = (r - 1) / (n - 1) if n > 1 else 0.0
    return r * sum((1 + others * (i - 1)) / i for i in range(1, min(k, n) + 1)) / n / judged


def expected_value(metric: str, candidates: Iterable[str], judgements: Mapping[str, int]) -> float:
    """The expected `metric` (e.g. "mrr@10") of one query when its `candidates` are ranked at random."""
    match = METRIC_NAME.match(metric)
    if match is None:
        raise InputError(f"unknown metric {metric!r}", path="metrics", expected="mrr|ndcg|map|recall|precision[@K]")
    name, cutoff = match.group(1), match.group(2)
    docs = list(dict.fromkeys(candidates))
    n = len(docs)
    k = int(cutoff) if cutoff else n
    relevant = [d for d in docs if judgements.get(d, 0) >= 1]
    judged = sum(1 for rel in judgements.values() if rel >= 1)
    if n == 0 or judged == 0:
        return 0.0
    r, seen = len(relevant), min(k, n)
    if name == "mrr":
        return _rr(n, r, k)
    if name == "map":
        return _ap(n, r, k, judged)
    if name == "recall":
        return r * seen / n / judged
    if name == "precision":
        return r * seen / n / k
    discount = sum(1 / math.log2(i + 1) for i in range(1, seen + 1)) / n
    ideal = sorted((rel for rel in judgements.values() if rel > 0), reverse=True)[:k]
    best = sum(rel / math.log2(i + 2) for i, rel in enumerate(ideal))
    return sum(max(judgements.get(d, 0), 0) for d in docs) * discount / best


def random_order(qrels: Mapping[str, Mapping[str, int]], candidates: Mapping[str, Iterable[str]],
                 metrics: Iterable[str]) -> pd.DataFrame:
    """Per-query expected scores of a random order of each query's candidates (index qid, a column per metric)."""
    import pandas as pd

    names = check_metrics(metrics)
    qids = sorted(qrels)
    frame = pd.DataFrame({name: [expected_value(name, candidates.get(q, ()), qrels[q]) for q in qids]
                          for name in names}, index=pd.Index(qids, name="qid", dtype=object))
    return frame.astype("float64")
