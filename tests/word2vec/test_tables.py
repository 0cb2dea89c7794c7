"""Huffman tree, noise distribution, subsampling probabilities, vocabulary rules."""

from __future__ import annotations

import heapq
import itertools

import numpy as np
import pytest
from numba import njit
from scipy import stats

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import kernels
from lmbasics.word2vec.huffman import build_huffman_tree
from lmbasics.word2vec.sampling import build_alias_table, noise_distribution
from lmbasics.word2vec.vocab import effective_min_count, keep_probabilities


def _optimal_cost(counts):
    heap = list(map(int, counts))
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


@pytest.mark.parametrize("seed", range(5))
def test_huffman_codes_are_prefix_free_and_optimal(seed):
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.integers(1, 1000, size=rng.integers(2, 300)))[::-1]
    tree = build_huffman_tree(counts)
    codes = ["".join(map(str, tree.code(w))) for w in range(len(counts))]
    assert len(set(codes)) == len(codes)
    ordered = sorted(codes)
    assert not any(b.startswith(a) for a, b in itertools.pairwise(ordered))
    # expected code length x total count equals the optimal (Huffman) cost
    assert int(np.dot(tree.code_lengths, counts)) == _optimal_cost(counts)
    # paths start at the root (V-2) and use only inner nodes 0..V-2
    assert all(tree.path(w)[0] == len(counts) - 2 for w in range(len(counts)))
    assert tree.points.max() <= len(counts) - 2 and tree.points.min() >= 0
    # frequent words get codes no longer than rare ones
    assert np.all(np.diff(tree.code_lengths) >= 0)


def _huffman_by_lists(counts):
    """The slow twin: word2vec.c's merge with Python lists, each word's path walked up to the
    root one at a time and reversed (the library builds the same arrays without a list per
    word)."""
    size = len(counts)
    count = [int(c) for c in counts] + [2**62] * (size - 1)
    parent, binary = [0] * (2 * size - 1), [0] * (2 * size - 1)
    leaf, inner = size - 1, size
    for node in range(size, 2 * size - 1):
        smallest = []
        for _ in range(2):
            if leaf >= 0 and count[leaf] < count[inner]:
                smallest.append(leaf)
                leaf -= 1
            else:
                smallest.append(inner)
                inner += 1
        count[node] = count[smallest[0]] + count[smallest[1]]
        parent[smallest[0]] = parent[smallest[1]] = node
        binary[smallest[1]] = 1
    codes, points = [], []
    for word in range(size):
        bits, nodes, node = [], [], word
        while node != 2 * size - 2:
            bits.append(binary[node])
            node = parent[node]
            nodes.append(node - size)
        codes.append(bits[::-1])
        points.append(nodes[::-1])
    return codes, points


@pytest.mark.parametrize("seed", range(6))
def test_huffman_arrays_match_the_path_by_path_twin(seed):
    rng = np.random.default_rng(seed)
    size = [2, 3, 7, 300, 2000, 5000][seed]
    # ties (few distinct counts) and a long Zipf tail (deep paths) both
    raw = rng.integers(1, 4, size) if seed % 2 else rng.zipf(1.2, size) % 10**12
    counts = np.sort(raw)[::-1].astype(np.int64)
    tree = build_huffman_tree(counts)
    codes, points = _huffman_by_lists(counts)
    assert tree.code_lengths.tolist() == [len(code) for code in codes]
    assert tree.codes.shape == tree.points.shape == (size, max(map(len, codes)))
    assert (tree.codes.dtype, tree.points.dtype, tree.code_lengths.dtype) == (
        np.uint8, np.int32, np.int32)
    assert [tree.code(w) for w in range(size)] == codes
    assert [tree.path(w) for w in range(size)] == points
    on_path = np.arange(tree.codes.shape[1]) < tree.code_lengths[:, None]
    assert not tree.codes[~on_path].any() and not tree.points[~on_path].any()  # zero padding


def test_huffman_rejects_bad_input():
    with pytest.raises(LmbasicsError):
        build_huffman_tree(np.array([5]))
    with pytest.raises(LmbasicsError):
        build_huffman_tree(np.array([1, 5, 3]))


def test_alias_table_encodes_the_distribution_exactly():
    counts = np.array([1000, 400, 300, 50, 10, 3, 1])
    dist = noise_distribution(counts, 0.75)
    np.testing.assert_allclose(dist, counts**0.75 / (counts**0.75).sum())
    np.testing.assert_allclose(build_alias_table(dist).distribution(), dist, atol=1e-12)


@njit(cache=True)
def _draw_many(n, probability, alias, seed):
    state = np.uint64(seed)
    hits = np.zeros(probability.shape[0], np.int64)
    for _ in range(n):
        state, bits = kernels.rng_next(state)
        hits[kernels.alias_draw(bits, probability, alias)] += 1
    return hits


def test_negative_draws_follow_unigram_to_the_075():
    counts = np.array([5000, 2000, 900, 400, 120, 60, 20, 7, 3, 1])
    dist = noise_distribution(counts, 0.75)
    table = build_alias_table(dist)
    n = 400_000
    hits = _draw_many(n, table.probability, table.alias, 42)
    _, p_value = stats.chisquare(hits, n * dist)
    assert p_value > 1e-3
    # and clearly not the raw unigram distribution
    _, p_unigram = stats.chisquare(hits, n * counts / counts.sum())
    assert p_unigram < 1e-10


def test_keep_probability_is_word2vec_c_formula():
    counts = np.array([100_000, 10_000, 1000, 10, 1])
    sample = 1e-3
    threshold = sample * counts.sum()
    expected = np.minimum((np.sqrt(counts / threshold) + 1) * threshold / counts, 1.0)
    np.testing.assert_allclose(keep_probabilities(counts, sample), expected, rtol=1e-6)
    assert keep_probabilities(counts, 0.0).tolist() == [1.0] * 5
    assert keep_probabilities(counts, sample)[0] < 0.5  # the most frequent word is thinned


def test_max_final_vocab_raises_min_count_as_gensim_does():
    counts = np.array([50, 40, 40, 30, 20, 10, 10, 5])
    assert effective_min_count(counts, 1, None) == 1
    assert effective_min_count(counts, 1, 3) == 31  # the 4th word has 30: it and rarer go
    assert effective_min_count(counts, 1, 2) == 41  # ties at the cut go too (gensim)
    assert effective_min_count(counts, 25, 6) == 25
