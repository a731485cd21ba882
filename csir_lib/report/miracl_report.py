"""Notebook 06's MIRACL ranking as one result object: its tables, checks and figures, or why there are none.

`rank_miracl(study, query_table)` re-ranks every language (cached) when the profile has MIRACL's passages, and
otherwise returns the same object without numbers: each of its methods then shows "not computed" with the
command that computes it, so the notebook's cells read the same in both cases (as ranx's `Report` renders
itself) and no cell guards on `None`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from csir_lib.analysis.comparison import system_label
from csir_lib.analysis.expected import check, load_expected
from csir_lib.data.tables import to_markdown, write_table
from csir_lib.experiments import miracl_reranking as ranking
from csir_lib.report import figures
from csir_lib.report.experiment import trained_models
from csir_lib.report.study import Study

METRIC, SECOND = ranking.METRICS  # MIRACL's official nDCG@10, and recall@100


@dataclass(frozen=True)
class MiraclRanking:
    """Per-query scores of every system on every ranked MIRACL language, or nothing and the reason."""

    study: Study
    query_table: pd.DataFrame  # notebook 06's query-side table (one row per language)
    scores: pd.DataFrame | None = None  # rank_languages' per-query scores; None: not computed
    languages: tuple[str, ...] = ()
    described: str = ""  # which languages and candidates, or why not computed

    @property
    def computed(self) -> bool:
        """Whether this profile re-ranked MIRACL (it needs MIRACL's passages: online, or miracl.local_dir)."""
        return self.scores is not None

    def _not_computed(self) -> bool:
        """Show the reason once per cell and say whether the caller should stop."""
        if not self.computed:
            _show_markdown(f"*Not computed in the {self.study.config.profile} profile:* {self.described}")
        return not self.computed

    def summary(self) -> None:
        """Which languages and systems were ranked, and each language's candidate coverage."""
        if self._not_computed():
            return
        from IPython.display import display

        print(f"Ranked {self.described}; systems: {', '.join(dict.fromkeys(self.scores.system))}")
        display(ranking.candidate_coverage(self.scores))

    @cached_property
    def rows(self) -> pd.DataFrame:
        """metrics.csv rows per language, system and metric, tested against the baseline (empty if not computed)."""
        if not self.computed:
            return pd.DataFrame()
        cfg = self.study.config
        tested = ranking.language_tests(self.scores, cfg.evaluation.permutations, cfg.evaluation.baseline)
        return ranking.metrics_rows(self.scores, tested, cfg.miracl.candidates, cfg.languages.seen)

    def tables(self) -> None:
        """The per-language nDCG@10 and recall@100 tables (x100, Holm marks), saved and shown."""
        if self._not_computed():
            return
        ev = self.study.config.evaluation
        for metric, name in ((METRIC, "miracl_ranking"), (SECOND, "miracl_recall100")):
            table = ranking.language_table(self.rows, metric, ev.alpha, ev.baseline)
            write_table(table, self.study.results_dir, name)  # the front page shows miracl_ranking
            _show_markdown(to_markdown(table))

    def first_stage_check(self) -> None:
        """Our first stage against Pyserini's published BM25 nDCG@10 per language, saved and shown."""
        if self._not_computed():
            return
        from IPython.display import display

        claims = [c for c in load_expected() if c["kind"] == "first_stage" and c["lang"] in self.languages]
        checked = check(claims, self.study.config.profile, None, None, miracl=self.rows,
                        candidates=self.study.config.miracl.candidates)
        self.study.save_table(checked, "pyserini_first_stage", caption="Our MIRACL first stage against Pyserini's BM25")
        display(checked)

    def group_gains(self) -> None:
        """Gain over the baseline per language group, as a figure and a table."""
        if self._not_computed():
            return
        import matplotlib.pyplot as plt
        from IPython.display import display

        cfg = self.study.config
        gains = ranking.group_gains(self.scores, METRIC, cfg.languages.seen, cfg.evaluation.baseline)
        fig = figures.gain_bars(gains, "nDCG@10", x="group",
                                title=f"MIRACL: gain over {system_label(cfg.evaluation.baseline)} per language group")
        self.study.save_figure(fig, "miracl_gain_per_group")
        plt.show()
        display(gains)

    def gain_by_language(self) -> None:
        """Per-language gain over the baseline beside the language's query-side properties, saved and shown."""
        if self._not_computed():
            return
        from IPython.display import display

        display(self.by_language)

    def analysis(self, name: str, title: str) -> None:
        """One analysis of `ranking.ANALYSES` (gain against a language property): figure and generated paragraph."""
        if self._not_computed():
            return
        import matplotlib.pyplot as plt

        baseline = self.study.config.evaluation.baseline
        columns = ranking.ANALYSES[name]
        fig = ranking.analysis_figure(self.by_language, columns, "nDCG@10", system_label(baseline), title=title)
        self.study.save_figure(fig, f"miracl_gain_vs_{name}")
        plt.show()
        _show_markdown(ranking.analysis_paragraph(self.by_language, columns, "nDCG@10", system_label(baseline)))

    @cached_property
    def by_language(self) -> pd.DataFrame:
        """Per-language gain over the baseline joined with the query-side properties (saved as a table)."""
        baseline = self.study.config.evaluation.baseline
        frame = ranking.analysis_frame(self.scores, METRIC, self.query_table, baseline)
        self.study.save_table(frame, "miracl_gain_by_language",
                              caption=f"nDCG@10 gain over {system_label(baseline)} per language")
        return frame


def _show_markdown(text: str) -> None:
    """Display Markdown in a notebook, print it elsewhere (a script, a test)."""
    from IPython import get_ipython
    from IPython.display import Markdown, display

    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))


def rank_miracl(study: Study, query_table: pd.DataFrame) -> MiraclRanking:
    """Re-rank MIRACL dev with the profile's trained systems (cached), or say why the profile cannot."""
    cfg = study.config
    if cfg.miracl.candidates == "none":
        return MiraclRanking(study, query_table, described=ranking.offline_message())
    langs, described = ranking.ranked_languages(cfg)
    models = trained_models(study, ranking.system_names(cfg)).models  # cached by notebook 03
    scores = ranking.rank_languages(study, langs, models)
    return MiraclRanking(study, query_table, scores, tuple(langs), described)

