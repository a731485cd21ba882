"""The cross-encoder training spec (typed, frozen, validated), its YAML form for `csir train`, and the run folder.

Hand-written rather than pydantic or OmegaConf for the same reason as `csir_lib.core.config`: one small schema whose
errors name the file, the key and the legal values. A train config YAML holds exactly the `TrainSpec` fields:

    model_dir: .cache/models/<key>/multilingual-e5-small-L6   # a Hugging Face folder (encoder or cross-encoder)
    pairs: .cache/pairs/<key>/train.tsv                      # query TAB passage TAB label
    out_dir: .cache/cross-encoders/zero_shot-seed1           # final model in out_dir/model
    seed: 1
    steps: 150
    batch_size: 16
    ...

Relative paths are taken relative to the current working directory (the repository root in notebooks).

A training folder (out_dir) holds model/ (the final cross-encoder, published whole), loss.csv, training.json (the
stamp with the spec's cache key, written last) and, while training, .work/ (checkpoint-N folders and the key of the
spec that made them) and .lock.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import re
import shutil
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csir_lib.core.atomic import write_text
from csir_lib.core.config import SEED_MAX, check_value, range_of
from csir_lib.core.errors import InputError
from csir_lib.training.losses import LOSSES

log = logging.getLogger("csir_lib.training.trainer")

PRECISIONS = ("fp32", "fp16", "bf16")
FINAL = "model"
STAMP = "training.json"
LOSS_CSV = "loss.csv"
CURVE_CSV = "learning_curve.csv"  # (step, MRR@10 on the development task), when the spec has one
WORK = ".work"
ARROW = ".arrow"  # the pairs as a memory-mapped Arrow file while a training runs
WORK_KEY = "spec-key.txt"
CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
TRAIN_VERSION = 1  # bump when the training code changes what a spec produces


@dataclass(frozen=True)
class TrainSpec:
    """Everything that decides a trained cross-encoder (out_dir only says where it goes)."""

    model_dir: Path  # starting point: a Hugging Face folder; a classification head is added if absent
    pairs: Path  # training pairs, query TAB passage TAB label (0 or 1)
    out_dir: Path  # out_dir/model (final, safetensors), loss.csv, training.json; checkpoints in out_dir/.work
    seed: int = field(default=1, metadata=range_of(0, SEED_MAX))
    steps: int = field(default=100, metadata=range_of(1, 10**9))  # optimiser steps actually run (max_steps)
    batch_size: int = field(default=16, metadata=range_of(1, 65536))  # per device
    learning_rate: float = field(default=2e-5, metadata=range_of(0.0, 1.0))
    warmup_steps: int = field(default=0, metadata=range_of(0, 10**9))  # then linear decay to 0 at `steps`
    weight_decay: float = field(default=0.01, metadata=range_of(0.0, 1.0))
    precision: str = field(default="fp32", metadata={"choices": PRECISIONS})  # fp16 on GPU only
    checkpoint_every: int = field(default=50, metadata=range_of(1, 10**9))  # save_steps
    save_total_limit: int = field(default=2, metadata=range_of(1, 1000))  # checkpoints kept
    freeze_embeddings: bool = False  # freeze the word embeddings (most of an XLM-R-vocabulary model)
    max_length: int = field(default=512, metadata=range_of(8, 8192))  # tokens of query + passage, longest-first
    loss: str = field(default="bce", metadata={"choices": LOSSES})  # bce (the paper's) | group_softmax
    group_size: int = field(default=5, metadata=range_of(2, 1000))  # rows per question: 1 positive, N negatives
    dev_task: Path | None = None  # a development task JSON (csir_lib.training.learning_curve) scored while training
    eval_every: int = field(default=0, metadata=range_of(0, 10**9))  # steps between dev scores; 0: none

    def __post_init__(self) -> None:
        """Coerce paths and check every value's type and range (InputError without a file)."""
        for name in ("model_dir", "pairs", "out_dir", "dev_task"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, Path(getattr(self, name)))
        for f in dataclasses.fields(self):
            _check(f, getattr(self, f.name), None)
        if self.warmup_steps > self.steps:
            raise InputError(f"warmup_steps {self.warmup_steps} exceeds steps {self.steps}",
                             expected="warmup_steps <= steps")
        if self.loss == "group_softmax" and self.batch_size % self.group_size:
            raise InputError(f"batch_size {self.batch_size} is not a multiple of group_size {self.group_size}",
                             expected="whole question groups per batch with loss group_softmax")
        if (self.dev_task is None) != (self.eval_every == 0):
            raise InputError(f"dev_task {self.dev_task} with eval_every {self.eval_every}",
                             expected="both set (a learning curve) or neither")

    def to_dict(self) -> dict[str, Any]:
        """Plain data (paths as strings), the YAML form."""
        return {f.name: str(v) if isinstance(v := getattr(self, f.name), Path) else v
                for f in dataclasses.fields(self)}

    def cache_key(self) -> str:
        """A key over the training code version, the starting model's and the pairs' content and every number."""
        from csir_lib.core.cache import cache_key

        numbers = {k: v for k, v in self.to_dict().items() if k not in ("model_dir", "pairs", "out_dir", "dev_task")}
        dev = [] if self.dev_task is None else [self.dev_task]  # by content
        return cache_key("cross-encoder", TRAIN_VERSION, self.model_dir, self.pairs, numbers, *dev)


def _hint(f: dataclasses.Field) -> Any:
    """The declared type of a TrainSpec field (annotations are strings under `from __future__`)."""
    return typing.get_type_hints(TrainSpec)[f.name]


def _check(f: dataclasses.Field, value: Any, source: str | Path | None) -> Any:
    """Check one value against its field's type, range and choices; return it in the declared type."""
    hint = _hint(f)
    if value is None and type(None) in typing.get_args(hint):
        return None
    return check_value(hint, value, f, f.name, source)


def spec_from_dict(raw: Any, source: str | Path | None = None) -> TrainSpec:
    """A TrainSpec from a mapping with exactly its field names; errors name `source` and the key."""
    fields = {f.name: f for f in dataclasses.fields(TrainSpec)}
    valid = ", ".join(fields)
    if not isinstance(raw, dict):
        raise InputError(f"the config is a {type(raw).__name__}", path=source, expected=f"a mapping with keys {valid}")
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(map(str, unknown))}", path=source, expected=f"keys among {valid}")
    required = [f.name for f in fields.values() if f.default is dataclasses.MISSING]
    missing = [name for name in required if name not in raw]
    if missing:
        raise InputError(f"missing key(s) {', '.join(missing)}", path=source, expected=f"keys among {valid}")
    values = {name: _check(fields[name], value, source) for name, value in raw.items()}
    try:
        return TrainSpec(**values)
    except InputError as err:
        raise InputError(err.problem, path=source, expected=err.expected) from None


def load_train_spec(path: str | Path) -> TrainSpec:
    """Read a train config YAML holding exactly the TrainSpec fields."""
    from csir_lib.core.yaml_load import load_yaml

    path = Path(path)
    return spec_from_dict(load_yaml(path, "a YAML file with the TrainSpec keys"), path)


def write_train_spec(path: str | Path, spec: TrainSpec) -> Path:
    """Write `spec` as a train config YAML (atomically), readable by `load_train_spec`."""
    import yaml

    return write_text(path, yaml.safe_dump(spec.to_dict(), sort_keys=False, allow_unicode=True))


# ------------------------------------------------------------------ the layout of a training folder (out_dir)


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced."""

    model_dir: Path  # out_dir/model: the final cross-encoder, a Hugging Face folder with model.safetensors
    out_dir: Path
    loss_history: tuple[tuple[int, float], ...]  # (step, training loss of that step), every step from 1
    wall_seconds: float  # the whole call (model loading, training, saving); when cached, that of the run recorded
    steps_per_second: float  # optimiser steps run / seconds in the training loop (checkpoint saves included)
    global_step: int
    resumed_from: int | None  # the checkpoint step the (recorded) run resumed from
    cached: bool  # True when an identical finished run was found and nothing was trained
    curve: tuple[tuple[int, float], ...] = ()  # (step, MRR@10 on the development task), when the spec has one


def last_complete_checkpoint(work: Path) -> Path | None:
    """The highest checkpoint-N in `work` with a readable trainer_state.json; incomplete ones are deleted."""
    if not work.is_dir():
        return None
    found = sorted(((int(m.group(1)), p) for p in work.iterdir() if p.is_dir() and (m := CHECKPOINT.match(p.name))),
                   reverse=True)
    for step, folder in found:
        try:
            state = json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
            if state.get("global_step") == step:
                return folder
        except (OSError, ValueError):
            pass
        log.warning("deleting incomplete checkpoint %s (cut off while being written)", folder)
        shutil.rmtree(folder, ignore_errors=True)
    return None


def read_step_csv(path: Path) -> tuple[tuple[int, float], ...]:
    """The (step, value) rows of a loss.csv or learning_curve.csv; none when the file does not exist."""
    if not path.is_file():
        return ()
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    return tuple((int(step), float(value)) for step, value in rows[1:])


def step_csv(points: Sequence[tuple[int, float]], column: str = "loss") -> str:
    """(step, value) points as CSV text with a `step,<column>` header (values exact, as repr)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["step", column])
    writer.writerows((step, repr(value)) for step, value in points)
    return buf.getvalue()


def cached_result(spec: TrainSpec, key: str) -> TrainResult | None:
    """The result of a finished run of `spec` in spec.out_dir, or None when there is none."""
    stamp_path, final = spec.out_dir / STAMP, spec.out_dir / FINAL
    if not (stamp_path.is_file() and (final / "model.safetensors").is_file() and (spec.out_dir / LOSS_CSV).is_file()):
        return None
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if stamp.get("cache_key") != key:
        return None
    return TrainResult(final, spec.out_dir, read_step_csv(spec.out_dir / LOSS_CSV),
                       float(stamp.get("wall_seconds", 0.0)), float(stamp.get("steps_per_second", 0.0)),
                       int(stamp["global_step"]), stamp.get("resumed_from"), True,
                       read_step_csv(spec.out_dir / CURVE_CSV))


def prepare_work(spec: TrainSpec, key: str, restart: bool) -> Path:
    """out_dir/.work holding only checkpoints of this spec (wiped on `restart` or when made by another spec)."""
    work = spec.out_dir / WORK
    key_file = work / WORK_KEY
    stale = work.is_dir() and (not key_file.is_file() or key_file.read_text(encoding="utf-8").strip() != key)
    if restart or stale:
        if work.is_dir():
            log.warning("removing checkpoints in %s (%s)", work, "restart" if restart else "made by another spec")
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    write_text(key_file, key + "\n")
    return work
