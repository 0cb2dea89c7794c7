"""Run all six activation experiments, then write results, plots and the markdown report.

``run_experiments(config, out_dir, report_path)`` is what ``lmbasics activations experiments``
calls. It sets ``torch.set_num_threads(config.threads)`` for the run (and restores it), so with
one thread and the same config the numbers are reproducible (the GELU timings aside).

Outputs in ``out_dir``: ``results.json``, ``config.json``, one PNG per experiment and
``activations.png``; and the report at ``report_path`` (default ``out_dir/activations.md``)
with image links relative to it. It does not do: anything the experiment modules do.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from lmbasics._util.atomic import atomic_write_text
from lmbasics._util.errors import LmbasicsError
from lmbasics.activations import plots, report, verdicts
from lmbasics.activations.config import ExperimentConfig
from lmbasics.activations.data import load_digits, load_digits_sequences
from lmbasics.activations.exploding import run_exploding
from lmbasics.activations.units import gelu_approximation, run_dead_relu, run_smooth
from lmbasics.activations.vanishing import run_remedies, run_vanishing

__all__ = ["rerender", "run_experiments", "write_outputs"]


def _setup(config: ExperimentConfig, results: dict[str, Any]) -> list[str]:
    c = config
    items = [
        "Digits: scikit-learn's bundled 8×8 digits, 1,437 train / 360 test (stratified, "
        "fixed split), standardised features; 10 classes, chance 0.10.",
        f"Experiment 1: MLPs of {', '.join(map(str, c.depths))} hidden layers × {c.width} "
        f"units, {c.init} init for every activation; SGD, momentum {c.momentum}, batch "
        f"{c.batch_size}, {c.steps} steps; each run keeps the better of learning rates "
        f"{', '.join(map(str, c.learning_rates))} by final training loss. Ratios are "
        "‖∂L/∂W_first‖ / ‖∂L/∂W_last‖ (input layer vs classifier) on 256 training examples "
        "at initialisation, under PyTorch's default init and under "
        f"{c.init} init.",
        f"Experiment 2: pixel-by-pixel digits (64 steps, 1 input) through a tanh Elman RNN "
        f"of {c.rnn_hidden} units with W_h = gain × orthogonal; trained at gain {c.rnn_gain}, "
        f"lr {c.rnn_lr}, {c.rnn_steps} steps, with and without clip_grad_norm_ "
        f"({c.clip_norm}). Feed-forward case: ReLU MLPs at {c.explode_init_scale}× He init.",
        f"Experiment 3: {', '.join(c.remedy_activations)} MLPs of {c.remedy_depth} layers, "
        f"lr {c.remedy_lr}; residual = h + f(W h); batch norm = Linear → BatchNorm1d → f.",
        f"Experiment 4: {c.dead_depth} hidden layers × {c.dead_width} units, plain SGD (no "
        f"momentum) at lr {', '.join(map(str, c.dead_learning_rates))}, {c.steps} steps; "
        f"dead/inactive fractions over the whole training set every {c.log_every} steps.",
        f"Experiment 5: {c.smooth_depth} hidden layers × {c.width} on digits (lr "
        f"{c.smooth_lr}); mean activations on the test set.",
        f"Experiment 6: error on {c.gelu_grid:,} points of [-10, 10] in float64; speed = "
        f"median of {c.speed_repeats} calls on {c.speed_size:,} float32 values, after each "
        "implementation is checked against the float64 reference.",
    ]
    if "sst2_sizes" in results["smooth"]:
        sizes = results["smooth"]["sst2_sizes"]
        items.append(
            f"SST-2 (experiment 5): stsa.binary train {sizes['train']:,} / test "
            f"{sizes['test']:,} sentences, vocabulary {sizes['vocab']:,} (min count "
            f"{c.sst2_min_count}); mean word embedding ({c.sst2_embedding_dim}) → "
            f"{c.sst2_depth} hidden layers; {c.sst2_optimizer} lr {c.sst2_lr}, "
            f"{c.sst2_steps} steps; chance 0.50."
        )
    else:
        items.append("SST-2: not run (no --sst2 directory given).")
    return items


def run_experiments(
    config: ExperimentConfig,
    out_dir: str | os.PathLike[str],
    report_path: str | os.PathLike[str] | None = None,
    command: str = "lmbasics activations experiments",
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run experiments 1-6 with ``config``; write everything; return the results and claims."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report_file = Path(report_path) if report_path is not None else out / "activations.md"
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        digits = load_digits()
        results: dict[str, Any] = {
            "vanishing": run_vanishing(config, digits, progress),
            "exploding": run_exploding(config, load_digits_sequences(), digits, progress),
            "remedies": run_remedies(config, digits, progress),
            "dead": run_dead_relu(config, digits, progress),
            "smooth": run_smooth(config, digits, progress),
            "gelu": gelu_approximation(config),
        }
    finally:
        torch.set_num_threads(previous_threads)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    progress(f"experiments: {wall:.0f} s wall, {cpu:.0f} s CPU")
    config_dict = config.to_dict()
    meta = {
        "command": command, "wall_seconds": wall, "cpu_seconds": cpu, "threads": config.threads,
        "torch": torch.__version__, "platform": f"{platform.system()} {platform.machine()}",
        "setup": _setup(config, results),
    }
    atomic_write_text(out / "config.json", json.dumps(config_dict, indent=2) + "\n")
    atomic_write_text(out / "results.json", json.dumps({"meta": meta, **results}) + "\n")
    write_outputs(results, config_dict, meta, out, report_file)
    return {"results": results, "claims": verdicts.claims(results, config_dict), "meta": meta}


def rerender(
    out_dir: str | os.PathLike[str], report_path: str | os.PathLike[str] | None = None
) -> list[dict[str, str]]:
    """Redraw the plots and rewrite the report from a finished run's JSON files; return claims.

    Verdicts are recomputed from ``results.json`` by the same code, so changing a plot or the
    report's wording never needs the experiments to run again.
    """
    out = Path(out_dir)
    try:
        saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
        config_dict = json.loads((out / "config.json").read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise LmbasicsError(f"no finished run in {out}: {error.filename} is missing") from None
    meta = saved.pop("meta")
    report_file = Path(report_path) if report_path is not None else out / "activations.md"
    write_outputs(saved, config_dict, meta, out, report_file)
    return verdicts.claims(saved, config_dict)


def write_outputs(
    results: dict[str, Any], config_dict: dict[str, Any], meta: dict[str, Any], out: Path,
    report_file: Path,
) -> None:
    """The PNGs in ``out`` and the markdown report at ``report_file``."""
    figures = {
        "Every activation and its derivative": ("`lmbasics activations plot`.",
                                                 "activations.png"),
        "1. Vanishing gradients": (
            "Left: first/last weight-gradient-norm ratio at initialisation (median, min–max "
            "over seeds). Right: training loss (mean, min–max band over seeds).",
            "vanishing.png"),
        "2. Exploding gradients and clipping": (
            "Left: ‖∂L/∂h_t‖ at initialisation per recurrent gain (median over seeds). "
            "Middle and right: training with and without clipping.", "exploding.png"),
        "3. Remedies: residual connections and batch normalization": (
            "Deep sigmoid and tanh MLPs; legend: mean test accuracy.", "remedies.png"),
        "4. Dead ReLUs at high learning rates": (
            "Peak fraction of dead units (zero output on every training example) and of "
            "inactive units (input ≤ 0 on every example), and test accuracy.", "dead.png"),
        "5. Smooth activations and mean activations": (
            "Test accuracy per activation (bars: mean; dots: seeds) and the mean activation "
            "of each hidden layer after training (digits test set).", "smooth.png"),
        "6. GELU's tanh approximation": ("Absolute error against x·Φ(x).", "gelu.png"),
    }
    plots.plot_functions(out / "activations.png")
    plots.plot_vanishing(results["vanishing"], out / "vanishing.png")
    plots.plot_exploding(results["exploding"], out / "exploding.png")
    plots.plot_remedies(results["remedies"], out / "remedies.png", config_dict["remedy_depth"])
    plots.plot_dead(results["dead"], out / "dead.png")
    plots.plot_smooth(results["smooth"], out / "smooth.png")
    plots.plot_gelu(results["gelu"], out / "gelu.png")
    relative = Path(os.path.relpath(out, report_file.parent))
    linked = {title: (caption, (relative / file).as_posix())
              for title, (caption, file) in figures.items()}
    atomic_write_text(report_file, report.render(results, config_dict, meta, linked))
