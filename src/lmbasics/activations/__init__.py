"""Activation functions, their derivatives, gradient-flow diagnostics and experiments.

- :mod:`~lmbasics.activations.functions`: NumPy f and f' for every activation of the seed,
  with the formulas in the docstrings, and the registry (:func:`get`, :func:`names`).
- :mod:`~lmbasics.activations.modules`: the PyTorch modules (:func:`make`, :class:`Swish`,
  :class:`GLU`).
- :mod:`~lmbasics.activations.gradflow`: :class:`GradientFlowRecorder` for any model.
- :mod:`~lmbasics.activations.experiments`: the six experiments behind
  ``docs/activations.md``.

Names that need PyTorch are imported lazily, so ``from lmbasics.activations import get``
works without loading torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from lmbasics.activations.functions import ACTIVATIONS, Activation, get, names

_LAZY = {
    "make": "lmbasics.activations.modules",
    "Swish": "lmbasics.activations.modules",
    "GLU": "lmbasics.activations.modules",
    "GradientFlowRecorder": "lmbasics.activations.gradflow",
    "gradient_norm_ratio": "lmbasics.activations.gradflow",
    "plot_gradient_flow": "lmbasics.activations.gradflow",
    "ExperimentConfig": "lmbasics.activations.config",
    "run_experiments": "lmbasics.activations.experiments",
}

__all__ = ["ACTIVATIONS", "Activation", "get", "names", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lmbasics.activations' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
