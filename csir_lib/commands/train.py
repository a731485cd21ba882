"""`python -m csir_lib train --config CONFIG.yaml`: train one cross-encoder, resuming from its last checkpoint.

The YAML holds exactly the fields of `csir_lib.training.spec.TrainSpec` (model_dir, pairs, out_dir, seed, steps,
batch_size, learning_rate, warmup_steps, weight_decay, precision, checkpoint_every, save_total_limit,
freeze_embeddings, max_length). Resuming is the default: a run that finds complete checkpoints of the same spec in
out_dir/.work continues from the last one (`--resume` says so explicitly and is kept for the documented command
line); `--restart` deletes them and the final model and trains from scratch. A finished run of the same spec is
returned at once. On several GPUs, unchanged:

    accelerate launch --multi_gpu --num_processes 4 -m csir_lib train --config CONFIG.yaml
"""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `train` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train a cross-encoder (binary cross-entropy) from a YAML config",
        description="Train a cross-encoder on query TAB passage TAB label pairs. The final model goes to "
        "OUT_DIR/model (safetensors), the loss per step to OUT_DIR/loss.csv, a stamp to OUT_DIR/training.json. "
        "Works under `accelerate launch -m csir_lib train ...` for several GPUs.",
    )
    parser.add_argument("--config", required=True, help="YAML with exactly the TrainSpec keys")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true",
                      help="resume from the last complete checkpoint (the default; kept for explicitness)")
    mode.add_argument("--restart", action="store_true", help="delete checkpoints and the final model, start over")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    """Train, then print one JSON line: where the model is, steps, whether it resumed or was cached, speed."""
    import json
    import logging
    import os

    from csir_lib.training.spec import load_train_spec
    from csir_lib.training.trainer import train_cross_encoder

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    spec = load_train_spec(args.config)
    result = train_cross_encoder(spec, restart=args.restart, progress=not args.quiet)
    summary = {
        "model_dir": str(result.model_dir), "global_step": result.global_step,
        "resumed_from": result.resumed_from, "cached": result.cached,
        "final_loss": result.loss_history[-1][1] if result.loss_history else None,
        "wall_seconds": round(result.wall_seconds, 2), "steps_per_second": round(result.steps_per_second, 3),
        "processes": int(os.environ.get("WORLD_SIZE", "1")),
    }
    if os.environ.get("RANK", "0") == "0":  # one summary under torchrun / accelerate launch
        print(json.dumps(summary))
    return 0
