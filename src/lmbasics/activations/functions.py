"""Activation functions and their derivatives in NumPy, with a registry by name.

Each function is written twice by hand: the forward ``f`` and its analytic derivative ``f'``
(for GLU, which is not element-wise, the vector-Jacobian product). The docstrings carry the
formulas; ``tests/activations`` checks every derivative against ``torch.autograd`` and central
finite differences in float64, over the whole registry. The PyTorch modules used in models live
in :mod:`lmbasics.activations.modules`; this module does not import torch.

At a kink (ReLU and its family at 0) the derivative follows PyTorch's convention: ReLU'(0) = 0,
LeakyReLU'(0) = PReLU'(0) = RReLU'(0) = the negative slope, ELU'(0) = alpha.

Inputs must be finite: NaN or infinity raises :class:`~lmbasics.LmbasicsError` naming the
function, since a non-finite activation input is always a bug upstream.

It does not do: in-place variants, dtype promotion beyond float64 for integer input, or
parameter gradients (PReLU's slope, Swish's beta) — autograd handles those in the modules.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import erf, expit

from lmbasics._util.errors import LmbasicsError

__all__ = [
    "ACTIVATIONS", "Activation", "elu", "elu_derivative", "gelu", "gelu_derivative", "gelu_tanh",
    "gelu_tanh_derivative", "get", "glu", "glu_vjp", "leaky_relu", "leaky_relu_derivative",
    "names", "prelu", "prelu_derivative", "relu", "relu_derivative", "rrelu", "rrelu_derivative",
    "sigmoid", "sigmoid_derivative", "swish", "swish_derivative", "tanh", "tanh_derivative",
]

# RReLU's slope interval, from Xu et al. 2015 (and torch.nn.RReLU's defaults).
RRELU_LOWER = 1.0 / 8.0
RRELU_UPPER = 1.0 / 3.0
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_CUBIC = 0.044715  # Hendrycks & Gimpel 2016, eq. for the tanh approximation


def _finite(x: np.ndarray | float, name: str) -> np.ndarray:
    """``x`` as a floating array, or an error naming ``name`` if any entry is NaN or ±inf."""
    array = np.asarray(x)
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise LmbasicsError(
            f"{name}: input has {int(bad.sum())} non-finite value(s) (NaN or inf), "
            f"the first at index {first}; activation inputs must be finite"
        )
    return array


def sigmoid(x: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid.

    .. math::
        \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma'(x) = \sigma(x)\,(1 - \sigma(x))

    Range (0, 1); monotonic; not zero-centred (outputs are all positive, σ(0) = 1/2);
    saturates at both ends, and σ' ≤ 1/4 everywhere, so a chain of n sigmoid layers scales
    gradients by at most 4^-n times the weights' gains.

    >>> sigmoid(np.array([0.0]))
    array([0.5])
    """
    return expit(_finite(x, "sigmoid"))


def sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    r""":math:`\sigma'(x) = \sigma(x)(1-\sigma(x))`, at most 1/4 (at x = 0)."""
    s = expit(_finite(x, "sigmoid"))
    return s * (1.0 - s)


def tanh(x: np.ndarray) -> np.ndarray:
    r"""Hyperbolic tangent.

    .. math::
        \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}, \qquad \tanh'(x) = 1 - \tanh^2(x)

    Range (-1, 1); monotonic; zero-centred (odd function); saturates at both ends;
    tanh' ≤ 1 with equality only at 0.

    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return np.tanh(_finite(x, "tanh"))


def tanh_derivative(x: np.ndarray) -> np.ndarray:
    r""":math:`\tanh'(x) = 1 - \tanh^2(x)`, at most 1 (at x = 0)."""
    t = np.tanh(_finite(x, "tanh"))
    return 1.0 - t * t


def relu(x: np.ndarray) -> np.ndarray:
    r"""Rectified linear unit (Nair & Hinton 2010).

    .. math::
        \mathrm{ReLU}(x) = \max(0, x), \qquad
        \mathrm{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Range [0, ∞); monotonic; not zero-centred; does not saturate for x > 0 (derivative
    exactly 1), but the derivative is 0 for every x ≤ 0: a unit whose input is negative for
    all examples gets no gradient ("dead ReLU").

    >>> relu(np.array([-1.0, 2.0]))
    array([0., 2.])
    """
    x = _finite(x, "relu")
    return np.where(x > 0, x, 0.0)


def relu_derivative(x: np.ndarray) -> np.ndarray:
    r""":math:`\mathrm{ReLU}'(x) = [x > 0]` (0 at the kink, as in PyTorch)."""
    x = _finite(x, "relu")
    return (x > 0).astype(x.dtype)


def leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU (Maas et al. 2013), slope 0.01 for x < 0.

    .. math::
        f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}

    Range (-∞, ∞); monotonic for a > 0; roughly but not exactly zero-centred; never
    saturates, never dead: the derivative is at least a everywhere.

    >>> leaky_relu(np.array([-1.0, 2.0]))
    array([-0.01,  2.  ])
    """
    x = _finite(x, "leaky_relu")
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_derivative(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    r""":math:`f'(x) = 1` for x > 0, :math:`a` for x ≤ 0."""
    x = _finite(x, "leaky_relu")
    return np.where(x > 0, 1.0, negative_slope).astype(x.dtype)


def prelu(x: np.ndarray, weight: float = 0.25) -> np.ndarray:
    r"""Parametric ReLU (He et al. 2015): a leaky ReLU whose slope ``weight`` is learnt.

    .. math::
        f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}, \quad a_0 = 0.25

    Range (-∞, ∞) for a > 0; monotonic while a ≥ 0; closer to zero-centred than ReLU (negative
    outputs); does not saturate.
    (The gradient with respect to a is x for x ≤ 0 and 0 otherwise; autograd computes it.)

    >>> prelu(np.array([-1.0, 2.0]))
    array([-0.25,  2.  ])
    """
    x = _finite(x, "prelu")
    return np.where(x > 0, x, weight * x)


def prelu_derivative(x: np.ndarray, weight: float = 0.25) -> np.ndarray:
    r""":math:`f'(x) = 1` for x > 0, :math:`a` for x ≤ 0."""
    x = _finite(x, "prelu")
    return np.where(x > 0, 1.0, weight).astype(x.dtype)


def rrelu(
    x: np.ndarray,
    lower: float = RRELU_LOWER,
    upper: float = RRELU_UPPER,
    training: bool = False,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Randomized leaky ReLU (Xu et al. 2015).

    In training each negative element gets its own slope :math:`a \sim U(l, u)`; in evaluation
    the slope is the mean :math:`(l + u)/2` (11/48 for the defaults l = 1/8, u = 1/3):

    .. math::
        f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}

    Range (-∞, ∞); monotonic; closer to zero-centred than ReLU; does not saturate (f' ≥ l).
    Training draws fresh slopes on every call (seed ``rng`` to reproduce). The registry entry and
    :func:`rrelu_derivative` describe evaluation mode, the only deterministic one.

    >>> rrelu(np.array([-48.0, 2.0]))
    array([-11.,   2.])
    """
    x = _finite(x, "rrelu")
    if not 0.0 <= lower <= upper:
        raise LmbasicsError(f"rrelu: need 0 <= lower <= upper, got lower={lower}, upper={upper}")
    if training:
        rng = rng if rng is not None else np.random.default_rng()
        slope = rng.uniform(lower, upper, size=x.shape)
    else:
        slope = (lower + upper) / 2.0
    return np.where(x > 0, x, slope * x)


def rrelu_derivative(
    x: np.ndarray, lower: float = RRELU_LOWER, upper: float = RRELU_UPPER
) -> np.ndarray:
    r"""Evaluation-mode derivative: 1 for x > 0, :math:`(l + u)/2` for x ≤ 0."""
    x = _finite(x, "rrelu")
    return np.where(x > 0, 1.0, (lower + upper) / 2.0).astype(x.dtype)


def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r"""Exponential linear unit (Clevert et al. 2016), α = 1.

    .. math::
        f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}

    Range (-α, ∞); monotonic; negative outputs pull mean activations towards zero (closer to
    zero-centred than ReLU); saturates to -α for x → -∞ (only on the negative side).

    >>> elu(np.array([0.0, 2.0]))
    array([0., 2.])
    """
    x = _finite(x, "elu")
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_derivative(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r""":math:`f'(x) = 1` for x > 0, :math:`\alpha e^{x}` for x ≤ 0."""
    x = _finite(x, "elu")
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def gelu(x: np.ndarray) -> np.ndarray:
    r"""Gaussian error linear unit, exact form (Hendrycks & Gimpel 2016).

    .. math::
        \mathrm{GELU}(x) = x\,\Phi(x) = \tfrac{x}{2}\left(1 + \mathrm{erf}(x/\sqrt{2})\right),
        \qquad \mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)

    with Φ, φ the standard normal CDF and density. Range [≈ -0.170, ∞); not monotonic
    (minimum at x ≈ -0.752); smooth everywhere; not zero-centred, though small negative
    outputs pull the mean below ReLU's; saturates (f' → 0) only for x → -∞, and f → x for
    x → +∞.

    >>> gelu(np.array([0.0]))
    array([0.])
    """
    x = _finite(x, "gelu")
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def gelu_derivative(x: np.ndarray) -> np.ndarray:
    r""":math:`\mathrm{GELU}'(x) = \Phi(x) + x\varphi(x)`."""
    x = _finite(x, "gelu")
    cdf = 0.5 * (1.0 + erf(x / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return cdf + x * pdf


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    r"""GELU's tanh approximation (Hendrycks & Gimpel 2016; used by BERT and GPT-2).

    .. math::
        g(x) = \tfrac{x}{2}\left(1 + \tanh u\right), \quad
        u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)

    .. math::
        g'(x) = \tfrac12 (1 + \tanh u) + \tfrac{x}{2}(1 - \tanh^2 u)\,
        \sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2)

    Same properties as :func:`gelu` (range [≈ -0.170, ∞), not monotonic, saturates only for
    x → -∞); the maximum absolute difference is about 4.7e-4 (near |x| ≈ 2.7), measured by
    experiment 6.

    >>> gelu_tanh(np.array([0.0]))
    array([0.])
    """
    x = _finite(x, "gelu_tanh")
    # x * x * x, not x**3: NumPy's float32 power takes a slow generic path (~500x slower)
    return 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_CUBIC * x * x * x)))


def gelu_tanh_derivative(x: np.ndarray) -> np.ndarray:
    r"""Derivative of the tanh approximation (formula in :func:`gelu_tanh`)."""
    x = _finite(x, "gelu_tanh")
    t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_CUBIC * x * x * x))
    du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_CUBIC * x * x)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du


def swish(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    r"""Swish (Ramachandran et al. 2017); β = 1 is SiLU (Elfwing et al. 2018).

    .. math::
        f(x) = x\,\sigma(\beta x), \qquad
        f'(x) = \sigma(\beta x) + \beta x\,\sigma(\beta x)\,(1 - \sigma(\beta x))

    Range [≈ -0.278/β, ∞); not monotonic (minimum at βx ≈ -1.278); smooth; not zero-centred
    (small negative outputs, like GELU); saturates (f' → 0) only for x → -∞, f → x for
    x → +∞. β may be learnt (:class:`~lmbasics.activations.modules.Swish`).

    >>> swish(np.array([0.0]))
    array([0.])
    """
    x = _finite(x, "swish")
    return x * expit(beta * x)


def swish_derivative(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    r""":math:`f'(x) = \sigma(\beta x) + \beta x \sigma(\beta x)(1 - \sigma(\beta x))`."""
    x = _finite(x, "swish")
    s = expit(beta * x)
    return s + beta * x * s * (1.0 - s)


def _glu_halves(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    x = _finite(x, "glu")
    if x.ndim == 0:
        raise LmbasicsError("glu: input must have at least one dimension to split")
    size = x.shape[axis]
    if size % 2:
        raise LmbasicsError(
            f"glu: dimension {axis} has odd size {size}; GLU splits it into two equal halves "
            "a and b (give it an even size)"
        )
    a, b = np.split(x, 2, axis=axis)
    return a, b


def glu(x: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Gated linear unit (Dauphin et al. 2017): split x in halves a, b along ``axis``.

    .. math::
        \mathrm{GLU}(x) = a \otimes \sigma(b), \qquad
        \frac{\partial}{\partial a} = \sigma(b), \quad
        \frac{\partial}{\partial b} = a\,\sigma(b)(1 - \sigma(b))

    Range (-∞, ∞) (a is unbounded, the gate σ(b) in (0, 1)); increasing in a, but in b only
    where a > 0 (∂/∂b has the sign of a), so not monotonic in x; zero-centred when a is;
    saturates where the gate does (|b| large: ∂/∂b → 0).
    Shape: (..., 2n, ...) -> (..., n, ...); an odd size along ``axis`` is an error.
    Not element-wise, so it has a vector-Jacobian product (:func:`glu_vjp`) instead of f'.

    >>> glu(np.array([2.0, 0.0]))
    array([1.])
    """
    a, b = _glu_halves(x, axis)
    return a * expit(b)


def glu_vjp(x: np.ndarray, grad_output: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Gradient of ``sum(grad_output * glu(x))`` with respect to x (shape of x)."""
    a, b = _glu_halves(x, axis)
    s = expit(b)
    return np.concatenate([grad_output * s, grad_output * a * s * (1.0 - s)], axis=axis)


@dataclass(frozen=True)
class Activation:
    """A registry entry: the NumPy forward, its derivative and the facts the tests check."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    # f'(x) for element-wise functions; None for GLU (use ``vjp``)
    derivative: Callable[[np.ndarray], np.ndarray] | None
    output_range: tuple[float, float]  # closure of the range, checked on a grid by the tests
    monotonic: bool  # f' >= 0 everywhere (checked by the tests)
    zero_centred: str  # in words: "yes", "no" or "approximately"
    saturates: str  # where f' -> 0, in words
    kinks: tuple[float, ...] = ()  # points where f' jumps (finite differences skip them)
    paper: str = ""
    elementwise: bool = True

    def vjp(self, x: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
        """Vector-Jacobian product: the gradient of ``sum(grad_output * f(x))`` wrt x."""
        if self.derivative is not None:
            return np.asarray(grad_output) * self.derivative(x)
        return glu_vjp(x, grad_output)


_INF = math.inf
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, sigmoid_derivative, (0.0, 1.0), True, "no",
                   "both ends (f' <= 1/4)", paper="logistic function"),
        Activation("tanh", tanh, tanh_derivative, (-1.0, 1.0), True, "yes",
                   "both ends (f' <= 1)", paper="LeCun et al. 1998"),
        Activation("relu", relu, relu_derivative, (0.0, _INF), True, "no",
                   "never for x > 0; f' = 0 for x <= 0", (0.0,), "Nair & Hinton 2010"),
        Activation("leaky_relu", leaky_relu, leaky_relu_derivative, (-_INF, _INF), True,
                   "approximately", "never (f' >= 0.01)", (0.0,), "Maas et al. 2013"),
        Activation("prelu", prelu, prelu_derivative, (-_INF, _INF), True, "approximately",
                   "never (f' >= a)", (0.0,), "He et al. 2015"),
        Activation("rrelu", rrelu, rrelu_derivative, (-_INF, _INF), True, "approximately",
                   "never (f' >= 1/8)", (0.0,), "Xu et al. 2015"),
        Activation("elu", elu, elu_derivative, (-1.0, _INF), True, "approximately",
                   "x -> -inf only", paper="Clevert et al. 2016"),
        Activation("gelu", gelu, gelu_derivative, (-0.17, _INF), False, "approximately",
                   "x -> -inf only", paper="Hendrycks & Gimpel 2016"),
        Activation("gelu_tanh", gelu_tanh, gelu_tanh_derivative, (-0.171, _INF), False,
                   "approximately", "x -> -inf only", paper="Hendrycks & Gimpel 2016"),
        Activation("swish", swish, swish_derivative, (-0.279, _INF), False, "approximately",
                   "x -> -inf only", paper="Ramachandran et al. 2017"),
        Activation("glu", glu, None, (-_INF, _INF), False, "approximately",
                   "where the gate sigma(b) saturates", paper="Dauphin et al. 2017",
                   elementwise=False),
    )
}


def names() -> list[str]:
    """Registry names, in the order of the seed (sigmoid first, GLU last)."""
    return list(ACTIVATIONS)


def get(name: str) -> Activation:
    """The registry entry for ``name``; an unknown name is an error listing the known ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        close = difflib.get_close_matches(name, ACTIVATIONS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise LmbasicsError(
            f"unknown activation {name!r}{hint}; known: {', '.join(ACTIVATIONS)}"
        ) from None
