"""Projection of word vectors to two dimensions: PCA (by SVD) and t-SNE (scikit-learn).

PCA follows the textbook recipe (centre the rows, take the two leading right singular vectors;
Jolliffe, *Principal Component Analysis*, 2002) and is what TensorFlow's Embedding Projector
shows first. t-SNE (van der Maaten & Hinton, JMLR 2008) is scikit-learn's, started from PCA with
a fixed seed so the same words give the same picture.

Rows are unit-normalised before either projection, so distances on the map follow the cosine
similarity that neighbour and analogy queries use.

Not here: drawing (:mod:`lmbasics.explore.plots`), choosing which words to project.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lmbasics._util.errors import LmbasicsError

METHODS = ("pca", "tsne")
EXACT_TSNE_MAX = 500  # rows up to which t-SNE uses the exact gradient (see tsne_2d)


@dataclass(frozen=True)
class Projection:
    """Two-dimensional coordinates of some vectors and how they were obtained."""

    points: np.ndarray  # float64[n, 2], one row per input vector
    method: str  # "pca" or "tsne"
    explained_variance: tuple[float, float] | None  # PCA: fraction of variance per axis

    def describe(self) -> str:
        """Short text for a plot title: ``PCA, 41% + 22% of variance`` or ``t-SNE``."""
        if self.method == "pca" and self.explained_variance is not None:
            first, second = self.explained_variance
            return f"PCA, {first:.0%} + {second:.0%} of variance"
        return "t-SNE" if self.method == "tsne" else self.method


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` (n, d) with every non-zero row scaled to length 1, as float64."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def pca_2d(vectors: np.ndarray) -> Projection:
    """Project the rows of ``vectors`` (n, d), n >= 2, on their two leading principal axes.

    With the centred matrix :math:`X = U S V^T`, the coordinates are :math:`X V_{:, :2}` and the
    explained variance of axis k is :math:`s_k^2 / \\sum_j s_j^2`. Each axis' sign is chosen so
    its largest-magnitude loading is positive, which makes the picture deterministic.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) < 2:
        raise LmbasicsError(f"PCA needs at least 2 vectors, got shape {vectors.shape}")
    centred = vectors - vectors.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2]  # (2, d); fewer if d == 1
    signs = np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])
    axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    points = centred @ axes.T
    if points.shape[1] < 2:  # one-dimensional input: put everything on the x axis
        points = np.hstack([points, np.zeros((len(points), 2 - points.shape[1]))])
    variance = singular**2
    total = float(variance.sum())
    explained = [float(v / total) if total > 0 else 0.0 for v in variance[:2]]
    explained += [0.0] * (2 - len(explained))
    return Projection(points, "pca", (explained[0], explained[1]))


def tsne_2d(vectors: np.ndarray, seed: int = 0, perplexity: float | None = None) -> Projection:
    """t-SNE of the rows of ``vectors`` (n, d) with scikit-learn, initialised from PCA.

    ``perplexity`` defaults to ``min(30, (n - 1) / 3)``: scikit-learn's default for large n, and
    small enough for a few dozen words (it must stay below n). Up to ``EXACT_TSNE_MAX`` rows the
    exact O(n²) gradient is used: faster than Barnes-Hut at that size, and free of its OpenMP
    threads, which slow to a crawl on a busy machine.
    """
    try:
        from sklearn.manifold import TSNE
    except ImportError as error:
        raise LmbasicsError(
            "--method tsne needs scikit-learn: pip install 'lmbasics[explore]'"
        ) from error
    vectors = np.asarray(vectors, dtype=np.float64)
    n = len(vectors)
    if vectors.ndim != 2 or n < 3:
        raise LmbasicsError(f"t-SNE needs at least 3 vectors, got shape {vectors.shape}")
    if perplexity is None:
        perplexity = max(1.0, min(30.0, (n - 1) / 3))
    if not 0 < perplexity < n:
        raise LmbasicsError(f"perplexity must be in (0, {n}), got {perplexity}")
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        random_state=seed,
        method="exact" if n <= EXACT_TSNE_MAX else "barnes_hut",
    )
    points = tsne.fit_transform(vectors)
    return Projection(np.asarray(points, dtype=np.float64), "tsne", None)


def project(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> Projection:
    """Unit-normalise the rows of ``vectors`` and project them to 2-D with ``method``."""
    if method not in METHODS:
        choices = ", ".join(METHODS)
        raise LmbasicsError(f"unknown projection method {method!r} (choose from {choices})")
    unit = unit_rows(vectors)
    return pca_2d(unit) if method == "pca" else tsne_2d(unit, seed=seed)
