"""Our results checked against the paper's numbers and claims in results/expected.yaml.

Each claim gets OK, OKish, FAIL or NOT-COMPARABLE (with the reason), as on Pyserini's reproduction pages.
Claims of kind `first_stage` (MIRACL BM25 nDCG@10 per language, from Pyserini's reproduction pages) are compared
with notebook 06's first-stage metrics, and only when our candidates are the same lists (`miracl.candidates`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from csir_lib.errors import InputError

KINDS = ("gain", "value", "ratio", "spread", "seen_gap", "first_stage")
OFFLINE = "no MIRACL passages offline"


def load_expected(path: str | Path) -> list[dict[str, Any]]:
    """The claims of expected.yaml with the defaults filled in."""
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("claims"), list):
        raise InputError("no 'claims' list", path=path, expected="a mapping with 'defaults' and 'claims'")
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


def _mean(main: pd.DataFrame, setting: str, system: str, pair: str | None = None) -> float:
    """Mean MRR@10 x100 of `system` over a setting's pairs (or one pair); NaN when it was not run."""
    rows = main[(main.metric == "mrr@10") & (main.setting == setting) & (main.system == system)]
    if pair:
        q, d = pair.split("-")
        rows = rows[(rows.query_lang == q) & (rows.doc_lang == d)]
    return 100 * rows.value.mean() if len(rows) else math.nan


def _paired_gain(main: pd.DataFrame, setting: str, system: str, baseline: str) -> float:
    """Mean over the pairs both systems ran on of (system - baseline), MRR@10 x100."""
    rows = main[(main.metric == "mrr@10") & (main.setting == setting)]
    wide = rows.pivot_table(index=["query_lang", "doc_lang"], columns="system", values="value")
    if system not in wide or baseline not in wide:
        return math.nan
    both = wide[[system, baseline]].dropna()
    return 100 * (both[system] - both[baseline]).mean() if len(both) else math.nan


def ours(claim: Mapping[str, Any], main: pd.DataFrame, ratio: pd.DataFrame | None) -> float:
    """Our number for one claim, from the metrics of notebooks 04 (main) and 05 (ratio, seen-unseen)."""
    kind = claim["kind"]
    if kind == "gain":
        return _paired_gain(main, claim["setting"], claim["system"], claim["baseline"])
    if kind == "value":
        return _mean(main, claim["setting"], claim["system"], claim.get("pair"))
    if kind == "ratio":
        base = _mean(main, claim["setting"], claim["baseline"], claim.get("pair"))
        return _mean(main, claim["setting"], claim["system"], claim.get("pair")) / base if base else math.nan
    if ratio is None:
        return math.nan
    if kind == "spread":
        rows = ratio[(ratio.experiment == "ratio") & (ratio.metric == "mrr@10") & (ratio.setting == claim["setting"])
                     & ratio.system.str.startswith(claim["system"])]
        means = rows.groupby("system").value.mean() * 100
        return float(means.max() - means.min()) if len(means) > 1 else math.nan
    rows = ratio[(ratio.experiment == "seen-unseen") & (ratio.system == claim["system"])].set_index("query_lang")
    return 100 * float(rows.value["seen"] - rows.value["unseen"]) if {"seen", "unseen"} <= set(rows.index) else math.nan


def first_stage_value(claim: Mapping[str, Any], miracl: pd.DataFrame | None) -> float:
    """Our first stage's mean `metric` (default ndcg@10) on the claim's MIRACL language; NaN when not measured."""
    from csir_lib.miracl_ranking import EXPERIMENT, FIRST_STAGE

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
    from csir_lib.config import load_config

    return load_config(profile=profile).miracl.candidates


def check(claims: list[dict[str, Any]], profile: str, main: pd.DataFrame, ratio: pd.DataFrame | None, *,
          miracl: pd.DataFrame | None = None, candidates: str | None = None) -> pd.DataFrame:
    """One row per claim: the paper's number, ours, the status and, where not comparable, why.

    `miracl` (notebook 06's metrics) and `candidates` (its `miracl.candidates`; by default the profile's) serve
    the first-stage claims.
    """
    rows = []
    if candidates is None and any(c["kind"] == "first_stage" for c in claims):
        candidates = _profile_candidates(profile)
    for claim in claims:
        if claim["kind"] == "first_stage":
            rows.append(check_first_stage(claim, miracl, candidates or "none"))
            continue
        value = ours(claim, main, ratio)
        paper, tol = float(claim["paper"]), claim["tolerance"]
        if math.isnan(value):
            status, note = "NOT-COMPARABLE", "not measured in this profile (no such pair or system)"
        elif profile not in claim["comparable_in"]:
            pivot = 1.0 if claim["kind"] == "ratio" else 0.0  # a ratio's "direction" is above or below 1
            same_sign = (value > pivot) == (paper > pivot) if paper != pivot else abs(value - pivot) <= tol["okish"]
            status, note = "NOT-COMPARABLE", f"{claim['reason']}; direction {'agrees' if same_sign else 'differs'}"
        else:
            diff = abs(value - paper)
            status = "OK" if diff <= tol["ok"] else "OKish" if diff <= tol["okish"] else "FAIL"
            note = ""
        rows.append({"id": claim["id"], "claim": claim["claim"], "paper": paper,
                     "ours": None if math.isnan(value) else round(value, 2), "status": status, "note": note})
    return pd.DataFrame(rows)
