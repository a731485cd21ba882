"""Our results checked against the paper's numbers and claims in results/expected.yaml.

Each claim gets OK, OKish, FAIL or NOT-COMPARABLE (with the reason), as on Pyserini's reproduction pages, and a
reading that says whether our result agrees with the paper's claim, differs from it, or cannot tell: "agrees" or
"differs" only where our difference is significant after a Holm correction over the claims (for a claim of no
difference: where the test could have detected one of the claim's tolerance), magnitude-aware ("gains only
+0.2" does not agree with a significant +2.75; "doubles" does not agree with a ratio of 1.11). A claim averages
over the pairs its `pairs` selector names (all, or seen: every language a code-switching target); `also` shows
the other reading where the paper's text leaves it open.
Claims of kind `first_stage` (MIRACL BM25 nDCG@10 per language, from Pyserini's reproduction pages) are compared
with notebook 06's first-stage metrics, and only when our candidates are the same lists (`miracl.candidates`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from csir_lib.core.errors import InputError
from csir_lib.core.paths import ROOT
from csir_lib.core.yaml_load import load_yaml

KINDS = ("gain", "value", "ratio", "spread", "seen_gap", "first_stage")
REQUIRES = "per_pair_fine_tuning"  # a claim graded only where Fine-tuning is one model per pair, as the paper
OFFLINE = "no MIRACL passages offline"
PAPER_METRIC = "mrr@10"  # the metric of the paper's tables, whatever the profile's evaluation.main_metric
EXPECTED = ROOT / "results" / "expected.yaml"  # the paper's claims and Pyserini's MIRACL numbers


def load_expected(path: str | Path = EXPECTED) -> list[dict[str, Any]]:
    """The claims of expected.yaml with the defaults filled in."""
    path = Path(path)
    shape = "a mapping with 'defaults' and 'claims'"
    raw = load_yaml(path, f"results/expected.yaml: {shape}")  # the one loader: safe, a repeated key refused
    if not isinstance(raw, dict) or not isinstance(raw.get("claims"), list):
        raise InputError("no 'claims' list", path=path, expected=shape)
    claims = []
    for number, claim in enumerate(raw["claims"], start=1):
        merged = {**raw.get("defaults", {}), **claim}
        required = ("id", "claim", "kind", "paper", "tolerance", *(("lang",) if merged.get("kind") == "first_stage"
                                                                   else ()))
        missing = [k for k in required if k not in merged]
        if missing or merged["kind"] not in KINDS:
            raise InputError(f"claim {number} ({merged.get('id', '?')}) lacks {missing or 'a known kind'}",
                             path=path, expected=f"id, claim, kind ({', '.join(KINDS)}), paper, tolerance")
        claims.append(merged)
    return claims


@dataclass(frozen=True)
class Measured:
    """Our number for a claim (x100 for MRR@10 differences), with its test where the claim is a comparison."""

    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    p_value: float = math.nan  # uncorrected; `check` corrects over the claims it grades (Holm)
    mde: float = math.nan
    pairs: str = ""  # which pairs the number averages over, and how many


NOT_MEASURED = Measured(math.nan, pairs="not measured")


def _rows(frame: pd.DataFrame | None, **where: Any) -> pd.DataFrame:
    """The rows of `frame` matching every column=value of `where` (none when the frame is missing)."""
    if frame is None or frame.empty:
        return pd.DataFrame()
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        if column not in frame:
            return pd.DataFrame()
        mask &= frame[column] == value
    return frame[mask]


def _from_row(rows: pd.DataFrame, pairs: str) -> Measured:
    """A Measured from one pooled-style metrics row (gain, ci_low, ci_high, p_value, mde), x100."""
    if rows.empty:
        return NOT_MEASURED
    r = rows.iloc[0]
    count = int(r["n_settings"]) if "n_settings" in r and not pd.isna(r["n_settings"]) else None
    return Measured(100 * float(r["value"]), 100 * float(r["ci_low"]), 100 * float(r["ci_high"]),
                    float(r["p_value"]), 100 * float(r["mde"]),
                    f"{pairs} pairs" + (f" ({count} settings)" if count is not None else ""))


def _pair_row(main: pd.DataFrame, claim: Mapping[str, Any], system: str) -> pd.DataFrame:
    """The main-table row of `system` on the claim's one pair."""
    q, d = claim["pair"].split("-")
    return _rows(main, experiment="main", metric=PAPER_METRIC, setting=claim["setting"], system=system, query_lang=q,
                 doc_lang=d)


def ours(claim: Mapping[str, Any], main: pd.DataFrame, ratio: pd.DataFrame | None,
         pairs: str | None = None) -> Measured:
    """Our number for one claim from the metrics of notebooks 04 (main, pooled) and 05 (ratio, seen gap).

    `pairs` (all | seen) overrides the claim's own selector, to show a second reading of it.
    """
    kind, pairs = claim["kind"], pairs or claim.get("pairs", "all")
    if kind == "gain":
        rows = _rows(main, experiment="pooled", setting=claim["setting"], system=claim["system"], query_lang=pairs,
                     baseline=claim["baseline"])
        return _from_row(rows, pairs)
    if kind in ("value", "ratio"):
        system = _pair_row(main, claim, claim["system"]) if claim.get("pair") else \
            _rows(main, experiment="main", metric=PAPER_METRIC, setting=claim["setting"], system=claim["system"])
        if system.empty:
            return NOT_MEASURED
        if kind == "value":
            return Measured(100 * float(system.value.mean()), pairs=claim.get("pair", f"all {claim['setting']}"))
        base = _pair_row(main, claim, claim["baseline"])
        if base.empty or not float(base.value.iloc[0]):
            return NOT_MEASURED
        return Measured(float(system.value.iloc[0]) / float(base.value.iloc[0]),
                        p_value=float(system.p_value.iloc[0]), pairs=claim["pair"].upper())
    experiment = {"spread": "ratio-spread", "seen_gap": "seen-gap"}[kind]
    return _from_row(_rows(ratio, experiment=experiment, setting=claim["setting"], system=claim["system"]),
                     "seen against all" if kind == "seen_gap" else "all")


def reading(claim: Mapping[str, Any], measured: Measured, p_corrected: float, alpha: float) -> str:
    """Our result in words, magnitude-aware, only as strong as the corrected test allows."""
    if math.isnan(measured.value):
        return "not measured"
    if math.isnan(p_corrected):
        return "no test (a level, not a comparison)"
    pivot = 1.0 if claim["kind"] == "ratio" else 0.0
    paper, tol = float(claim["paper"]), claim["tolerance"]["okish"]
    mde = "" if math.isnan(measured.mde) else f" (MDE {measured.mde:.1f})"
    significant = p_corrected < alpha
    if paper == pivot:  # the paper claims no difference
        if significant:
            return f"differs: a significant difference of {measured.value - pivot:+.2f}"
        return "agrees: no detectable difference" + mde if not mde or measured.mde <= tol else \
            "no detectable difference" + mde + ", larger than the claim's tolerance: the test cannot tell"
    if not significant:
        return "no detectable difference" + mde
    if (measured.value - pivot) * (paper - pivot) < 0:
        return "differs: significant in the opposite direction"
    inside = measured.ci_low <= paper <= measured.ci_high if not math.isnan(measured.ci_low) else False
    if inside or abs(measured.value - paper) <= tol:
        return "agrees"
    return f"same direction, different size (paper {paper:g}, ours {measured.value:.2f})"


def first_stage_value(claim: Mapping[str, Any], miracl: pd.DataFrame | None) -> float:
    """Our first stage's mean `metric` (default ndcg@10) on the claim's MIRACL language; NaN when not measured."""
    from csir_lib.experiments.miracl_reranking import EXPERIMENT, FIRST_STAGE

    if miracl is None:
        return math.nan
    rows = miracl[(miracl.experiment == EXPERIMENT) & (miracl.system == FIRST_STAGE)
                  & (miracl.query_lang == claim["lang"]) & (miracl.metric == claim.get("metric", "ndcg@10"))]
    return float(rows.value.mean()) if len(rows) else math.nan


def check_first_stage(claim: Mapping[str, Any], miracl: pd.DataFrame | None, candidates: str) -> dict[str, Any]:
    """A first-stage claim's row: comparable only when our candidates are the claim's (`candidates`, bm25)."""
    value, paper, tol = first_stage_value(claim, miracl), float(claim["paper"]), claim["tolerance"]
    wanted = claim.get("candidates", "bm25")
    if candidates == "none":
        status, note = "NOT-COMPARABLE", OFFLINE
    elif math.isnan(value):
        status, note = "NOT-COMPARABLE", "not measured (notebook 06's MIRACL metrics not given, or language not run)"
    elif candidates != wanted:
        status = "NOT-COMPARABLE"
        note = f"our candidates are {candidates}, not the {wanted} lists; differs by {abs(value - paper):.3f}"
    else:
        diff = abs(value - paper)
        status, note = ("OK" if diff <= tol["ok"] else "OKish" if diff <= tol["okish"] else "FAIL"), ""
    return {"id": claim["id"], "claim": claim["claim"], "paper": paper,
            "ours": None if math.isnan(value) else round(value, 3), "status": status, "note": note}


def _profile_candidates(profile: str) -> str:
    """`miracl.candidates` of a profile's config file, for callers that do not say which candidates they used."""
    from csir_lib.core.config import load_config

    return load_config(profile=profile).miracl.candidates


def check(claims: list[dict[str, Any]], profile: str, main: pd.DataFrame, ratio: pd.DataFrame | None, *,
          miracl: pd.DataFrame | None = None, candidates: str | None = None, alpha: float = 0.05,
          per_pair_fine_tuning: bool | None = None) -> pd.DataFrame:
    """One row per claim (and per extra reading of its pairs): the paper's number, ours, status and reading.

    Statuses are Pyserini's (OK, OKish, FAIL, NOT-COMPARABLE); the reading says whether our result agrees,
    differs or cannot tell, from a test Holm-corrected over every claim graded here. `miracl` (notebook 06's
    metrics) and `candidates` (its `miracl.candidates`; by default the profile's) serve the first-stage claims.
    Claims that `require: per_pair_fine_tuning` are graded only where Fine-tuning was trained as the paper's, one
    model per pair (`per_pair_fine_tuning`; by default from the profile's config).
    """
    from csir_lib.evaluation.significance import holm

    if per_pair_fine_tuning is None and any(c.get("requires") for c in claims):
        from csir_lib.core.config import load_config
        from csir_lib.training.sets import papers_fine_tuning

        per_pair_fine_tuning = papers_fine_tuning(load_config(profile=profile))
    if candidates is None and any(c["kind"] == "first_stage" for c in claims):
        candidates = _profile_candidates(profile)
    rows, measured = [], []
    for claim in claims:
        if claim["kind"] == "first_stage":
            rows.append({**check_first_stage(claim, miracl, candidates or "none"), "pairs": ""})
            continue
        for pairs in [claim.get("pairs", "all"), *claim.get("also", [])]:
            value = ours(claim, main, ratio, pairs)
            measured.append((len(rows), claim, value))
            rows.append(_status(claim, profile, value, primary=pairs == claim.get("pairs", "all"),
                                pooled_fine_tuning=claim.get("requires") == REQUIRES and not per_pair_fine_tuning))
    tested = [(i, c, m) for i, c, m in measured if not math.isnan(m.p_value)]
    corrected = dict(zip((i for i, _, _ in tested), holm([m.p_value for _, _, m in tested]), strict=True))
    for i, claim, value in measured:
        rows[i]["p_corrected"] = corrected.get(i, math.nan)
        rows[i]["reading"] = reading(claim, value, corrected.get(i, math.nan), alpha)
    return pd.DataFrame(rows)


def _status(claim: Mapping[str, Any], profile: str, value: Measured, primary: bool,
            pooled_fine_tuning: bool = False) -> dict[str, Any]:
    """A claim's row before correction: paper, ours with its interval, the pairs, the status and why."""
    paper, tol = float(claim["paper"]), claim["tolerance"]
    if math.isnan(value.value):
        status, note = "NOT-COMPARABLE", "not measured in this profile (no such pair or system)"
    elif pooled_fine_tuning:
        status, note = "NOT-COMPARABLE", "one Fine-tuning model pooled over pairs, not the paper's one per pair"
    elif profile not in claim["comparable_in"]:
        status, note = "NOT-COMPARABLE", claim["reason"]
    else:
        diff = abs(value.value - paper)
        status, note = ("OK" if diff <= tol["ok"] else "OKish" if diff <= tol["okish"] else "FAIL"), ""
    interval = "" if math.isnan(value.ci_low) else f"[{value.ci_low:+.2f}, {value.ci_high:+.2f}]"
    pairs = value.pairs + ("" if primary else " (a second reading)")
    if primary and claim.get("pairs_note"):
        pairs += f"; {claim['pairs_note']}"
    return {"id": claim["id"], "claim": claim["claim"], "pairs": pairs, "paper": paper,
            "ours": None if math.isnan(value.value) else round(value.value, 2), "ci": interval, "status": status,
            "note": note}


def summary_sentences(checked: pd.DataFrame) -> list[str]:
    """One sentence per graded claim of the paper (not the MIRACL first-stage checks), from the check's numbers."""
    out = []
    for r in checked.to_dict("records"):
        if not isinstance(r.get("reading"), str):
            continue
        ours = "not measured" if r["ours"] is None or pd.isna(r["ours"]) else f"{r['ours']:+g} {r['ci']}".strip()
        out.append(f"{r['id']} ({r['pairs']}): paper {r['paper']:+g}, ours {ours}: {r['reading']}.")
    return out


def claim_metrics(checked: pd.DataFrame) -> list[dict[str, Any]]:
    """metrics.csv rows of a check: our number per claim (NaN where not measured), its status as the note."""
    return [{"experiment": "expected", "setting": c["id"] + ("" if "second reading" not in c["pairs"] else ":also"),
             "system": "-", "query_lang": "-", "doc_lang": "-", "metric": "ours",
             "value": float("nan") if c["ours"] is None else c["ours"], "n_queries": 0, "note": c["status"]}
            for c in checked.to_dict("records")]
