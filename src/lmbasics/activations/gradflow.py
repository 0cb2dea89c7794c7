"""Gradient-flow diagnostics for any PyTorch model: hooks that record, per layer and per step,
the weight-gradient norm and the activations' mean, std, saturated, dead and inactive fractions.

Usage on your own model (a few lines)::

    recorder = GradientFlowRecorder(model)
    for inputs, targets in batches:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        recorder.step()                       # one record: this step's norms and statistics
        optimizer.step(); optimizer.zero_grad()
    recorder.remove()
    plot_gradient_flow(recorder.history, "gradflow.png")

Definitions (per activation module, over the last forward call before :meth:`step`; units are
the entries along ``unit_dim``, every other dimension counts as examples):

- *saturated*: fraction of sigmoid outputs within ``saturation_epsilon`` of 0 or 1, of
  tanh/hardtanh outputs within it of ±1 (NaN for other activations);
- *dead*: fraction of units whose output is exactly zero for every example (a dead ReLU);
- *inactive*: fraction of units whose input is ≤ 0 for every example (the negative regime; for
  ReLU this is dead, for Leaky ReLU/ELU the unit still gets a gradient).

Weight-gradient norms come from tensor hooks on each layer's ``weight``, so they are this
step's gradient even when ``.grad`` accumulates. It does not do: per-parameter histograms,
or anything that needs a second backward pass.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.activations.modules import ACTIVATION_TYPES

__all__ = ["GradientFlowRecorder", "gradient_norm_ratio", "plot_gradient_flow"]

# Layers whose weight gradient is recorded by default.
LAYER_TYPES: tuple[type[nn.Module], ...] = (
    nn.Linear, nn.Bilinear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Embedding, nn.EmbeddingBag,
)


class GradientFlowRecorder:
    """Hooks on ``model`` that record per-layer gradient norms and activation statistics.

    Args:
        model: any ``nn.Module``.
        layer_types: modules whose ``weight`` gradient norm is recorded (default: linear,
            convolution and embedding layers), in ``named_modules`` order.
        activation_types: modules whose outputs are summarised (default: every activation
            module PyTorch and :mod:`lmbasics.activations.modules` provide).
        saturation_epsilon: distance to a bound that counts as saturated.
        unit_dim: the dimension that indexes units in activation outputs (-1 for (B, C) and
            (B, T, C); use 1 for convolutions' (B, C, H, W)).

    ``history`` holds one dict per :meth:`step`: ``{"grad_norm": {layer: float}, "mean": {...},
    "std": {...}, "saturated": {...}, "dead": {...}, "inactive": {...}}``.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        layer_types: Sequence[type[nn.Module]] = LAYER_TYPES,
        activation_types: Sequence[type[nn.Module]] = ACTIVATION_TYPES,
        saturation_epsilon: float = 0.01,
        unit_dim: int = -1,
    ) -> None:
        if not 0.0 < saturation_epsilon < 0.5:
            raise LmbasicsError(f"saturation_epsilon must be in (0, 0.5), got {saturation_epsilon}")
        self.saturation_epsilon = saturation_epsilon
        self.unit_dim = unit_dim
        self.history: list[dict[str, dict[str, float]]] = []
        self.layers: list[str] = []
        self.activations: list[str] = []
        self._handles: list[Any] = []
        self._pending_grads: dict[str, torch.Tensor] = {}
        self._pending_stats: dict[str, dict[str, float]] = {}
        layer_types, activation_types = tuple(layer_types), tuple(activation_types)
        for name, module in model.named_modules():
            name = name or type(module).__name__
            if isinstance(module, activation_types):
                self.activations.append(name)
                self._handles.append(module.register_forward_hook(self._activation_hook(name)))
            elif isinstance(module, layer_types):
                weight = getattr(module, "weight", None)
                if isinstance(weight, torch.Tensor) and weight.requires_grad:
                    self.layers.append(name)
                    self._handles.append(weight.register_hook(self._grad_hook(name)))
        if not self.layers and not self.activations:
            raise LmbasicsError(
                f"{type(model).__name__} has no layer ({', '.join(t.__name__ for t in layer_types)}"
                ") and no activation module to record"
            )

    def _grad_hook(self, name: str):
        def hook(grad: torch.Tensor) -> None:
            grad = grad.detach()
            previous = self._pending_grads.get(name)
            self._pending_grads[name] = grad.clone() if previous is None else previous + grad

        return hook

    def _activation_hook(self, name: str):
        def hook(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
            if isinstance(output, torch.Tensor):
                first = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
                self._pending_stats[name] = self._summarise(module, first, output.detach())

        return hook

    @torch.no_grad()
    def _summarise(
        self, module: nn.Module, inputs: torch.Tensor | None, output: torch.Tensor
    ) -> dict[str, float]:
        out = output.double()
        eps = self.saturation_epsilon
        if isinstance(module, nn.Sigmoid):
            saturated = ((out < eps) | (out > 1.0 - eps)).double().mean().item()
        elif isinstance(module, (nn.Tanh, nn.Hardtanh)):
            saturated = (out.abs() > 1.0 - eps).double().mean().item()
        else:
            saturated = math.nan
        units = out.movedim(self.unit_dim, -1).reshape(-1, out.shape[self.unit_dim])
        dead = (units == 0).all(dim=0).double().mean().item()
        inactive = math.nan
        if inputs is not None and inputs.shape == output.shape:
            pre = inputs.detach().movedim(self.unit_dim, -1).reshape(units.shape)
            inactive = (pre <= 0).all(dim=0).double().mean().item()
        return {
            "mean": out.mean().item(),
            "std": out.std().item() if out.numel() > 1 else 0.0,
            "saturated": saturated,
            "dead": dead,
            "inactive": inactive,
        }

    def step(self) -> dict[str, dict[str, float]]:
        """Close the current step: append and return its record, and clear the pending values.

        Layers without a gradient this step (not used, or no backward) get NaN.
        """
        record: dict[str, dict[str, float]] = {
            "grad_norm": {
                name: (
                    self._pending_grads[name].double().norm().item()
                    if name in self._pending_grads
                    else math.nan
                )
                for name in self.layers
            }
        }
        for key in ("mean", "std", "saturated", "dead", "inactive"):
            record[key] = {
                name: self._pending_stats[name][key] if name in self._pending_stats else math.nan
                for name in self.activations
            }
        self.history.append(record)
        self._pending_grads.clear()
        self._pending_stats.clear()
        return record

    def grad_norms(self) -> np.ndarray:
        """float64[steps, layers]: the weight-gradient norm of each layer at each step."""
        return _matrix(self.history, "grad_norm", self.layers)

    def statistic(self, key: str) -> np.ndarray:
        """float64[steps, activations] for ``key`` in mean, std, saturated, dead, inactive."""
        if key not in ("mean", "std", "saturated", "dead", "inactive"):
            raise LmbasicsError(f"unknown statistic {key!r}")
        return _matrix(self.history, key, self.activations)

    def remove(self) -> None:
        """Detach every hook; the history stays."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self) -> GradientFlowRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _matrix(history: Sequence[dict[str, dict[str, float]]], key: str, names: Sequence[str]):
    if not history:
        return np.zeros((0, len(names)))
    return np.array([[record[key].get(n, math.nan) for n in names] for record in history])


def gradient_norm_ratio(record: dict[str, dict[str, float]]) -> float:
    """First layer's weight-gradient norm over the last layer's (≪ 1 vanishing, ≫ 1 exploding)."""
    norms = list(record["grad_norm"].values())
    if len(norms) < 2:
        raise LmbasicsError("the gradient-norm ratio needs at least two recorded layers")
    first, last = norms[0], norms[-1]
    if last == 0.0:
        return math.inf if first > 0 else math.nan
    return first / last


def plot_gradient_flow(
    history: Sequence[dict[str, dict[str, float]]],
    path: str | os.PathLike[str],
    title: str = "gradient flow",
) -> None:
    """Write a PNG: per-layer gradient norms over steps (heatmap) and at a few steps (lines)."""
    from matplotlib.ticker import MaxNLocator

    from lmbasics._util.figures import new_figure, save_png

    if not history:
        raise LmbasicsError("nothing recorded: call step() after backward() at least once")
    layers = list(history[0]["grad_norm"])
    norms = _matrix(history, "grad_norm", layers)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_norms = np.log10(norms)
    fig = new_figure((11, 4.2), dpi=90)
    left, right = fig.subplots(1, 2)
    image = left.imshow(log_norms.T, aspect="auto", origin="lower", cmap="viridis",
                        interpolation="nearest")
    left.set_xlabel("training step")
    left.set_ylabel("layer (input = 0)")
    left.set_title("log10 weight-gradient norm")
    fig.colorbar(image, ax=left)
    steps = sorted({0, len(history) // 2, len(history) - 1})
    for index in steps:
        right.semilogy(range(len(layers)), norms[index], marker="o", ms=3, label=f"step {index}")
    right.set_xlabel("layer (input = 0)")
    right.set_ylabel("weight-gradient norm")
    right.set_title("per-layer gradient norm")
    right.legend()
    right.grid(True, which="both", alpha=0.3)
    for axis in (left.yaxis, right.xaxis):
        axis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    save_png(fig, path)
