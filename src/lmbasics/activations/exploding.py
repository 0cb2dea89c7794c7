"""Experiment 2: exploding gradients, and gradient clipping by norm.

- A long recurrent chain: digits read pixel by pixel (64 steps) by a tanh Elman RNN whose
  recurrent matrix is orthogonal times a gain. At initialisation we measure ‖∂L/∂h_t‖ for every
  t: with gain 1 it shrinks going back in time (tanh' ≤ 1), with a gain well above 1 it grows
  exponentially. Then the RNN at ``rnn_gain`` is trained with and without
  ``clip_grad_norm_`` (Pascanu et al. 2013).
- A deep ReLU MLP initialised at ``explode_init_scale`` times He init: ‖∂L/∂h_1‖ against
  ‖∂L/∂h_L‖ for the hidden layers' outputs (:func:`layer_gradient_norms`).

It does not do: LSTMs or GRUs (see ``lmbasics.encoders``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import torch
import torch.nn.functional as F

from lmbasics.activations.config import ExperimentConfig
from lmbasics.activations.data import Split
from lmbasics.activations.networks import DeepMLP, ElmanRNN
from lmbasics.activations.training import tensor_batcher, train_classifier

__all__ = ["hidden_gradient_norms", "layer_gradient_norms", "run_exploding"]


def layer_gradient_norms(model: DeepMLP, split: Split, batch: int = 256) -> list[float]:
    """‖∂L/∂h_l‖ for every hidden layer's output h_l of a plain (non-residual) DeepMLP.

    Unlike weight gradients, which scale as ‖∂L/∂h_l‖·‖h_(l-1)‖ and so stay level when every
    layer scales by the same factor, these show the backward product itself.
    """
    h = split.x_train[:batch]
    states = []
    for block in model.blocks:
        h = block(h)
        h.retain_grad()
        states.append(h)
    F.cross_entropy(model.classifier(h), split.y_train[:batch]).backward()
    norms = [float(state.grad.norm()) for state in states]
    model.zero_grad(set_to_none=True)
    return norms


def hidden_gradient_norms(model: ElmanRNN, split: Split, batch: int = 256) -> list[float]:
    """‖∂L/∂h_t‖ for t = 1..T at the model's current weights (one backward pass)."""
    logits = model(split.x_train[:batch], keep_states=True)
    F.cross_entropy(logits, split.y_train[:batch]).backward()
    norms = [float(state.grad.norm()) for state in model.states]
    model.zero_grad(set_to_none=True)
    model.states = []
    return norms


def run_exploding(
    config: ExperimentConfig, sequences: Split, digits: Split, progress=print
) -> dict[str, Any]:
    """Experiment 2 on pixel-sequence digits (RNN) and feature digits (deep MLP)."""
    through_time: dict[str, list[list[float]]] = {}
    for gain in config.rnn_gains:
        through_time[str(gain)] = []
        for seed in config.seeds:
            torch.manual_seed(seed)
            model = ElmanRNN(1, config.rnn_hidden, 10, "tanh", gain)
            through_time[str(gain)].append(hidden_gradient_norms(model, sequences))
    data = tensor_batcher(sequences)
    training: dict[str, list[dict[str, Any]]] = {}
    for label, clip in (("no clipping", None), (f"clip {config.clip_norm:g}", config.clip_norm)):
        training[label] = []
        for seed in config.seeds:
            torch.manual_seed(seed)
            model = ElmanRNN(1, config.rnn_hidden, 10, "tanh", config.rnn_gain)
            result = train_classifier(
                model, data, steps=config.rnn_steps, lr=config.rnn_lr,
                momentum=config.momentum, batch_size=config.batch_size, clip_norm=clip,
                seed=seed, log_every=config.log_every,
            )
            training[label].append(asdict(result))
        progress(f"exploding: RNN gain {config.rnn_gain} {label}: test accuracy "
                 f"{[r['test_accuracy'] for r in training[label]]}")
    mlp_ratios: dict[str, list[float]] = {}
    for depth in config.depths:
        mlp_ratios[str(depth)] = []
        for seed in config.seeds:
            torch.manual_seed(seed)
            model = DeepMLP(64, 10, config.width, depth, "relu", init=config.init,
                            init_scale=config.explode_init_scale)
            norms = layer_gradient_norms(model, digits)
            mlp_ratios[str(depth)].append(norms[0] / norms[-1])
    return {"through_time": through_time, "training": training, "mlp_ratio_at_init": mlp_ratios}
