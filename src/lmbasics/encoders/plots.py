"""PNG plots of a comparison: one figure per axis, written atomically.

Agreement: accuracy by distance bin and by attractors (mean, error bars = std over seeds).
Semantic and translation: bars with error bars. Speed: training/inference tokens/s and memory
against sequence length, log-log. Curves (:func:`plot_curves`): every reported run's validation
score against training tokens seen and against training seconds, one colour per family, a dot
where the kept (best) weights were. Drawn on :func:`~lmbasics._util.figures.new_figure` (Agg
canvas, no pyplot, the user's backend untouched). No interactive backends, no styling beyond
labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lmbasics._util.figures import new_figure, save_png

DPI = 110


OUT_OF_DISTRIBUTION = (
    ("linzen", "Linzen\n2016"),
    ("gulordava_original", "Gulordava\noriginal"),
    ("gulordava_generated", "Gulordava\nnonce"),
)


def _interval(entry: dict[str, Any]) -> float:
    """The 95 % half-width of an accuracy entry (older results: the seeds' spread)."""
    return entry.get("ci95", entry["std"])


def plot_agreement(results: dict[str, Any], path: Path) -> Path:
    """Held-out accuracy by distance bin and by attractors, and the out-of-distribution sets;
    error bars are 95 % intervals (binomial error of the bin plus the seeds' spread)."""
    figure = new_figure((16, 4), DPI)
    axes = figure.subplots(1, 3, gridspec_kw={"width_ratios": [5, 3, 3]})
    families = results["families"]
    for index, (family, result) in enumerate(families.items()):
        shift = 0.08 * (index - (len(families) - 1) / 2)  # side by side, intervals readable
        for axis, key in zip(axes, ("by_distance", "by_attractors")):
            groups = result["test"][key]
            labels = list(groups)
            axis.errorbar(
                [x + shift for x in range(len(labels))],
                [100 * groups[k]["mean"] for k in labels],
                yerr=[100 * _interval(groups[k]) for k in labels],
                marker="o",
                capsize=3,
                label=family,
            )
            counts = [groups[k].get("count") for k in labels]
            axis.set_xticks(range(len(labels)), [f"{k}\nn={n}" if n else k for k, n in zip(labels, counts)])
        present = [(key, name) for key, name in OUT_OF_DISTRIBUTION if result.get(key)]
        axes[2].bar(
            [x + 0.8 * (index / len(families) - 0.4) for x in range(len(present))],
            [100 * result[key]["accuracy"]["mean"] for key, _ in present],
            width=0.8 / len(families),
            yerr=[100 * _interval(result[key]["accuracy"]) for key, _ in present],
            capsize=3,
            label=family,
            align="edge",
        )
        axes[2].set_xticks(range(len(present)), [name for _, name in present])
    axes[0].set(xlabel="subject-verb distance (test set: same count per bin)", ylabel="accuracy (%)")
    axes[0].set_title("agreement, held out (95 % intervals)")
    axes[1].set(xlabel="attractors (4 = 4 or more)", ylabel="accuracy (%)", title="by attractors")
    axes[2].set(ylabel="accuracy (%)", title="out of distribution", ylim=(0, 100))
    for axis in axes:
        axis.axhline(50, color="grey", lw=0.5)
    axes[0].legend()
    save_png(figure, path)
    return path


def _bars(axis: Any, families: dict[str, Any], key: str, scale: float, title: str) -> None:
    names = list(families)
    axis.bar(
        range(len(names)),
        [scale * families[f][key]["mean"] for f in names],
        yerr=[scale * families[f][key]["std"] for f in names],
        capsize=4,
    )
    axis.set_xticks(range(len(names)), names)
    axis.set_title(title)


def plot_semantic(results: dict[str, Any], path: Path) -> Path:
    figure = new_figure((9, 3.5), DPI)
    axes = figure.subplots(1, 2)
    for axis, task in zip(axes, ("wic", "sst2")):
        _bars(axis, results["families"], task, 100, f"{task} accuracy (%)")
        axis.axhline(100 * results["majority_baseline"][task], color="grey", lw=0.8, ls="--")
    save_png(figure, path)
    return path


def plot_translation(results: dict[str, Any], path: Path) -> Path:
    figure = new_figure((5, 3.5), DPI)
    axis = figure.subplots()
    _bars(axis, results["families"], "bleu", 1.0, f"BLEU ({results['data']['source']})")
    save_png(figure, path)
    return path


def plot_speed(results: dict[str, Any], path: Path) -> Path:
    figure = new_figure((14, 4), DPI)
    axes = figure.subplots(1, 3)
    keys = (
        ("train_tokens_per_s", "training tokens/s"),
        ("inference_tokens_per_s", "inference tokens/s"),
        ("memory_bytes", "memory (MiB)"),
    )
    for family, rows in results["families"].items():
        lengths = [int(k) for k in rows]
        for axis, (key, label) in zip(axes, keys):
            scale = 2**-20 if key == "memory_bytes" else 1.0
            axis.plot(lengths, [scale * rows[str(n)][key] for n in lengths], marker="o", label=family)
            axis.set(xscale="log", yscale="log", xlabel="sequence length", ylabel=label)
    axes[0].legend()
    axes[0].set_title(f"{results['device']}, {results['threads']} thread(s)")
    save_png(figure, path)
    return path


def plot_curves(results: dict[str, Any], path: Path) -> Path:
    """Validation score vs tokens seen (left) and vs training seconds (right), a row per task."""
    tasks = results["tuning"]
    figure = new_figure((11, 3.6 * len(tasks)), DPI)
    axes = figure.subplots(len(tasks), 2, squeeze=False)
    for row, (task, block) in zip(axes, tasks.items()):
        for index, (family, tuned) in enumerate(block["families"].items()):
            rate = tuned["chosen"]["learning_rate"]
            for number, run in enumerate(tuned["runs"]):
                tokens, seconds, scores = zip(*run["curve"]) if run["curve"] else ((), (), ())
                best = tokens.index(run["best_tokens"]) if run["best_tokens"] in tokens else None
                for axis, xs in zip(row, (tokens, seconds)):
                    label = f"{family} (lr {rate:g})" if number == 0 else None
                    axis.plot(xs, scores, color=f"C{index}", lw=1, alpha=0.8, label=label)
                    if best is not None:
                        axis.plot([xs[best]], [scores[best]], "o", color=f"C{index}", ms=4)
        row[0].set(xlabel="training tokens seen", ylabel=block["metric"], title=task)
        row[1].set(xlabel="training seconds", ylabel=block["metric"], title=f"{task}, by wall clock")
        row[0].legend(fontsize="small")
    save_png(figure, path)
    return path


PLOTTERS = {
    "agreement": plot_agreement,
    "semantic": plot_semantic,
    "translation": plot_translation,
    "speed": plot_speed,
}
