"""The word2vec claims' figures (PNG), drawn on an Agg ``Figure`` (``_util.figures``).

- ``w3-accuracy.png``, ``w3-ws353.png``: test analogy accuracy and WS-353 Spearman against corpus
  tokens (log x), mean ± std over seeds, one line per model;
- ``w3-time.png``: accuracy against training seconds (log x);
- ``w3-difference.png``: SG − CBOW per loss against tokens, ± 2 se, the crossover marked;
- ``w2-sections.png``: analogy accuracy by section, trained vs random vectors;
- ``w5-buckets.png``: HS vs NS at equal training time on frequent and rare questions.

It does not do: compute statistics (``scaling.py``, ``analysis.py``) or judge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from lmbasics._util.figures import new_figure, save_png
from lmbasics.word2vec.claims.analysis import outcome_array

COLOURS = {"sg-ns": "tab:blue", "cbow-ns": "tab:orange", "sg-hs": "tab:green",
           "cbow-hs": "tab:red", "random": "tab:gray"}


def _by_model(scaling: dict[str, Any], metric: str, x_key: str) -> dict[str, tuple]:
    lines: dict[str, list] = {}
    for size in scaling["sizes"]:
        for model, s in size["models"].items():
            x = s["corpus_tokens"] if x_key == "tokens" else s["train_seconds"]["mean"]
            lines.setdefault(model, []).append((x, s[metric]["mean"], s[metric]["std"]))
    return {m: tuple(np.array(v).T) for m, v in lines.items()}


def plot_scaling(scaling: dict[str, Any], out: Path, metric: str, x_key: str) -> Path:
    """One metric (``accuracy``/``ws353``) against tokens or training seconds."""
    figure = new_figure((6.4, 4.2), 110)
    ax = figure.subplots()
    scale = 100.0 if metric == "accuracy" else 1.0
    for model, (x, mean, std) in _by_model(scaling, metric, x_key).items():
        ax.errorbar(x, scale * mean, yerr=scale * std, marker="o", capsize=3, label=model,
                    color=COLOURS.get(model))
    ax.set_xscale("log")
    ax.set_xlabel("corpus tokens" if x_key == "tokens" else "training seconds (mean over seeds)")
    ax.set_ylabel("test analogy accuracy (%)" if metric == "accuracy" else "WS-353 Spearman")
    ax.grid(alpha=0.3)
    ax.legend()
    name = {("accuracy", "tokens"): "w3-accuracy", ("ws353", "tokens"): "w3-ws353",
            ("accuracy", "seconds"): "w3-time"}[(metric, x_key)]
    path = out / f"{name}.png"
    save_png(figure, path)
    return path


def plot_difference(scaling: dict[str, Any], out: Path) -> Path:
    """SG − CBOW accuracy per loss with ± 2 se bands and the crossover."""
    figure = new_figure((6.4, 4.2), 110)
    ax = figure.subplots()
    for loss, colour in (("ns", "tab:blue"), ("hs", "tab:green")):
        rows = scaling["differences"].get(loss, {}).get("accuracy", [])
        if not rows:
            continue
        x = np.array([r["tokens"] for r in rows], dtype=float)
        d = 100 * np.array([r["d"] for r in rows])
        se = 100 * np.array([r["se"] for r in rows])
        ax.plot(x, d, marker="o", color=colour, label=f"{loss}: SG − CBOW")
        ax.fill_between(x, d - 2 * se, d + 2 * se, color=colour, alpha=0.15)
        cross = scaling["crossover"][loss]["accuracy"]
        if cross.get("tokens"):
            ax.axvline(cross["tokens"], color=colour, linestyle="--", alpha=0.7)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("corpus tokens")
    ax.set_ylabel("SG − CBOW test accuracy (points), ± 2 se")
    ax.grid(alpha=0.3)
    ax.legend()
    path = out / "w3-difference.png"
    save_png(figure, path)
    return path


def section_accuracy(outcomes: str, sections: list[str]) -> dict[str, float]:
    """Accuracy per section over the questions asked (NaN where none was)."""
    array = outcome_array(outcomes)
    names = list(dict.fromkeys(sections))
    labels = np.array(sections)
    out = {}
    for name in names:
        part = array[labels == name]
        asked = int((part >= 0).sum())
        out[name] = float((part == 1).sum() / asked) if asked else float("nan")
    return out


def plot_sections(vectors: dict[str, Any], sections: list[str], out: Path) -> Path:
    """Analogy accuracy per section: each trained model beside the random vectors."""
    series = {m: section_accuracy(v["test"], sections) for m, v in vectors["models"].items()}
    series["random"] = section_accuracy(vectors["random"]["test"], sections)
    names = list(dict.fromkeys(sections))
    figure = new_figure((9.0, 4.6), 110)
    ax = figure.subplots()
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series.items()):
        heights = [100 * np.nan_to_num(values[n]) for n in names]
        ax.bar(np.arange(len(names)) + i * width, heights, width, label=label,
               color=COLOURS.get(label))
    ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names, rotation=45, ha="right",
                  fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"Analogies by section, {vectors['size']} tokens: trained vs random vectors")
    ax.legend()
    path = out / "w2-sections.png"
    save_png(figure, path)
    return path


def plot_buckets(equal_time: dict[str, Any], out: Path) -> Path:
    """HS vs NS (equal training time) accuracy on frequent and rare questions, ± 2 se."""
    figure = new_figure((6.4, 4.2), 110)
    ax = figure.subplots()
    labels, offset = [], 0
    for arch, item in equal_time["architectures"].items():
        for bucket in ("frequent", "rare"):
            for j, loss in enumerate(("hs", "ns")):
                cell = item[loss][bucket]
                ax.bar(offset + j * 0.4, 100 * np.nan_to_num(cell["accuracy"]), 0.4,
                       yerr=200 * np.nan_to_num(cell["se"]), capsize=3,
                       color=COLOURS[f"{arch}-{loss}"], label=f"{arch}-{loss}" if
                       bucket == "frequent" else None)
            labels.append((offset + 0.2, f"{arch}\n{bucket}"))
            offset += 1
    ax.set_xticks([x for x, _ in labels], [t for _, t in labels])
    ax.set_ylabel("test analogy accuracy (%), ± 2 se")
    ax.set_title(f"Equal training time, {equal_time['size']} tokens")
    ax.legend()
    path = out / "w5-buckets.png"
    save_png(figure, path)
    return path
