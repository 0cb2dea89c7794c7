"""Experiments 1 and 3: vanishing gradients in deep MLPs, and the remedies that rescue them.

1. For every activation and depth, the ratio of the first layer's weight-gradient norm to the
   last layer's at initialisation (PyTorch's default init and He init), and training curves
   with plain SGD on digits (each run keeps the better of ``learning_rates`` by final training
   loss, so no activation loses to a badly chosen step size).
3. The deepest sigmoid and tanh networks again, plain vs residual vs batch norm vs both.

Results are plain dicts of lists (JSON-ready); keys are strings. It does not do: plotting
(:mod:`lmbasics.activations.plots`) or verdicts (:mod:`lmbasics.activations.report`).
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import torch
import torch.nn.functional as F

from lmbasics.activations.config import ExperimentConfig
from lmbasics.activations.data import Split
from lmbasics.activations.gradflow import GradientFlowRecorder, gradient_norm_ratio
from lmbasics.activations.networks import DeepMLP
from lmbasics.activations.training import RunResult, tensor_batcher, train_classifier

__all__ = ["ratio_at_init", "run_remedies", "run_vanishing"]

RATIO_BATCH = 256  # training examples in the one backward pass that measures a ratio
REMEDIES = {
    "plain": {},
    "residual": {"residual": True},
    "batchnorm": {"batchnorm": True},
    "residual+batchnorm": {"residual": True, "batchnorm": True},
}


def ratio_at_init(model: torch.nn.Module, split: Split) -> float:
    """First-layer / last-layer weight-gradient norm after one backward pass at init."""
    with GradientFlowRecorder(model) as recorder:
        logits = model(split.x_train[:RATIO_BATCH])
        F.cross_entropy(logits, split.y_train[:RATIO_BATCH]).backward()
        record = recorder.step()
    model.zero_grad(set_to_none=True)
    return gradient_norm_ratio(record)


def _result_dict(result: RunResult, lr: float) -> dict[str, Any]:
    return {**asdict(result), "lr": lr}


def _best_run(
    build, split: Split, config: ExperimentConfig, seed: int, learning_rates
) -> dict[str, Any]:
    """Train a fresh ``build()`` at each learning rate; keep the lowest final training loss."""
    data = tensor_batcher(split)
    best: dict[str, Any] | None = None
    for lr in learning_rates:
        torch.manual_seed(seed)
        result = train_classifier(
            build(), data, steps=config.steps, lr=lr,
            momentum=config.momentum, batch_size=config.batch_size, seed=seed,
            log_every=config.log_every,
        )
        final = result.train_loss[-1] if result.train_loss and not result.diverged else math.inf
        run = {**_result_dict(result, lr), "final_loss": final}
        if best is None or final < best["final_loss"]:
            best = run
    assert best is not None
    return best


def run_vanishing(config: ExperimentConfig, split: Split, progress=print) -> dict[str, Any]:
    """Experiment 1: gradient-norm ratios at init and training curves, every activation x depth."""
    ratios: dict[str, dict[str, dict[str, list[float]]]] = {}
    for init in ("default", config.init):
        ratios[init] = {}
        for name in config.activations:
            ratios[init][name] = {}
            for depth in config.depths:
                values = []
                for seed in config.seeds:
                    torch.manual_seed(seed)
                    model = DeepMLP(64, 10, config.width, depth, name, init=init)
                    values.append(ratio_at_init(model, split))
                ratios[init][name][str(depth)] = values
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in config.activations:
        runs[name] = {}
        for depth in config.depths:
            def build(name=name, depth=depth):
                return DeepMLP(64, 10, config.width, depth, name, init=config.init)

            runs[name][str(depth)] = [
                _best_run(build, split, config, seed, config.learning_rates)
                for seed in config.seeds
            ]
            accuracies = [r["test_accuracy"] for r in runs[name][str(depth)]]
            progress(f"vanishing: {name} depth {depth}: test accuracy {accuracies}")
    return {"ratio_at_init": ratios, "runs": runs}


def run_remedies(config: ExperimentConfig, split: Split, progress=print) -> dict[str, Any]:
    """Experiment 3: deep sigmoid/tanh nets, plain vs residual vs batch norm (vs both)."""
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for name in config.remedy_activations:
        results[name] = {}
        for variant, options in REMEDIES.items():
            def build(name=name, options=options):
                return DeepMLP(64, 10, config.width, config.remedy_depth, name,
                               init=config.init, **options)

            ratios, runs = [], []
            for seed in config.seeds:
                torch.manual_seed(seed)
                ratios.append(ratio_at_init(build(), split))
                runs.append(_best_run(build, split, config, seed, (config.remedy_lr,)))
            results[name][variant] = {"ratio_at_init": ratios, "runs": runs}
            progress(f"remedies: {name} {variant}: test accuracy "
                     f"{[r['test_accuracy'] for r in runs]}")
    return results
