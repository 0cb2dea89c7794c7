"""Activation functions, their derivatives, gradient-flow diagnostics and experiments.

- :mod:`~lmbasics.activations.functions`: NumPy f and f' for every activation of the seed,
  with the formulas in the docstrings, and the registry (:func:`get`, :func:`names`).
- :mod:`~lmbasics.activations.modules`: the PyTorch modules (:func:`make`, :class:`Swish`,
  :class:`GLU`).
- :mod:`~lmbasics.activations.gradflow`: :class:`GradientFlowRecorder` for any model.
- :mod:`~lmbasics.activations.experiments`: the six experiments behind
  ``docs/activations.md``.

Every name is imported on first use (PEP 562), so ``from lmbasics.activations import get``
works without loading torch, and ``import lmbasics.activations`` loads nothing heavy.
"""

from lmbasics._util.lazy import lazy_exports

_EXPORTS = {
    "ACTIVATIONS": "lmbasics.activations.functions",
    "Activation": "lmbasics.activations.functions",
    "get": "lmbasics.activations.functions",
    "names": "lmbasics.activations.functions",
    "make": "lmbasics.activations.modules",
    "Swish": "lmbasics.activations.modules",
    "GLU": "lmbasics.activations.modules",
    "GradientFlowRecorder": "lmbasics.activations.gradflow",
    "gradient_norm_ratio": "lmbasics.activations.gradflow",
    "plot_gradient_flow": "lmbasics.activations.gradflow",
    "ExperimentConfig": "lmbasics.activations.config",
    "run_experiments": "lmbasics.activations.experiments",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
