"""Finished runs kept on disk, so that ``lmbasics encoders compare`` resumes after a stop.

One JSON record per run — (task, family, seed, learning rate, warm-up) — under
``<out>/runs/<axis>/<task>/<family>/``, written atomically once the run has trained, been
validated and tested; it holds the run's scores and its validation curve. Rerun the same command
with the same ``--out`` and finished runs are read back instead of trained: a seeded run is
deterministic, so a resumed comparison gives the results of an uninterrupted one.

Each record carries a fingerprint of what decides its result: the task's data and settings, the
family's encoder config, the training settings, the seed, the PyTorch version and the source of
the modules that train and test on the run's axis (the encoders wing but the report, plots,
verdicts, CLI, budgets and this module, and other axes' modules). A record whose fingerprint
differs is stale and its run is done again. Nothing else is ever read from the directory, and
records are plain JSON (no pickles, no weights).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from lmbasics._util.atomic import atomic_write_text
from lmbasics.encoders import distributed
from lmbasics.encoders.training import TrainConfig

# modules that only present results: editing them leaves finished runs valid
PRESENTATION = {"report.py", "plots.py", "verdicts.py", "cli.py", "compare.py", "__init__.py"}
# the budget's values enter a fingerprint through axis_budget, not through its source; this
# module only files records (its fingerprint rules decide which record is read, not a result)
NOT_CODE = PRESENTATION | {"budgets.py", "runs.py"}
# wing modules that only one axis trains with (the rest serve every axis)
AXIS_MODULES = {"seq2seq.py": "translation"}
# modules of tasks/ that every axis uses
SHARED_TASK_MODULES = {"__init__.py", "common.py"}
# budget fields that can change any axis's runs (the rest are named after their axis)
SHARED_BUDGET_FIELDS = (
    "embedding_dim",
    "hidden_size",
    "num_layers",
    "num_heads",
    "kernel_size",
    "dropout",
    "validation_fraction",
    "validation_max",
    "width",
)


def axis_budget(budget: Any, axis: str) -> dict[str, Any]:
    """The fields of ``budget`` that can change a run on ``axis``: the shared model and
    validation settings and the axis's own (``<axis>_...``); not its name, seed count or grid
    (a run's seed and setting are in its fingerprint already) nor other axes' fields."""
    fields = budget.to_dict()
    return {k: v for k, v in fields.items() if k in SHARED_BUDGET_FIELDS or k.startswith(f"{axis}_")}


class RunCache:
    """Records of finished runs under ``directory`` (``None``: kept in memory only), each
    fingerprinted with ``context`` (the task's data and settings, JSON-ready)."""

    def __init__(self, directory: Path | None, context: dict[str, Any]) -> None:
        self.directory = directory
        self.context = context
        self.memory: dict[str, dict[str, Any]] = {}
        self.counts = {"trained": 0, "reused": 0}  # runs done in this call / read back

    @property
    def trained(self) -> int:
        return self.counts["trained"]

    @property
    def reused(self) -> int:
        return self.counts["reused"]

    def cost(self) -> dict[str, Any]:
        """What the runs this cache holds in memory (trained or read back in this call) took,
        from their records: how many, their summed training seconds (validation and testing
        excluded) and, over those that recorded it, their summed whole-run seconds."""
        records = list(self.memory.values())
        timed = [r["run_seconds"] for r in records if "run_seconds" in r]
        return {
            "runs": len(records),
            "training_seconds": sum(r["curve"][-1][1] for r in records if r.get("curve")),
            "timed_runs": len(timed),
            "run_seconds": sum(timed),
        }

    def scoped(self, **context: Any) -> RunCache:
        """The same directory and memory, more context (a task's data) in every fingerprint."""
        child = RunCache(self.directory, {**self.context, **context})
        child.memory, child.counts = self.memory, self.counts
        return child

    def run(
        self,
        task: str,
        family: str,
        seed: int,
        config: TrainConfig,
        encoder: dict[str, Any],
        work: Callable[[], dict[str, Any]],
        log: Callable[[str], None],
    ) -> dict[str, Any]:
        """The record of this run: remembered, read back, or made by ``work()`` and written."""
        name = f"seed{seed}-lr{config.learning_rate:g}-warmup{config.warmup_steps}"
        key = f"{task}/{family}/{name}"
        fingerprint = _fingerprint(
            {
                **self.context,
                "task": task,
                "family": family,
                "seed": seed,
                "train": config.to_dict(),
                "encoder": encoder,
                "torch": torch.__version__,
                "code": _code_digest(str(self.context.get("axis", ""))),
            }
        )
        if fingerprint in self.memory:
            return self.memory[fingerprint]
        path = self.directory / task / family / f"{name}.json" if self.directory else None
        stored = _read(path, fingerprint)
        if _everyone(stored is not None):
            log(f"{key}: finished in an earlier call, reused")
            self.counts["reused"] += 1
        else:
            start = time.perf_counter()
            result = work()
            stored = {
                "key": key,
                "fingerprint": fingerprint,
                "family": family,
                "seed": seed,
                "learning_rate": config.learning_rate,
                "warmup_steps": config.warmup_steps,
                **result,
                # the whole run (training, validation, testing): the suite's cost, not a result
                "run_seconds": round(time.perf_counter() - start, 1),
                "threads": torch.get_num_threads(),
            }
            self.counts["trained"] += 1
            if path is not None and distributed.world().is_main:
                atomic_write_text(path, json.dumps(stored, indent=1))
        self.memory[fingerprint] = stored
        return stored


def digest(data: Any) -> str:
    """SHA-256 of JSON-ready ``data`` (a task's examples): part of a fingerprint, so that
    changed data makes its records stale."""
    return _fingerprint({"data": data})


def _read(path: Path | None, fingerprint: str) -> dict[str, Any] | None:
    """The record at ``path`` if it is one of this run (an unreadable or stale file is not)."""
    if path is None or not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("fingerprint") == fingerprint else None


def _everyone(found: bool) -> bool:
    """Under torchrun, a record counts only if every process found it (their collectives must
    stay in step: all train the run or none does)."""
    current = distributed.world()
    if current.size == 1:
        return found
    flag = torch.tensor([int(found)], device=current.device)
    dist.all_reduce(flag, op=dist.ReduceOp.MIN)
    return bool(flag.item())


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@cache
def _code_digest(axis: str = "", root: Path | None = None) -> str:
    """SHA-256 over the sources that train and test a model on ``axis``: every module of the
    encoders wing but those in :data:`NOT_CODE` and other axes' :data:`AXIS_MODULES`, and of
    ``tasks/`` the shared modules and those named after the axis (all of them when ``axis`` is
    empty); ``root``: the wing (tests)."""
    root = root or Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if path.parent == root and path.name in NOT_CODE:
            continue
        if axis and path.parent == root and AXIS_MODULES.get(path.name, axis) != axis:
            continue
        if (
            axis
            and path.parent == root / "tasks"
            and path.name not in SHARED_TASK_MODULES
            and not path.stem.startswith(axis)
        ):
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
