"""A results table that can say something: systems against the baseline and the references, with power.

`compare` tests every trained system against the baseline (Zero-shot) and against the two references (the first
stage and a random order of its candidates) within each row of the table, Holm-corrected per row, and computes
each row's minimum detectable difference; `Comparison.table` renders the paper-style table with the references
as columns, n and the MDE per row, and marks; `reading` turns a difference into words only where the test can
carry them ("better" or "worse" when significant after correction, otherwise "no detectable difference").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from csir_lib.core.config import EvaluationConfig
from csir_lib.data.tables import Table, build_table
from csir_lib.evaluation.references import RANDOM
from csir_lib.experiments import results as results_stage
from csir_lib.experiments.results import FIRST_STAGE, REFERENCES

#: The paper's column order of its tables (Zero-shot, Fine-tuning, BL-CS, ML-CS, Wiki-CS, then Translate Test).
SYSTEM_ORDER = ("zero_shot", "fine_tuning", "bl_cs", "ml_cs", "wiki_cs", "tt:zero_shot", "tt:ml_cs")
#: How prose, titles and captions name a system (the paper's names); any other system by its id.
LABELS = {"zero_shot": "Zero-shot", "fine_tuning": "Fine-tuning", "bl_cs": "BL-CS", "ml_cs": "ML-CS",
          "wiki_cs": "Wiki-CS"}
NOT_LEARNED = " (not learned)"  # appended to a system's column when its training did not leave the prior


@dataclass(frozen=True)
class Comparison:
    """Every test of one metric over a set of settings, ready for tables and sentences."""

    metric: str
    baseline: str
    alpha: float
    correction: str
    summary: pd.DataFrame  # long metrics rows (mean, std over seeds, p against the baseline)
    tests: pd.DataFrame  # trained systems against the baseline, per row
    reference_tests: pd.DataFrame  # trained systems against each reference, per row
    mde: pd.DataFrame  # per row: n_queries, family_size, sd_diff, mde

    def table(self, systems: Sequence[str] | None = None, not_learned: Sequence[str] = (),
              scale: float = 100.0) -> Table:
        """The paper-style table: references first, then `systems` (all, in SYSTEM_ORDER); n and the MDE per row."""
        present = set(self.summary.system)
        if systems is None:
            found = [s for s in dict.fromkeys(self.summary.system) if s not in REFERENCES]
            systems = sorted(found, key=lambda s: SYSTEM_ORDER.index(s) if s in SYSTEM_ORDER else len(SYSTEM_ORDER))
        columns = [s for s in (*REFERENCES, *systems) if s in present]
        rows = self.summary[self.summary.system.isin(columns)].copy()
        rename = {s: s + NOT_LEARNED for s in columns if s in set(not_learned)}
        rows["system"] = rows["system"].replace(rename)
        extras = {(r.setting, r.query_lang, r.doc_lang): {"n": str(r.n_queries), "MDE": f"{scale * r.mde:.1f}"}
                  for r in self.mde.itertuples()}
        table = build_table(rows, self.metric, systems=[rename.get(s, s) for s in columns], references=REFERENCES,
                            baseline=rename.get(self.baseline, self.baseline), alpha=self.alpha, scale=scale,
                            correction=self.correction.capitalize(), first_stage=FIRST_STAGE,
                            extras=extras)
        note = (f"{table.note} A family is one row: the systems compared with {self.baseline} on one setting. "
                f"MDE: the smallest difference from {self.baseline} the test detects with 80% power (paired t-test "
                f"at alpha/m for the row's m comparisons), x{scale:g}; n: queries.")
        if not_learned:
            note += f" {NOT_LEARNED.strip()}: training did not leave the label prior (notebook 03)."
        return Table(table.systems, table.rows, note, table.decimals, table.extra_columns)

    def _row_means(self, row: tuple[str, str, str]) -> pd.Series:
        """Each system's mean of the metric on one row (setting, query_lang, doc_lang)."""
        setting, q, d = row
        s = self.summary
        return s[(s.setting == setting) & (s.query_lang == q) & (s.doc_lang == d)
                 & (s.metric == self.metric)].set_index("system")["value"]

    def reference_check(self, row: tuple[str, str, str], scale: float = 100.0) -> pd.DataFrame:
        """Every trained system of one row against both references: means, corrected p-values and a reading."""
        setting, q, d = row
        means = self._row_means(row)
        tests = self.reference_tests[(self.reference_tests.setting == setting)
                                     & (self.reference_tests.query_lang == q) & (self.reference_tests.doc_lang == d)]
        out = []
        for system, part in tests.groupby("system", sort=False):
            p = part.set_index("baseline")["p_corrected"]
            words = {ref: _against(reading(means[system] - means[ref], float(p[ref]), self.alpha), ref)
                     for ref in REFERENCES}
            below = means[system] < means[FIRST_STAGE]
            out.append({"pair": f"{q.upper()}-{d.upper()}", "system": system, self.metric: scale * means[system],
                        FIRST_STAGE: scale * means[FIRST_STAGE], RANDOM: scale * means[RANDOM],
                        f"p vs {FIRST_STAGE}": float(p[FIRST_STAGE]), f"p vs {RANDOM}": float(p[RANDOM]),
                        "reading": f"{words[FIRST_STAGE]}, {words[RANDOM]}" + ("; BELOW ITS FIRST STAGE" if below
                                                                                          else "")})
        return pd.DataFrame(out)


def _against(word: str, reference: str) -> str:
    """'better than the first stage', 'no detectable difference from a random order', ..."""
    article = "the" if reference == FIRST_STAGE else "a"
    return f"{word} {'than' if word in ('better', 'worse') else 'from'} {article} {reference}"


def reading(difference: float, p_corrected: float, alpha: float, mde: float | None = None) -> str:
    """'better' or 'worse' when significant after correction, else 'no detectable difference (MDE x)'."""
    if p_corrected < alpha:
        return "better" if difference > 0 else "worse"
    return "no detectable difference" + (f" (MDE {mde:.1f})" if mde is not None else "")


def system_label(system: str) -> str:
    """The paper's name of a system for titles and captions ("zero_shot" -> "Zero-shot"); others as they are."""
    return LABELS.get(system, system)


def metric_label(metric: str) -> str:
    """A metric as titles and captions write it ("mrr@10" -> "MRR@10", "ndcg@10" -> "nDCG@10")."""
    name, _, cut = metric.partition("@")
    return {"mrr": "MRR", "ndcg": "nDCG", "recall": "Recall", "map": "MAP"}.get(name, name) + (f"@{cut}" if cut else "")


def compare(scores: pd.DataFrame, ev: EvaluationConfig, metric: str | None = None, seed: int = 0) -> Comparison:
    """Test every trained system against the baseline and the references on every row of `scores`."""
    metric = metric or ev.main_metric
    tests = results_stage.significance(scores, metric, ev.baseline, ev.correction, ev.permutations, seed)
    return Comparison(metric, ev.baseline, ev.alpha, ev.correction, results_stage.summary(scores, tests), tests,
                      results_stage.reference_tests(scores, metric, ev.correction),
                      results_stage.minimum_detectable(scores, metric, ev.baseline, ev.alpha, ev.power))



def pooled_gains(scores: pd.DataFrame, ev: EvaluationConfig, systems: Sequence[str],
                 kinds: Sequence[str] = ("MoIR", "CLIR", "MLIR"), metric: str | None = None,
                 baseline: str | None = None) -> pd.DataFrame:
    """Each system's gain over the baseline per setting kind, over all its pairs and over its seen pairs.

    Seen pairs: every language was a code-switching target; a pair counts only where both systems ran (BL-CS
    runs on its own pairs). Intervals and p-values come from a bootstrap over
    question ids, Holm-corrected over the rows returned (one family); `reading` puts the result in words.
    """
    from csir_lib.evaluation.significance import holm

    metric, baseline = metric or ev.main_metric, baseline or ev.baseline
    keep = scores.setting.isin(kinds) & scores.system.isin([*systems, baseline])
    frames = []
    for pairs, part in (("all", scores[keep]), ("seen", scores[keep & scores.seen.astype(bool)])):
        if part.empty:
            continue
        gains = results_stage.gains(part, metric, baseline, by=("setting",), resamples=ev.bootstrap,
                                    alpha=ev.alpha, power=ev.power)
        frames.append(gains.assign(pairs=pairs))
    out = pd.concat(frames, ignore_index=True)
    out["baseline"], out["metric"] = baseline, metric
    out["p_corrected"] = holm(out.p_value.tolist())
    out["reading"] = [reading(r.gain, r.p_corrected, ev.alpha, 100 * r.mde) for r in out.itertuples()]
    return out[["setting", "pairs", "system", "baseline", "metric", "gain", "ci_low", "ci_high", "p_value",
                "p_corrected", "mde", "n_queries", "n_settings", "reading"]]


def pooled_sentences(pooled: pd.DataFrame, scale: float = 100.0) -> list[str]:
    """One sentence per pooled comparison, generated from its numbers (x `scale`)."""
    return [f"{r.system} against {r.baseline} in {r.setting} ({r.pairs} pairs, {r.n_settings} settings, "
            f"{r.n_queries} questions): {scale * r.gain:+.1f} [{scale * r.ci_low:+.1f}, {scale * r.ci_high:+.1f}], "
            f"Holm p = {r.p_corrected:.2g}: {r.reading}." for r in pooled.itertuples()]


def pooled_rows(pooled: pd.DataFrame) -> list[dict[str, object]]:
    """`pooled_gains` in the long metrics.csv format (experiment "pooled"; query_lang and doc_lang name the pairs)."""
    return [{"experiment": "pooled", "setting": r.setting, "system": r.system, "query_lang": r.pairs,
             "doc_lang": r.pairs, "metric": f"{r.metric} gain vs {r.baseline}", "value": r.gain,
             "n_queries": r.n_queries, "ci_low": r.ci_low, "ci_high": r.ci_high, "p_value": r.p_value,
             "p_corrected": r.p_corrected, "mde": r.mde, "n_settings": r.n_settings, "baseline": r.baseline}
            for r in pooled.itertuples()]
