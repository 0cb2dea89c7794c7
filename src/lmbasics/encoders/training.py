"""The one training loop every family and task uses: same optimiser, schedule and steps.

AdamW (Loshchilov & Hutter 2019), linear warm-up then linear decay to zero, gradient clipping
at norm 1. A task supplies ``batch_loss(model, indices) -> scalar loss``, a mean over the
examples' loss terms, computed by calling ``model`` (the loop may hand it the model wrapped for
data parallelism); the loop owns order, steps, schedule and seeding. Deterministic for a seed and
a thread count on CPU. Under torchrun the same loop trains data-parallel with the same global
batches (:mod:`lmbasics.encoders.distributed`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from lmbasics.encoders import distributed
from lmbasics.encoders.data import batches


@dataclass
class TrainConfig:
    """Optimisation settings, held equal across families."""

    steps: int = 1000  # optimiser updates
    batch_size: int = 32  # examples per update
    learning_rate: float = 1e-3  # peak AdamW learning rate
    warmup_steps: int = 100  # linear warm-up from 0 to the peak
    weight_decay: float = 0.01  # AdamW decoupled weight decay
    clip_norm: float = 1.0  # gradient-norm clipping

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and PyTorch; return a NumPy generator for data order."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def learning_rate_at(step: int, config: TrainConfig) -> float:
    """Warm-up to the peak over ``warmup_steps``, then linear decay to 0 at ``steps``."""
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    remaining = max(config.steps - config.warmup_steps, 1)
    return config.learning_rate * max(0.0, 1 - (step - config.warmup_steps) / remaining)


def train(
    model: nn.Module,
    batch_loss: Callable[[nn.Module, np.ndarray], torch.Tensor],
    num_examples: int,
    config: TrainConfig,
    rng: np.random.Generator,
    loss_terms: Callable[[np.ndarray], int] | None = None,
) -> list[float]:
    """Run ``config.steps`` updates on batches of example indices; return the losses.

    ``loss_terms(indices)``: how many terms the loss of those examples averages over (target
    tokens for a token-level loss; one per example when not given). Only data-parallel runs use
    it, to weight each process's mean by its share of the global batch.
    """
    current = distributed.world()
    terms = loss_terms or len
    module = model
    if current.size > 1:
        distributed.check_batch(config.batch_size, num_examples, current)
        module = distributed.wrap(model.to(current.device), current)
        distributed.reseed_dropout(current)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    model.train()
    losses: list[float] = []
    order = batches(num_examples, config.batch_size, rng)
    for step in range(config.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step, config)
        index = next(order)
        local = distributed.shard(index, current)
        loss = batch_loss(module, local)
        optimizer.zero_grad(set_to_none=True)
        if current.size == 1:
            loss.backward()
            losses.append(float(loss.detach()))
        else:
            local_terms, global_terms = terms(local), terms(index)
            (loss * distributed.loss_scale(local_terms, global_terms, current)).backward()
            losses.append(distributed.global_mean(loss, local_terms, global_terms))
        nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
        optimizer.step()
    model.eval()
    return losses
