"""Label placement for scatter plots: nudge text boxes apart until they stop overlapping.

A small force-free relaxation in the spirit of ``ggrepel`` / ``adjustText``: each label starts
just above-right of its point; while two boxes overlap, both move apart along the axis on which
they overlap least (half the overlap each), and a label that sits on another word's marker
moves off it. Boxes are measured in display pixels with the figure's renderer, so the result
holds for the saved PNG. Labels that moved far get a thin leader line back to their point.

Not here: choosing which words to show, or guaranteeing a solution for impossibly dense plots
(after ``max_iterations`` the labels stay where they are, overlapping as little as was reached).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Text

OFFSET_PX = 4.0  # gap between a point and its label's lower-left corner
MARKER_PX = 6.0  # side of the square around each marker that labels avoid
PAD_PX = 3.0  # extra space between boxes once separated


def overlaps(boxes: np.ndarray, others: np.ndarray | None = None) -> np.ndarray:
    """Overlap depths of boxes (n, 4) ``[x0, y0, x1, y1]`` against ``others`` (m, 4).

    Returns (n, m, 2): the overlap in x and in y of every pair; a pair overlaps if both are > 0.
    """
    others = boxes if others is None else others
    dx = np.minimum(boxes[:, None, 2], others[None, :, 2]) - np.maximum(
        boxes[:, None, 0], others[None, :, 0]
    )
    dy = np.minimum(boxes[:, None, 3], others[None, :, 3]) - np.maximum(
        boxes[:, None, 1], others[None, :, 1]
    )
    return np.stack([dx, dy], axis=-1)


def count_overlaps(boxes: np.ndarray) -> int:
    """Number of overlapping pairs among ``boxes`` (n, 4)."""
    depth = overlaps(boxes)
    hit = (depth[..., 0] > 0) & (depth[..., 1] > 0)
    return int(np.triu(hit, k=1).sum())


def separate(
    boxes: np.ndarray,
    obstacles: np.ndarray,
    bounds: tuple[float, float, float, float],
    max_iterations: int = 300,
) -> np.ndarray:
    """Move ``boxes`` (n, 4) apart and off ``obstacles`` (m, 4), staying inside ``bounds``.

    ``bounds`` is ``(x0, y0, x1, y1)``. Returns the moved boxes (same sizes, new positions).
    """
    boxes = np.array(boxes, dtype=np.float64)
    n = len(boxes)
    if n == 0:
        return boxes
    sizes = boxes[:, 2:] - boxes[:, :2]
    rank = np.arange(n)
    for _ in range(max_iterations):
        shift = np.zeros((n, 2))
        moved = False
        for others, mutual in ((boxes, True), (obstacles, False)):
            if len(others) == 0:
                continue
            depth = overlaps(boxes, others) + PAD_PX  # (n, m, 2)
            hit = (depth[..., 0] > PAD_PX) & (depth[..., 1] > PAD_PX)
            if mutual:
                np.fill_diagonal(hit, False)
            if not hit.any():
                continue
            moved = True
            centre = (boxes[:, None, :2] + boxes[:, None, 2:]) / 2
            other_centre = (others[None, :, :2] + others[None, :, 2:]) / 2
            direction = np.sign(centre - other_centre)  # (n, m, 2)
            if mutual:  # coincident centres: break the tie by index
                tie = np.where(rank[:, None] > rank[None, :], 1.0, -1.0)[..., None]
                direction = np.where(direction == 0, tie, direction)
            else:
                direction = np.where(direction == 0, 1.0, direction)
            # Separate along the axis that needs the smaller move; each label of a pair takes
            # half of it, a label on a fixed obstacle takes all of it.
            along_x = depth[..., 0] < depth[..., 1]
            share = 0.5 if mutual else 1.0
            step_x = np.where(hit & along_x, depth[..., 0] * share, 0.0) * direction[..., 0]
            step_y = np.where(hit & ~along_x, depth[..., 1] * share, 0.0) * direction[..., 1]
            shift[:, 0] += step_x.sum(axis=1)
            shift[:, 1] += step_y.sum(axis=1)
        if not moved:
            break
        boxes[:, :2] += shift
        x0, y0, x1, y1 = bounds
        boxes[:, 0] = np.clip(boxes[:, 0], x0, np.maximum(x0, x1 - sizes[:, 0]))
        boxes[:, 1] = np.clip(boxes[:, 1], y0, np.maximum(y0, y1 - sizes[:, 1]))
        boxes[:, 2:] = boxes[:, :2] + sizes
    return boxes


def place_labels(
    ax: Axes,
    points: np.ndarray,
    labels: list[str],
    fontsize: float = 9.0,
    color: str = "black",
) -> list[Text]:
    """Label ``points`` (n, 2, data coordinates) on ``ax`` with few or no overlaps.

    Call after the axes limits are final: positions are computed in display pixels.
    """
    figure = ax.figure
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    to_pixels = ax.transData
    anchors = to_pixels.transform(np.asarray(points, dtype=np.float64))  # (n, 2) pixels
    texts = [
        ax.text(x, y, label, fontsize=fontsize, color=color, va="bottom", ha="left", zorder=4,
                bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none",
                      "alpha": 0.75})  # keeps labels readable over arrows and grid lines
        for (x, y), label in zip(points, labels)
    ]
    boxes = []
    for text, (px, py) in zip(texts, anchors):
        extent = text.get_window_extent(renderer=renderer)
        boxes.append([px + OFFSET_PX, py + OFFSET_PX, px + OFFSET_PX + extent.width,
                      py + OFFSET_PX + extent.height])
    half = MARKER_PX / 2
    markers = np.column_stack([anchors - half, anchors + half])
    axes_box = ax.get_window_extent(renderer=renderer)
    bounds = (axes_box.x0 + 2, axes_box.y0 + 2, axes_box.x1 - 2, axes_box.y1 - 2)
    placed = separate(np.asarray(boxes), markers, bounds)
    from_pixels = to_pixels.inverted()
    for text, box, anchor, point in zip(texts, placed, anchors, points):
        text.set_position(from_pixels.transform(box[:2]))
        # A leader line when the label no longer sits next to its point.
        nearest = np.clip(anchor, box[:2], box[2:])
        if np.hypot(*(nearest - anchor)) > 2.5 * OFFSET_PX:
            end = from_pixels.transform(nearest)
            ax.plot([point[0], end[0]], [point[1], end[1]], color="0.6", lw=0.6, zorder=3)
    return texts
