"""A learning curve while a cross-encoder trains: MRR@10 on a development task every N steps.

The development task is a small re-ranking task carved from the training articles (never the test articles):
queries, their candidates (a first stage's top k) and qrels, stored as one JSON file so that `csir train` can use
it too. A trainer callback scores it with the model in training at step 0 and every `eval_every` steps (and at
the last step), so a reader sees whether a system left the plateau of the label prior before training stopped.
Points are kept in the run's work folder, so a resumed run keeps the points up to its checkpoint and recomputes
the later ones (the same numbers: scoring neither draws random numbers nor changes the weights).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csir_lib.core.atomic import write_json, write_text
from csir_lib.core.errors import InputError
from csir_lib.training.spec import read_step_csv, step_csv

METRIC = "mrr@10"


@dataclass(frozen=True)
class DevTask:
    """A development re-ranking task: each query's candidates (first-stage order) and its qrels."""

    topics: dict[str, str]
    passages: dict[str, str]  # docid -> the text a model reads (title and text joined)
    qrels: dict[str, dict[str, int]]
    candidates: dict[str, list[str]]


def write_dev_task(path: Path, task: DevTask) -> Path:
    """Write a development task as JSON (atomically)."""
    return write_json(path, {"topics": task.topics, "passages": task.passages, "qrels": task.qrels,
                             "candidates": task.candidates})


def read_dev_task(path: Path) -> DevTask:
    """Read a development task written by `write_dev_task`; every candidate must have a passage."""
    expected = "JSON with topics, passages, qrels and candidates (csir_lib.training.learning_curve.write_dev_task)"
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        task = DevTask(*(raw[key] for key in ("topics", "passages", "qrels", "candidates")))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputError(f"unreadable development task ({type(err).__name__}: {err})", path=path,
                         expected=expected) from None
    missing = sorted({d for docs in task.candidates.values() for d in docs} - set(task.passages))
    unknown = sorted(set(task.candidates) - set(task.topics))
    if missing or unknown or not task.candidates:
        problem = (f"candidate {missing[0]} has no passage" if missing else
                   f"query {unknown[0]} has candidates but no topic" if unknown else "no candidates")
        raise InputError(problem, path=path, expected=expected)
    return task


def dev_score(model: Any, task: DevTask, precision: str = "fp32") -> float:
    """MRR@10 of `model` (a CrossEncoder) re-ranking the task's candidates, scored as `rerank` scores a test setting.

    The scores come from the transformers module inside the CrossEncoder, not from its own forward: in mixed
    precision the trainer wraps that forward in autocast, which would make the logit itself bfloat16 (and tie).
    The model's train/eval mode is kept.
    """
    from tokenizers import Tokenizer

    from csir_lib.evaluation.measures import evaluate
    from csir_lib.retrieval.rerank import score_pairs

    pairs = [(qid, docid) for qid, docs in task.candidates.items() for docid in docs]
    tokenizer = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())  # a copy: scoring sets truncation
    was_training = model.training
    model.eval()
    try:
        scores = score_pairs(tokenizer, model.model, [task.topics[q] for q, _ in pairs],
                             [task.passages[d] for _, d in pairs], model.max_seq_length,
                             progress=False, precision=precision)
    finally:
        model.train(was_training)
    run: dict[str, dict[str, float]] = {}
    for (qid, docid), score in zip(pairs, scores.tolist(), strict=True):
        run.setdefault(qid, {})[docid] = score
    return float(evaluate(task.qrels, run, [METRIC]).means[METRIC])


def curve_callback(task: DevTask, every: int, path: Path, resumed_from: int | None, precision: str = "fp32") -> Any:
    """A transformers TrainerCallback that appends (step, MRR@10) to `path` at step 0, every `every` steps and last."""
    from transformers.trainer_callback import TrainerCallback

    points = [p for p in read_step_csv(path) if resumed_from is not None and p[0] <= resumed_from]

    def record(step: int, model: Any) -> None:
        points.append((step, dev_score(model, task, precision)))
        write_text(path, step_csv(points, METRIC))

    class LearningCurve(TrainerCallback):
        """Scores the development task as training goes (main process only)."""

        def on_train_begin(self, args, state, control, model=None, **kwargs):  # noqa: D102
            if state.is_world_process_zero and not points:
                record(0, _cross_encoder(model))

        def on_step_end(self, args, state, control, model=None, **kwargs):  # noqa: D102
            step = state.global_step
            if state.is_world_process_zero and (step % every == 0 or step == state.max_steps) and \
                    all(s != step for s, _ in points):
                record(step, _cross_encoder(model))

    return LearningCurve()


def _cross_encoder(model: Any) -> Any:
    """The CrossEncoder inside what the trainer hands to callbacks (DDP wraps it in `.module`)."""
    return getattr(model, "module", model)


def curve_points(curves: Mapping[tuple[str, int], list[tuple[int, float]]]) -> list[dict[str, Any]]:
    """Long rows (system, seed, step, metric, value) of several curves."""
    return [{"system": system, "seed": seed, "step": step, "metric": METRIC, "value": value}
            for (system, seed), points in curves.items() for step, value in points]
