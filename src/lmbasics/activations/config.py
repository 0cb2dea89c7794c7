"""ExperimentConfig: every knob of ``lmbasics activations experiments``, with a comment each.

The defaults are the full run behind ``docs/activations.md`` (about ten minutes on one CPU
thread); :meth:`ExperimentConfig.quick` is a tiny run for tests and smoke checks. The CLI sets
fields with ``--set name=value``; unknown names are an error; the resolved config is written
as ``config.json`` beside the results.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from lmbasics._util.errors import LmbasicsError
from lmbasics.activations.functions import names

__all__ = ["ExperimentConfig"]


@dataclass
class ExperimentConfig:
    seeds: tuple[int, ...] = (0, 1, 2)  # model seeds (init + batch order); the split is fixed
    activations: tuple[str, ...] = field(default_factory=lambda: tuple(names()))
    threads: int = 1  # torch.set_num_threads; 1 makes runs reproducible and polite
    batch_size: int = 64
    momentum: float = 0.9  # SGD momentum (plain SGD, not Adam: Adam hides gradient scale)
    log_every: int = 10  # steps per point of the training curves
    # 1. vanishing: plain MLPs on digits
    depths: tuple[int, ...] = (10, 20, 50)  # hidden layers
    width: int = 64  # hidden units per layer
    init: str = "he"  # N(0, 2/fan_in) for every activation, so only f' differs
    steps: int = 300  # SGD steps per run
    learning_rates: tuple[float, ...] = (0.01, 0.003)  # each run keeps its best by train loss
    # 2. exploding: pixel-by-pixel digits (64 steps) through a tanh Elman RNN
    rnn_hidden: int = 64
    rnn_gains: tuple[float, ...] = (1.0, 1.5, 2.0, 4.0)  # W_h = gain x orthogonal, for dL/dh_t
    rnn_gain: float = 1.5  # the gain trained with and without clipping
    rnn_lr: float = 0.01
    rnn_steps: int = 300
    clip_norm: float = 1.0  # clip_grad_norm_ threshold (Pascanu et al. 2013)
    explode_init_scale: float = 2.0  # MLP weights at this multiple of He init
    # 3. remedies: deep sigmoid / tanh MLPs, plain vs residual vs batch norm
    remedy_activations: tuple[str, ...] = ("sigmoid", "tanh")
    remedy_depth: int = 50
    remedy_lr: float = 0.01
    # 4. dead ReLU: a 4-layer MLP, plain SGD (no momentum), rising learning rate
    dead_activations: tuple[str, ...] = ("relu", "leaky_relu", "prelu", "elu")
    dead_learning_rates: tuple[float, ...] = (0.01, 0.1, 0.3, 0.5, 0.7, 1.0)  # up to divergence
    dead_depth: int = 4
    dead_width: int = 128
    # 5. smooth activations: same MLP, GELU / Swish / ELU vs ReLU, digits and SST-2
    smooth_activations: tuple[str, ...] = ("relu", "elu", "gelu", "swish")
    smooth_depth: int = 8
    smooth_lr: float = 0.01
    sst2_dir: str | None = None  # directory with stsa.binary.*; None skips SST-2
    sst2_max_train: int | None = None  # first N training sentences (None: all 6,920)
    sst2_steps: int = 400
    sst2_optimizer: str = "adam"  # SGD barely moves mean-pooled embeddings in this budget
    sst2_lr: float = 0.003
    sst2_min_count: int = 2  # vocabulary: training words seen at least this often
    sst2_depth: int = 4  # hidden layers after the mean embedding
    sst2_embedding_dim: int = 64
    # 6. GELU's tanh approximation
    gelu_grid: int = 2_000_001  # points on [-10, 10] for the maximum absolute error
    speed_size: int = 1_000_000  # float32 elements per timed call
    speed_repeats: int = 30  # timed calls per function (the median is reported)

    @classmethod
    def quick(cls) -> ExperimentConfig:
        """A run of a few seconds that exercises every experiment (tests, smoke checks)."""
        return cls(
            depths=(3, 6), width=16, steps=20, learning_rates=(0.01,), log_every=5,
            rnn_hidden=16, rnn_gains=(1.0, 2.0), rnn_steps=10, remedy_depth=6,
            dead_learning_rates=(0.01, 0.5), dead_width=16, sst2_max_train=300,
            sst2_steps=20, smooth_depth=3, gelu_grid=20_001, speed_size=10_000,
            speed_repeats=3,
        )

    def __post_init__(self) -> None:
        known = set(names())
        for key in ("activations", "remedy_activations", "dead_activations",
                    "smooth_activations"):
            unknown = [a for a in getattr(self, key) if a not in known]
            if unknown:
                raise LmbasicsError(
                    f"{key}: unknown activation(s) {unknown}; known: {sorted(known)}"
                )
        if len(self.seeds) < 1 or self.steps < 1 or self.width < 1 or self.threads < 1:
            raise LmbasicsError("seeds, steps, width and threads must be positive")
        if min(self.depths, default=0) < 1:
            raise LmbasicsError(f"depths must be >= 1, got {self.depths}")

    def with_overrides(self, assignments: list[str]) -> ExperimentConfig:
        """A copy with ``name=value`` assignments (values parsed as JSON, else as strings)."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for assignment in assignments:
            name, sep, text = assignment.partition("=")
            if not sep:
                raise LmbasicsError(f"--set needs name=value, got {assignment!r}")
            if name not in fields:
                raise LmbasicsError(f"unknown config field {name!r}; known: {', '.join(fields)}")
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                value = text
            current = getattr(self, name)
            if isinstance(current, tuple):
                value = tuple(value) if isinstance(value, list) else (value,)
            changes[name] = value
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
