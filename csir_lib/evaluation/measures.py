"""Retrieval metrics with trec_eval's semantics, computed by ranx.

ranx computes every metric (numba kernels). Hand-written here is only what ranx does differently from
trec_eval or from our run files:

- **Rank order.** ranx re-sorts each query by score alone (`np.argsort`, not stable) over hashed docids, so
  tied documents come out in an arbitrary order. We rank each query ourselves and hand ranx integer ids with
  strictly decreasing scores, so ranx evaluates exactly our order. Default `ties="docid_asc"`: score
  descending, then docid ascending, the order `csir_lib.data.formats.write_run` writes (`formats.ranked`).
  trec_eval (form_res_rels.c, `comp_sim_docno`) breaks ties by docid *descending*; `ties="trec_eval"`
  reproduces that. The two differ only on exactly tied scores.
- **Which queries count** (`trec_eval -c`). ranx refuses qrels and run with different query ids. We average
  over every query of the qrels: a judged query missing from the run (or with an empty ranking) scores 0,
  a query with no document of rel >= 1 scores 0, and run queries absent from the qrels are ignored.
- **Depth** (`trec_eval -M N`): `max_depth` keeps the first N documents of each query after ranking.
- **Validation**: ranx uses `assert`; we raise `InputError`.

Relevance: rel >= 1 is relevant for MRR, recall, precision and MAP; nDCG uses the grade as gain (gain = rel,
rel <= 0 gains nothing) with discount log2(rank + 1) and the ideal ranking of all judged documents cut at k,
as trec_eval 9 `ndcg_cut` (Jarvelin and Kekalainen). Precision@k divides by k even when fewer were ranked.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Real
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from csir_lib.core.cache import DEFAULT_CACHE
from csir_lib.core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_METRICS = ("mrr@10", "ndcg@10", "recall@100")
KNOWN_METRICS = "mrr, mrr@K, ndcg, ndcg@K, map, map@K, recall@K, precision@K (K a positive integer)"
METRIC_NAME = re.compile(r"^(mrr|ndcg|map|recall|precision)(?:@([1-9][0-9]*))?$")  # groups: measure, cutoff
_NEEDS_CUTOFF = {"recall", "precision"}
Ties = Literal["docid_asc", "trec_eval"]


@dataclass(frozen=True)
class EvaluationResult:
    """Mean and per-query scores of one run against one set of qrels."""

    metrics: tuple[str, ...]
    means: dict[str, float]
    per_query: pd.DataFrame  # index "qid" (every qrels query, sorted), one float column per metric
    n_queries: int
    missing_queries: tuple[str, ...] = field(default=())  # judged, absent from the run: scored 0
    ignored_queries: tuple[str, ...] = field(default=())  # in the run, absent from the qrels: not scored

    def __getitem__(self, metric: str) -> float:
        """The mean of `metric`."""
        return self.means[metric]

    def to_dict(self) -> dict[str, float | int]:
        """The means keyed by metric name, plus "n_queries"."""
        return {**{m: self.means[m] for m in self.metrics}, "n_queries": self.n_queries}


def check_metrics(metrics: str | Iterable[str]) -> tuple[str, ...]:
    """The metric names, checked against the ones we know; duplicates dropped, order kept."""
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    if not names:
        raise InputError("no metric given", path="metrics", expected=KNOWN_METRICS)
    for name in names:
        match = METRIC_NAME.match(name) if isinstance(name, str) else None
        if match is None or (match.group(1) in _NEEDS_CUTOFF and match.group(2) is None):
            raise InputError(f"unknown metric {name!r}", path="metrics", expected=KNOWN_METRICS)
    return tuple(dict.fromkeys(names))


def rank_documents(scores: Mapping[str, float], ties: Ties = "docid_asc") -> list[str]:
    """Docids of one query in rank order: score descending, ties by docid ascending or trec_eval's descending."""
    if ties not in ("docid_asc", "trec_eval"):
        raise InputError(f"unknown tie rule {ties!r}", path="ties", expected="'docid_asc' or 'trec_eval'")
    by_docid = sorted(scores.items(), key=itemgetter(0), reverse=ties == "trec_eval")
    by_docid.sort(key=itemgetter(1), reverse=True)  # stable: ties keep the docid order (formats.ranked for asc)
    return [docid for docid, _ in by_docid]


def _check_inputs(qrels: Mapping, run: Mapping, qrels_name: str, run_name: str) -> None:
    """Raise InputError for grades that are not integers and scores that are not finite numbers."""
    if not qrels:
        raise InputError("qrels hold no query", path=qrels_name, expected="at least one judged query")
    for qid, judged in qrels.items():
        for docid, rel in judged.items():
            if not isinstance(rel, Real) or not float(rel).is_integer():
                raise InputError(f"relevance {rel!r} of {docid!r} for query {qid!r}", path=qrels_name,
                                 expected="integer relevance grades")
    for qid, scores in run.items():
        try:
            if math.isfinite(sum(scores.values())):  # fast path: a sum is finite only if every score is
                continue
        except TypeError:
            pass
        for docid, score in scores.items():
            if not isinstance(score, Real) or not math.isfinite(score):
                raise InputError(f"score {score!r} of {docid!r} for query {qid!r}", path=run_name,
                                 expected="finite numeric scores")


def _numba_cache() -> None:
    """Point numba's cache at a writable folder before ranx compiles (about 14 s on first use)."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        folder = Path(DEFAULT_CACHE) / "numba"
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["NUMBA_CACHE_DIR"] = str(folder)


def _ranx_scores(qids: list[str], qrels: Mapping, orders: dict[str, list[str]], ranx_names: list[str]) -> dict:
    """Per-query scores from ranx for queries that have a ranking and a relevant document."""
    _numba_cache()
    import numba
    import numpy as np
    from numba.core.errors import NumbaTypeSafetyWarning
    from numba.typed import List as TypedList
    from ranx import evaluate as ranx_evaluate

    qrels_arrays, run_arrays = [], []
    for qid in qids:
        judged = sorted(qrels[qid].items(), key=lambda item: (-item[1], item[0]))  # ideal order, for the IDCG
        ids = {docid: i for i, (docid, _) in enumerate(judged)}
        qrels_arrays.append(np.array([[i, rel] for i, (_, rel) in enumerate(judged)], dtype=np.float64))
        docs = orders[qid]
        ranking = np.empty((len(docs), 2), dtype=np.float64)
        ranking[:, 0] = -1.0  # every unjudged document: an id no judged document has
        ranking[:, 1] = np.arange(len(docs), 0, -1)  # strictly decreasing: ranx keeps our order
        hits = [(i, ids[d]) for i, d in enumerate(docs) if d in ids]
        if hits:
            rows, judged_ids = zip(*hits, strict=True)
            ranking[list(rows), 0] = judged_ids
        run_arrays.append(ranking)
    with warnings.catch_warnings():  # ranx's kernels warn about an index cast while numba compiles them
        warnings.simplefilter("ignore", NumbaTypeSafetyWarning)
        # ranx 0.3.21 mislabels the result of a one-metric list (KeyError): always ask for two or more
        asked = ranx_names if len(ranx_names) > 1 else ranx_names * 2
        # ranx drops numba to one thread for fewer than 10 queries and never restores it: ask for all each time
        scores = ranx_evaluate(TypedList(qrels_arrays), TypedList(run_arrays), asked, return_mean=False,
                               save_results_in_run=False, threads=numba.config.NUMBA_NUM_THREADS)
    return {name: np.asarray(values, dtype=np.float64) for name, values in scores.items()}


def evaluate(
    qrels: Mapping[str, Mapping[str, int]],
    run: Mapping[str, Mapping[str, float]],
    metrics: str | Iterable[str] = DEFAULT_METRICS,
    max_depth: int | None = None,
    *,
    ties: Ties = "docid_asc",
    qrels_path: str | Path | None = None,
    run_path: str | Path | None = None,
) -> EvaluationResult:
    """Score `run` against `qrels` as `trec_eval -c [-M max_depth]` would, with our tie order (see module doc)."""
    import pandas as pd

    names = check_metrics(metrics)
    qrels_name, run_name = str(qrels_path or "qrels"), str(run_path or "run")
    if max_depth is not None and (isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 1):
        raise InputError(f"depth {max_depth!r}", path="depth", expected="a positive integer (or none for all)")
    _check_inputs(qrels, run, qrels_name, run_name)
    judged_qids = sorted(qrels)
    common = [qid for qid in judged_qids if qid in run]
    if not common:
        raise InputError(f"no query id in common with {qrels_name} ({len(qrels)} queries, e.g. {judged_qids[0]!r}; "
                         f"run has {len(run)}, e.g. {next(iter(sorted(run)), None)!r})", path=run_name,
                         expected="a run of the same queries as the qrels")
    orders = {qid: rank_documents(run[qid], ties)[:max_depth] for qid in common}
    scored = [qid for qid in common if orders[qid] and any(rel >= 1 for rel in qrels[qid].values())]
    columns = {name: dict.fromkeys(judged_qids, 0.0) for name in names}
    if scored:
        values = _ranx_scores(scored, qrels, orders, list(names))  # our names are ranx's names
        for name in names:
            columns[name].update(zip(scored, (float(v) for v in values[name]), strict=True))
    per_query = pd.DataFrame({name: pd.Series(columns[name], dtype="float64") for name in names})
    per_query.index = pd.Index(judged_qids, name="qid", dtype=object)
    means = {name: float(per_query[name].mean()) for name in names}
    return EvaluationResult(
        metrics=names,
        means=means,
        per_query=per_query,
        n_queries=len(judged_qids),
        missing_queries=tuple(qid for qid in judged_qids if qid not in run or not run[qid]),
        ignored_queries=tuple(sorted(qid for qid in run if qid not in qrels)),
    )


def evaluate_files(
    qrels_path: str | Path,
    run_path: str | Path,
    metrics: str | Iterable[str] = DEFAULT_METRICS,
    max_depth: int | None = None,
    *,
    ties: Ties = "docid_asc",
) -> EvaluationResult:
    """Read a TREC qrels file and run file and evaluate them, naming the files in any error."""
    from csir_lib.data.formats import read_qrels, read_run

    names = check_metrics(metrics)
    return evaluate(read_qrels(qrels_path), read_run(run_path), names, max_depth, ties=ties,
                    qrels_path=qrels_path, run_path=run_path)


def per_query_frame(results: Mapping[Any, EvaluationResult], metric: str, key: str = "system") -> pd.DataFrame:
    """Long per-query scores of several results for one metric: columns `key`, qid, value."""
    import pandas as pd

    frames = []
    for name, result in results.items():
        if metric not in result.means:
            raise InputError(f"metric {metric!r} was not computed for {name!r}", path="results",
                             expected=f"one of {', '.join(result.metrics)}")
        series = result.per_query[metric]
        frames.append(pd.DataFrame({key: name, "qid": series.index.astype(str), "value": series.to_numpy()}))
    return pd.concat(frames, ignore_index=True)
