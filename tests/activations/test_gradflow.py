"""The gradient-flow recorder on tiny models whose right answers are known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.activations.gradflow import (
    GradientFlowRecorder,
    gradient_norm_ratio,
    plot_gradient_flow,
)


def _linear(weight, bias=None) -> nn.Linear:
    weight = torch.tensor(weight, dtype=torch.float64)
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None).double()
    with torch.no_grad():
        layer.weight.copy_(weight)
        if bias is not None:
            layer.bias.copy_(torch.tensor(bias, dtype=torch.float64))
    return layer


def _chain() -> nn.Sequential:
    # y = 0.5 * 3 * 2 * x: dL/dw1 = 3 * 0.5 * x, dL/dw2 = 0.5 * (2 x), dL/dw3 = 3 * 2 x
    return nn.Sequential(_linear([[2.0]]), _linear([[3.0]]), _linear([[0.5]]))


def test_linear_chain_with_known_weights():
    model = _chain()
    with GradientFlowRecorder(model) as recorder:
        model(torch.tensor([[1.0]], dtype=torch.float64)).sum().backward()
        record = recorder.step()
    assert recorder.layers == ["0", "1", "2"]
    assert record["grad_norm"] == pytest.approx({"0": 1.5, "1": 1.0, "2": 6.0})
    assert gradient_norm_ratio(record) == pytest.approx(0.25)


def test_gradients_are_per_step_and_accumulate_within_a_step():
    model = _chain()
    recorder = GradientFlowRecorder(model)
    x = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    model(x).sum().backward()
    model(x).sum().backward()  # two backward passes in one step: summed, like .grad
    first = recorder.step()
    assert first["grad_norm"]["0"] == pytest.approx(2 * 1.5 * 3)
    model(x).sum().backward()  # .grad now holds three passes; the record only this step's
    assert recorder.step()["grad_norm"]["2"] == pytest.approx(6.0 * 3)
    assert math.isnan(recorder.step()["grad_norm"]["0"])  # no backward this step
    np.testing.assert_allclose(recorder.grad_norms()[:2, 1], [2 * 1.0 * 3, 1.0 * 3])
    recorder.remove()
    model(x).sum().backward()
    assert len(recorder.history) == 3 and recorder.step()["grad_norm"]["0"] != 9.0


def test_dead_inactive_and_saturated_fractions():
    x = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)
    # unit 0 sees x > 0, unit 1 sees -x < 0 on every example
    relu_model = nn.Sequential(_linear([[1.0], [-1.0]], [0.0, 0.0]), nn.ReLU())
    leaky_model = nn.Sequential(_linear([[1.0], [-1.0]], [0.0, 0.0]), nn.LeakyReLU(0.01))
    # sigmoid unit 0 at 100x (saturated), unit 1 at 0 (sigma = 1/2)
    sigmoid_model = nn.Sequential(_linear([[100.0], [0.0]], [0.0, 0.0]), nn.Sigmoid())
    tanh_model = nn.Sequential(_linear([[100.0], [0.0]], [0.0, 0.0]), nn.Tanh())
    stats = {}
    for name, model in [("relu", relu_model), ("leaky", leaky_model),
                        ("sigmoid", sigmoid_model), ("tanh", tanh_model)]:
        recorder = GradientFlowRecorder(model)
        model(x)
        record = recorder.step()
        stats[name] = {key: record[key]["1"] for key in record if key != "grad_norm"}
    assert stats["relu"]["dead"] == 0.5 and stats["relu"]["inactive"] == 0.5
    assert stats["relu"]["mean"] == pytest.approx(1.0)  # mean of 1, 2, 3, 0, 0, 0
    assert stats["relu"]["std"] == pytest.approx(np.std([1, 2, 3, 0, 0, 0], ddof=1))
    assert math.isnan(stats["relu"]["saturated"])
    assert stats["leaky"]["dead"] == 0.0 and stats["leaky"]["inactive"] == 0.5
    assert stats["sigmoid"]["saturated"] == 0.5 and stats["sigmoid"]["dead"] == 0.0
    assert stats["tanh"]["saturated"] == 0.5 and stats["tanh"]["dead"] == 0.5  # tanh(0) = 0


def test_bad_input_and_plot(tmp_path):
    with pytest.raises(LmbasicsError, match="no layer"):
        GradientFlowRecorder(nn.Identity())
    with pytest.raises(LmbasicsError, match="saturation_epsilon"):
        GradientFlowRecorder(_chain(), saturation_epsilon=0.7)
    with pytest.raises(LmbasicsError, match="nothing recorded"):
        plot_gradient_flow([], tmp_path / "x.png")
    model = _chain()
    recorder = GradientFlowRecorder(model)
    for _ in range(3):
        model(torch.ones(1, 1, dtype=torch.float64)).sum().backward()
        recorder.step()
    out = tmp_path / "flow.png"
    plot_gradient_flow(recorder.history, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(LmbasicsError, match="unknown statistic"):
        recorder.statistic("median")
