"""Huffman tree over the vocabulary, for hierarchical softmax (Morin & Bengio 2005).

Built with word2vec.c's linear-time two-queue algorithm (``CreateBinaryTree``), which needs the
counts sorted in descending order (the vocabulary is). Each word gets:

- ``codes``: its path's bits from the root (1 = the right child, the one merged second);
- ``points``: the inner nodes on the path, root first, numbered ``0 .. V-2`` (rows of ``syn1``).

Frequent words get short codes, so the expected code length is minimal (that is what makes it a
Huffman tree); the tests check it against the optimal cost and check the codes are prefix-free.
"""

from __future__ import annotations

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


def build_huffman_tree(counts: np.ndarray) -> HuffmanTree:
    """Huffman codes and paths for word ``counts`` sorted in descending order."""
    vocab_size = len(counts)
    if vocab_size < 2:
        raise LmbasicsError("hierarchical softmax needs a vocabulary of at least 2 words")
    if np.any(np.diff(counts) > 0):
        raise LmbasicsError("build_huffman_tree needs counts sorted in descending order")
    count = counts.astype(np.int64).tolist() + [2**62] * (vocab_size - 1)
    parent = [0] * (2 * vocab_size - 1)
    binary = [0] * (2 * vocab_size - 1)
    leaf, inner = vocab_size - 1, vocab_size  # next unmerged leaf (smallest first), inner node
    for node in range(vocab_size, 2 * vocab_size - 1):
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
    root = 2 * vocab_size - 2
    paths: list[tuple[list[int], list[int]]] = []
    for word in range(vocab_size):
        bits, nodes = [], []
        node = word
        while node != root:
            bits.append(binary[node])
            node = parent[node]
            nodes.append(node - vocab_size)  # inner node ids 0..V-2, root = V-2
        paths.append((bits[::-1], nodes[::-1]))
    longest = max(len(bits) for bits, _ in paths)
    codes = np.zeros((vocab_size, longest), np.uint8)
    points = np.zeros((vocab_size, longest), np.int32)
    lengths = np.zeros(vocab_size, np.int32)
    for word, (bits, nodes) in enumerate(paths):
        lengths[word] = len(bits)
        codes[word, : len(bits)] = bits
        points[word, : len(nodes)] = nodes
    return HuffmanTree(codes, points, lengths)
