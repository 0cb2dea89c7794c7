"""Real data for the activation experiments: scikit-learn's bundled digits and SST-2.

- Digits (Alpaydin & Kaynak 1998; 1,797 images of 8x8 pixels, 10 classes) ship inside
  scikit-learn, so they are available offline. Split once (stratified, ``split_seed``), then
  standardised with the training set's statistics; or read pixel by pixel as a sequence of
  64 steps for the recurrent experiment.
- SST-2 (Socher et al. 2013), the ``stsa.binary.{train,dev,test}`` files, one
  ``label sentence`` per line, already tokenised; read from a directory the caller names.

It does not do: downloads, or any text preprocessing beyond splitting on spaces.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lmbasics._util.errors import LmbasicsError

__all__ = ["Split", "TextSplit", "load_digits", "load_digits_sequences", "load_sst2"]


@dataclass
class Split:
    """Tensors for a classification task: float32 inputs, int64 labels."""

    x_train: torch.Tensor  # (N_train, ...) float32
    y_train: torch.Tensor  # (N_train,) int64
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int


def _digits_arrays(split_seed: int, test_fraction: float):
    try:
        from sklearn.datasets import load_digits as sk_load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as error:  # pragma: no cover - scikit-learn is in the test extra
        raise LmbasicsError(
            "the digits experiments need scikit-learn: pip install 'lmbasics[explore]'"
        ) from error
    digits = sk_load_digits()
    return train_test_split(
        digits.data.astype(np.float32), digits.target.astype(np.int64),
        test_size=test_fraction, random_state=split_seed, stratify=digits.target,
    )


def load_digits(split_seed: int = 0, test_fraction: float = 0.2) -> Split:
    """Digits as 64 standardised features (train mean 0, std 1; constant pixels left at 0)."""
    x_train, x_test, y_train, y_test = _digits_arrays(split_seed, test_fraction)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0  # border pixels that are always 0
    return Split(
        torch.from_numpy((x_train - mean) / std), torch.from_numpy(y_train),
        torch.from_numpy((x_test - mean) / std), torch.from_numpy(y_test), 10,
    )


def load_digits_sequences(split_seed: int = 0, test_fraction: float = 0.2) -> Split:
    """Digits read pixel by pixel: inputs (N, 64, 1) in [0, 1], row-major order."""
    x_train, x_test, y_train, y_test = _digits_arrays(split_seed, test_fraction)
    return Split(
        torch.from_numpy(x_train / 16.0).unsqueeze(-1), torch.from_numpy(y_train),
        torch.from_numpy(x_test / 16.0).unsqueeze(-1), torch.from_numpy(y_test), 10,
    )


@dataclass
class TextSplit:
    """SST-2 encoded for ``nn.EmbeddingBag``: token ids per sentence, and labels."""

    vocab: dict[str, int]  # word -> id; id 0 is the unknown word
    train: list[np.ndarray]  # int64 ids per sentence
    y_train: torch.Tensor  # (N,) int64
    test: list[np.ndarray]
    y_test: torch.Tensor
    num_classes: int = 2


def _read_labelled(path: Path, limit: int | None) -> tuple[list[list[str]], list[int]]:
    if not path.is_file():
        raise LmbasicsError(f"SST-2 file not found: {path}")
    sentences, labels = [], []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if limit is not None and len(labels) >= limit:
                break
            label, _, sentence = line.strip().partition(" ")
            if label not in ("0", "1") or not sentence:
                raise LmbasicsError(f"{path}:{number}: expected 'label sentence' with label 0/1")
            labels.append(int(label))
            sentences.append(sentence.split())
    return sentences, labels


def load_sst2(
    directory: str | os.PathLike[str],
    max_train: int | None = None,
    max_test: int | None = None,
    min_count: int = 1,
) -> TextSplit:
    """Read ``stsa.binary.train`` and ``stsa.binary.test`` from ``directory``.

    The vocabulary is the training words seen at least ``min_count`` times; other words map
    to id 0. ``max_train`` / ``max_test`` keep the first lines only (for quick runs).
    """
    root = Path(directory)
    if not root.is_dir():
        raise LmbasicsError(f"SST-2 directory not found: {root}")
    train_words, train_labels = _read_labelled(root / "stsa.binary.train", max_train)
    test_words, test_labels = _read_labelled(root / "stsa.binary.test", max_test)
    counts: dict[str, int] = {}
    for sentence in train_words:
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    vocab = {"<unk>": 0}
    for word in sorted(counts, key=lambda w: (-counts[w], w)):
        if counts[word] >= min_count:
            vocab[word] = len(vocab)

    def encode(sentences: list[list[str]]) -> list[np.ndarray]:
        return [np.array([vocab.get(w, 0) for w in s], dtype=np.int64) for s in sentences]

    return TextSplit(
        vocab, encode(train_words), torch.tensor(train_labels),
        encode(test_words), torch.tensor(test_labels),
    )
