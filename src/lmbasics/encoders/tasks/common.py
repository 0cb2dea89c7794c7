"""What every axis shares: matched encoder configs per family, a classifier head, statistics.

Families are given the budget's embedding size and depth; the Transformer at the budget's width
is the parameter reference and the others are matched to it (:mod:`lmbasics.encoders.matching`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from lmbasics.encoders.base import Encoder
from lmbasics.encoders.budgets import Budget
from lmbasics.encoders.config import EncoderConfig, config_for
from lmbasics.encoders.families import build_encoder
from lmbasics.encoders.matching import body_parameters, match_parameters


def family_configs(
    budget: Budget,
    families: Sequence[str],
    vocab_size: int,
    causal: bool = False,
    max_length: int = 1024,
) -> dict[str, EncoderConfig]:
    """One config per family, body parameters matched to the Transformer's within 10 %.

    ``causal``: every family sees only the past (causal CNN and attention, left-to-right RNN).
    """
    configs: dict[str, EncoderConfig] = {}
    shared = {
        "vocab_size": vocab_size,
        "embedding_dim": budget.embedding_dim,
        "hidden_size": budget.hidden_size,
        "num_layers": budget.num_layers,
        "dropout": budget.dropout,
        "max_length": max_length,
    }
    reference = config_for("transformer", **shared, num_heads=budget.num_heads, causal=causal)
    for family in families:
        if family == "transformer":
            configs[family] = reference
        elif family == "cnn":
            configs[family] = config_for("cnn", **shared, kernel_size=budget.kernel_size, causal=causal)
        else:
            # left-to-right only when causal (agreement); both directions otherwise, like the
            # CNN's centred window and the Transformer's full attention
            configs[family] = config_for(family, **shared, bidirectional=not causal)
    matched = match_parameters({"transformer": reference, **configs}, reference="transformer")
    return {family: matched[family] for family in families}


def describe(configs: dict[str, EncoderConfig], families: Sequence[str]) -> dict[str, Any]:
    """JSON-ready configs and body parameter counts of ``families``."""
    return {
        family: {
            "config": configs[family].to_dict(),
            "body_parameters": body_parameters(configs[family]),
        }
        for family in families
    }


def build(
    config: EncoderConfig, vocabulary: Sequence[str], word2vec: str | os.PathLike[str] | None
) -> Encoder:
    """The encoder, its embedding started from ``word2vec`` when a path is given."""
    encoder = build_encoder(config)
    if word2vec is not None:
        encoder.load_word_vectors(vocabulary, word2vec)
    return encoder


def last_positions(mask: torch.Tensor) -> torch.Tensor:
    """Long[B]: index of the last real token of each row."""
    return (mask.sum(dim=1) - 1).clamp(min=0)


class SequenceClassifier(nn.Module):
    """Encoder + linear head on one vector per sequence: the last real position or the mean."""

    def __init__(self, encoder: Encoder, num_classes: int, pooling: str = "mean") -> None:
        super().__init__()
        self.encoder = encoder
        self.pooling = pooling
        self.head = nn.Linear(encoder.output_size, num_classes)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(ids, mask)  # (B, T, C)
        if self.pooling == "last":
            pooled = hidden[torch.arange(len(ids)), last_positions(mask)]  # (B, C)
        else:
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
        return self.head(pooled)  # (B, classes)


def on_device(model: nn.Module, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``tensors`` moved to ``model``'s device (a GPU per process under torchrun; a no-op on CPU)."""
    device = next(model.parameters()).device
    return tuple(tensor.to(device) for tensor in tensors)


def stats(values: Sequence[float]) -> dict[str, Any]:
    """Mean, sample standard deviation and the values themselves."""
    values = [float(v) for v in values]
    mean = sum(values) / len(values) if values else math.nan
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return {"mean": mean, "std": spread, "values": values, "n": len(values)}


@torch.no_grad()
def predict(model: nn.Module, rows: Sequence[Sequence[int]], batch_size: int = 256) -> list[int]:
    """Argmax class for each id list (model in eval mode, batched)."""
    from lmbasics.encoders.data import pad

    model.eval()
    out: list[int] = []
    for start in range(0, len(rows), batch_size):
        ids, mask = on_device(model, *pad(rows[start : start + batch_size]))
        out.extend(model(ids, mask).argmax(-1).tolist())
    return out
