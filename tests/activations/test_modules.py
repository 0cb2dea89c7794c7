"""The PyTorch side: RReLU's training/evaluation semantics, Swish, GLU, the module factory."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.activations import functions
from lmbasics.activations.functions import ACTIVATIONS
from lmbasics.activations.modules import GLU, Swish, make


def test_rrelu_module_samples_slopes_in_training_and_uses_the_mean_in_eval():
    module = make("rrelu")
    x = torch.full((10_000,), -1.0, dtype=torch.float64, requires_grad=True)
    torch.manual_seed(0)
    module.train()
    out = module(x)
    slopes = (out / x).detach()
    assert 1 / 8 <= slopes.min() < slopes.max() <= 1 / 3
    out.sum().backward()
    torch.testing.assert_close(x.grad, slopes)  # the gradient is the sampled slope
    module.eval()
    mean = (1 / 8 + 1 / 3) / 2
    torch.testing.assert_close(module(x).detach(), torch.full_like(x, -mean))
    positive = torch.tensor([0.5, 3.0], dtype=torch.float64)
    module.train()
    torch.testing.assert_close(module(positive), positive)


def test_swish_beta_one_is_silu_and_beta_is_learnable():
    x = torch.linspace(-6, 6, 101, dtype=torch.float64)
    torch.testing.assert_close(Swish(1.0)(x), F.silu(x))
    module = Swish(2.0, learnable=True).double()
    assert [p.shape for p in module.parameters()] == [torch.Size([])]
    np.testing.assert_allclose(module(x).detach().numpy(), functions.swish(x.numpy(), 2.0))
    xs = x.clone().requires_grad_(True)
    module(xs).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), functions.swish_derivative(x.numpy(), 2.0),
                               rtol=1e-12)
    s = torch.sigmoid(2.0 * x)
    torch.testing.assert_close(module.beta.grad, (x * x * s * (1 - s)).sum())
    assert not list(Swish(1.0).parameters())
    assert make("swish", learnable_beta=True).learnable


def test_glu_module_matches_torch_and_rejects_odd_dimensions():
    x = torch.randn(3, 8, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(GLU()(x), nn.GLU()(x))
    torch.testing.assert_close(GLU(dim=0)(torch.randn(4, 3)).shape, torch.Size([2, 3]))
    with pytest.raises(LmbasicsError, match="dimension -1 has odd size 7"):
        GLU()(torch.zeros(2, 7))
    with pytest.raises(LmbasicsError, match="at least one dimension"):
        GLU()(torch.tensor(1.0))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_make_returns_a_fresh_module_per_call(name):
    first, second = make(name), make(name)
    assert isinstance(first, nn.Module) and first is not second


def test_prelu_is_learnable_with_paper_init():
    module = make("prelu", num_parameters=4)
    assert module.weight.shape == (4,)
    torch.testing.assert_close(module.weight.detach(), torch.full((4,), 0.25))
