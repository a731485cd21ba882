"""Train a cross-encoder (one logit; binary cross-entropy or a group softmax) with sentence-transformers' trainer.

The library does the loop, AdamW, the warm-up plus linear schedule (sized to the steps actually run: the rate
reaches 0 at the last step, unlike the paper's code which schedules 312.5k steps and stops at 200k), fp16/bf16,
checkpoints, resume and multi-GPU through accelerate. Three things are written here because the library leaves
them open:

- Data order. Its default sampler seeds one generator per run and never reseeds it per epoch, and transformers 5
  does not replay past epochs on resume, so a run resumed after its first epoch would see other batches. The
  order is therefore fixed up front: seeded permutations of the pairs (of whole question groups for the group
  softmax, `csir_lib.training.losses`), one per epoch, cut to exactly steps x batch_size x processes rows and read
  sequentially. Same seed, same batches, resumed or not, so on CPU
  the same seed gives the same final weights, byte for byte, interrupted or not (no `use_deterministic_algorithms`
  needed; on GPU cuDNN/cuBLAS kernels may still differ in the last bits).
- Checkpoint trust. transformers writes checkpoint-N in place and its trainer_state.json last, so a checkpoint
  without a readable trainer_state.json was cut off by a kill: it is deleted, and training resumes from the last
  complete one. Checkpoints live in out_dir/.work with the spec's cache key; those of another spec are wiped.
- Publication. The final model is saved to a temporary folder and renamed to out_dir/model when complete, then
  loss.csv, then the training.json stamp last; a rerun with a matching stamp returns without training. A lock
  (out_dir/.lock) keeps a second training of the same folder out while one runs.

Pickle: the final folder holds model.safetensors and JSON only. Checkpoints inside out_dir/.work also hold
transformers' trainer state (optimizer.pt, scheduler.pt, rng_state.pth, training_args.bin), which transformers
writes with torch.save; they are our own files, deleted once the final model is published.

Multi-GPU, no code change (run from the repository root):

    accelerate launch --multi_gpu --num_processes 4 -m csir_lib train --config CONFIG.yaml

(or `torchrun --nproc_per_node 4 -m csir_lib train --config CONFIG.yaml`); batch_size is per device, each process
reads its own share of the fixed order, and only the main process publishes. Checked here on CPU with
`torchrun --nproc_per_node 2` (gloo), killed and resumed; DDP needs ddp_find_unused_parameters=False with this
trainer (transformers' default makes DDP mark the classifier's bias ready twice and stop).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from csir_lib.core.atomic import atomic_dir, write_json, write_text
from csir_lib.core.errors import InputError
from csir_lib.core.faults import checkpoint_failpoint
from csir_lib.core.io_checks import input_file, output_folder
from csir_lib.core.locks import exclusive_lock
from csir_lib.data.formats import iter_pairs
from csir_lib.models.encoder import check_positions, load_check
from csir_lib.training.learning_curve import METRIC, curve_callback, read_dev_task
from csir_lib.training.losses import make_loss
from csir_lib.training.spec import (
    ARROW,
    CHECKPOINT,
    CURVE_CSV,
    FINAL,
    LOSS_CSV,
    STAMP,
    WORK,
    TrainResult,
    TrainSpec,
    cached_result,
    last_complete_checkpoint,
    prepare_work,
    read_step_csv,
    step_csv,
)

log = logging.getLogger(__name__)

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


def sequential_batches(dataset: Any, **kwargs: Any) -> Any:
    """A batch sampler reading `dataset` in order (the order is fixed by `training_order`)."""
    from sentence_transformers.base.sampler import DefaultBatchSampler
    from torch.utils.data import SequentialSampler

    return DefaultBatchSampler(SequentialSampler(dataset), **kwargs)


def training_order(n_pairs: int, rows: int, seed: int, group: int = 1) -> list[int]:
    """Row indices: seeded permutations of range(n_pairs) in blocks of `group` rows, one per epoch, cut to `rows`."""
    import numpy as np

    rng = np.random.default_rng(seed)
    blocks = n_pairs // group
    epochs = -(-rows // (blocks * group))
    order = np.concatenate([rng.permutation(blocks) for _ in range(epochs)])
    return (order[:, None] * group + np.arange(group)).reshape(-1)[:rows].tolist()


def _pair_rows(path: str, identity: str, group: int = 1) -> Any:
    """Rows of a pairs file for `Dataset.from_generator` (`identity` keys its Arrow cache to the file's content).

    With `group` > 1 the file must hold groups of one positive then `group` - 1 negatives.
    """
    line = 0
    for line, (query, passage, label) in enumerate(iter_pairs(path), start=1):
        if group > 1 and label != ((line - 1) % group == 0):
            raise InputError(f"label {label} where a group of {group} pairs expects {int((line - 1) % group == 0)}",
                             path=path, line=line, expected=f"groups of 1 positive then {group - 1} negatives")
        yield {"query": query, "passage": passage, "label": float(label)}
    if group > 1 and line % group:
        raise InputError(f"{line} pairs, not a whole number of groups of {group}", path=path, line=line,
                         expected=f"groups of 1 positive then {group - 1} negatives")


def read_pairs_dataset(path: Path, order_rows: int, seed: int, arrow_dir: Path | None = None, group: int = 1) -> Any:
    """The pairs file as a `datasets.Dataset` (query, passage, label float) in the run's fixed order.

    The rows are streamed into a memory-mapped Arrow file under `arrow_dir` (the out_dir's `.arrow`), so a
    20M-pair MS MARCO file never sits in RAM (as Python lists it would take about 50 GB).
    """
    import datasets
    import numpy as np
    from datasets import Dataset, Features, Value

    features = Features({"query": Value("string"), "passage": Value("string"), "label": Value("float64")})
    identity = f"{Path(path).resolve()}:{Path(path).stat().st_size}:{Path(path).stat().st_mtime_ns}"
    was_enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # our own bar is the trainer's; "Generating train split" is noise
    try:
        data = Dataset.from_generator(_pair_rows, features=features, cache_dir=str(arrow_dir) if arrow_dir else None,
                                      gen_kwargs={"path": str(path), "identity": identity, "group": group})
    except Exception as err:  # datasets wraps the reader's InputError in DatasetGenerationError
        cause = err
        while cause is not None and not isinstance(cause, InputError):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        raise cause from None
    finally:
        if was_enabled:
            datasets.enable_progress_bars()
    return data.select(np.asarray(training_order(len(data), order_rows, seed, group)))


def _publish(model: Any, spec: TrainSpec, key: str, history: list[tuple[int, float]], curve: list[tuple[int, float]],
             info: dict) -> Path:
    """Save the final model to out_dir/model atomically, then loss.csv (and the curve), then the training.json stamp."""
    final = spec.out_dir / FINAL
    with atomic_dir(final) as tmp:
        model.save_pretrained(str(tmp), create_model_card=False, safe_serialization=True)
        pickled = sorted(p.name for p in tmp.rglob("*") if p.suffix in PICKLE_SUFFIXES)
        if pickled or not (tmp / "model.safetensors").is_file():
            raise RuntimeError(f"final model must be safetensors only; found {pickled or 'no model.safetensors'}")
        for path in [tmp, *tmp.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)  # temporary folders and files start private
    write_text(spec.out_dir / LOSS_CSV, step_csv(history))
    if spec.dev_task is not None:
        write_text(spec.out_dir / CURVE_CSV, step_csv(curve, METRIC))
    write_json(spec.out_dir / STAMP, {"cache_key": key, "spec": spec.to_dict(), "versions": _versions(), **info})
    return final


def _versions() -> dict[str, str]:
    """Versions of the libraries that trained the model, for the stamp."""
    from importlib.metadata import version

    return {name: version(name) for name in ("torch", "transformers", "sentence-transformers", "accelerate")}


def _loss_history(log_history: list[dict]) -> list[tuple[int, float]]:
    """(step, loss) pairs of the trainer's log, one per logged step."""
    return [(int(e["step"]), float(e["loss"])) for e in log_history if "loss" in e and "step" in e]


def _precision_flags(precision: str) -> dict[str, bool]:
    """TrainingArguments flags for `precision`: bf16 autocast on a GPU or a CPU; fp16 needs a GPU (else fp32)."""
    import torch

    if precision == "fp32":
        return {}
    if precision == "fp16" and not torch.cuda.is_available():
        log.warning("precision fp16 needs a GPU; training in fp32 on CPU")
        return {}
    return {precision: True}


def _quiet_progress() -> Any:
    """The Trainer's progress bar with the latest loss in the bar instead of one printed line per log."""
    from transformers.trainer_callback import ProgressCallback

    class QuietProgress(ProgressCallback):
        """A progress bar that shows the loss as a postfix."""

        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: D102
            if state.is_world_process_zero and self.training_bar is not None and logs and "loss" in logs:
                self.training_bar.set_postfix(loss=f"{float(logs['loss']):.4f}", refresh=False)

    return QuietProgress()


def load_cross_encoder(spec: TrainSpec) -> Any:
    """A CrossEncoder (one logit) from spec.model_dir, a new head seeded by spec.seed, word embeddings frozen if asked.

    transformers reports a missing classification head at warning level; for an encoder without one that is the
    point of loading it, so the report is silenced (a size mismatch or a conversion error still raises).
    """
    import transformers
    from sentence_transformers.cross_encoder import CrossEncoder

    transformers.set_seed(spec.seed)  # the classification head is drawn when the model loads
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # its load report lists the new head as MISSING, by the absolute path
    try:
        model = CrossEncoder(str(spec.model_dir), num_labels=1, max_length=spec.max_length, local_files_only=True)
    finally:
        transformers.logging.set_verbosity(verbosity)
    if spec.freeze_embeddings:
        model.model.get_input_embeddings().weight.requires_grad_(False)  # model.model.<base>.embeddings.word_embeddings
    return model


def _exclusive(out_dir: Path, main_process: bool) -> contextlib.AbstractContextManager[None]:
    """Hold out_dir/.lock so that two trainings never write the same folder at once (main process only)."""
    return exclusive_lock(out_dir, "training") if main_process else contextlib.nullcontext()


def train_cross_encoder(spec: TrainSpec, *, restart: bool = False, progress: bool = True,
                        callbacks: Sequence[Any] = ()) -> TrainResult:
    """Train (or resume, or return the cached result of) the cross-encoder `spec` describes."""
    start = time.perf_counter()
    load_check(spec.model_dir)
    check_positions(spec.model_dir, spec.max_length)
    if not spec.pairs.exists():
        raise InputError("pairs file not found", path=spec.pairs, expected="query<TAB>passage<TAB>label lines")
    input_file(spec.pairs, "query<TAB>passage<TAB>label lines")
    output_folder(spec.out_dir, [spec.model_dir, spec.pairs], (FINAL, LOSS_CSV, STAMP, WORK, ARROW, ".lock"))
    before = set(os.listdir(spec.out_dir)) if spec.out_dir.is_dir() else None
    try:
        with _exclusive(spec.out_dir, int(os.environ.get("RANK", "0")) == 0):
            return _train(spec, restart, progress, callbacks, start)
    except InputError as err:  # bad pairs found while reading: leave out_dir as it was
        if "is writing this folder" not in err.problem:
            _remove_new(spec.out_dir, before)
        raise


def _remove_new(folder: Path, before: set[str] | None) -> None:
    """Remove what a refused training created in `folder` (all of it when the folder itself was new)."""
    if before is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for name in set(os.listdir(folder)) - before if folder.is_dir() else ():
        target = folder / name
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)


def _train(spec: TrainSpec, restart: bool, progress: bool, callbacks: Sequence[Any], start: float) -> TrainResult:
    """train_cross_encoder after the input checks, inside the out_dir lock."""
    key = spec.cache_key()
    if not restart and (done := cached_result(spec, key)) is not None:
        log.info("cached: %s already holds this training (key %s)", done.model_dir, key)
        return done
    if restart:
        shutil.rmtree(spec.out_dir / FINAL, ignore_errors=True)
        (spec.out_dir / STAMP).unlink(missing_ok=True)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    main_process = int(os.environ.get("RANK", "0")) == 0
    group = spec.group_size if spec.loss == "group_softmax" else 1
    dataset = read_pairs_dataset(spec.pairs, spec.steps * spec.batch_size * world, spec.seed, spec.out_dir / ARROW,
                                 group)
    work = prepare_work(spec, key, restart) if main_process else spec.out_dir / WORK
    resume = last_complete_checkpoint(work) if main_process else None
    if world > 1:  # every process must resume from the checkpoint the main process chose
        from accelerate.utils import broadcast_object_list

        resume = broadcast_object_list([resume])[0]
    resumed_from = int(CHECKPOINT.match(resume.name).group(1)) if resume else None
    if spec.dev_task is not None:
        callbacks = [*callbacks, curve_callback(read_dev_task(spec.dev_task), spec.eval_every, work / CURVE_CSV,
                                                resumed_from, "bf16" if spec.precision == "bf16" else "fp32")]
    trainer = _trainer(spec, load_cross_encoder(spec), dataset, work, progress, callbacks)
    if resume:
        log.warning("resuming from %s (step %d of %d)", resume, resumed_from, spec.steps)
    loop_start = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    loop_seconds = time.perf_counter() - loop_start
    steps_run = trainer.state.global_step - (resumed_from or 0)
    history = _loss_history(trainer.state.log_history)
    info = {"global_step": trainer.state.global_step, "resumed_from": resumed_from,
            "steps_per_second": steps_run / loop_seconds if loop_seconds > 0 else 0.0}
    final = spec.out_dir / FINAL
    if trainer.is_world_process_zero():
        info["wall_seconds"] = time.perf_counter() - start
        curve = list(read_step_csv(work / CURVE_CSV))
        final = _publish(trainer.model, spec, key, history, curve, info)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(spec.out_dir / ARROW, ignore_errors=True)
    return TrainResult(final, spec.out_dir, tuple(history), time.perf_counter() - start, info["steps_per_second"],
                       trainer.state.global_step, resumed_from, False,
                       read_step_csv(spec.out_dir / CURVE_CSV) if spec.dev_task is not None else ())


def _trainer(spec: TrainSpec, model: Any, dataset: Any, work: Path, progress: bool, callbacks: Sequence[Any]) -> Any:
    """A CrossEncoderTrainer with the spec's loss and schedule and checkpoints in `work`."""
    import torch
    from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    args = CrossEncoderTrainingArguments(
        output_dir=str(work), max_steps=spec.steps, per_device_train_batch_size=spec.batch_size,
        learning_rate=spec.learning_rate, warmup_steps=spec.warmup_steps, weight_decay=spec.weight_decay,
        lr_scheduler_type="linear", seed=spec.seed, save_strategy="steps",
        save_steps=spec.checkpoint_every, save_total_limit=spec.save_total_limit, logging_steps=1,
        report_to="none", dataloader_num_workers=0, dataloader_drop_last=False, batch_sampler=sequential_batches,
        dataloader_pin_memory=torch.cuda.is_available(), use_cpu=not torch.cuda.is_available(),  # CPU DDP: gloo
        ddp_find_unused_parameters=False,  # every trainable parameter is used; True breaks DDP here ("ready twice")
        disable_tqdm=not progress, **_precision_flags(spec.precision),
    )
    trainer = CrossEncoderTrainer(model=model, args=args, train_dataset=dataset,
                                  loss=make_loss(spec.loss, model, spec.group_size), callbacks=list(callbacks))
    trainer.add_callback(checkpoint_failpoint("train"))  # kill tests: no-op unless CSIR_FAILPOINT names it
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    if progress:
        trainer.add_callback(_quiet_progress())
    return trainer
