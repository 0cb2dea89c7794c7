"""PCA by SVD against scikit-learn's PCA (the oracle); t-SNE's contract; input checks."""

from __future__ import annotations

import numpy as np
import pytest

from lmbasics._util.errors import LmbasicsError
from lmbasics.explore.projection import pca_2d, project, tsne_2d, unit_rows


def test_pca_matches_sklearn_up_to_sign() -> None:
    decomposition = pytest.importorskip("sklearn.decomposition")
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 12)) @ np.diag(np.linspace(3, 0.1, 12))
    ours = pca_2d(vectors)
    oracle = decomposition.PCA(n_components=2, svd_solver="full").fit(vectors)
    expected = oracle.transform(vectors)
    signs = np.sign(np.sum(ours.points * expected, axis=0))
    np.testing.assert_allclose(ours.points, expected * signs, atol=1e-9)
    ratio = oracle.explained_variance_ratio_
    np.testing.assert_allclose(ours.explained_variance, ratio, atol=1e-12)


def test_pca_keeps_distances_of_planar_points() -> None:
    rng = np.random.default_rng(1)
    plane = rng.normal(size=(30, 2)) * [5.0, 1.0]
    basis, _ = np.linalg.qr(rng.normal(size=(8, 2)))  # an orthonormal 2-D plane in 8-D
    projection = pca_2d(plane @ basis.T + 7.0)
    distances = np.linalg.norm(plane[:, None] - plane[None], axis=-1)
    mapped = np.linalg.norm(projection.points[:, None] - projection.points[None], axis=-1)
    np.testing.assert_allclose(mapped, distances, atol=1e-9)
    assert sum(projection.explained_variance) == pytest.approx(1.0)
    assert projection.describe().startswith("PCA, ")


def test_pca_is_deterministic_in_sign() -> None:
    vectors = np.random.default_rng(2).normal(size=(10, 5))
    first, second = pca_2d(vectors).points, pca_2d(vectors.copy()).points
    np.testing.assert_array_equal(first, second)


def test_project_uses_directions_only() -> None:
    vectors = np.random.default_rng(3).normal(size=(12, 6))
    scaled = vectors * np.arange(1, 13)[:, None]
    np.testing.assert_allclose(project(vectors).points, project(scaled).points, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(unit_rows(scaled), axis=1), 1.0)


def test_tsne_is_seeded_and_two_dimensional() -> None:
    pytest.importorskip("sklearn")
    vectors = np.random.default_rng(4).normal(size=(15, 6))
    first, second = tsne_2d(vectors, seed=3), tsne_2d(vectors, seed=3)
    assert first.points.shape == (15, 2)
    np.testing.assert_allclose(first.points, second.points)
    assert first.describe() == "t-SNE"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pca_2d(np.zeros((1, 3))), "at least 2"),
        (lambda: tsne_2d(np.zeros((2, 3))), "at least 3"),
        (lambda: tsne_2d(np.ones((5, 3)), perplexity=9), "perplexity"),
        (lambda: project(np.ones((4, 3)), method="umap"), "unknown projection method"),
    ],
)
def test_bad_input_is_refused(call, message: str) -> None:
    with pytest.raises(LmbasicsError, match=message):
        call()
