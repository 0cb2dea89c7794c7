"""Compute budgets for the comparison: ``tiny`` (CI, minutes), ``small`` (2 CPU cores, about
three hours for every axis with tuning), ``full`` (sized for one GPU).

A budget fixes what every family shares — embedding size, the Transformer's width and depth
that the other families are matched to, the tuning grid, the token ceiling, validation interval
and patience of every run, the data sizes and the number of seeds — so that only the family
differs between runs on an axis. :meth:`Budget.widened` is the same budget at about ``factor``
times the body parameters (the ``--width`` of ``encoders compare``).

How ``small`` was sized: from per-token costs of the stored ``docs/encoders/small*`` runs (2
threads), every run of the grid trained to its ceiling was estimated at about 3 hours for
agreement, semantic and translation together. Measured since (2026-11-30, one thread per run,
two runs side by side on the 2-core machine): one translation run to its 3.5M-token ceiling
took about 22 minutes (the CNN at learning rate 5e-4: 1,332 s; steps are 1.6-2x faster since
the output layer skips the padding), so translation alone, 4 families x (4 settings + 2 more
seeds), is several hours of one core if no run stops early; one agreement run takes 2.5-11
minutes (2026-12-01) — the ``small`` suite runs across sittings (every finished run is kept;
see ``encoders compare``).
Agreement parses all of ``enwiki-17M`` (18 cached pieces, about 3 minutes each on one core) so
that every long distance bin holds about 2,000 examples or more.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.training import TrainConfig
from lmbasics.encoders.tuning import Grid


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
    agreement_test_per_bin: int  # held-out examples per distance bin (real data; at most half a bin)
    agreement_train: TrainConfig
    semantic_examples: int  # cap on training examples per semantic task
    semantic_train: TrainConfig
    translation_examples: int  # training sentence pairs (cap)
    translation_test: int  # test pairs decoded for BLEU (cap)
    translation_train: TrainConfig
    speed_lengths: tuple[int, ...]  # sequence lengths timed
    speed_tokens: int  # tokens per timed batch (batch size = speed_tokens // length, >= 1)
    speed_repeats: int  # timed repetitions (the median is reported)
    grid: Grid  # learning rates (and warm-ups) tried for every family on every task
    validation_fraction: float = 0.1  # share of the training data held out for validation
    validation_max: int = 2000  # cap on validation examples per task
    width: int = 1  # body parameters about this multiple of the budget's own (see widened)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def widened(self, factor: int) -> Budget:
        """This budget at about ``factor`` x the body parameters: the Transformer's width times
        sqrt(factor) (a multiple of its heads; its body grows with width squared), the other
        families matched to it as always; everything else unchanged."""
        if factor < 1:
            raise LmbasicsError("a width factor must be at least 1")
        if factor == 1:
            return self
        step = self.num_heads
        hidden = max(step, round(self.hidden_size * factor**0.5 / step) * step)
        return dataclasses.replace(self, hidden_size=hidden, width=self.width * factor)


def _plateau(
    grid: Grid,
    max_tokens: int,
    batch_size: int,
    warmup_steps: int,
    patience: int,
    untuned_rate: float | None = None,
) -> TrainConfig:
    """Train to a plateau: at most ``max_tokens``, validated 20 times on the way (every 5 %),
    never stopped before a quarter of it.
    The learning rate, for untuned runs, is ``untuned_rate`` or else the grid's middle one (the
    lower middle of an even grid); the compared families each get theirs from the grid."""
    if untuned_rate is None:
        untuned_rate = sorted(grid.learning_rates)[(len(grid.learning_rates) - 1) // 2]
    return TrainConfig(
        steps=0,
        batch_size=batch_size,
        learning_rate=untuned_rate,
        warmup_steps=warmup_steps,
        max_tokens=max_tokens,
        eval_tokens=max_tokens // 20,
        patience=patience,
        min_tokens=max_tokens // 4,
    )


# log-spaced peak learning rates; warm-ups are each task's own (in its TrainConfig). Small's
# grid was widened upwards twice, for every family and axis, each time its runs chose the
# top value (the grid's edge: the best rate may lie beyond it) for several families: 4.5e-3 for
# CNN and LSTM translation and GRU agreement, then 1.35e-2 for LSTM translation and agreement
# and GRU and LSTM on SST-2. Its untuned rate stays 1.5e-3, the middle of the first grid (it
# is part of every small run's fingerprint; tuned runs never use it).
TINY_GRID = Grid(learning_rates=(3e-3, 1e-2))
SMALL_GRID = Grid(learning_rates=(5e-4, 1.5e-3, 4.5e-3, 1.35e-2, 4.05e-2))
SMALL_UNTUNED_RATE = 1.5e-3
FULL_GRID = Grid(learning_rates=(2.5e-4, 5e-4, 1e-3, 2e-3))

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
        agreement_test_per_bin=100,
        agreement_train=_plateau(TINY_GRID, 32_000, batch_size=32, warmup_steps=10, patience=3),
        semantic_examples=800,
        semantic_train=_plateau(TINY_GRID, 14_000, batch_size=32, warmup_steps=10, patience=3),
        translation_examples=800,
        translation_test=40,
        translation_train=_plateau(TINY_GRID, 17_000, batch_size=16, warmup_steps=10, patience=3),
        speed_lengths=(16, 64),
        speed_tokens=512,
        speed_repeats=2,
        grid=TINY_GRID,
        validation_max=200,
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
        agreement_corpus_tokens=17_007_683,  # all of enwiki-17M: ~2,000+ examples per long bin
        agreement_examples=60_000,
        agreement_test_per_bin=800,
        # ceilings about the old fixed schedules' tokens (2000 x 64 prefixes of ~37 words;
        # 800 x 32 sentences of ~18; 2500 x 64 pairs of ~25), translation's a little lower
        agreement_train=_plateau(
            SMALL_GRID,
            4_000_000,
            batch_size=64,
            warmup_steps=100,
            patience=4,
            untuned_rate=SMALL_UNTUNED_RATE,
        ),
        semantic_examples=7000,
        semantic_train=_plateau(
            SMALL_GRID, 500_000, batch_size=32, warmup_steps=50, patience=4, untuned_rate=SMALL_UNTUNED_RATE
        ),
        translation_examples=29_000,
        translation_test=1000,
        translation_train=_plateau(
            SMALL_GRID,
            3_500_000,
            batch_size=64,
            warmup_steps=200,
            patience=4,
            untuned_rate=SMALL_UNTUNED_RATE,
        ),
        speed_lengths=(16, 64, 256, 1024),
        speed_tokens=8192,
        speed_repeats=3,
        grid=SMALL_GRID,
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
        agreement_test_per_bin=2000,
        agreement_train=_plateau(FULL_GRID, 140_000_000, batch_size=128, warmup_steps=1000, patience=5),
        semantic_examples=100_000,
        semantic_train=_plateau(FULL_GRID, 3_000_000, batch_size=32, warmup_steps=300, patience=5),
        translation_examples=29_000,
        translation_test=1000,
        translation_train=_plateau(FULL_GRID, 65_000_000, batch_size=128, warmup_steps=2000, patience=5),
        speed_lengths=(16, 32, 64, 128, 256, 512, 1024),
        speed_tokens=32_768,
        speed_repeats=10,
        grid=FULL_GRID,
        validation_max=5000,
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
