"""PNG figures: every activation with its derivative, and one figure per experiment.

Drawn on :func:`~lmbasics._util.figures.new_figure` (the Agg canvas, no pyplot: the user's
backend is left alone), small (dpi 80), written atomically. It does not do: interactive plots.
"""

from __future__ import annotations

import os
from typing import Any

import matplotlib
import numpy as np
from matplotlib.ticker import MaxNLocator

from lmbasics._util.figures import new_figure, save_png
from lmbasics.activations import functions
from lmbasics.activations.verdicts import measured_peak

__all__ = ["plot_dead", "plot_exploding", "plot_functions", "plot_gelu", "plot_remedies",
           "plot_smooth", "plot_vanishing"]

DPI = 80


def _colours(names) -> dict[str, Any]:
    """Distinct colours: tab10, then black (the registry has 11 entries)."""
    cmap = matplotlib.colormaps["tab10"]
    return {name: cmap(i) if i < 10 else "black" for i, name in enumerate(names)}


def _band(ax, seeds: list[dict[str, Any]], key: str, colour, label: str) -> None:
    """Mean of full-length runs as a line, min-max as a band; shorter (diverged) runs dropped."""
    runs = [seed[key] for seed in seeds]
    length = max((len(r) for r in runs), default=0)
    x = np.array(max((seed["steps"] for seed in seeds), key=len, default=[]))
    full = np.array([r for r in runs if len(r) == length and length], dtype=float)
    if not len(full):
        ax.plot([], [], color=colour, label=f"{label} (diverged)")
        return
    label = label if len(full) == len(runs) else f"{label} ({len(runs) - len(full)} diverged)"
    ax.plot(x[:length], full.mean(axis=0), color=colour, label=label, lw=1.3)
    ax.fill_between(x[:length], full.min(axis=0), full.max(axis=0), color=colour, alpha=0.2)


def plot_functions(path: str | os.PathLike[str]) -> None:
    """Every registry activation (solid) and its derivative (dashed) on one labelled grid."""
    x = np.linspace(-4.0, 4.0, 801)
    entries = list(functions.ACTIVATIONS.values())
    cols = 4
    rows = -(-len(entries) // cols)
    fig = new_figure((3.1 * cols, 2.5 * rows), DPI)
    axes = fig.subplots(rows, cols, sharex=True)
    for ax, entry in zip(axes.flat, entries):
        if entry.elementwise:
            y, dy, title = entry.forward(x), entry.derivative(x), entry.name
        else:  # GLU along the gate: glu([1, b]) = sigma(b), d/db = sigma'(b)
            pair = np.stack([np.ones_like(x), x], axis=-1)
            y = functions.glu(pair)[:, 0]
            dy = functions.glu_vjp(pair, np.ones((len(x), 1)))[:, 1]
            title = "glu, a = 1, vs gate b"
        ax.plot(x, y, label="f", lw=1.6)
        ax.plot(x, dy, "--", label="f'", lw=1.3)
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(-1.5, 4.0)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(entries):]:
        ax.axis("off")
    axes.flat[0].legend(loc="upper left")
    fig.suptitle("activation functions f (solid) and derivatives f' (dashed)")
    save_png(fig, path)


def plot_vanishing(results: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Ratio vs depth (one panel per init), then training loss per depth."""
    ratios, runs = results["ratio_at_init"], results["runs"]
    names = list(runs)
    depths = list(next(iter(runs.values())))
    colours = _colours(names)
    fig = new_figure((3.6 * (len(ratios) + len(depths)), 3.8), DPI)
    axes = fig.subplots(1, len(ratios) + len(depths))
    for ax, (init, per_name) in zip(axes, ratios.items()):
        for name in names:
            values = np.array([per_name[name][d] for d in depths], dtype=float)
            middle = np.median(values, axis=1)
            ax.errorbar([int(d) for d in depths], middle,
                        yerr=[middle - values.min(1), values.max(1) - middle],
                        color=colours[name], marker="o", ms=3, label=name, capsize=2)
        ax.set_yscale("log")
        ax.set_xlabel("hidden layers")
        ax.set_ylabel("|grad W_first| / |grad W_last|")
        ax.set_title(f"at init ({init})")
        ax.grid(alpha=0.3, which="both")
    for ax, depth in zip(axes[len(ratios):], depths):
        for name in names:
            seeds = runs[name][depth]
            _band(ax, seeds, "train_loss", colours[name], name)
        ax.set_title(f"training, {depth} layers")
        ax.set_xlabel("SGD step")
        ax.set_ylabel("train loss")
        ax.set_ylim(0, 3.0)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=6, ncol=2)
    save_png(fig, path)


def plot_remedies(results: dict[str, Any], path: str | os.PathLike[str], depth: int) -> None:
    """Training loss of the deep sigmoid/tanh nets, plain vs residual vs batch norm."""
    fig = new_figure((5 * len(results), 3.6), DPI)
    axes = fig.subplots(1, len(results), squeeze=False)
    for ax, (name, variants) in zip(axes[0], results.items()):
        colours = _colours(list(variants))
        for variant, entry in variants.items():
            runs = entry["runs"]
            accuracy = np.nanmean([r["test_accuracy"] for r in runs])
            _band(ax, runs, "train_loss", colours[variant], f"{variant} (test acc {accuracy:.2f})")
        ax.set_title(f"{name}, {depth} layers")
        ax.set_xlabel("SGD step")
        ax.set_ylabel("train loss (log scale)")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    save_png(fig, path)


def plot_exploding(results: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """‖∂L/∂h_t‖ through time per gain; training loss and gradient norm with/without clipping."""
    fig = new_figure((14, 3.8), DPI)
    axes = fig.subplots(1, 3)
    for gain, runs in results["through_time"].items():
        values = np.array(runs)
        t = np.arange(1, values.shape[1] + 1)
        axes[0].semilogy(t, np.median(values, axis=0), label=f"gain {gain}")
    axes[0].set_xlabel("time step t (pixel)")
    axes[0].set_ylabel("|dL/dh_t| at init")
    axes[0].set_title("tanh RNN: gradient through time")
    axes[0].legend(fontsize=8)
    colours = _colours(list(results["training"]))
    for label, runs in results["training"].items():
        for index, run in enumerate(runs):
            kwargs = {"label": label} if index == 0 else {}
            axes[1].plot(run["steps"], run["train_loss"], color=colours[label], lw=1, **kwargs)
            axes[2].semilogy(run["steps"], run["grad_norm"], color=colours[label], lw=1,
                             **kwargs)
    axes[1].set_title("training (one line per seed)")
    axes[1].set_xlabel("SGD step")
    axes[1].set_ylabel("train loss")
    axes[2].set_title("gradient norm before clipping")
    axes[2].set_xlabel("SGD step")
    for ax in axes:
        ax.grid(alpha=0.3, which="both")
    axes[1].legend(fontsize=8)
    save_png(fig, path)


def plot_dead(results: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Peak dead and inactive fractions and test accuracy against the learning rate."""
    fig = new_figure((10, 3.6), DPI)
    axes = fig.subplots(1, 2)
    colours = _colours(list(results))
    for name, per_lr in results.items():
        lrs = [float(lr) for lr in per_lr]
        dead = [measured_peak(runs, "peak_dead") for runs in per_lr.values()]
        inactive = [measured_peak(runs, "peak_inactive") for runs in per_lr.values()]
        accuracy = [np.nanmean([r["test_accuracy"] for r in runs])
                    if not all(r["diverged"] for r in runs) else np.nan
                    for runs in per_lr.values()]
        axes[0].plot(lrs, dead, marker="o", color=colours[name], label=f"{name} dead")
        axes[0].plot(lrs, inactive, ls=":", marker="x", color=colours[name],
                     label=f"{name} inactive")
        axes[1].plot(lrs, accuracy, marker="o", color=colours[name], label=name)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (SGD, no momentum)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of units, peak in training\n(gaps: diverged before measuring)")
    axes[1].set_ylabel("test accuracy (diverged runs left out)")
    axes[0].legend(fontsize=6, ncol=2)
    axes[1].legend(fontsize=7)
    save_png(fig, path)


def plot_smooth(results: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Test accuracy per activation (digits, SST-2), and per-layer mean activation."""
    tasks = [key for key in ("digits", "sst2") if key in results]
    fig = new_figure((4.2 * (len(tasks) + 1), 3.6), DPI)
    axes = fig.subplots(1, len(tasks) + 1)
    for ax, task in zip(axes, tasks):
        names = list(results[task])
        for i, name in enumerate(names):
            values = [r["test_accuracy"] for r in results[task][name]]
            ax.bar(i, np.nanmean(values), color="lightsteelblue")
            ax.plot([i] * len(values), values, "k.", ms=5)
        ax.set_xticks(range(len(names)), names)
        low = min(np.nanmin([r["test_accuracy"] for r in results[task][n]]) for n in names)
        ax.set_ylim(max(0.0, low - 0.05), 1.0)
        ax.set_title(f"{task}: test accuracy (dots: seeds)")
    colours = _colours(list(results["digits"]))
    for name, runs in results["digits"].items():
        means = np.array([r["mean_trained"] for r in runs if r["mean_trained"] is not None])
        if len(means):
            axes[-1].plot(range(1, means.shape[1] + 1), means.mean(axis=0), marker="o",
                          color=colours[name], label=name)
    axes[-1].axhline(0, color="grey", lw=0.6)
    axes[-1].set_xlabel("hidden layer")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[-1].set_ylabel("mean activation (test set, trained)")
    axes[-1].legend(fontsize=8)
    save_png(fig, path)


def plot_gelu(results: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """|GELU(x) - GELU_tanh(x)| over the grid."""
    fig = new_figure((6, 3.2), DPI)
    ax = fig.subplots()
    ax.plot(results["error_curve"]["x"], results["error_curve"]["error"])
    ax.set_xlabel("x")
    ax.set_ylabel("|x Phi(x) - tanh approximation|")
    ax.set_title(f"max {results['max_abs_error']:.2e} at x = {results['at_x']:.3f}")
    ax.grid(alpha=0.3)
    save_png(fig, path)
