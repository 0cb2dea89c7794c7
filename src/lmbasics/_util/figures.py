"""Figures for PNG files without pyplot: a :class:`~matplotlib.figure.Figure` on the Agg canvas.

Drawing on a ``Figure`` that owns its Agg canvas leaves matplotlib's global state alone: the
user's backend is never switched (``matplotlib.use`` at import would change it for the whole
process), no figure is registered with pyplot (nothing to close, nothing leaks), and it is safe
off the main thread. Every wing's plots are built by :func:`new_figure` and written by
:func:`save_png`, atomically.

It does not do: interactive windows, styles, other formats.
"""

from __future__ import annotations

import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lmbasics._util.atomic import atomic_path

__all__ = ["new_figure", "save_png"]


def new_figure(figsize: tuple[float, float], dpi: float, layout: str = "tight") -> Figure:
    """An empty ``figsize``-inch figure on the Agg canvas; its PNG is ``dpi`` pixels an inch.

    ``layout`` is matplotlib's layout engine, applied when the figure is drawn ("tight" does
    what ``tight_layout()`` does; "constrained" suits figures whose text moves as it is placed).
    """
    figure = Figure(figsize=figsize, dpi=dpi, layout=layout)
    FigureCanvasAgg(figure)
    return figure


def save_png(figure: Figure, path: str | os.PathLike[str]) -> None:
    """Write ``figure`` to ``path`` as a PNG at the figure's dpi, atomically."""
    with atomic_path(path, suffix=".png") as tmp:
        figure.savefig(tmp, format="png")
