"""Experiments 4-6: dead ReLUs, smooth activations, and GELU's tanh approximation.

4. Dead ReLU: a 4-layer MLP trained with plain SGD (no momentum) at rising learning rates;
   every ``log_every`` steps the dead and inactive fractions of hidden units are measured over
   the whole training set (definitions in :mod:`lmbasics.activations.gradflow`).
5. Smooth activations: GELU and Swish against ReLU (and ELU) on the same MLP on digits and on a
   bag-of-words MLP on SST-2; and the mean of each layer's activations, ELU against ReLU.
6. GELU's tanh approximation: maximum absolute error against x·Φ(x) on a dense grid (float64,
   and torch float32), and the time of each form on one CPU thread.

It does not do: plotting or verdicts.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lmbasics._util.errors import LmbasicsError
from lmbasics._util.timing import median_seconds
from lmbasics.activations import functions
from lmbasics.activations.config import ExperimentConfig
from lmbasics.activations.data import Split, load_sst2
from lmbasics.activations.gradflow import GradientFlowRecorder
from lmbasics.activations.networks import BagOfWordsMLP, DeepMLP
from lmbasics.activations.training import bag_batcher, tensor_batcher, train_classifier

__all__ = ["gelu_approximation", "run_dead_relu", "run_smooth", "unit_statistics"]


@torch.no_grad()
def unit_statistics(model: torch.nn.Module, inputs: torch.Tensor) -> dict[str, list[float]]:
    """Per activation layer over ``inputs`` (one batch): dead, inactive fractions, mean."""
    was_training = model.training
    model.eval()
    with GradientFlowRecorder(model) as recorder:
        model(inputs)
        record = recorder.step()
    model.train(was_training)
    return {key: list(record[key].values()) for key in ("dead", "inactive", "mean", "std")}


def _finite(model: torch.nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


def run_dead_relu(config: ExperimentConfig, split: Split, progress=print) -> dict[str, Any]:
    """Experiment 4: dead / inactive fractions of hidden units vs learning rate."""
    data = tensor_batcher(split)
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in config.dead_activations:
        results[name] = {}
        for lr in config.dead_learning_rates:
            runs = []
            for seed in config.seeds:
                torch.manual_seed(seed)
                model = DeepMLP(64, 10, config.dead_width, config.dead_depth, name,
                                init=config.init)
                trace: dict[str, list[float]] = {"step": [], "dead": [], "inactive": []}

                def measure(step: int, model=model, trace=trace) -> None:
                    if _finite(model):
                        stats = unit_statistics(model, split.x_train)
                        trace["step"].append(step)
                        trace["dead"].append(float(np.mean(stats["dead"])))
                        trace["inactive"].append(float(np.mean(stats["inactive"])))

                measure(0)
                result = train_classifier(
                    model, data, steps=config.steps, lr=lr, momentum=0.0,
                    batch_size=config.batch_size, seed=seed, log_every=config.log_every,
                    on_log=measure,
                )
                runs.append({
                    "test_accuracy": result.test_accuracy, "diverged": result.diverged,
                    "peak_dead": max(trace["dead"]), "final_dead": trace["dead"][-1],
                    "peak_inactive": max(trace["inactive"]),
                    "final_inactive": trace["inactive"][-1], "trace": trace,
                })
            results[name][str(lr)] = runs
            progress(f"dead units: {name} lr {lr}: peak dead "
                     f"{[round(r['peak_dead'], 3) for r in runs]}")
    return results


def run_smooth(config: ExperimentConfig, split: Split, progress=print) -> dict[str, Any]:
    """Experiment 5: same MLP with each smooth activation, digits and (if given) SST-2."""
    data = tensor_batcher(split)
    digits: dict[str, list[dict[str, Any]]] = {}
    for name in config.smooth_activations:
        digits[name] = []
        for seed in config.seeds:
            torch.manual_seed(seed)
            model = DeepMLP(64, 10, config.width, config.smooth_depth, name, init=config.init)
            at_init = unit_statistics(model, split.x_test)
            result = train_classifier(
                model, data, steps=config.steps, lr=config.smooth_lr,
                momentum=config.momentum, batch_size=config.batch_size, seed=seed,
                log_every=config.log_every,
            )
            trained = unit_statistics(model, split.x_test) if _finite(model) else None
            digits[name].append({
                **asdict(result),
                "mean_at_init": at_init["mean"],
                "mean_trained": trained["mean"] if trained else None,
            })
        progress(f"smooth: digits {name}: test accuracy "
                 f"{[r['test_accuracy'] for r in digits[name]]}")
    results: dict[str, Any] = {"digits": digits}
    if config.sst2_dir is not None:
        sst2 = load_sst2(config.sst2_dir, max_train=config.sst2_max_train,
                         min_count=config.sst2_min_count)
        sentences = bag_batcher(sst2)
        text: dict[str, list[dict[str, Any]]] = {}
        for name in config.smooth_activations:
            text[name] = []
            for seed in config.seeds:
                torch.manual_seed(seed)
                model = BagOfWordsMLP(len(sst2.vocab), config.sst2_embedding_dim, 2,
                                      config.width, config.sst2_depth, name, init=config.init)
                result = train_classifier(
                    model, sentences, steps=config.sst2_steps,
                    lr=config.sst2_lr, momentum=config.momentum, batch_size=config.batch_size,
                    seed=seed, log_every=config.log_every, optimizer=config.sst2_optimizer,
                )
                text[name].append(asdict(result))
            progress(f"smooth: SST-2 {name}: test accuracy "
                     f"{[r['test_accuracy'] for r in text[name]]}")
        results["sst2"] = text
        results["sst2_sizes"] = {"train": sentences.n_train, "test": sentences.n_test,
                                 "vocab": len(sst2.vocab)}
    return results


def gelu_approximation(config: ExperimentConfig) -> dict[str, Any]:
    """Experiment 6: the tanh approximation's error, then (only if it is right) its speed."""
    grid = np.linspace(-10.0, 10.0, config.gelu_grid)
    error = np.abs(functions.gelu(grid) - functions.gelu_tanh(grid))
    worst = int(np.argmax(error))
    derivative_error = np.abs(functions.gelu_derivative(grid)
                              - functions.gelu_tanh_derivative(grid))
    x32 = torch.from_numpy(grid.astype(np.float32))
    torch_error = float((F.gelu(x32) - F.gelu(x32, approximate="tanh")).abs().max())
    # check each implementation against the float64 reference before timing it
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(config.speed_size, generator=generator) * 3.0
    x_np = x.numpy()
    reference = functions.gelu(x_np.astype(np.float64))
    implementations = {
        "torch exact (erf)": (lambda t: F.gelu(t), x, reference),
        "torch tanh": (lambda t: F.gelu(t, approximate="tanh"), x, reference),
        "numpy exact (erf)": (functions.gelu, x_np, reference),
        "numpy tanh": (functions.gelu_tanh, x_np, reference),
    }
    seconds = {}
    for label, (fn, inputs, expected) in implementations.items():
        got = np.asarray(fn(inputs), dtype=np.float64)
        if not np.allclose(got, expected, atol=1e-3, rtol=1e-3):
            raise LmbasicsError(f"gelu speed check: {label} disagrees with the reference")
        seconds[label] = median_seconds(partial(fn, inputs), config.speed_repeats)
    return {
        "max_abs_error": float(error[worst]),
        "at_x": float(grid[worst]),
        "mean_abs_error": float(error.mean()),
        "max_abs_derivative_error": float(derivative_error.max()),
        "torch_float32_max_abs_error": torch_error,
        "grid": [float(grid[0]), float(grid[-1]), int(config.gelu_grid)],
        "seconds": seconds,
        "elements": int(config.speed_size),
        "threads": int(torch.get_num_threads()),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "error_curve": {"x": grid[:: max(1, len(grid) // 2000)].tolist(),
                        "error": error[:: max(1, len(grid) // 2000)].tolist()},
    }
