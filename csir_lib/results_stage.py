"""Evaluate every run of every setting, test systems against Zero-shot, and shape the results for tables.

Per-query scores are kept for every (setting, system, seed); significance tests use per-query scores averaged
over seeds (the paper's code meant to test each system's best seed but tested seed 3's runs: see
csir_lib.significance), corrected over every comparison of one table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from csir_lib.evaluation import evaluate
from csir_lib.retrieval_settings import Setting
from csir_lib.significance import compare_to_baseline
from csir_lib.xquad import Task

Run = dict[str, dict[str, float]]


def per_query_scores(settings: Sequence[Setting], tasks: Mapping[str, Task],
                     runs: Mapping[str, Mapping[tuple[str, int], Run]], metrics: Sequence[str]) -> pd.DataFrame:
    """Long per-query scores: setting, query_lang, doc_lang, label, seen, system, seed, qid, metric, value."""
    frames = []
    for setting in settings:
        qrels = tasks[setting.label].qrels
        for (system, seed), run in runs[setting.label].items():
            result = evaluate(qrels, run, list(metrics), run_path=f"run of {system} (seed {seed}) on {setting.label}")
            frame = result.per_query.reset_index().melt(id_vars="qid", var_name="metric", value_name="value")
            frame = frame.assign(setting=setting.kind, query_lang=setting.query_lang, doc_lang=setting.doc_lang,
                                 label=setting.label, seen=setting.seen, system=system, seed=seed)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def seed_averaged(scores: pd.DataFrame) -> pd.DataFrame:
    """Per-query scores averaged over seeds."""
    keys = ["setting", "query_lang", "doc_lang", "label", "seen", "system", "metric", "qid"]
    return scores.groupby(keys, sort=False, as_index=False)["value"].mean()


def significance(scores: pd.DataFrame, metric: str, baseline: str, correction: str, permutations: int,
                 seed: int = 0, family_by: Sequence[str] = ()) -> pd.DataFrame:
    """t-test (and randomisation test, as a check) of every system against `baseline` per setting, corrected.

    The correction's family is every comparison of the table, or those sharing the `family_by` columns.
    """
    data = seed_averaged(scores[scores.metric == metric])
    group = ("setting", "query_lang", "doc_lang")
    t = compare_to_baseline(data, baseline, group_by=group, test="t", correction=correction, family_by=family_by)
    r = compare_to_baseline(data, baseline, group_by=group, test="randomisation", correction=correction,
                            n_permutations=permutations, seed=seed, family_by=family_by)
    keys = [*group, "system"]
    r = r[keys + ["p_value", "p_corrected"]].rename(columns={"p_value": "p_rand", "p_corrected": "p_rand_corrected"})
    return t.merge(r, on=keys, how="left").assign(metric=metric)


def summary(scores: pd.DataFrame, tests: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long metrics rows: the mean over queries of each seed, then mean and std over seeds, with p-values."""
    keys = ["setting", "query_lang", "doc_lang", "label", "seen", "system", "metric"]
    per_seed = scores.groupby([*keys, "seed"], sort=False, as_index=False).agg(value=("value", "mean"),
                                                                                n_queries=("qid", "nunique"))
    out = per_seed.groupby(keys, sort=False, as_index=False).agg(
        value=("value", "mean"), std=("value", lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")),
        n_seeds=("seed", "nunique"), n_queries=("n_queries", "first"))
    out["experiment"] = "main"
    if tests is not None and len(tests):
        cols = ["setting", "query_lang", "doc_lang", "system", "metric", "p_value", "p_corrected", "p_rand",
                "family_size"]
        out = out.merge(tests[cols], on=["setting", "query_lang", "doc_lang", "system", "metric"], how="left")
    return out


def gains(scores: pd.DataFrame, metric: str, baseline: str, by: Sequence[str] = ("setting",),
          confidence: float = 0.95) -> pd.DataFrame:
    """Mean per-query gain over `baseline` with a t confidence interval, grouped by `by` and system."""
    data = seed_averaged(scores[scores.metric == metric])
    base = data[data.system == baseline].set_index(["label", "qid"])["value"]
    rows = []
    for keys, group in data[data.system != baseline].groupby([*by, "system"], sort=False):
        diff = group.set_index(["label", "qid"])["value"] - base.reindex(group.set_index(["label", "qid"]).index)
        diff = diff.dropna().to_numpy()
        half = stats.t.ppf((1 + confidence) / 2, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff)) \
            if len(diff) > 1 else float("nan")
        rows.append({**dict(zip([*by, "system"], keys if isinstance(keys, tuple) else (keys,), strict=True)),
                     "gain": diff.mean() if len(diff) else float("nan"), "ci_low": diff.mean() - half,
                     "ci_high": diff.mean() + half, "n_queries": len(diff)})
    return pd.DataFrame(rows)
