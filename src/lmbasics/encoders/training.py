"""The one training loop every family and task uses: same optimiser, schedule and ceiling.

AdamW (Loshchilov & Hutter 2019), linear warm-up then linear decay to zero, gradient clipping
at norm 1. A task supplies ``batch_loss(model, indices) -> scalar loss``, a mean over the
examples' loss terms, computed by calling ``model`` (the loop may hand it the model wrapped for
data parallelism); the loop owns order, steps, schedule and seeding. Deterministic for a seed and
a thread count on CPU. Under torchrun the same loop trains data-parallel with the same global
batches (:mod:`lmbasics.encoders.distributed`).

:func:`fit` trains to a plateau: with a token ceiling (``max_tokens``) the decay ends there, the
model is scored on validation data every ``eval_tokens`` training tokens, the run stops once
``patience`` scores in a row bring no new best (and not before ``min_tokens``: models that sit at
the majority class for a while before they learn are not at a plateau), and the best weights by
validation are restored (early stopping as in Prechelt 1998). Every family on an axis sees the
same batches for a seed, so a ceiling in tokens is the same for all of them. :func:`train` is
the fixed-step loop.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from lmbasics.encoders import distributed
from lmbasics.encoders.data import batches


@dataclass
class TrainConfig:
    """Optimisation settings, held equal across families (the learning rate and warm-up are
    chosen per family from a grid declared in the budget, :mod:`lmbasics.encoders.tuning`)."""

    steps: int = 1000  # optimiser updates (used when max_tokens is 0)
    batch_size: int = 32  # examples per update
    learning_rate: float = 1e-3  # peak AdamW learning rate
    warmup_steps: int = 100  # linear warm-up from 0 to the peak
    weight_decay: float = 0.01  # AdamW decoupled weight decay
    clip_norm: float = 1.0  # gradient-norm clipping
    max_tokens: int = 0  # ceiling of training tokens seen, replaces `steps` when > 0
    eval_tokens: int = 0  # score on validation every this many training tokens (0: at the end)
    patience: int = 0  # stop after this many scores without a new best (0: run to the ceiling)
    min_tokens: int = 0  # never stop early before this many tokens (a slow start is no plateau)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class Fit:
    """What one run of :func:`fit` did: losses, the validation curve, why it stopped."""

    losses: list[float] = field(default_factory=list)  # training loss of every step
    curve: list[list[float]] = field(default_factory=list)  # [tokens seen, training s, score]
    best_score: float = -math.inf  # best validation score (the restored weights')
    best_tokens: int = 0  # tokens seen when it was reached
    tokens: int = 0  # training tokens seen in all
    steps: int = 0  # optimiser updates made
    stopped: str = "ceiling"  # "ceiling" (tokens or steps) or "plateau" (patience ran out)

    def summary(self) -> dict[str, Any]:
        """JSON-ready, without the per-step losses."""
        return {
            "validation": self.best_score,
            "best_tokens": self.best_tokens,
            "tokens": self.tokens,
            "steps": self.steps,
            "stopped": self.stopped,
            "last_loss": self.losses[-1] if self.losses else math.nan,
            "curve": self.curve,
        }


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and PyTorch; return a NumPy generator for data order."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def learning_rate_at(step: int, config: TrainConfig, tokens: int = 0, warm_tokens: int = 0) -> float:
    """Warm-up to the peak over ``warmup_steps``, then linear decay to 0 at ``steps`` or, with
    a token ceiling, at ``max_tokens`` (``warm_tokens``: tokens seen when warm-up ended)."""
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    if config.max_tokens > 0:
        remaining = max(config.max_tokens - warm_tokens, 1)
        return config.learning_rate * max(0.0, 1 - (tokens - warm_tokens) / remaining)
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
    """Run ``config.steps`` updates (or up to ``max_tokens`` examples) on batches of example
    indices, no validation; return the losses.

    ``loss_terms(indices)``: how many terms the loss of those examples averages over (target
    tokens for a token-level loss; one per example when not given). Only data-parallel runs use
    it, to weight each process's mean by its share of the global batch.
    """
    return fit(model, batch_loss, num_examples, config, rng, loss_terms=loss_terms).losses


def fit(
    model: nn.Module,
    batch_loss: Callable[[nn.Module, np.ndarray], torch.Tensor],
    num_examples: int,
    config: TrainConfig,
    rng: np.random.Generator,
    validate: Callable[[nn.Module], float] | None = None,
    example_tokens: np.ndarray | None = None,
    loss_terms: Callable[[np.ndarray], int] | None = None,
) -> Fit:
    """Train to the ceiling or to a plateau of ``validate(model)`` (higher is better, called in
    eval mode without gradients); restore the best weights by validation; return the record.

    ``example_tokens``: Int[num_examples], the tokens of each training example (tokens seen,
    the ceiling and the validation interval count them); one per example when not given.
    Without ``validate`` this is the fixed schedule of :func:`train`.
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
    sizes = np.ones(num_examples, dtype=np.int64) if example_tokens is None else np.asarray(example_tokens)
    model.train()
    result = Fit()
    best_state: dict[str, torch.Tensor] | None = None
    seconds, warm_tokens, next_score, waited = 0.0, 0, config.eval_tokens, 0
    order = batches(num_examples, config.batch_size, rng)
    while not _at_ceiling(result, config):
        start = time.perf_counter()
        if result.steps == config.warmup_steps:
            warm_tokens = result.tokens
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(result.steps, config, result.tokens, warm_tokens)
        index = next(order)
        local = distributed.shard(index, current)
        loss = batch_loss(module, local)
        optimizer.zero_grad(set_to_none=True)
        if current.size == 1:
            loss.backward()
            result.losses.append(float(loss.detach()))
        else:
            local_terms, global_terms = terms(local), terms(index)
            (loss * distributed.loss_scale(local_terms, global_terms, current)).backward()
            result.losses.append(distributed.global_mean(loss, local_terms, global_terms))
        nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
        optimizer.step()
        result.steps += 1
        result.tokens += int(sizes[index].sum())
        seconds += time.perf_counter() - start
        if validate is None or config.eval_tokens <= 0 or result.tokens < next_score:
            continue
        while next_score <= result.tokens:
            next_score += config.eval_tokens
        if _score(model, validate, result, seconds):
            best_state, waited = _copy(model), 0
        else:
            waited += 1
            if 0 < config.patience <= waited and result.tokens >= config.min_tokens:
                result.stopped = "plateau"
                break
    if validate is not None:
        unscored = not result.curve or result.curve[-1][0] != result.tokens  # the last weights
        if unscored and _score(model, validate, result, seconds):
            best_state = _copy(model)
        if best_state is not None:
            model.load_state_dict(best_state)
    model.eval()
    return result


def _at_ceiling(result: Fit, config: TrainConfig) -> bool:
    if config.max_tokens > 0:
        return result.tokens >= config.max_tokens
    return result.steps >= config.steps


def _score(model: nn.Module, validate: Callable[[nn.Module], float], result: Fit, seconds: float) -> bool:
    """Score the current weights, add the point to the curve; True if it is a new best (a NaN
    score, from weights that diverged, never is)."""
    model.eval()
    with torch.no_grad():
        score = float(validate(model))
    model.train()
    result.curve.append([result.tokens, seconds, score])
    if not score > result.best_score:
        return False
    result.best_score, result.best_tokens = score, result.tokens
    return True


def _copy(model: nn.Module) -> dict[str, torch.Tensor]:
    """The weights, detached from training (the best checkpoint is kept in memory)."""
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
