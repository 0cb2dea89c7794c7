"""Noise distribution for negative sampling: unigram counts raised to ``ns_exponent`` (0.75).

Mikolov et al. (2013) draw negatives from ``P(w) ∝ count(w)^0.75``. word2vec.c fills a 10^8-entry
table and gensim bisects a cumulative table (O(log V) per draw); we build Walker's alias table
(Vose's method), which draws in O(1) with one random number and two reads from V-sized arrays,
so the draw stays in cache. The kernels draw; this module builds the table and gives a NumPy
sampler with the same arithmetic for tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lmbasics._util.errors import LmbasicsError


@dataclass
class AliasTable:
    """``probability``: float64[V] acceptance; ``alias``: int32[V] fallback word per bucket."""

    probability: np.ndarray
    alias: np.ndarray

    def distribution(self) -> np.ndarray:
        """The exact distribution the table encodes (for tests)."""
        size = len(self.probability)
        dist = self.probability / size
        np.add.at(dist, self.alias, (1.0 - self.probability) / size)
        return dist


def noise_distribution(counts: np.ndarray, ns_exponent: float = 0.75) -> np.ndarray:
    """``counts**ns_exponent`` normalised to sum to 1."""
    if len(counts) == 0:
        raise LmbasicsError("negative sampling needs a non-empty vocabulary")
    weights = counts.astype(np.float64) ** ns_exponent
    total = weights.sum()
    if not np.isfinite(total) or total <= 0:
        raise LmbasicsError(f"invalid noise distribution for ns_exponent={ns_exponent}")
    return weights / total


def build_alias_table(distribution: np.ndarray) -> AliasTable:
    """Vose's alias method: O(V) construction, O(1) sampling."""
    size = len(distribution)
    scaled = distribution * size
    probability = np.ones(size, np.float64)
    alias = np.arange(size, dtype=np.int32)
    small = [i for i in range(size) if scaled[i] < 1.0]
    large = [i for i in range(size) if scaled[i] >= 1.0]
    scaled = scaled.tolist()
    while small and large:
        less, more = small.pop(), large.pop()
        probability[less] = scaled[less]
        alias[less] = more
        scaled[more] = scaled[more] + scaled[less] - 1.0
        (small if scaled[more] < 1.0 else large).append(more)
    for i in small + large:  # numerically ~1
        probability[i] = 1.0
    return AliasTable(probability, alias)
