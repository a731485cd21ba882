"""The evaluation settings of a profile (MoIR, CLIR, MLIR over XQuAD-R) and their tasks and first-stage runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csir_lib.cache import artefact_path, cache_key
from csir_lib.config import Config
from csir_lib.first_stage import dense_first_stage
from csir_lib.formats import read_run, write_run
from csir_lib.xquad import XQUAD_LANGUAGES, Task, build_task, split_articles


@dataclass(frozen=True)
class Setting:
    """One evaluation setting: which languages the queries and the candidate pool are in."""

    kind: str  # "MoIR" | "CLIR" | "MLIR"
    query_lang: str  # "de", or "x(seen)" / "x(all)" for MLIR (each query and paragraph in a language of the pool)
    doc_lang: str
    query_langs: tuple[str, ...]
    doc_langs: tuple[str, ...]
    seen: bool  # every language of the setting was a code-switching target (or English)

    @property
    def label(self) -> str:
        """A short name, e.g. EN-DE or MLIR-seen."""
        return f"MLIR-{self.query_lang[2:-1]}" if self.kind == "MLIR" else f"{self.query_lang}-{self.doc_lang}".upper()


def settings(config: Config) -> list[Setting]:
    """Every setting of the profile, in table order: MoIR, CLIR, MLIR."""
    seen = {"en", *config.languages.seen}
    out = [Setting("MoIR", lang, lang, (lang,), (lang,), lang in seen) for lang in config.languages.moir]
    for pair in config.languages.clir:
        q, d = pair.split("-")
        out.append(Setting("CLIR", q, d, (q,), (d,), {q, d} <= seen))
    pools = {"seen": tuple(sorted(seen & set(XQUAD_LANGUAGES))), "all": XQUAD_LANGUAGES}
    out += [Setting("MLIR", f"x({name})", f"x({name})", pools[name], pools[name], name == "seen")
            for name in config.languages.mlir_pools]
    return out


def build_tasks(config: Config) -> dict[str, Task]:
    """The test task of every setting, on the held-out articles, at most `rerank.max_queries` queries each."""
    data = config.data
    _, test = split_articles(data.xquad_articles, data.test_fraction, data.split_seed)
    return {s.label: build_task(list(s.query_langs), list(s.doc_langs), test, data_dir=data.xquad_dir,
                                seed=data.split_seed, max_queries=config.rerank.max_queries)
            for s in settings(config)}


def task_key(task: Task) -> str:
    """A key over a task's content."""
    return cache_key(task.topics, task.qrels, sorted(task.corpus))


def first_stage(task: Task, model_dir: Path, depth: int, cache_root: Path | None = None,
                force: bool = False) -> dict[str, dict[str, float]]:
    """The encoder as a bi-encoder over the task's whole pool, top `depth` per query (cached as a TREC run)."""
    path = artefact_path("first-stage", cache_key(task_key(task), str(model_dir), depth), "run.trec", cache_root)
    if path.exists() and not force:
        return read_run(path)
    run = dense_first_stage(model_dir, task.topics, task.corpus, depth)
    write_run(path, run, tag="dense")
    return read_run(path)  # as written (rounded), so every system re-ranks exactly these candidates
