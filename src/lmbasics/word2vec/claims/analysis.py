"""The numbers the word2vec claims are judged on, computed from the runs' records.

A record (``runs.py``) keeps one outcome character per test analogy question and one cosine per
WordSim-353 pair, so every statistic here is recomputed from those: accuracy over the questions
asked, Spearman's rank correlation over the pairs covered, their spread over seeds, the SG − CBOW
difference with its standard error, the corpus size where that difference changes sign (the
*crossover*) with a bootstrap over seeds and test questions, and the split of questions and
pairs into frequent and rare words by the frequency rank of their rarest word.

Standard errors of a difference combine the seeds' spread (``sqrt(s_a^2/n_a + s_b^2/n_b)``) with
a floor for the finite test set: the binomial error of two accuracies on the same ``n`` questions
``sqrt(2 p (1 - p) / n)``, or for Spearman's rho the Fieller-Hartley-Pearson error
``(1 - rho^2) sqrt(1.06 / (n - 3))`` times sqrt 2 (as ``encoders/verdicts.py`` floors its seeds).

It does not do: train, judge (``verdicts.py``), draw or write.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import rankdata

Stat = dict[str, float]  # {"mean", "std", "n"}


def stat(values: Sequence[float]) -> Stat:
    """Mean, sample standard deviation (0 for one value) and count of ``values`` (NaN dropped)."""
    array = np.array([v for v in values if not math.isnan(v)], dtype=np.float64)
    if not len(array):
        return {"mean": math.nan, "std": math.nan, "n": 0}
    std = float(np.std(array, ddof=1)) if len(array) > 1 else 0.0
    return {"mean": float(array.mean()), "std": std, "n": len(array)}


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho (average ranks for ties); NaN when either side is constant or n < 3."""
    if len(x) < 3:
        return math.nan
    rx, ry = rankdata(x), rankdata(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry / denominator) if denominator > 0 else math.nan


def outcome_array(outcomes: str) -> np.ndarray:
    """``1`` right, ``0`` wrong, ``-1`` not asked, per question (int8)."""
    return np.frombuffer(outcomes.encode("ascii"), dtype=np.uint8).astype(np.int8).copy() - 48


def run_accuracy(outcomes: str, mask: np.ndarray | None = None) -> tuple[int, int]:
    """``(right, asked)`` over the questions in ``mask`` (all when ``None``)."""
    array = outcome_array(outcomes)
    if mask is not None:
        array = array[mask]
    return int((array == 1).sum()), int((array >= 0).sum())


def run_spearman(cosines: Sequence[float | None], gold: Sequence[float],
                 mask: np.ndarray | None = None) -> tuple[float, int]:
    """``(rho, pairs covered)`` over the pairs in ``mask`` with both words in the vocabulary."""
    keep = [i for i, c in enumerate(cosines) if c is not None and (mask is None or mask[i])]
    return spearman([cosines[i] for i in keep], [gold[i] for i in keep]), len(keep)


def binomial_floor(accuracy: float, count: int) -> float:
    """Standard error of the difference of two accuracies measured on the same ``count`` items."""
    if count <= 0 or math.isnan(accuracy):
        return 0.0
    return math.sqrt(2 * accuracy * (1 - accuracy) / count)


def spearman_floor(rho: float, count: int) -> float:
    """Standard error of the difference of two Spearman rhos on the same ``count`` pairs."""
    if count <= 3 or math.isnan(rho):
        return 0.0
    return math.sqrt(2) * (1 - rho**2) * math.sqrt(1.06 / (count - 3))


def difference(a: Stat, b: Stat, floor: float) -> dict[str, float]:
    """``a - b`` with the standard error from the seeds, floored by the test set's."""
    variance = sum(s["std"] ** 2 / s["n"] for s in (a, b) if s["n"] > 1)
    return {"d": a["mean"] - b["mean"], "se": max(math.sqrt(variance), floor)}


def binomial_se(right: int, asked: int) -> float:
    p = right / asked if asked else 0.0
    return math.sqrt(p * (1 - p) / asked) if asked else math.nan


# ------------------------------------------------------------------------------ the crossover
def crossover(tokens: Sequence[float], d: Sequence[float]) -> dict[str, Any]:
    """Where SG − CBOW (``d``, one value per corpus size, sizes ascending) turns positive for
    good: log-interpolated between the last size with ``d <= 0`` and the next.

    ``status`` is ``"crosses"`` (``tokens`` set), ``"sg ahead at every size"`` or ``"cbow not
    behind at the largest size"`` (``tokens`` None).
    """
    if len(tokens) != len(d) or not len(d):
        raise ValueError("one difference per corpus size")
    behind = [i for i, value in enumerate(d) if value <= 0]
    if not behind:
        return {"status": "sg ahead at every size", "tokens": None}
    last = behind[-1]
    if last == len(d) - 1:
        return {"status": "cbow not behind at the largest size", "tokens": None}
    x0, x1 = math.log(tokens[last]), math.log(tokens[last + 1])
    d0, d1 = d[last], d[last + 1]
    return {"status": "crosses", "tokens": math.exp(x0 + (x1 - x0) * (-d0) / (d1 - d0))}


def _resampled_accuracy(matrix: np.ndarray, weights: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Mean over resampled seeds of each seed's accuracy on resampled questions.

    ``matrix``: (seeds, questions) of 0/1; ``weights``: (B, questions) question multiplicities;
    ``seeds``: (B, seeds) resampled seed indices. Returns (B,).
    """
    per_seed = weights.astype(np.float64) @ matrix.T.astype(np.float64) / weights.sum(axis=1,
                                                                                        keepdims=True)
    return np.take_along_axis(per_seed, seeds, axis=1).mean(axis=1)


def bootstrap_crossover(
    tokens: Sequence[float], sg: Sequence[np.ndarray], cbow: Sequence[np.ndarray],
    resamples: int = 1000, seed: int = 0,
) -> dict[str, Any]:
    """The crossover's spread when the seeds (per model) and the test questions (paired across
    the two models at a size) are resampled with replacement.

    ``sg[i]``, ``cbow[i]``: (seeds, questions) 0/1 outcome matrices at size ``i``, over the
    questions both asked. Returns the share of resamples that cross and the 2.5 and 97.5
    percentiles of their crossover (tokens), or ``None`` when fewer than 20 cross.
    """
    rng = np.random.default_rng(seed)
    curves = np.zeros((resamples, len(tokens)))
    for i, (a, b) in enumerate(zip(sg, cbow)):
        questions = a.shape[1]
        if questions == 0:
            curves[:, i] = 0.0
            continue
        draws = rng.integers(questions, size=(resamples, questions))
        weights = np.stack([np.bincount(row, minlength=questions) for row in draws])
        seeds_a = rng.integers(a.shape[0], size=(resamples, a.shape[0]))
        seeds_b = rng.integers(b.shape[0], size=(resamples, b.shape[0]))
        curves[:, i] = (_resampled_accuracy(a, weights, seeds_a)
                        - _resampled_accuracy(b, weights, seeds_b))
    found = [c["tokens"] for c in (crossover(tokens, row) for row in curves) if c["tokens"]]
    interval = (None if len(found) < 20 else
                [float(np.percentile(found, 2.5)), float(np.percentile(found, 97.5))])
    return {"share_crossing": len(found) / resamples, "interval": interval,
            "resamples": resamples}


def bootstrap_spearman(cosines: Sequence[float], gold: Sequence[float], resamples: int = 1000,
                       seed: int = 0) -> list[float] | None:
    """Percentile 95% interval of Spearman's rho over pairs resampled with replacement
    (resamples where a side is constant are skipped); ``None`` for fewer than 5 pairs."""
    if len(cosines) < 5:
        return None
    rng = np.random.default_rng(seed)
    x, y = np.asarray(cosines, dtype=np.float64), np.asarray(gold, dtype=np.float64)
    values = [spearman(x[rows], y[rows])
              for rows in rng.integers(len(x), size=(resamples, len(x)))]
    values = [v for v in values if not math.isnan(v)]
    if len(values) < resamples // 2:
        return None
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]


# ------------------------------------------------------------------------------ frequency buckets
def rarest_rank(words: Sequence[str], ranks: dict[str, list[int]]) -> int | None:
    """The largest frequency rank among ``words`` (None if one is outside the vocabulary)."""
    found = [ranks.get(w.upper()) for w in words]
    return None if any(f is None for f in found) else max(f[0] for f in found)


def bucket_masks(items: Sequence[Sequence[str]], ranks: dict[str, list[int]],
                 frequent_below: int, rare_from: int) -> dict[str, np.ndarray]:
    """``{"frequent": mask, "rare": mask}``: items whose words all rank below
    ``frequent_below``, and items with a word ranked ``rare_from`` or beyond."""
    rarest = [rarest_rank(words, ranks) for words in items]
    return {
        "frequent": np.array([r is not None and r < frequent_below for r in rarest], dtype=bool),
        "rare": np.array([r is not None and r >= rare_from for r in rarest], dtype=bool),
    }
