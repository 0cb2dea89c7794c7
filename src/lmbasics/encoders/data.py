"""Text to padded id tensors: tokenising, a vocabulary, batches.

Deliberately plain: lowercase word/punctuation tokens, a frequency-ordered vocabulary with
``<pad>`` = 0, ``<unk>`` = 1, ``<bos>`` = 2, ``<eos>`` = 3, and right-padded batches with a Bool
mask (True at real tokens) — the encoders' input contract. No subwords.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import torch

PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
_TOKEN = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lowercased words (hyphen/apostrophe compounds kept) and single punctuation marks."""
    return _TOKEN.findall(text.lower())


class Vocabulary:
    """Words by descending frequency after the four specials; unknown words map to ``<unk>``."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self.index = {word: i for i, word in enumerate(self.words)}

    @classmethod
    def build(
        cls, sentences: Iterable[Sequence[str]], max_size: int = 10_000, min_count: int = 1
    ) -> Vocabulary:
        """From token lists: the ``max_size`` most frequent words seen ``min_count`` times."""
        counts = Counter(token for sentence in sentences for token in sentence)
        ranked = sorted(
            (w for w, c in counts.items() if c >= min_count and w not in SPECIALS),
            key=lambda w: (-counts[w], w),
        )
        return cls([*SPECIALS, *ranked[: max(max_size - len(SPECIALS), 0)]])

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.index.get(token, UNK) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens up to the first ``<eos>``, specials dropped."""
        out = []
        for i in ids:
            if i == EOS:
                break
            if i >= len(SPECIALS):
                out.append(self.words[i])
        return out


def pad(rows: Sequence[Sequence[int]], min_length: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists: ``(Long[B, T] ids, Bool[B, T] mask)``, T = longest row."""
    length = max(min_length, max((len(r) for r in rows), default=0))
    ids = torch.full((len(rows), length), PAD, dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.as_tensor(row, dtype=torch.long)
    mask = torch.zeros_like(ids, dtype=torch.bool)
    for i, row in enumerate(rows):
        mask[i, : len(row)] = True
    return ids, mask


def batches(count: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Endless shuffled index batches over ``range(count)``, reshuffled every epoch."""
    while True:
        order = rng.permutation(count)
        for start in range(0, count - batch_size + 1 if count >= batch_size else 1, batch_size):
            yield order[start : start + batch_size]
