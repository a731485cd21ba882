"""Evaluate every run of every setting, test systems against Zero-shot and the references, shape the results.

Per-query scores are kept for every (setting, system, seed), the two references included: the first stage
(`FIRST_STAGE`, its top `rerank.depth` as ranked) and a random order of the same candidates (`RANDOM`, exact
expectations from `csir_lib.evaluation.references`). Significance tests use per-query scores averaged over seeds (the
paper's code meant to test each system's best seed but tested seed 3's runs: see csir_lib.evaluation.significance),
corrected within each row of a table (the systems compared with the baseline on one setting), as the paper tests per
pair. Gains pooled over several settings get a bootstrap interval over question ids (`csir_lib.evaluation.bootstrap`):
settings share their questions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from csir_lib.data.formats import Run
from csir_lib.data.xquad import Task
from csir_lib.evaluation.bootstrap import cluster_bootstrap
from csir_lib.evaluation.measures import evaluate
from csir_lib.evaluation.references import RANDOM, random_order
from csir_lib.evaluation.significance import compare_to_baseline
from csir_lib.experiments.settings import Setting

FIRST_STAGE = "first stage"
REFERENCES = (FIRST_STAGE, RANDOM)
ROW = ("setting", "query_lang", "doc_lang")  # one row of a results table: a family of comparisons


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


def random_scores(settings: Sequence[Setting], tasks: Mapping[str, Task], candidates: Mapping[str, Run],
                  metrics: Sequence[str]) -> pd.DataFrame:
    """Long per-query scores (as `per_query_scores`) of a random order of each setting's candidates."""
    frames = []
    for setting in settings:
        ranked = {qid: list(docs) for qid, docs in candidates[setting.label].items()}
        frame = random_order(tasks[setting.label].qrels, ranked, metrics).reset_index()
        frame = frame.melt(id_vars="qid", var_name="metric", value_name="value")
        frames.append(frame.assign(setting=setting.kind, query_lang=setting.query_lang, doc_lang=setting.doc_lang,
                                   label=setting.label, seen=setting.seen, system=RANDOM, seed=0))
    return pd.concat(frames, ignore_index=True)


def seed_averaged(scores: pd.DataFrame) -> pd.DataFrame:
    """Per-query scores averaged over seeds."""
    keys = ["setting", "query_lang", "doc_lang", "label", "seen", "system", "metric", "qid"]
    return scores.groupby(keys, sort=False, as_index=False)["value"].mean()


def significance(scores: pd.DataFrame, metric: str, baseline: str, correction: str, permutations: int,
                 seed: int = 0, family_by: Sequence[str] = ROW) -> pd.DataFrame:
    """t-test (and randomisation test, as a check) of every trained system against `baseline` per setting.

    The correction's family is the comparisons sharing the `family_by` columns (by default one row of a table;
    empty: every comparison of the table). The references (first stage, random order) are not tested here.
    """
    data = seed_averaged(scores[(scores.metric == metric) & ~scores.system.isin(REFERENCES)])
    group = ROW
    t = compare_to_baseline(data, baseline, group_by=group, test="t", correction=correction, family_by=family_by)
    r = compare_to_baseline(data, baseline, group_by=group, test="randomisation", correction=correction,
                            n_permutations=permutations, seed=seed, family_by=family_by)
    keys = [*group, "system"]
    r = r[keys + ["p_value", "p_corrected"]].rename(columns={"p_value": "p_rand", "p_corrected": "p_rand_corrected"})
    return t.merge(r, on=keys, how="left").assign(metric=metric)


def reference_tests(scores: pd.DataFrame, metric: str, correction: str) -> pd.DataFrame:
    """t-test of every trained system against each reference (first stage, random order), corrected per row."""
    data = seed_averaged(scores[scores.metric == metric])
    frames = []
    for reference in REFERENCES:
        part = data[~data.system.isin([r for r in REFERENCES if r != reference])]
        if reference in set(part.system):
            frames.append(compare_to_baseline(part, reference, group_by=ROW, correction=correction, family_by=ROW))
    return pd.concat(frames, ignore_index=True).assign(metric=metric)


def minimum_detectable(scores: pd.DataFrame, metric: str, baseline: str, alpha: float,
                       power: float) -> pd.DataFrame:
    """Per row: the smallest difference from `baseline` a paired t-test finds with probability `power`.

    sd is the mean standard deviation of the row's per-query differences; the level is alpha / m for a family
    of m comparisons (Bonferroni, which is also Holm's first and strictest step): MDE = (t[1 - alpha/2m] +
    t[power]) sd / sqrt(n), in the metric's units.
    """
    data = seed_averaged(scores[(scores.metric == metric) & ~scores.system.isin(REFERENCES)])
    rows = []
    for key, part in data.groupby(list(ROW), sort=False):
        wide = part.pivot(index="qid", columns="system", values="value")
        if baseline not in wide or wide.shape[1] < 2:
            continue
        diffs = wide.drop(columns=baseline).sub(wide[baseline], axis=0)
        n, m = len(wide), diffs.shape[1]
        sd = float(diffs.std(ddof=1).mean())
        level = alpha / m
        mde = (stats.t.ppf(1 - level / 2, n - 1) + stats.t.ppf(power, n - 1)) * sd / np.sqrt(n)
        rows.append({**dict(zip(ROW, key, strict=True)), "n_queries": n, "family_size": m, "sd_diff": sd,
                     "mde": float(mde)})
    return pd.DataFrame(rows)


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
          confidence: float = 0.95, resamples: int = 2000, seed: int = 0, alpha: float = 0.05,
          power: float = 0.8) -> pd.DataFrame:
    """Mean per-query gain over `baseline` grouped by `by` and system, with a bootstrap interval over question ids.

    Rows of several settings are pooled per question (`csir_lib.evaluation.bootstrap`); within one setting that is the
    plain bootstrap of the paired differences. Also the bootstrap p-value and minimum detectable difference.
    """
    others = [r for r in REFERENCES if r != baseline]
    data = seed_averaged(scores[(scores.metric == metric) & ~scores.system.isin(others)])
    base = data[data.system == baseline].set_index(["label", "qid"])["value"]
    rows = []
    for keys, group in data[data.system != baseline].groupby([*by, "system"], sort=False):
        indexed = group.set_index(["label", "qid"])["value"]
        diff = (indexed - base.reindex(indexed.index)).dropna()
        if len(diff) < 2:
            continue
        pooled = cluster_bootstrap(diff.to_numpy(), diff.index.get_level_values("qid"), resamples=resamples,
                                   seed=seed, confidence=confidence, alpha=alpha, power=power)
        rows.append({**dict(zip([*by, "system"], keys if isinstance(keys, tuple) else (keys,), strict=True)),
                     "gain": pooled.mean, "ci_low": pooled.ci_low, "ci_high": pooled.ci_high,
                     "p_value": pooled.p_value, "mde": pooled.mde, "n_queries": pooled.n_clusters,
                     "n_settings": diff.index.get_level_values("label").nunique()})
    return pd.DataFrame(rows)
