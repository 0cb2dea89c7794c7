"""Word embeddings for the encoders, optionally started from word2vec vectors.

The seed's pipeline is word embeddings feeding a feature extractor: ``read_word_vectors`` reads
the plain word2vec formats (Mikolov's text format — a ``count dim`` header, then ``word v1 ...
vd`` — and its binary twin), which lmbasics' word2vec and gensim both write, and
``initial_embeddings`` lays them out in an encoder's vocabulary order. Words the file lacks keep
their random initialisation. This module does not train vectors and does not import the word2vec
wing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lmbasics._util.errors import LmbasicsError


def _is_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.readline()
        sample = handle.read(4096)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return b"\x00" in sample


def read_word_vectors(
    path: str | os.PathLike[str], binary: bool | None = None
) -> tuple[list[str], np.ndarray]:
    """Read a word2vec text or binary file; return ``(words, float32[N, D])``.

    ``binary=None`` guesses the format from the bytes after the header.
    """
    path = Path(path)
    if not path.is_file():
        raise LmbasicsError(f"no such word-vector file: {path}")
    if binary is None:
        binary = _is_binary(path)
    with path.open("rb") as handle:
        header = handle.readline().split()
        if len(header) != 2:
            raise LmbasicsError(f"{path}: not a word2vec file (header must be 'count dim')")
        count, dim = int(header[0]), int(header[1])
        words: list[str] = []
        vectors = np.empty((count, dim), dtype=np.float32)
        for row in range(count):
            if binary:
                word = bytearray()
                while (char := handle.read(1)) != b" ":
                    if not char:
                        raise LmbasicsError(f"{path}: truncated at vector {row}")
                    if char != b"\n":
                        word += char
                vectors[row] = np.frombuffer(handle.read(4 * dim), dtype="<f4", count=dim)
                words.append(word.decode("utf-8", errors="replace"))
            else:
                parts = handle.readline().rstrip().split(b" ")
                if len(parts) != dim + 1:
                    raise LmbasicsError(f"{path}: line {row + 2} has {len(parts) - 1} numbers")
                words.append(parts[0].decode("utf-8", errors="replace"))
                vectors[row] = np.asarray(parts[1:], dtype=np.float32)
    return words, vectors


def initial_embeddings(
    vocabulary: Sequence[str],
    path: str | os.PathLike[str],
    embedding_dim: int,
    padding_idx: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows for ``vocabulary`` from a word2vec file: ``(float32[V, D] rows, bool[V] found)``.

    Rows of words not in the file are zero and ``found`` is False there; the caller keeps its
    own initialisation for them.
    """
    words, vectors = read_word_vectors(path)
    if vectors.shape[1] != embedding_dim:
        raise LmbasicsError(
            f"word vectors in {path} have {vectors.shape[1]} dimensions, "
            f"the encoder's embedding_dim is {embedding_dim}"
        )
    index = {word: row for row, word in enumerate(words)}
    rows = np.zeros((len(vocabulary), embedding_dim), dtype=np.float32)
    found = np.zeros(len(vocabulary), dtype=bool)
    for position, word in enumerate(vocabulary):
        if position == padding_idx:
            continue
        row = index.get(word)
        if row is not None:
            rows[position] = vectors[row]
            found[position] = True
    return rows, found
