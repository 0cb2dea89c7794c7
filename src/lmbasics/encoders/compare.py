"""Run the comparison: axes x families x seeds at one budget; write JSON, PNGs and a report.

``compare`` is what ``lmbasics encoders compare`` calls. Each axis's results are written as
soon as it finishes (``<axis>.json`` and ``<axis>.png``), so an axis that fails — missing data,
not enough memory — leaves the others' results, and the report (``report.md``, claims table
first) names what is missing. The resolved settings go to ``config.json`` beside them.
Without a data directory only the ``tiny`` budget runs, on made-up data.

Every trained run (task, family, seed, learning rate, warm-up) is kept under ``runs/`` as it
finishes (:mod:`lmbasics.encoders.runs`): the same command run again with the same ``--out``
skips finished runs, so a stopped comparison resumes. ``widths`` other than 1 run the
agreement and semantic axes again at about that many times the body parameters
(``<axis>-4x.json``); the claims are judged at width 1, the report shows the sizes side by side.

Under torchrun every process runs every axis (training data-parallel, evaluating the same
weights), and only the first writes files and logs. An axis that fails there ends the run
after the report is written: the processes' collectives must stay in step, so none may skip on.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from lmbasics._util.atomic import atomic_write_text
from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders import distributed
from lmbasics.encoders.budgets import Budget
from lmbasics.encoders.config import FAMILIES
from lmbasics.encoders.plots import PLOTTERS, plot_curves
from lmbasics.encoders.report import render
from lmbasics.encoders.runs import RunCache, axis_budget
from lmbasics.encoders.verdicts import all_claims, claim_variants

AXES = ("agreement", "semantic", "translation", "speed")
DEFAULT_FAMILIES = ("cnn", "lstm", "transformer")
SCALED_AXES = ("agreement", "semantic")  # the axes run at every width; the others at width 1
WIDTHS = (1, 4)  # body-parameter multiples a comparison may run at


def default_cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "lmbasics" / "encoders"


def check_families(families: Sequence[str]) -> list[str]:
    """The families, validated: known names, no repeats."""
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise LmbasicsError(f"unknown encoder {unknown[0]!r} (choose from {', '.join(FAMILIES)})")
    if len(set(families)) != len(families) or not families:
        raise LmbasicsError("give each encoder once, at least one")
    return list(families)


def check_widths(widths: Sequence[int]) -> list[int]:
    """The widths, validated: each of :data:`WIDTHS`, once, at least one."""
    unknown = [w for w in widths if w not in WIDTHS]
    if unknown:
        raise LmbasicsError(f"unknown width {unknown[0]!r} (choose from {', '.join(map(str, WIDTHS))})")
    if len(set(widths)) != len(widths) or not widths:
        raise LmbasicsError("give each width once, at least one")
    return list(widths)


def run_axis(
    axis: str,
    budget: Budget,
    families: Sequence[str],
    data_dir: Path | None,
    cache_dir: Path,
    word2vec: Path | None,
    log: Callable[[str], None],
    runs: RunCache | None = None,
) -> dict[str, Any]:
    """One axis's results (imports the task lazily); ``runs``: where finished runs are kept."""
    if axis == "agreement":
        from lmbasics.encoders.tasks.agreement import run_agreement

        return run_agreement(budget, families, data_dir, cache_dir, word2vec, log, runs)
    if axis == "semantic":
        from lmbasics.encoders.tasks.semantic import run_semantic

        return run_semantic(budget, families, data_dir, word2vec, log, runs)
    if axis == "translation":
        from lmbasics.encoders.tasks.translation import run_translation

        return run_translation(budget, families, data_dir, word2vec, log, runs)
    if axis == "speed":
        from lmbasics.encoders.tasks.speed import run_speed

        return run_speed(budget, families, log=log)
    raise LmbasicsError(f"unknown axis {axis!r} (choose from {', '.join(AXES)} or all)")


def compare(
    axes: Sequence[str],
    budget: Budget,
    out: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    families: Sequence[str] = DEFAULT_FAMILIES,
    word2vec: str | os.PathLike[str] | None = None,
    command: str = "",
    log: Callable[[str], None] = print,
    widths: Sequence[int] = (1,),
) -> tuple[dict[str, Any], dict[str, str]]:
    """Run ``axes`` (agreement and semantic at each of ``widths``); write everything under
    ``out``, finished runs under ``out/runs``; return ``(results, errors)`` keyed by axis, with
    ``-<w>x`` for a width ``w`` other than 1."""
    families = check_families(families)
    for axis in axes:
        if axis not in AXES:
            raise LmbasicsError(f"unknown axis {axis!r} (choose from {', '.join(AXES)} or all)")
    widths = check_widths(widths)
    data = Path(data_dir) if data_dir is not None else None
    if data is not None and not data.is_dir():
        raise LmbasicsError(f"no such data directory: {data}")
    if data is None and budget.name != "tiny" and set(axes) - {"speed"}:
        raise LmbasicsError(f"the {budget.name} budget needs --data (the shared data directory)")
    vectors = Path(word2vec) if word2vec is not None else None
    if vectors is not None and not vectors.is_file():
        raise LmbasicsError(f"no such word-vector file: {vectors}")
    current = distributed.world()
    for axis in set(axes) - {"speed"}:  # fail before any work, not when the axis starts
        batch_size = getattr(budget, f"{axis}_train").batch_size
        if batch_size % current.size:
            raise LmbasicsError(
                f"the {axis} batch of {batch_size} does not split over {current.size} processes: "
                "choose a process count that divides it"
            )
    if not current.is_main:
        log = _silent
    out = Path(out)
    if current.is_main:
        out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    meta: dict[str, Any] = {
        "command": command or f"compare {', '.join(axes)}",
        "budget": budget.name,
        "seeds": budget.seeds,
        "widths": widths,
        "families": families,
        "threads": torch.get_num_threads(),
        "processes": current.size,
        "data": str(data) if data else "synthetic",
        "word2vec": str(vectors) if vectors else None,
        "torch": torch.__version__,
    }
    if current.is_main:
        atomic_write_text(out / "config.json", json.dumps({**meta, "budget": budget.to_dict()}, indent=2))
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}
    start = time.perf_counter()
    trained = reused = 0
    for axis, width in [(a, w) for a in axes for w in (widths if a in SCALED_AXES else (1,))]:
        label = axis if width == 1 else f"{axis}-{width}x"
        axis_start = time.perf_counter()
        widened = budget.widened(width)
        runs = RunCache(
            out / "runs" / label, {"axis": axis, "width": width, "budget": axis_budget(widened, axis)}
        )
        try:
            results[label] = run_axis(axis, widened, families, data, cache, vectors, log, runs)
        except LmbasicsError as error:
            errors[label] = str(error)
        except (MemoryError, torch.OutOfMemoryError):
            errors[label] = f"out of memory at the {budget.name} budget"
        trained, reused = trained + runs.trained, reused + runs.reused
        if label in errors:
            if current.size > 1:
                break
            continue
        results[label]["wall_seconds"] = time.perf_counter() - axis_start
        results[label]["cost"] = runs.cost()
        results[label]["width"] = width
        if current.is_main:
            atomic_write_text(out / f"{label}.json", json.dumps(results[label], indent=2))
            PLOTTERS[axis](results[label], out / f"{label}.png")
            if "tuning" in results[label]:
                plot_curves(results[label], out / f"{label}-curves.png")
    meta["wall_seconds"] = time.perf_counter() - start
    meta["runs"] = {"trained": trained, "reused": reused}
    if current.is_main:
        summary = {
            "meta": meta,
            "claims": all_claims(results),
            "claim_variants": claim_variants(results),
            "errors": errors,
        }
        atomic_write_text(out / "claims.json", json.dumps(summary, indent=2))
        atomic_write_text(out / "report.md", render(results, errors, meta))
    return results, errors


def _silent(line: str) -> None:
    """The log of every process but the first: one progress stream per run."""
