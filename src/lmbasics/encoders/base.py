"""The one interface every feature extractor implements.

An :class:`Encoder` is built from its config dataclass and maps token ids and a padding mask to
one vector per position::

    forward(ids: Long[B, T], mask: Bool[B, T]) -> Float[B, T, C]      # C = config.hidden_size

``mask`` is True at real tokens; real tokens come first in each row (right padding). Outputs at
padded positions are zero, and outputs at real positions do not depend on how much padding
follows. The embedding table (``embedding_dim`` wide) is shared code; each family adds its body.
The families themselves are wired in :mod:`lmbasics.encoders.families`; this module does not
know them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.config import EncoderConfig, family_of
from lmbasics.encoders.embeddings import initial_embeddings


class Encoder(nn.Module):
    """Embedding + family body; subclasses implement :meth:`encode`."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=config.padding_idx)
        nn.init.normal_(self.embedding.weight, std=config.embedding_dim**-0.5)
        with torch.no_grad():
            self.embedding.weight[config.padding_idx].zero_()
        self.embedding_dropout = nn.Dropout(config.dropout)

    @property
    def family(self) -> str:
        return family_of(self.config)

    @property
    def output_size(self) -> int:
        """C, the width of every output vector."""
        return self.config.hidden_size

    def num_parameters(self, include_embedding: bool = True) -> int:
        """Trainable parameters (the body alone with ``include_embedding=False``)."""
        total = sum(p.numel() for p in self.parameters() if p.requires_grad)
        if not include_embedding:
            total -= self.embedding.weight.numel()
        return total

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``ids``: Long[B, T]; ``mask``: Bool[B, T], True at real tokens -> Float[B, T, C]."""
        if ids.dim() != 2 or mask.shape != ids.shape:
            raise LmbasicsError(f"ids {tuple(ids.shape)} and mask {tuple(mask.shape)} must be (B, T)")
        if ids.shape[1] > self.config.max_length:
            raise LmbasicsError(
                f"sequence of {ids.shape[1]} tokens exceeds max_length {self.config.max_length}"
            )
        embedded = self.embedding_dropout(self.embedding(ids))  # (B, T, E)
        out = self.encode(embedded, mask)  # (B, T, C)
        return out * mask.unsqueeze(-1).to(out.dtype)

    def encode(self, embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Family body: Float[B, T, E], Bool[B, T] -> Float[B, T, C]."""
        raise NotImplementedError

    def load_word_vectors(self, vocabulary: Sequence[str], path: str | os.PathLike[str]) -> int:
        """Start the embedding rows of ``vocabulary`` from a word2vec file; return rows set."""
        if len(vocabulary) != self.config.vocab_size:
            raise LmbasicsError(
                f"vocabulary has {len(vocabulary)} words, the encoder {self.config.vocab_size}"
            )
        rows, found = initial_embeddings(vocabulary, path, self.config.embedding_dim, self.config.padding_idx)
        with torch.no_grad():
            hit = torch.from_numpy(found)
            self.embedding.weight[hit] = torch.from_numpy(rows[found])
        return int(found.sum())


def lengths_of(mask: torch.Tensor) -> torch.Tensor:
    """Long[B]: the number of real tokens in each row of a right-padded mask."""
    return mask.sum(dim=1)
