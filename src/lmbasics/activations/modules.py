"""PyTorch modules for every registry activation: PyTorch's own where it exists, ours otherwise.

:func:`make` maps a registry name (:mod:`lmbasics.activations.functions`) to an ``nn.Module``.
PyTorch already has sigmoid, tanh, ReLU, LeakyReLU, PReLU, RReLU, ELU, GELU (exact and tanh)
and SiLU; the tests check each one equal to our NumPy forward. We add:

- :class:`Swish` — x·σ(βx) with a fixed or learnable β (``nn.SiLU`` is the fixed β = 1 case);
- :class:`GLU` — ``nn.functional.glu`` behind a check that turns an odd split dimension into a
  clear :class:`~lmbasics.LmbasicsError` instead of a RuntimeError from deep inside torch.

It does not do: fused kernels or in-place variants; these modules favour clarity.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.activations.functions import RRELU_LOWER, RRELU_UPPER, get

__all__ = ["ACTIVATION_TYPES", "GLU", "Swish", "make"]


class Swish(nn.Module):
    r"""Swish: :math:`f(x) = x\,\sigma(\beta x)` (Ramachandran et al. 2017).

    .. math::
        f'(x) = \sigma(\beta x) + \beta x\,\sigma(\beta x)(1 - \sigma(\beta x)), \qquad
        \frac{\partial f}{\partial \beta} = x^2 \sigma(\beta x)(1 - \sigma(\beta x))

    Args:
        beta: initial β (1.0 gives SiLU).
        learnable: if True, β is an ``nn.Parameter`` trained with the model.

    Shape: any; output has the input's shape.

    >>> m = Swish(beta=1.0)
    >>> y = m(torch.zeros(2, 3))
    """

    def __init__(self, beta: float = 1.0, learnable: bool = False) -> None:
        super().__init__()
        self.learnable = learnable
        if learnable:
            self.beta = nn.Parameter(torch.tensor(float(beta)))
        else:
            self.register_buffer("beta", torch.tensor(float(beta)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.beta.to(x.dtype) * x)

    def extra_repr(self) -> str:
        return f"beta={float(self.beta):g}, learnable={self.learnable}"


class GLU(nn.Module):
    r"""Gated linear unit :math:`a \otimes \sigma(b)` along ``dim`` (Dauphin et al. 2017).

    Shape: (..., 2n, ...) -> (..., n, ...). An odd size along ``dim`` raises
    :class:`~lmbasics.LmbasicsError` naming the dimension and its size.

    >>> GLU(dim=-1)(torch.zeros(4, 6)).shape
    torch.Size([4, 3])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 0:
            raise LmbasicsError("glu: input must have at least one dimension to split")
        size = x.shape[self.dim]
        if size % 2:
            raise LmbasicsError(
                f"glu: dimension {self.dim} has odd size {size}; GLU splits it into two equal "
                "halves a and b (give it an even size)"
            )
        return F.glu(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


# Module classes the gradient-flow recorder treats as activations.
ACTIVATION_TYPES: tuple[type[nn.Module], ...] = (
    nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.GELU, nn.SiLU,
    nn.GLU, nn.Hardtanh, nn.Softplus, nn.Mish, Swish, GLU,
)


def make(name: str, *, learnable_beta: bool = False, num_parameters: int = 1) -> nn.Module:
    """A fresh ``nn.Module`` for the registry activation ``name``.

    Args:
        name: a key of :data:`~lmbasics.activations.functions.ACTIVATIONS`.
        learnable_beta: for ``swish``, train β (otherwise ``swish`` is ``nn.SiLU``).
        num_parameters: for ``prelu``, one slope per channel if > 1.

    >>> make("leaky_relu")
    LeakyReLU(negative_slope=0.01)
    """
    get(name)  # unknown names fail here, with the list of known ones
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "tanh":
        return nn.Tanh()
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(0.01)
    if name == "prelu":
        return nn.PReLU(num_parameters=num_parameters, init=0.25)
    if name == "rrelu":
        return nn.RReLU(RRELU_LOWER, RRELU_UPPER)
    if name == "elu":
        return nn.ELU(alpha=1.0)
    if name == "gelu":
        return nn.GELU(approximate="none")
    if name == "gelu_tanh":
        return nn.GELU(approximate="tanh")
    if name == "swish":
        return Swish(1.0, learnable=True) if learnable_beta else nn.SiLU()
    if name == "glu":
        return GLU(dim=-1)
    raise AssertionError(f"registry entry {name!r} has no module")  # pragma: no cover
