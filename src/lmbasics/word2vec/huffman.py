"""Huffman tree over the vocabulary, for hierarchical softmax (Morin & Bengio 2005).

Built with word2vec.c's linear-time two-queue algorithm (``CreateBinaryTree``), which needs the
counts sorted in descending order (the vocabulary is). Each word gets:

- ``codes``: its path's bits from the root (1 = the right child, the one merged second);
- ``points``: the inner nodes on the path, root first, numbered ``0 .. V-2`` (rows of ``syn1``).

Frequent words get short codes, so the expected code length is minimal (that is what makes it a
Huffman tree); the tests check it against the optimal cost and check the codes are prefix-free.
The merge keeps its counts and parents in flat C arrays and the paths are read off by walking
every word up the tree at once, level by level, straight into ``codes`` and ``points``: no Python
object per node or per path step (a list per word's path cost ~90 MB of peak memory on a
70,000-word vocabulary).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from lmbasics._util.errors import LmbasicsError


@dataclass
class HuffmanTree:
    """``codes``: uint8[V, L]; ``points``: int32[V, L]; ``code_lengths``: int32[V] (L = max)."""

    codes: np.ndarray
    points: np.ndarray
    code_lengths: np.ndarray

    def code(self, word: int) -> list[int]:
        return self.codes[word, : self.code_lengths[word]].tolist()

    def path(self, word: int) -> list[int]:
        return self.points[word, : self.code_lengths[word]].tolist()


def _merge(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """word2vec.c's two queues: ``(parent int64[2V-1], binary uint8[2V-1])`` of every node,
    leaves ``0 .. V-1`` then inner nodes in merge order (the root last, its parent 0)."""
    vocab_size = len(counts)
    nodes = 2 * vocab_size - 1
    count = array("q", counts.astype(np.int64).tobytes())
    count.extend(array("q", [2**62]) * (vocab_size - 1))
    parent = array("q", bytes(8 * nodes))
    binary = bytearray(nodes)
    leaf, inner = vocab_size - 1, vocab_size  # next unmerged leaf (smallest first), inner node
    for node in range(vocab_size, nodes):
        if leaf >= 0 and count[leaf] < count[inner]:
            first, leaf = leaf, leaf - 1
        else:
            first, inner = inner, inner + 1
        if leaf >= 0 and count[leaf] < count[inner]:
            second, leaf = leaf, leaf - 1
        else:
            second, inner = inner, inner + 1
        count[node] = count[first] + count[second]
        parent[first] = parent[second] = node
        binary[second] = 1
    return np.frombuffer(parent, np.int64), np.frombuffer(binary, np.uint8)


def build_huffman_tree(counts: np.ndarray) -> HuffmanTree:
    """Huffman codes and paths for word ``counts`` sorted in descending order."""
    vocab_size = len(counts)
    if vocab_size < 2:
        raise LmbasicsError("hierarchical softmax needs a vocabulary of at least 2 words")
    if np.any(np.diff(counts) > 0):
        raise LmbasicsError("build_huffman_tree needs counts sorted in descending order")
    parent, binary = _merge(counts)
    root = 2 * vocab_size - 2
    # code lengths: every word one step up per round until it reaches the root
    lengths = np.zeros(vocab_size, np.int32)
    words, node = np.arange(vocab_size), np.arange(vocab_size)
    while len(words):
        lengths[words] += 1
        node = parent[node]
        below_root = node != root
        words, node = words[below_root], node[below_root]
    # the same walk again, writing each step at its place counted from the root
    codes = np.zeros((vocab_size, int(lengths.max())), np.uint8)
    points = np.zeros(codes.shape, np.int32)
    words, node, position = np.arange(vocab_size), np.arange(vocab_size), lengths - 1
    while len(words):
        codes[words, position] = binary[node]
        node = parent[node]
        points[words, position] = node - vocab_size  # inner node ids 0..V-2, root = V-2
        position -= 1
        below_root = position >= 0
        words, node, position = words[below_root], node[below_root], position[below_root]
    return HuffmanTree(codes, points, lengths)
