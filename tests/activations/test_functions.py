"""Every hand-written derivative checked twice (torch.autograd and central finite differences,
float64), over the whole registry; forwards checked equal to PyTorch's modules; the declared
ranges and monotonicity checked on a grid; bad input errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lmbasics._util.errors import LmbasicsError
from lmbasics.activations import functions
from lmbasics.activations.functions import ACTIVATIONS
from lmbasics.activations.modules import make

NAMES = list(ACTIVATIONS)
ELEMENTWISE = [n for n in NAMES if ACTIVATIONS[n].elementwise]

# many points, including 0, tiny values either side of it, and large magnitudes
POINTS = np.unique(np.concatenate([
    np.linspace(-6.0, 6.0, 241),
    [0.0, 1e-9, -1e-9, 1e-3, -1e-3, 20.0, -20.0, 50.0, -50.0, 700.0, -700.0, 1e3, -1e3],
]))


def _torch_module(name: str) -> torch.nn.Module:
    return make(name).double().eval()  # eval: RReLU uses its mean slope, like the NumPy entry


def _autograd_vjp(name: str, x: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = _torch_module(name)(xt)
    (grad,) = torch.autograd.grad(y, xt, grad_outputs=torch.tensor(grad_output))
    return grad.numpy()


def _glu_input() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 3.0, size=(6, 8))
    x[0, :4] = [0.0, 40.0, -40.0, 1e-9]  # zero and saturated gates
    x[0, 4:] = [0.0, -40.0, 40.0, -1e-9]
    return x


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_autograd(name):
    entry = ACTIVATIONS[name]
    if entry.elementwise:
        np.testing.assert_allclose(entry.derivative(POINTS),
                                   _autograd_vjp(name, POINTS, np.ones_like(POINTS)),
                                   rtol=1e-10, atol=1e-12)
    else:
        x = _glu_input()
        g = np.random.default_rng(1).normal(size=(6, 4))
        np.testing.assert_allclose(entry.vjp(x, g), _autograd_vjp(name, x, g),
                                   rtol=1e-10, atol=1e-12)


def _central_difference(f, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    return (f(x + h) - f(x - h)) / (2 * h), h


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name):
    entry = ACTIVATIONS[name]
    numeric, h = _central_difference(entry.forward, POINTS)
    away = np.ones_like(POINTS, dtype=bool)
    for kink in entry.kinks:
        away &= np.abs(POINTS - kink) > 2 * h
    np.testing.assert_allclose(entry.derivative(POINTS[away]), numeric[away],
                               rtol=1e-5, atol=1e-6)
    # at a kink the derivative we return is one of the one-sided derivatives
    for kink in entry.kinks:
        step = 1e-7
        x = np.array([kink])
        left = (entry.forward(x) - entry.forward(x - step)) / step
        right = (entry.forward(x + step) - entry.forward(x)) / step
        value = entry.derivative(x)
        assert np.isclose(value, left, atol=1e-6) or np.isclose(value, right, atol=1e-6)


def test_glu_vjp_matches_finite_differences():
    x = _glu_input()
    g = np.random.default_rng(1).normal(size=(6, 4))
    analytic = functions.glu_vjp(x, g)
    numeric = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        h = 1e-6 * max(1.0, abs(x[index]))
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = np.sum(g * (functions.glu(plus) - functions.glu(minus))) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_forward_equals_pytorch(name):
    x = _glu_input() if name == "glu" else POINTS
    expected = _torch_module(name)(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ACTIVATIONS[name].forward(x), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_declared_range_and_monotonicity(name):
    entry = ACTIVATIONS[name]
    x = np.linspace(-30.0, 30.0, 60_001)
    y = entry.forward(x)
    low, high = entry.output_range
    assert y.min() >= low and y.max() <= high
    if entry.monotonic:
        assert entry.derivative(x).min() >= 0.0
    else:
        assert entry.derivative(x).min() < 0.0


def test_derivative_bounds_of_the_seed():
    x = np.linspace(-20, 20, 40_001)
    assert functions.sigmoid_derivative(x).max() == pytest.approx(0.25)
    assert functions.tanh_derivative(x).max() == pytest.approx(1.0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_an_error_naming_the_function(name, bad):
    entry = ACTIVATIONS[name]
    x = np.array([[0.5, bad, 1.0, 2.0]])
    with pytest.raises(LmbasicsError, match=rf"{name}: input has 1 non-finite value.*\(0, 1\)"):
        entry.forward(x)
    with pytest.raises(LmbasicsError, match="non-finite"):
        entry.vjp(x, np.ones((1, 4) if entry.elementwise else (1, 2)))


def test_unknown_name_lists_known_ones_and_suggests():
    with pytest.raises(LmbasicsError, match=r"unknown activation 'gelu_tan'.*'gelu_tanh'.*sigmoid"):
        functions.get("gelu_tan")
    with pytest.raises(LmbasicsError, match="unknown activation"):
        make("softmaxx")


def test_glu_odd_dimension_is_an_error():
    with pytest.raises(LmbasicsError, match="dimension -1 has odd size 5"):
        functions.glu(np.zeros((3, 5)))
    with pytest.raises(LmbasicsError, match="dimension 0 has odd size 3"):
        functions.glu(np.zeros((3, 4)), axis=0)
    assert functions.glu(np.zeros((4, 5)), axis=0).shape == (2, 5)


def test_rrelu_numpy_training_and_evaluation():
    x = -np.ones(10_000)
    eval_out = functions.rrelu(x)
    np.testing.assert_allclose(eval_out, -(1 / 8 + 1 / 3) / 2)
    train_out = functions.rrelu(x, training=True, rng=np.random.default_rng(0))
    slopes = train_out / x
    assert 1 / 8 <= slopes.min() < slopes.max() <= 1 / 3
    assert slopes.mean() == pytest.approx((1 / 8 + 1 / 3) / 2, abs=0.01)
    again = functions.rrelu(x, training=True, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(train_out, again)  # seeded: reproducible
    np.testing.assert_array_equal(functions.rrelu(np.array([2.0]), training=True), [2.0])


def test_numpy_side_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, lmbasics.activations as a; a.get('gelu').forward([0.0]); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
