"""Per-family tuning on validation data: every family gets the same grid and the same budget.

For each task and family, one run (seed 0) per setting of the budget's grid — peak learning
rates, log-spaced, times the warm-ups it lists — each trained to its plateau within the task's
token ceiling (:func:`~lmbasics.encoders.training.fit`) and scored on a validation split carved
from the training data (:func:`validation_split`; the test set is never looked at). The setting
with the best validation score is the family's; its seeds 0 .. n-1 are the reported runs. Seed
0 at the chosen setting *is* the tuning run (same data, seed and setting: the same run), so
tuning costs ``len(grid) - 1`` extra runs per family. Ties go to the first setting in grid order.

Every run goes through :class:`~lmbasics.encoders.runs.RunCache`, so a stopped comparison
resumes. What this does not do: tune anything but the learning rate and warm-up (widths, depth,
dropout and batch size stay the budget's), or search adaptively.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.runs import RunCache
from lmbasics.encoders.training import TrainConfig

# (family, seed, training settings) -> the run's record: fit's summary plus the task's test scores
RunTask = Callable[[str, int, TrainConfig], dict[str, Any]]


@dataclass(frozen=True)
class Grid:
    """The settings tried for every family: each learning rate with each warm-up."""

    learning_rates: tuple[float, ...]  # peak AdamW learning rates, log-spaced
    warmup_steps: tuple[int, ...] = ()  # warm-ups tried with each rate; () = the task's own

    def settings(self, base: TrainConfig) -> list[TrainConfig]:
        if not self.learning_rates or min(self.learning_rates) <= 0:
            raise LmbasicsError("a tuning grid needs at least one positive learning rate")
        warmups = self.warmup_steps or (base.warmup_steps,)
        return [
            dataclasses.replace(base, learning_rate=rate, warmup_steps=warmup)
            for rate in self.learning_rates
            for warmup in warmups
        ]


def validation_split(count: int, fraction: float, cap: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(training indices, validation indices) of ``count`` training examples: a fixed random
    ``fraction`` of them (at least 1, at most ``cap``) held out for validation, the same for
    every family, seed and setting; both in increasing order."""
    if count < 2:
        raise LmbasicsError(f"{count} training example(s) cannot be split for validation")
    held = min(max(int(count * fraction), 1), cap, count - 1)
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[held:]), np.sort(order[:held])


def _setting(config: TrainConfig) -> dict[str, Any]:
    return {"learning_rate": config.learning_rate, "warmup_steps": config.warmup_steps}


def _curve(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("seed", "stopped", "tokens", "best_tokens", "validation", "curve")
    return {key: record[key] for key in keys}


def tune(
    task: str,
    families: Sequence[str],
    seeds: int,
    grid: Grid,
    base: TrainConfig,
    encoders: dict[str, dict[str, Any]],
    run: RunTask,
    runs: RunCache,
    log: Callable[[str], None],
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Choose each family's setting on validation, then run its seeds.

    ``encoders``: each family's encoder config (JSON-ready, part of each run's fingerprint).
    Returns ``(tuning, records)``: the JSON-ready tuning block — grid, every validation score,
    the choice, the reported runs' curves — and each family's reported records, seed order.
    """
    settings = grid.settings(base)
    block: dict[str, Any] = {"grid": [_setting(s) for s in settings], "families": {}}
    records: dict[str, list[dict[str, Any]]] = {}

    def one(family: str, seed: int, config: TrainConfig) -> dict[str, Any]:
        before = runs.trained + runs.reused
        record = runs.run(
            task, family, seed, config, encoders[family], lambda: run(family, seed, config), log
        )
        if runs.trained + runs.reused == before:  # the same run, already logged (seed 0)
            return record
        log(
            f"{task} {family} seed {seed} lr {config.learning_rate:g} warm-up {config.warmup_steps}: "
            f"validation {record['validation']:.4f} ({record['stopped']}, best at "
            f"{record['best_tokens']:,} of {record['tokens']:,} tokens)"
        )
        return record

    for family in families:
        scores = [one(family, 0, config)["validation"] for config in settings]
        ranked = [score if not math.isnan(score) else -math.inf for score in scores]
        chosen = settings[ranked.index(max(ranked))]
        records[family] = [one(family, seed, chosen) for seed in range(seeds)]
        block["families"][family] = {
            "scores": scores,
            "chosen": _setting(chosen),
            "runs": [_curve(r) for r in records[family]],
        }
    return block, records
