"""One small training loop for every experiment: minibatch SGD with momentum, optional clipping.

Plain SGD on purpose: Adam divides each gradient by its running magnitude, which hides exactly
the vanishing and exploding gradients the experiments measure. A run is reproducible from its
``seed`` (initialisation and batch order) with one torch thread. A non-finite loss stops the
run and marks it diverged.

It does not do: schedules, early stopping, checkpoints.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.activations.data import Split, TextSplit
from lmbasics.activations.gradflow import GradientFlowRecorder

__all__ = ["Batcher", "Batches", "RunResult", "bag_batcher", "tensor_batcher", "train_classifier"]

# indices (B,), train? -> (model inputs, labels (B,))
Batcher = Callable[[torch.Tensor, bool], tuple[tuple[torch.Tensor, ...], torch.Tensor]]


class Batches(NamedTuple):
    """A data set as the training loop sees it: a batcher and the size of each split."""

    batch: Batcher
    n_train: int
    n_test: int


@dataclass
class RunResult:
    """What one training run measured."""

    steps: list[int] = field(default_factory=list)  # step at the end of each logging interval
    train_loss: list[float] = field(default_factory=list)  # mean loss over the interval
    grad_norm: list[float] = field(default_factory=list)  # mean total grad norm (before clipping)
    test_accuracy: float = math.nan
    train_accuracy: float = math.nan
    diverged: bool = False  # the loss became NaN or inf


def tensor_batcher(split: Split) -> Batches:
    """Batches over ``split``'s tensors."""

    def batch(indices: torch.Tensor, train: bool):
        if train:
            return (split.x_train[indices],), split.y_train[indices]
        return (split.x_test[indices],), split.y_test[indices]

    return Batches(batch, len(split.y_train), len(split.y_test))


def bag_batcher(split: TextSplit) -> Batches:
    """Batches for :class:`~lmbasics.activations.networks.BagOfWordsMLP`: (ids, offsets)."""

    def batch(indices: torch.Tensor, train: bool):
        sentences = split.train if train else split.test
        labels = split.y_train if train else split.y_test
        chosen = [sentences[i] for i in indices.tolist()]
        lengths = np.array([len(s) for s in chosen])
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        ids = torch.from_numpy(np.concatenate(chosen))
        return (ids, torch.from_numpy(offsets)), labels[indices]

    return Batches(batch, len(split.y_train), len(split.y_test))


@torch.no_grad()
def accuracy(model: nn.Module, batcher: Batcher, size: int, train: bool) -> float:
    """Accuracy over a whole split, in evaluation mode, 512 examples at a time."""
    was_training = model.training
    model.eval()
    correct = 0
    for start in range(0, size, 512):
        inputs, labels = batcher(torch.arange(start, min(size, start + 512)), train)
        correct += int((model(*inputs).argmax(dim=-1) == labels).sum())
    model.train(was_training)
    return correct / max(size, 1)


def train_classifier(
    model: nn.Module,
    data: Batches,
    *,
    steps: int,
    lr: float,
    momentum: float = 0.9,
    batch_size: int = 64,
    clip_norm: float | None = None,
    seed: int = 0,
    log_every: int = 10,
    recorder: GradientFlowRecorder | None = None,
    on_log: Callable[[int], None] | None = None,
    optimizer: str = "sgd",
) -> RunResult:
    """Train ``model`` with cross-entropy for ``steps`` minibatches of ``data``; return its curves.

    ``optimizer`` is ``"sgd"`` (with ``momentum``) or ``"adam"`` (betas 0.9, 0.999).
    ``clip_norm`` rescales the whole gradient to at most that norm (Pascanu et al. 2013).
    ``recorder.step()`` is called after every backward when a recorder is given;
    ``on_log(step)`` after every logging interval (to measure the model mid-training).
    """
    batcher, n_train, n_test = data
    generator = torch.Generator().manual_seed(seed)
    if optimizer not in ("sgd", "adam"):
        raise LmbasicsError(f"unknown optimizer {optimizer!r}; known: sgd, adam")
    opt = (
        torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        if optimizer == "sgd"
        else torch.optim.Adam(model.parameters(), lr=lr)
    )
    result = RunResult()
    losses: list[float] = []
    norms: list[float] = []
    order = torch.randperm(n_train, generator=generator)
    cursor = 0
    model.train()
    for step in range(1, steps + 1):
        if cursor + batch_size > n_train:
            order, cursor = torch.randperm(n_train, generator=generator), 0
        inputs, labels = batcher(order[cursor : cursor + batch_size], True)
        cursor += batch_size
        loss = F.cross_entropy(model(*inputs), labels)
        if not torch.isfinite(loss):
            result.diverged = True
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if recorder is not None:
            recorder.step()
        max_norm = clip_norm if clip_norm is not None else math.inf
        total = float(nn.utils.clip_grad_norm_(model.parameters(), max_norm))
        opt.step()
        losses.append(loss.item())
        norms.append(total)
        if step % log_every == 0 or step == steps:
            result.steps.append(step)
            result.train_loss.append(float(np.mean(losses)))
            result.grad_norm.append(float(np.mean(norms)))
            losses, norms = [], []
            if on_log is not None:
                on_log(step)
    if result.diverged or not all(torch.isfinite(p).all() for p in model.parameters()):
        result.diverged = True
        return result
    result.test_accuracy = accuracy(model, batcher, n_test, train=False)
    result.train_accuracy = accuracy(model, batcher, n_train, train=True)
    return result
