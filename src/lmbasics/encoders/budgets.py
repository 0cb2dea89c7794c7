"""Compute budgets for the comparison: ``tiny`` (CI, minutes), ``small`` (2 CPU cores, about two
hours for every axis), ``full`` (sized for one GPU).

A budget fixes what every family shares — embedding size, the Transformer's width and depth
that the other families are matched to, the optimiser schedule and steps, the data sizes and the
number of seeds — so that only the family differs between runs on an axis.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.training import TrainConfig


@dataclass(frozen=True)
class Budget:
    """Everything an axis needs to size itself."""

    name: str
    seeds: int  # independent runs per family (accuracies are reported as mean +- std)
    embedding_dim: int  # same for every family
    hidden_size: int  # Transformer width; the other families are matched to its parameters
    num_layers: int  # same depth for every family
    num_heads: int  # Transformer heads
    kernel_size: int  # CNN kernel (no dilation: the "native" CNN of the seed)
    dropout: float
    agreement_corpus_tokens: int  # corpus words parsed for agreement examples (real data)
    agreement_examples: int  # training examples (synthetic count, or cap on real data)
    agreement_train: TrainConfig
    semantic_examples: int  # cap on training examples per semantic task
    semantic_train: TrainConfig
    translation_examples: int  # training sentence pairs (cap)
    translation_test: int  # test pairs decoded for BLEU (cap)
    translation_train: TrainConfig
    speed_lengths: tuple[int, ...]  # sequence lengths timed
    speed_tokens: int  # tokens per timed batch (batch size = speed_tokens // length, >= 1)
    speed_repeats: int  # timed repetitions (the median is reported)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


BUDGETS: dict[str, Budget] = {
    "tiny": Budget(
        name="tiny",
        seeds=3,
        embedding_dim=32,
        hidden_size=32,
        num_layers=2,
        num_heads=2,
        kernel_size=3,
        dropout=0.0,
        agreement_corpus_tokens=100_000,
        agreement_examples=1500,
        agreement_train=TrainConfig(steps=80, batch_size=32, learning_rate=3e-3, warmup_steps=10),
        semantic_examples=800,
        semantic_train=TrainConfig(steps=40, batch_size=32, learning_rate=3e-3, warmup_steps=10),
        translation_examples=800,
        translation_test=40,
        translation_train=TrainConfig(steps=80, batch_size=16, learning_rate=3e-3, warmup_steps=10),
        speed_lengths=(16, 64),
        speed_tokens=512,
        speed_repeats=2,
    ),
    "small": Budget(
        name="small",
        seeds=3,
        embedding_dim=64,
        hidden_size=64,
        num_layers=2,
        num_heads=4,
        kernel_size=3,
        dropout=0.1,
        agreement_corpus_tokens=3_000_000,
        agreement_examples=60_000,
        agreement_train=TrainConfig(steps=2000, batch_size=64, learning_rate=2e-3, warmup_steps=100),
        semantic_examples=7000,
        semantic_train=TrainConfig(steps=800, batch_size=32, learning_rate=1e-3, warmup_steps=50),
        translation_examples=29_000,
        translation_test=1000,
        translation_train=TrainConfig(steps=2500, batch_size=64, learning_rate=2e-3, warmup_steps=200),
        speed_lengths=(16, 64, 256, 1024),
        speed_tokens=8192,
        speed_repeats=3,
    ),
    "full": Budget(
        name="full",
        seeds=5,
        embedding_dim=256,
        hidden_size=256,
        num_layers=4,
        num_heads=8,
        kernel_size=3,
        dropout=0.1,
        agreement_corpus_tokens=17_007_683,
        agreement_examples=1_000_000,
        agreement_train=TrainConfig(steps=30_000, batch_size=128, learning_rate=1e-3, warmup_steps=1000),
        semantic_examples=100_000,
        semantic_train=TrainConfig(steps=5000, batch_size=32, learning_rate=5e-4, warmup_steps=300),
        translation_examples=29_000,
        translation_test=1000,
        translation_train=TrainConfig(steps=20_000, batch_size=128, learning_rate=5e-4, warmup_steps=2000),
        speed_lengths=(16, 32, 64, 128, 256, 512, 1024),
        speed_tokens=32_768,
        speed_repeats=10,
    ),
}


def get_budget(name: str, seeds: int | None = None) -> Budget:
    """The named budget, optionally with another seed count (at least 1)."""
    if name not in BUDGETS:
        raise LmbasicsError(f"unknown budget {name!r} (choose from {', '.join(BUDGETS)})")
    budget = BUDGETS[name]
    if seeds is not None:
        if seeds < 1:
            raise LmbasicsError("--seeds must be at least 1")
        budget = dataclasses.replace(budget, seeds=seeds)
    return budget
