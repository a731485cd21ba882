"""Training losses of a one-logit cross-encoder, and the loss a model that learned nothing scores.

`bce` is the paper's binary cross-entropy over independent (query, passage, label) pairs. `group_softmax` is a
softmax cross-entropy over each question's group of 1 positive and N negatives (the rows of a pairs file are
written in such groups, positive first): the loss of a listwise re-ranker. It is the offline profiles' choice
because on a few thousand pairs binary cross-entropy first fits the label prior (a constant logit scores 0.500 at
1:4) and sits there for hundreds of steps before it ranks, while a group softmax has no such plateau (issue 12's
measurements: ML-CS 0.137 after 1,000 BCE steps, 0.411 of ln 5 after 300 group steps, with equal MRR@10).

Written here because sentence-transformers' listwise losses (ListNet, ListMLE, ...) take one row per query with a
list of passages, while our pairs files (and the paper's MS MARCO triples) hold one row per pair.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from csir_lib.core.errors import InputError

if TYPE_CHECKING:
    from torch import Tensor

LOSSES = ("bce", "group_softmax")


def reference_loss(loss: str, group_size: int) -> float:
    """The loss of a model that learned only the label prior: 1 positive in `group_size` pairs."""
    if group_size < 2:
        raise InputError(f"group_size {group_size}", expected="at least 2 (one positive, one negative or more)")
    if loss == "bce":
        prior = 1.0 / group_size
        return -(prior * math.log(prior) + (1.0 - prior) * math.log(1.0 - prior))
    if loss == "group_softmax":
        return math.log(group_size)
    raise InputError(f"unknown loss {loss!r}", expected=f"one of {', '.join(LOSSES)}")


def group_softmax(logits: Tensor, labels: Tensor, group_size: int) -> Tensor:
    """Mean over consecutive groups of `group_size` rows of -log softmax probability mass on the positives."""
    import torch

    logits, labels = logits.view(-1), labels.view(-1).to(logits.dtype)
    if logits.numel() % group_size:
        raise InputError(f"a batch of {logits.numel()} pairs", expected=f"whole groups of {group_size} pairs")
    logits, labels = logits.view(-1, group_size), labels.view(-1, group_size)
    positives = labels.sum(dim=1)
    if bool((positives <= 0).any()):
        raise InputError("a group without a positive pair", expected="groups of 1 positive then negatives")
    log_p = torch.log_softmax(logits, dim=1)
    return (-(labels * log_p).sum(dim=1) / positives).mean()


def make_loss(name: str, model: Any, group_size: int) -> Any:
    """The sentence-transformers loss module `name` for `model` (a one-logit CrossEncoder)."""
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from sentence_transformers.util import batch_to_device

    if name == "bce":
        return BinaryCrossEntropyLoss(model)
    if name != "group_softmax":
        raise InputError(f"unknown loss {name!r}", expected=f"one of {', '.join(LOSSES)}")

    class GroupSoftmaxLoss(BinaryCrossEntropyLoss):
        """Softmax cross-entropy over each question's consecutive group of pairs (see the module docstring)."""

        def forward(self, inputs: list[list[str]], labels: Tensor, prompt: str | None = None,
                    task: str | None = None) -> Tensor:  # noqa: D102
            features = self.model.preprocess(list(zip(inputs[0], inputs[1], strict=True)), prompt=prompt, task=task)
            logits = self.model(batch_to_device(features, self.model.device))["scores"].view(-1)
            return group_softmax(logits, labels, group_size)

        def get_config_dict(self) -> dict[str, Any]:  # noqa: D102
            return {"group_size": group_size}

    return GroupSoftmaxLoss(model)
