"""MIRACL dev re-ranking (notebook 06): candidates per language, every system's runs, scores, tests and analyses.

Metrics are MIRACL's official `trec_eval -c -M 100 -m ndcg_cut.10 -m recall.100`: csir_lib.evaluation.measures with
max_depth 100 and trec_eval's tie order (score descending, then docid descending), every judged query counted
(one without candidates scores 0). Seeds, tests and gains are csir_lib.experiments.results's: per-query scores averaged
over seeds, a paired t-test against the baseline (`evaluation.baseline`) with the randomisation test as a check,
Holm-corrected within each language (its systems against the baseline). The references, the first stage and a
random order of its candidates (exact expectations, csir_lib.evaluation.references), are rows of the table, not
tested.

Hand-written here: the assembly of a language's task (which queries, which passages, cached) and the figure of
per-language gains with confidence whiskers against a language property (figures.gain_scatter has no whiskers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from csir_lib.core.cache import artefact_path, cache_key, reusable
from csir_lib.core.config import Config
from csir_lib.core.download import downloads_dir
from csir_lib.core.errors import InputError
from csir_lib.core.languages import LOW_RESOURCE, get, miracl_group
from csir_lib.core.paths import resolve
from csir_lib.data.formats import Run, read_corpus, read_run, write_corpus, write_run
from csir_lib.data.xquad import Task
from csir_lib.evaluation.measures import EvaluationResult, evaluate
from csir_lib.evaluation.references import RANDOM, random_order
from csir_lib.experiments import results as results_stage
from csir_lib.retrieval import miracl

EXPERIMENT = "miracl-ranking"
SETTING = "MoIR"
SYSTEMS = ("zero_shot", "fine_tuning", "ml_cs", "wiki_cs", "ml_cs_miracl")  # in table order
FIRST_STAGE = "first_stage"
REFERENCES = (FIRST_STAGE, RANDOM)
METRICS = ("ndcg@10", "recall@100")
EVAL_DEPTH = 100  # trec_eval -M 100
GROUPS = ("seen in code-switching", "unseen, well resourced", "unseen, low-resource", "unseen in pre-training")
#: The four analyses of gain over the baseline: language properties of notebook 06's query-side table.
ANALYSES = {"wikipedia_size": ("passages",), "typology": ("distance_en", "distance_cs_min"),
            "lexicon_coverage": ("coverage:clwe", "coverage:titles"), "fertility": ("fertility",)}
VERSION = 1  # bump when the way a language's task is assembled changes
COMMAND = "./run_all.sh --profile paper --only 06_miracl_low_resource"


def offline_message() -> str:
    """What the ranking cells need when `miracl.candidates` is none, and the command that provides it."""
    return ("MIRACL ranking: not run. Re-ranking needs MIRACL's passages (miracl/miracl-corpus) and candidate "
            "lists (miracl/mmteb-miracl-reranking), which are on the Hugging Face hub and not available offline.\n"
            f"With internet access run:  {COMMAND}\n"
            "(or any profile with --set miracl.candidates=bm25|mdpr|hybrid|bm25s, and --set miracl.local_dir=DIR "
            "for files downloaded elsewhere). No ranking number is reported below.")


def system_names(config: Config) -> list[str]:
    """The profile's trained systems that re-rank MIRACL (BL-CS and ratio variants left out), in table order."""
    from csir_lib.training.sets import system_names as trained

    names = [s for s in SYSTEMS if s in trained(config)]
    baseline = config.evaluation.baseline
    if baseline not in names:
        raise InputError(f"training.systems lacks {baseline}", path="training.systems",
                         expected=f"evaluation.baseline ({baseline}) among them: every MIRACL test is against it")
    return names


def ranked_languages(config: Config) -> tuple[list[str], str]:
    """The profile's MIRACL languages that its candidates cover, and a sentence saying which are left out and why."""
    langs = list(config.languages.miracl)
    if config.miracl.candidates != "bm25s":
        return langs, f"{len(langs)} languages, {config.miracl.candidates} top-{config.miracl.depth} candidates"
    kept = [lang for lang in langs if lang in miracl.BM25S_LANGUAGES]
    left = [lang for lang in langs if lang not in kept]
    return kept, (f"{len(kept)} languages with our own BM25 top-{config.miracl.depth}"
                  + (f"; not ranked (corpus too large to index here): {' '.join(left)}" if left else ""))


def _source_id(config: Config, lang: str) -> Any:
    """What identifies the downloaded inputs: the hub, or the local files' names, sizes and times."""
    local = config.miracl.local_dir
    if not local:
        return "hub"
    root = resolve(local)
    files = [*root.glob(f"miracl-corpus-v1.0-{lang}/*.jsonl.gz"), *root.glob(f"data/*/{lang}.gz"), root / "SHA256SUMS"]
    return [(p.relative_to(root).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(files)
            if p.is_file()]


def _assemble(lang: str, config: Config, qids: list[str], topics: Mapping[str, str],
              downloads: Path) -> tuple[Run, dict[str, dict[str, str]]]:
    """The candidates of `qids` (queries without any left out) and the passages they name, streamed."""
    m = config.miracl
    local = m.local_dir or None
    shards = miracl.corpus_shards(lang, downloads, local_dir=local)
    if m.candidates == "bm25s":
        source, run = None, miracl.bm25s_run(lang, {q: topics[q] for q in qids}, shards, m.depth)
    else:
        source = miracl.candidate_file(lang, m.candidates, downloads, local_dir=local)
        run = miracl.top_depth(read_run(source), m.depth)
    run = {q: run[q] for q in qids if run.get(q)}
    if not run:
        raise InputError(f"no candidates for any of the {len(qids)} selected {lang} queries", path=source,
                         expected="a candidate list of MIRACL dev queries")
    return run, miracl.passages(shards, {d for scores in run.values() for d in scores}, named_in=source)


def language_task(lang: str, config: Config, cache_root: str | Path, force: bool = False) -> tuple[Task, Run]:
    """MIRACL dev of `lang` as a re-ranking task (queries, qrels, the candidates' passages) and its candidates.

    Queries: the first `miracl.max_queries` judged dev queries by qid; candidates: each query's top
    `miracl.depth` of `miracl.candidates`. Both are cached, so a rerun never streams the corpus again.
    """
    m = config.miracl
    if m.candidates == "none":
        raise InputError("miracl.candidates is none: no MIRACL passages", path="miracl.candidates",
                         expected="bm25, mdpr, hybrid or bm25s (with internet or miracl.local_dir)")
    topics = miracl.load_topics(lang, config.data.miracl_dir)
    qrels = miracl.load_qrels(lang, config.data.miracl_dir)
    qids = sorted(q for q in qrels if q in topics)[: m.max_queries]
    key = cache_key(VERSION, lang, m.candidates, m.depth, qids, _source_id(config, lang))
    run_path = artefact_path("miracl-tasks", key, "candidates.trec", cache_root)
    corpus_path = run_path.with_name("passages.jsonl.gz")
    if not (reusable(run_path, force) and reusable(corpus_path, force)):
        run, corpus = _assemble(lang, config, qids, topics, downloads_dir(cache_root))
        write_corpus(corpus_path, (corpus[d] for d in sorted(corpus)))
        write_run(run_path, run, tag=m.candidates)  # written last: its presence means the pair is complete
    run, corpus = read_run(run_path), read_corpus(corpus_path)
    task = Task(name=f"MIRACL-{lang}", topics={q: topics[q] for q in run}, corpus=corpus,
                qrels={q: qrels[q] for q in qids}, query_langs=dict.fromkeys(run, lang),
                doc_langs=dict.fromkeys(corpus, lang))
    return task, run


def evaluate_run(qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, Mapping[str, float]],
                 metrics: Sequence[str] = METRICS) -> EvaluationResult:
    """Per-query and mean scores as `trec_eval -c -M 100` computes them (trec_eval's tie order)."""
    return evaluate(qrels, run, list(metrics), max_depth=EVAL_DEPTH, ties="trec_eval")


def per_query_scores(lang: str, qrels: Mapping[str, Mapping[str, int]], runs: Mapping[tuple[str, int], Run],
                     cs_languages: Sequence[str]) -> pd.DataFrame:
    """Long per-query scores of one language in results_stage's layout (setting MoIR, label the language)."""
    frames = []
    for (system, seed), run in runs.items():
        result = evaluate_run(qrels, run)
        frame = result.per_query.reset_index().melt(id_vars="qid", var_name="metric", value_name="value")
        frames.append(frame.assign(setting=SETTING, query_lang=lang, doc_lang=lang, label=lang,
                                   seen=miracl_group(lang, frozenset(cs_languages)) == GROUPS[0], system=system,
                                   seed=seed))
    return pd.concat(frames, ignore_index=True)


def rank_languages(study: Any, langs: Sequence[str], models: Mapping[str, Mapping[int, Path]]) -> pd.DataFrame:
    """Re-rank (cached) every language's candidates with every model; per-query scores, first stage included.

    Columns: those of `per_query_scores` and `n_candidates`, the number of candidates of the query.
    """
    from tqdm.auto import tqdm

    from csir_lib.experiments.reranking import rerank_setting

    cfg = study.config
    frames = []
    for lang in tqdm(langs, desc="MIRACL", unit="language"):
        task, candidates = language_task(lang, cfg, study.cache_dir, study.force)
        runs = rerank_setting(f"MIRACL {lang}", task, candidates, models, {}, (), cfg.rerank.batch_tokens,
                              cfg.model.max_length, study.cache_dir, study.force, cfg.rerank.precision)
        frame = per_query_scores(lang, task.qrels, {(FIRST_STAGE, 0): candidates, **runs}, cfg.languages.seen)
        shuffled = random_order(task.qrels, {q: list(docs) for q, docs in candidates.items()}, METRICS)
        shuffled = shuffled.reset_index().melt(id_vars="qid", var_name="metric", value_name="value")
        frame = pd.concat([frame, shuffled.assign(**frame.iloc[0][["setting", "query_lang", "doc_lang", "label",
                                                                     "seen"]].to_dict(), system=RANDOM, seed=0)],
                          ignore_index=True)
        frames.append(frame.assign(n_candidates=frame.qid.map(lambda q, c=candidates: len(c.get(q, {})))))
    return pd.concat(frames, ignore_index=True)


def candidate_coverage(scores: pd.DataFrame) -> pd.DataFrame:
    """Per language: judged queries, those with candidates (the others score 0), candidates per query."""
    first = scores[(scores.system == FIRST_STAGE) & (scores.metric == METRICS[0])]
    return first.groupby("query_lang", sort=False).agg(
        judged_queries=("qid", "nunique"), with_candidates=("n_candidates", lambda n: int((n > 0).sum())),
        candidates_per_query=("n_candidates", "mean")).reset_index()


def language_tests(scores: pd.DataFrame, permutations: int, baseline: str, seed: int = 0) -> pd.DataFrame:
    """Every system against `baseline` per language and metric, Holm-corrected within each language."""
    rerankers = scores[~scores.system.isin(REFERENCES)]
    return pd.concat([results_stage.significance(rerankers, metric, baseline, "holm", permutations, seed,
                                                 family_by=("query_lang",))
                      for metric in METRICS], ignore_index=True)


def metrics_rows(scores: pd.DataFrame, tested: pd.DataFrame, candidates: str,
                 cs_languages: Sequence[str]) -> pd.DataFrame:
    """metrics.csv rows: per language, system and metric, the mean over seeds with std, p-values and group."""
    rows = results_stage.summary(scores, tested).drop(columns=["label", "seen"])
    groups = {lang: miracl_group(lang, frozenset(cs_languages)) for lang in rows.query_lang.unique()}
    return rows.assign(experiment=EXPERIMENT, group=rows.query_lang.map(groups), candidates=candidates)


def language_table(rows: pd.DataFrame, metric: str, alpha: float, baseline: str) -> Any:
    """The per-language table of `metric` (x100), languages grouped, first stage then systems, marks for Holm p."""
    from csir_lib.data.tables import build_table

    systems = [s for s in (*REFERENCES, *SYSTEMS) if s in set(rows.system)]
    return build_table(rows.assign(setting=rows.group), metric, systems=systems, baseline=baseline,
                       settings=GROUPS, alpha=alpha, correction="Holm")


def group_members(langs: Sequence[str], cs_languages: Sequence[str]) -> dict[str, list[str]]:
    """Languages per group; Yoruba is both low-resource and unseen in pre-training (STUDY.md section 2)."""
    groups: dict[str, list[str]] = {}
    for lang in langs:
        group = miracl_group(lang, frozenset(cs_languages))
        groups.setdefault(group, []).append(lang)
        if group == GROUPS[3] and lang in LOW_RESOURCE:
            groups.setdefault(GROUPS[2], []).append(lang)
    return {g: groups[g] for g in GROUPS if g in groups}


def group_gains(scores: pd.DataFrame, metric: str, cs_languages: Sequence[str], baseline: str) -> pd.DataFrame:
    """Mean per-query gain over `baseline` per language group and system, with a 95% t interval over queries."""
    rerankers = scores[~scores.system.isin(REFERENCES)]
    members = group_members(list(dict.fromkeys(rerankers.query_lang)), cs_languages)
    frames = [results_stage.gains(rerankers[rerankers.query_lang.isin(langs)], metric, baseline)
              .assign(group=f"{group} ({' '.join(langs)})") for group, langs in members.items()]
    return pd.concat(frames, ignore_index=True).drop(columns="setting")


def analysis_frame(scores: pd.DataFrame, metric: str, query_table: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per-language gain over `baseline` (95% t interval) joined with the language's query-side properties."""
    rerankers = scores[~scores.system.isin(REFERENCES)]
    gains = results_stage.gains(rerankers, metric, baseline, by=("query_lang",))
    props = query_table.drop(columns=["n_queries"]).rename(columns={"lang": "query_lang"})
    return gains.merge(props, on="query_lang", how="left")


def analysis_figure(frame: pd.DataFrame, columns: Sequence[str], metric: str, baseline_label: str,
                    title: str = "") -> Any:
    """Gain over the baseline (named `baseline_label`) per language, 95% CI whiskers, against each of `columns`."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(columns), figsize=(max(7, 5 * len(columns)), 4.2), sharey=True, squeeze=False)
    for ax, column in zip(axes[0], columns, strict=True):
        for system, part in frame.groupby("system", sort=False):
            part = part.dropna(subset=[column])
            ax.errorbar(part[column], part.gain, yerr=[part.gain - part.ci_low, part.ci_high - part.gain], fmt="o",
                        capsize=3, label=system, alpha=0.8)
        labels = frame.dropna(subset=[column]).drop_duplicates("query_lang")
        for lang, x, y in zip(labels.query_lang, labels[column], labels.gain, strict=True):
            ax.annotate(lang, (x, y), fontsize=8, xytext=(4, 3), textcoords="offset points")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set(xlabel=column, xscale="log" if column == "passages" else "linear",
               ylabel=f"{metric} gain over {baseline_label} (95% CI)")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def analysis_paragraph(frame: pd.DataFrame, columns: Sequence[str], metric: str, baseline_label: str) -> str:
    """What the numbers of one analysis show, in words: Spearman rho per system and the extreme languages."""
    import warnings

    from scipy.stats import ConstantInputWarning

    from csir_lib.data.typology import gain_correlations

    with warnings.catch_warnings():  # a constant gain or property gives NaN, said in words below
        warnings.simplefilter("ignore", ConstantInputWarning)
        rho = gain_correlations(frame, feature_sets=list(columns))
    text = []
    for column, part in rho[rho.n_pairs >= 3].groupby("feature_set", sort=False):
        values = ", ".join(f"{r.system} {r.rho:+.2f} (p {r.p_value:.2f})" if r.rho == r.rho
                           else f"{r.system} undefined (constant gain or {column})" for r in part.itertuples())
        text.append(f"Spearman correlation of the {metric} gain over {baseline_label} with {column} over "
                    f"{part.n_pairs.max()} languages: {values}.")
    if not text:
        text.append("Fewer than three languages: no correlation computed.")
    for system, part in frame.dropna(subset=["gain"]).groupby("system", sort=False):
        significant = int(((part.ci_low > 0) | (part.ci_high < 0)).sum())
        if part.gain.max() == part.gain.min():
            spread = f"the same gain {part.gain.iloc[0]:+.3f} on every language"
        else:
            best, worst = part.loc[part.gain.idxmax()], part.loc[part.gain.idxmin()]
            spread = (f"largest gain {get(best.query_lang).name} {best.gain:+.3f}, smallest "
                      f"{get(worst.query_lang).name} {worst.gain:+.3f}")
        text.append(f"{system}: {spread}; the 95% interval excludes 0 for {significant} of {len(part)} languages.")
    text.append("With this few languages a correlation describes; it does not establish a cause.")
    return " ".join(text)

