"""Pictures of word vectors: a labelled 2-D map with analogy arrows, and one-hot vs distributed.

The map projects the chosen words (see :mod:`.projection`), places labels so they do not
overlap (:mod:`.labels`), and draws an arrow per analogy pair: parallel arrows of similar length
(king→queen beside man→woman) are the picture of ``king - man + woman ≈ queen``
(Mikolov et al., *Linguistic Regularities in Continuous Space Word Representations*, 2013).

The one-hot figure puts the cosine-similarity matrix of the words' one-hot vectors (the
identity: every word is equally unlike every other) beside the same matrix for the trained
vectors (Bengio et al., *A Neural Probabilistic Language Model*, 2003, on distributed
representations).

Figures are built with :func:`~lmbasics._util.figures.new_figure` (a ``Figure`` on the Agg
canvas: no pyplot state, safe off the main thread) and written atomically. Not here: the web
page's map, which the browser draws.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.lines import Line2D

from lmbasics._util.errors import LmbasicsError, UnknownWordError
from lmbasics._util.figures import new_figure, save_png
from lmbasics.explore.fonts import font_families, missing_cjk_font
from lmbasics.explore.labels import place_labels
from lmbasics.explore.projection import Projection, project, unit_rows
from lmbasics.word2vec.keyedvectors import KeyedVectors

MAX_MAP_WORDS = 500  # beyond this labels cannot be read (and placing them takes minutes)
# matplotlib's tab10 without its grey (the colour of unpaired points)
ARROW_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
                 "#bcbd22", "#17becf")


def check_words(kv: KeyedVectors, words: Sequence[str], minimum: int = 2) -> list[str]:
    """``words`` deduplicated in order; all must be in ``kv``, and at least ``minimum``."""
    unique = list(dict.fromkeys(word for word in words if word))
    unknown = [word for word in unique if word not in kv]
    if unknown:
        listed = ", ".join(repr(word) for word in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise UnknownWordError(f"not in the vocabulary: {listed}{more}")
    if len(unique) < minimum:
        raise LmbasicsError(f"need at least {minimum} different words, got {len(unique)}")
    return unique


@contextlib.contextmanager
def _label_fonts(labels: list[str]) -> Iterator[None]:
    """Fonts that can draw ``labels``; one clear warning (not one per glyph) if none can."""
    with matplotlib.rc_context({"font.family": font_families(labels)}), warnings.catch_warnings():
        if missing_cjk_font(labels):
            warnings.warn(
                "no CJK font found: Chinese labels will show as boxes "
                "(install one, e.g. Debian's fonts-wqy-microhei)",
                UserWarning,
                stacklevel=4,
            )
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
        yield


def plot_map(
    kv: KeyedVectors,
    words: Sequence[str],
    out: str | os.PathLike[str],
    method: str = "pca",
    arrows: Sequence[tuple[str, str]] = (),
    seed: int = 0,
    source: str = "vectors",
) -> Projection:
    """Write a PNG map of ``words`` projected to 2-D, with an arrow for each ``(a, b)`` pair.

    Arrow words are added to ``words`` if missing. Returns the projection that was drawn.
    """
    arrow_words = [word for pair in arrows for word in pair]
    words = check_words(kv, [*words, *arrow_words])
    if len(words) > MAX_MAP_WORDS:
        raise LmbasicsError(
            f"{len(words)} words is too many for one map (at most {MAX_MAP_WORDS}); "
            "`lmbasics serve` shows larger maps"
        )
    projection = project(kv[words], method=method, seed=seed)
    points = projection.points
    index = {word: i for i, word in enumerate(words)}
    size = min(16.0, 8.0 + len(words) / 25)
    with _label_fonts(words):
        # on the Agg canvas: label placement measures text with Agg's renderer
        figure = new_figure((size * 1.2, size), 110, layout="constrained")
        ax = figure.add_subplot()
        ax.scatter(points[:, 0], points[:, 1], s=14, color="0.35", zorder=2)
        # Room around the points for labels: they extend up and to the right of their points.
        low, high = points.min(axis=0), points.max(axis=0)
        span = np.where(high - low > 0, high - low, 1.0)
        ax.set_xlim(low[0] - 0.06 * span[0], high[0] + 0.16 * span[0])
        ax.set_ylim(low[1] - 0.06 * span[1], high[1] + 0.1 * span[1])
        handles = []
        for number, (a, b) in enumerate(arrows):
            colour = ARROW_COLOURS[number % len(ARROW_COLOURS)]
            start, end = points[index[a]], points[index[b]]
            ax.annotate(
                "", xy=end, xytext=start, zorder=3,
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.8, "shrinkA": 4,
                            "shrinkB": 4, "mutation_scale": 14},
            )
            ax.scatter(*np.vstack([start, end]).T, s=30, color=colour, zorder=3)
            handles.append(Line2D([], [], color=colour, lw=1.8, label=f"{a} → {b}"))
        if handles:
            ax.legend(handles=handles, loc="lower right", fontsize=9, framealpha=0.9)
        axis_name = "PC" if projection.method == "pca" else "t-SNE"
        ax.set_xlabel(f"{axis_name} 1")
        ax.set_ylabel(f"{axis_name} 2")
        ax.set_title(
            f"{len(words)} words of {source} ({kv.vector_size}-d) projected to 2-D by "
            f"{projection.describe()}",
            fontsize=11,
        )
        ax.grid(True, color="0.92", zorder=0)
        figure.canvas.draw()  # fixes the layout, so label boxes are measured where they will be
        figure.set_layout_engine("none")
        place_labels(ax, points, words, fontsize=9 if len(words) <= 60 else 7.5)
        save_png(figure, out)
    return projection


@dataclass(frozen=True)
class OnehotMemory:
    """Memory for a vocabulary as one-hot vectors and as dense vectors (float32 by default)."""

    vocab_size: int  # V: one-hot vectors have V dimensions
    vector_size: int  # N: dense vectors have N dimensions
    bytes_per_value: int = 4  # float32

    @property
    def onehot_bytes(self) -> int:
        """V one-hot vectors of V values each, stored densely."""
        return self.vocab_size * self.vocab_size * self.bytes_per_value

    @property
    def dense_bytes(self) -> int:
        """V dense vectors of N values each."""
        return self.vocab_size * self.vector_size * self.bytes_per_value

    def lines(self) -> list[str]:
        """The comparison as printable lines."""
        v, n, b = self.vocab_size, self.vector_size, self.bytes_per_value
        return [
            f"one-hot: {v:,} words x {v:,} dims x {b} bytes = {format_bytes(self.onehot_bytes)}"
            f" ({format_bytes(v * b)} per word; all but one value is 0)",
            f"dense:   {v:,} words x {n:,} dims x {b} bytes = {format_bytes(self.dense_bytes)}"
            f" ({format_bytes(n * b)} per word)",
            f"dense vectors are {v / n:,.1f}x smaller, and similar words get similar vectors",
        ]


def format_bytes(count: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def plot_onehot(
    kv: KeyedVectors, words: Sequence[str], out: str | os.PathLike[str], source: str = "vectors"
) -> OnehotMemory:
    """Write a PNG: cosine similarities of ``words`` as one-hot vectors beside trained vectors."""
    words = check_words(kv, words)
    k = len(words)
    unit = unit_rows(kv[words])
    matrices = (np.eye(k), np.clip(unit @ unit.T, -1.0, 1.0))
    memory = OnehotMemory(len(kv), kv.vector_size)
    titles = (
        f"one-hot ({len(kv):,}-d): every pair has cosine 0",
        f"trained vectors ({kv.vector_size}-d): cosine similarity",
    )
    side = min(14.0, 4.0 + 0.45 * k)
    with _label_fonts(words):
        figure = new_figure((2 * side + 1.5, side + 1.0), 110, layout="constrained")
        axes = figure.subplots(1, 2)
        image = None
        for ax, matrix, title in zip(axes, matrices, titles):
            image = ax.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
            ax.set_xticks(range(k), words, rotation=60, ha="right", fontsize=9)
            ax.set_yticks(range(k), words, fontsize=9)
            ax.set_title(title, fontsize=11)
            if k <= 16:  # the numbers themselves, while they fit in the cells
                for (row, column), value in np.ndenumerate(matrix):
                    colour = "white" if abs(value) > 0.6 else "black"
                    ax.text(column, row, f"{value:.2f}", ha="center", va="center",
                            fontsize=7, color=colour)
        figure.colorbar(image, ax=list(axes), shrink=0.8, label="cosine similarity")
        lines = memory.lines()
        figure.suptitle(f"One-hot vs distributed: {k} words of {source}\n{lines[0]}\n{lines[1]}",
                        fontsize=10)
        save_png(figure, out)
    return memory
