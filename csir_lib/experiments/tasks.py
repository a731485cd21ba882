"""Evaluation settings and the tasks they run: what a setting is, how a task says its first stage, file runs.

The general task logic of csir_lib.experiments.settings (XQuAD-R and mMARCO) and csir_lib.experiments.mmarco_tasks
both import it; the first stage is a field of every Task (`Task.first_stage`), so dispatching on it needs no guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TypeVar

from csir_lib.core.errors import InputError
from csir_lib.data.formats import Run
from csir_lib.data.xquad import Task

FIRST_STAGES = ("encoder", "bm25", "file")
T = TypeVar("T", bound=Task)


@dataclass(frozen=True)
class Setting:
    """One evaluation setting: which languages the queries and the candidate pool are in."""

    kind: str  # "MoIR" | "CLIR" | "MLIR"
    query_lang: str  # "de", or "x(seen)" / "x(all)" for MLIR (each query or paragraph in a language of the pool)
    doc_lang: str
    query_langs: tuple[str, ...]
    doc_langs: tuple[str, ...]
    seen: bool  # every language of the setting was a code-switching target (or English)

    @property
    def label(self) -> str:
        """A short name, e.g. EN-DE, MLIR-seen (X-X) or MLIR-seen:X-EN."""
        if self.kind != "MLIR":
            return f"{self.query_lang}-{self.doc_lang}".upper()
        pool = (self.query_lang if self.query_lang.startswith("x(") else self.doc_lang)[2:-1]
        if self.query_lang == self.doc_lang:
            return f"MLIR-{pool}"
        return f"MLIR-{pool}:{_side(self.query_lang)}-{_side(self.doc_lang)}"


def _side(lang: str) -> str:
    """X for a pool of languages, else the language code in capitals."""
    return "X" if lang.startswith("x(") else lang.upper()


@dataclass(frozen=True)
class RetrievalTask(Task):
    """A task with the candidate list that came with its data (mMARCO's top1000.dev), the run of first stage file."""

    ranking: dict[str, tuple[str, ...]] = field(default_factory=dict)  # qid -> candidate docids, in file order


def with_first_stage(task: T, method: str) -> T:
    """`task` with the first stage `method` attached."""
    if method not in FIRST_STAGES:
        raise InputError(f"first stage {method!r}", expected=f"one of {', '.join(FIRST_STAGES)}")
    return replace(task, first_stage=method)


def file_run(task: Task, depth: int) -> Run:
    """The task's shipped candidate list as a run: the first `depth` per query, scored n, n-1, ..., 1 in list order.

    The scores only encode the list order (identical for every system and language); they are no BM25 scores.
    """
    if not isinstance(task, RetrievalTask) or not task.ranking:
        raise InputError(f"task {task.name} has no candidate list", expected="an mMARCO task (first stage 'file')")
    run = {}
    for qid, docids in task.ranking.items():
        kept = docids[:depth]
        run[qid] = {docid: float(len(kept) - i) for i, docid in enumerate(kept)}
    return run
