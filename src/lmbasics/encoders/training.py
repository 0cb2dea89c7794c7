"""The one training loop every family and task uses: same optimiser, schedule and steps.

AdamW (Loshchilov & Hutter 2019), linear warm-up then linear decay to zero, gradient clipping
at norm 1. A task supplies ``batch_loss(indices) -> scalar loss``; the loop owns order, steps,
schedule and seeding. Deterministic for a seed and a thread count on CPU.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

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
    batch_loss: Callable[[np.ndarray], torch.Tensor],
    num_examples: int,
    config: TrainConfig,
    rng: np.random.Generator,
) -> list[float]:
    """Run ``config.steps`` updates on batches of example indices; return the losses."""
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    model.train()
    losses: list[float] = []
    order = batches(num_examples, config.batch_size, rng)
    for step in range(config.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step, config)
        loss = batch_loss(next(order))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
        optimizer.step()
        losses.append(float(loss.detach()))
    model.eval()
    return losses
