"""Typological distances between languages from lang2vec's URIEL vectors, and whether two share a script.

lang2vec 1.1.2 gives the vectors but no distance function, so the distances are computed here: the share of
features that differ (Hamming) for the binary typological sets (syntax_*, phonology_*, inventory_*), cosine
distance for the others (fam, geo, learned, id), as URIEL does for genetic and geographic distance. Missing
values (lang2vec's '--') are left out pairwise; a pair with no feature observed by both gets NaN.

Every ISO 639-3 code of our language table is one lang2vec 1.1.2 knows (checked in tests): Arabic is 'arb',
Persian 'pes', Chinese 'cmn' and Swahili 'swh', the individual languages; the macro-language codes 'ara', 'fas'
and 'swa' are unknown to it, so no code needs mapping. Codes are our ISO 639-1 codes or any ISO 639-3 code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from csir_lib.core.errors import InputError
from csir_lib.core.languages import LANGUAGES, get

if TYPE_CHECKING:
    import pandas as pd

FEATURE_SETS = ("syntax_knn", "phonology_knn", "inventory_knn", "fam", "geo")
HAMMING_PREFIXES = ("syntax_", "phonology_", "inventory_")
HOW = ("min", "mean")


def _lang2vec() -> ModuleType:
    """lang2vec's module, imported on first use (it takes seconds and warns about pkg_resources).

    lang2vec also installs its module as a script, `<venv>/bin/lang2vec.py`, which shadows the package whenever
    a console script (e.g. `.venv/bin/pytest`) puts its bin folder first on sys.path; that folder is skipped.
    """
    import os
    import sys
    import sysconfig
    import warnings

    scripts = os.path.realpath(sysconfig.get_path("scripts"))
    saved = sys.path[:]
    sys.path[:] = [p for p in saved if os.path.realpath(p or os.curdir) != scripts]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import lang2vec.lang2vec as l2v
    finally:
        sys.path[:] = saved
    return l2v


def iso3(code: str) -> str:
    """The lang2vec code of one of our ISO 639-1 codes, or an ISO 639-3 code lang2vec knows."""
    if code in LANGUAGES:
        return get(code).iso3
    if len(code) == 3 and code in _lang2vec().LANGUAGES:
        return code
    raise InputError(f"unknown language code {code!r}",
                     expected=f"one of {' '.join(sorted(LANGUAGES))} or an ISO 639-3 code lang2vec knows")


def _check_feature_set(feature_set: str) -> None:
    """Raise unless `feature_set` is one named lang2vec set."""
    known = _lang2vec().available_feature_sets()
    if feature_set not in known:
        raise InputError(f"unknown lang2vec feature set {feature_set!r}", expected=f"one of {', '.join(known)}")


@cache
def _fetch(feature_set: str, codes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """lang2vec vectors of ISO 639-3 `codes` as floats with NaN for missing values (one call, cached)."""
    _check_feature_set(feature_set)
    raw = _lang2vec().get_features(list(codes), feature_set)
    return {c: np.array([math.nan if v == "--" else float(v) for v in raw[c]]) for c in codes}


@cache
def _table_codes() -> tuple[str, ...]:
    """The ISO 639-3 codes of our whole table, fetched together (a fam call costs ~10 s whatever its size)."""
    return tuple(sorted({lang.iso3 for lang in LANGUAGES.values()}))


def vector(code: str, feature_set: str = "syntax_knn") -> np.ndarray:
    """The lang2vec vector of a language (NaN where URIEL has no value)."""
    code3 = iso3(code)
    batch = _table_codes() if code3 in _table_codes() else (code3,)
    return _fetch(feature_set, batch)[code3]


def _metric(feature_set: str) -> str:
    """'hamming' for the binary typological sets, 'cosine' for the others."""
    return "hamming" if feature_set.startswith(HAMMING_PREFIXES) else "cosine"


def distance(a: str, b: str, feature_set: str = "syntax_knn") -> float:
    """Distance between two languages: share of differing features (typological sets) or cosine distance."""
    u, v = vector(a, feature_set), vector(b, feature_set)
    both = ~(np.isnan(u) | np.isnan(v))
    if not both.any():
        return math.nan
    u, v = u[both], v[both]
    if _metric(feature_set) == "hamming":
        return float(np.mean(u != v))
    norms = float(np.linalg.norm(u) * np.linalg.norm(v))
    return math.nan if norms == 0 else float(1.0 - np.dot(u, v) / norms)


def distance_to_set(code: str, others: Iterable[str], feature_set: str = "syntax_knn", how: str = "min") -> float:
    """Minimum or mean distance from a language to a set of languages (0 with `min` when it is in the set)."""
    if how not in HOW:
        raise InputError(f"how={how!r}", expected=" or ".join(HOW))
    others = sorted(set(others))
    if not others:
        raise InputError("empty set of languages to measure the distance to", expected="at least one language code")
    distances = [distance(code, other, feature_set) for other in others]
    return float(min(distances) if how == "min" else np.mean(distances))


def distance_matrix(codes: Sequence[str], feature_sets: Sequence[str] = FEATURE_SETS) -> pd.DataFrame:
    """Square distance matrices stacked by feature set: rows (feature_set, code), one column per code."""
    import pandas as pd

    codes = list(codes)
    if not codes:
        raise InputError("no language codes", expected="at least one language code")
    rows = [[distance(a, b, fs) for b in codes] for fs in feature_sets for a in codes]
    index = pd.MultiIndex.from_product([list(feature_sets), codes], names=["feature_set", "code"])
    return pd.DataFrame(rows, index=index, columns=pd.Index(codes, name="other"))


def same_script(a: str, b: str) -> bool:
    """Whether two of our languages are written in the same ISO 15924 script."""
    return get(a).script == get(b).script


def with_distances(pairs: pd.DataFrame, feature_sets: Sequence[str] = FEATURE_SETS) -> pd.DataFrame:
    """`pairs` (columns query_lang, doc_lang) with one distance column per feature set and `same_script`."""
    out = pairs.copy()
    for fs in feature_sets:
        _check_feature_set(fs)
        out[fs] = [distance(q, d, fs) for q, d in zip(out.query_lang, out.doc_lang, strict=True)]
    out["same_script"] = [same_script(q, d) for q, d in zip(out.query_lang, out.doc_lang, strict=True)]
    return out


def gain_correlations(pairs: pd.DataFrame, feature_sets: Sequence[str] = FEATURE_SETS) -> pd.DataFrame:
    """Spearman correlation of `gain` with each feature set's distance, per system: rho, p and pairs used."""
    import pandas as pd
    from scipy.stats import spearmanr

    rows = []
    for system, part in pairs.groupby("system", sort=False):
        for fs in feature_sets:
            known = part[[fs, "gain"]].dropna()
            rho, p = spearmanr(known[fs], known.gain) if len(known) >= 3 else (math.nan, math.nan)
            rows.append({"system": system, "feature_set": fs, "rho": float(rho), "p_value": float(p),
                         "n_pairs": len(known)})
    return pd.DataFrame(rows)
