"""The evaluation settings of a profile (MoIR, CLIR, MLIR over XQuAD-R or mMARCO) and their tasks and first-stage runs.

`data.evaluation_source` picks the tasks (xquad: held-out XQuAD-R articles; mmarco: `mmarco_tasks`) and
`rerank.first_stage` how candidates are found: encoder (dense, over the task's pool), bm25 (over the task's pool)
or file (the candidate list that comes with the data, mMARCO only).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from csir_lib.core.cache import artefact_path, cache_key, key_path
from csir_lib.core.config import Config
from csir_lib.core.errors import InputError
from csir_lib.data.formats import read_run, write_run
from csir_lib.data.xquad import XQUAD_LANGUAGES, Task, build_task, split_articles
from csir_lib.experiments import mmarco_tasks
from csir_lib.experiments.tasks import Setting, file_run, with_first_stage
from csir_lib.retrieval.first_stage import bm25_first_stage, dense_first_stage


def settings(config: Config) -> list[Setting]:
    """Every setting of the profile, in table order: MoIR, CLIR, MLIR."""
    seen = {"en", *config.languages.seen}
    out = [Setting("MoIR", lang, lang, (lang,), (lang,), lang in seen) for lang in config.languages.moir]
    for pair in config.languages.clir:
        q, d = pair.split("-")
        out.append(Setting("CLIR", q, d, (q,), (d,), {q, d} <= seen))
    pools = (mmarco_tasks.mlir_pools(config) if config.data.evaluation_source == "mmarco"
             else {"seen": tuple(sorted(seen & set(XQUAD_LANGUAGES))), "all": XQUAD_LANGUAGES})
    for name in config.languages.mlir_pools:
        pool, mixed = pools[name], f"x({name})"
        sides = {"x-x": (mixed, pool, mixed, pool), "x-en": (mixed, pool, "en", ("en",)),
                 "en-x": ("en", ("en",), mixed, pool)}
        out += [Setting("MLIR", q, d, q_langs, d_langs, name == "seen")
                for q, q_langs, d, d_langs in (sides[direction] for direction in config.languages.mlir_directions)]
    return out


def iter_tasks(config: Config, cache_root: Path | None = None) -> Iterator[tuple[str, Task]]:
    """(label, test task) of every setting, at most `rerank.max_queries` queries each, carrying its first stage.

    XQuAD-R: the held-out articles; mMARCO: dev.small over the top1000.dev candidates, downloaded under
    `cache_root`, made one task at a time (at full size a task's passages take gigabytes).
    """
    if config.data.evaluation_source == "mmarco":
        yield from mmarco_tasks.iter_tasks(settings(config), config, cache_root)
        return
    if config.rerank.first_stage == "file":
        raise InputError("rerank.first_stage is 'file' but XQuAD-R comes with no candidate list",
                         expected="rerank.first_stage encoder or bm25, or data.evaluation_source mmarco")
    data = config.data
    _, test = split_articles(data.xquad_articles, data.test_fraction, data.split_seed)
    for s in settings(config):
        task = build_task(list(s.query_langs), list(s.doc_langs), test, data_dir=data.xquad_dir,
                          seed=data.split_seed, max_queries=config.rerank.max_queries)
        yield s.label, with_first_stage(task, config.rerank.first_stage)


def build_tasks(config: Config, cache_root: Path | None = None) -> dict[str, Task]:
    """The test task of every setting (all held in memory: `iter_tasks` for the paper profile's sizes)."""
    return dict(iter_tasks(config, cache_root))


def task_key(task: Task) -> str:
    """A key over a task's content."""
    return cache_key(task.topics, task.qrels, sorted(task.corpus))


def first_stage(task: Task, model_dir: Path, depth: int, cache_root: Path | None = None,
                force: bool = False) -> dict[str, dict[str, float]]:
    """Top `depth` candidates per query by the task's first stage (`task.first_stage`).

    encoder: `model_dir` as a bi-encoder over the task's whole pool; bm25: BM25 over the pool (tokenised for the
    pool's language, as plain words when the pool mixes languages); both cached as TREC runs. file: the task's own
    candidate list in its order, scored by rank (`tasks.file_run`), the same for every system and language.
    """
    method = task.first_stage
    if method == "file":
        return file_run(task, depth)
    parts = (task_key(task), key_path(model_dir, cache_root), depth) if method == "encoder" else \
        (task_key(task), method, depth)
    path = artefact_path("first-stage", cache_key(*parts), "run.trec", cache_root)
    if path.exists() and not force:
        return read_run(path)
    if method == "bm25":
        languages = set(task.doc_langs.values())
        language = languages.pop() if len(languages) == 1 else "mixed"
        run = bm25_first_stage(task.topics, task.corpus, depth, language)
    else:
        run = dense_first_stage(model_dir, task.topics, task.corpus, depth)
    write_run(path, run, tag=method if method == "bm25" else "dense")
    return read_run(path)  # as written (rounded), so every system re-ranks exactly these candidates
