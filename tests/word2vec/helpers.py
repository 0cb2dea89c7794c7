"""Small corpora and models the word2vec tests build for themselves."""

from __future__ import annotations

import numpy as np

from lmbasics.word2vec.huffman import build_huffman_tree
from lmbasics.word2vec.sampling import build_alias_table, noise_distribution
from lmbasics.word2vec.vocab import keep_probabilities


def zipf_corpus(sentences: int = 200, length: int = 12, vocab: int = 40, seed: int = 0):
    """Token lists drawn from a Zipf-like distribution over ``w0 .. w{vocab-1}``."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, vocab + 1)
    weights /= weights.sum()
    return [[f"w{i}" for i in rng.choice(vocab, size=length, p=weights)] for _ in range(sentences)]


def topic_corpus(topics: int = 4, words_per_topic: int = 8, sentences: int = 1500, seed: int = 0):
    """Sentences that each mix words of one topic: same-topic words should end up neighbours."""
    rng = np.random.default_rng(seed)
    corpus = []
    for _ in range(sentences):
        topic = rng.integers(topics)
        words = rng.integers(words_per_topic, size=10)
        corpus.append([f"t{topic}w{w}" for w in words])
    return corpus


def model_arrays(vocab_size=12, size=6, hs=False, negative=0, softmax=False, sample=0.0,
                 dtype=np.float64, seed=0):
    """A dict of model arrays for the kernels and the reference (random, not trained)."""
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.integers(5, 200, size=vocab_size))[::-1].astype(np.int64)
    tree = build_huffman_tree(counts)
    table = build_alias_table(noise_distribution(counts, 0.75))
    return {
        "syn0": (rng.standard_normal((vocab_size, size)) * 0.3).astype(dtype),
        "syn1": (rng.standard_normal((vocab_size - 1, size)) * 0.3).astype(dtype),
        "output": (rng.standard_normal((vocab_size, size)) * 0.3).astype(dtype),
        "keep_probability": keep_probabilities(counts, sample),
        "codes": tree.codes, "points": tree.points, "code_lengths": tree.code_lengths,
        "alias_probability": table.probability, "alias_index": table.alias,
        "hs": hs, "negative": negative, "softmax": softmax, "counts": counts,
    }
