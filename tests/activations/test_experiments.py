"""The experiments at a tiny size: every stage runs, outputs are written, verdicts computed."""

from __future__ import annotations

import json

import pytest
import torch

from lmbasics import cli
from lmbasics._util.errors import LmbasicsError
from lmbasics._util.verdicts import VERDICTS
from lmbasics.activations.config import ExperimentConfig
from lmbasics.activations.data import load_digits
from lmbasics.activations.networks import DeepMLP, ElmanRNN
from lmbasics.activations.training import tensor_batcher, train_classifier


def test_quick_experiments_write_report_plots_and_config(tmp_path):
    out, report = tmp_path / "act", tmp_path / "docs" / "activations.md"
    argv = ["activations", "experiments", "--out", str(out), "--report", str(report),
            "--quick", "--silent"]
    assert cli.main(argv) == 0
    text = report.read_text()
    assert text.startswith("# Activation functions and gradient flow")
    assert "`lmbasics activations experiments --out" in text and "s wall time" in text
    table = [line for line in text.splitlines() if line.startswith("| ")][1:]
    assert len(table) >= 14
    assert all(line.rsplit("**", 2)[1] in VERDICTS for line in table[1:])
    for png in ("activations", "vanishing", "exploding", "remedies", "dead", "smooth", "gelu"):
        path = out / f"{png}.png"
        assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size < 300_000
        assert f"](../act/{png}.png)" in text
    config = json.loads((out / "config.json").read_text())
    assert config["depths"] == [3, 6] and config["sst2_dir"] is None
    results = json.loads((out / "results.json").read_text())
    assert set(results["vanishing"]["runs"]) == set(config["activations"])
    assert results["gelu"]["max_abs_error"] == pytest.approx(4.73e-4, rel=0.01)
    assert results["meta"]["cpu_seconds"] > 0
    # the report can be rebuilt from the saved results alone, with the same verdicts
    before = report.read_text()
    report.unlink()
    assert cli.main(["activations", "report", "--out", str(out), "--report", str(report)]) == 0
    assert report.read_text() == before
    assert cli.main(["activations", "report", "--out", str(tmp_path / "empty")]) == 1


def test_training_is_reproducible_from_the_seed():
    split = load_digits()
    data = tensor_batcher(split)
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        model = DeepMLP(64, 10, 16, 3, "rrelu")  # RReLU draws random slopes in training
        runs.append(train_classifier(model, data, steps=15, lr=0.01,
                                     seed=3, log_every=5))
    assert runs[0] == runs[1]


def test_clipping_bounds_the_update_and_divergence_is_reported():
    split = load_digits()
    data = tensor_batcher(split)
    torch.manual_seed(0)
    model = DeepMLP(64, 10, 16, 3, "relu", init_scale=3.0)
    before = torch.cat([p.detach().flatten() for p in model.parameters()])
    result = train_classifier(model, data, steps=1, lr=1.0, momentum=0.0,
                              clip_norm=0.1, seed=0)
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert result.grad_norm[0] > 0.1  # the logged norm is the one before clipping
    assert float((after - before).norm()) == pytest.approx(0.1, rel=1e-4)  # lr x clipped norm
    torch.manual_seed(0)
    model = DeepMLP(64, 10, 16, 3, "relu", init_scale=50.0)
    result = train_classifier(model, data, steps=30, lr=1.0, seed=0)
    assert result.diverged and result.test_accuracy != result.test_accuracy  # NaN
    with pytest.raises(LmbasicsError, match="unknown optimizer"):
        train_classifier(model, data, steps=1, lr=0.1, optimizer="lbfgs")
    with pytest.raises(LmbasicsError, match="cannot be a recurrent"):
        ElmanRNN(1, 4, 2, "glu")
    with pytest.raises(LmbasicsError, match="unknown init"):
        DeepMLP(4, 2, 4, 2, init="xavier")


def test_config_overrides():
    config = ExperimentConfig().with_overrides(["seeds=[4, 5, 6]", "steps=7", "init=lecun"])
    assert config.seeds == (4, 5, 6) and config.steps == 7 and config.init == "lecun"
    with pytest.raises(LmbasicsError, match="depths must be >= 1"):
        ExperimentConfig(depths=(0,))


def test_plots_survive_a_diverged_first_seed(tmp_path):
    from lmbasics.activations.plots import plot_remedies, plot_vanishing

    full = {"steps": [10, 20, 30], "train_loss": [2.0, 1.0, 0.5], "test_accuracy": 0.9,
            "diverged": False}
    short = {"steps": [10], "train_loss": [2.5], "test_accuracy": float("nan"),
             "diverged": True}
    gone = {"steps": [], "train_loss": [], "test_accuracy": float("nan"), "diverged": True}
    vanishing = {
        "ratio_at_init": {"he": {"relu": {"3": [1.0, 2.0]}, "glu": {"3": [0.5, 0.7]}}},
        "runs": {"relu": {"3": [short, full]}, "glu": {"3": [gone, gone]}},
    }
    plot_vanishing(vanishing, tmp_path / "v.png")
    plot_remedies({"tanh": {"plain": {"runs": [short, full]}}}, tmp_path / "r.png", 3)
    assert (tmp_path / "v.png").stat().st_size > 0 and (tmp_path / "r.png").stat().st_size > 0
