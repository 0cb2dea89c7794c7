"""Label placement: crowded boxes end up apart, inside the axes, measured as drawn."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lmbasics.explore.labels import count_overlaps, overlaps, place_labels, separate


def test_overlaps_of_two_boxes() -> None:
    boxes = np.array([[0, 0, 10, 4], [8, 1, 20, 6], [30, 30, 31, 31]], dtype=float)
    depth = overlaps(boxes)
    assert depth[0, 1].tolist() == [2.0, 3.0]
    assert count_overlaps(boxes) == 1


def test_separate_untangles_a_pile_of_labels() -> None:
    rng = np.random.default_rng(0)
    corners = rng.uniform(180, 220, size=(30, 2))
    boxes = np.hstack([corners, corners + np.array([40.0, 12.0])])
    assert count_overlaps(boxes) > 20
    bounds = (0.0, 0.0, 500.0, 400.0)
    placed = separate(boxes, np.zeros((0, 4)), bounds)
    assert count_overlaps(placed) == 0
    np.testing.assert_allclose(placed[:, 2:] - placed[:, :2], boxes[:, 2:] - boxes[:, :2])
    assert placed[:, 0].min() >= 0 and placed[:, 2].max() <= 500
    assert placed[:, 1].min() >= 0 and placed[:, 3].max() <= 400


def test_separate_moves_labels_off_markers() -> None:
    label = np.array([[100.0, 100.0, 140.0, 112.0]])
    marker = np.array([[110.0, 103.0, 116.0, 109.0]])
    placed = separate(label, marker, (0, 0, 300, 300))
    assert count_overlaps(np.vstack([placed, marker])) == 0


def test_placed_text_does_not_overlap_when_drawn() -> None:
    figure = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    rng = np.random.default_rng(1)
    points = rng.normal(scale=0.05, size=(12, 2))  # a tight cluster in a wide view
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    texts = place_labels(ax, points, [f"word{i}" for i in range(12)])
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = np.array([text.get_window_extent(renderer).extents for text in texts])
    assert count_overlaps(boxes) == 0
