"""Translation at a larger token ceiling: does the `small` ranking hold with more training?

Every `small` translation run trains to its 3.5M-token ceiling (the learning rate's linear
decay ends there) rather than to a plateau, so its ranking is the ranking at that ceiling. This
reruns the named families at the learning rates they chose in a finished comparison (read from
``--reference``'s ``translation.json``, never re-tuned) with the ceiling, the validation
interval and the earliest stop all times ``--factor``; everything else (data, sizes, seeds,
patience, warm-up, code) is the comparison's. The same seeds at the comparison's own ceiling
come from ``--reference``'s run records (same fingerprints, so nothing is retrained when they
are there; a missing one is trained and written there, as ``compare`` would).

Writes ``ceiling.json`` (every run's BLEU, validation cross-entropy, why it stopped), a
markdown table (``report.md``) and ``ceiling.png`` (validation cross-entropy against tokens, both
ceilings) to ``--out``; finished runs are kept under ``--out``/runs, so a stopped run resumes.
One process per family runs them side by side (same ``--out``); a last call with every family
reuses them all and writes the combined report.

Usage: ``python benchmarks/encoders_ceiling.py --data ../shared/data --families lstm,transformer
--factor 2 --seeds 3 --reference docs/encoders/small --out docs/encoders/small-ceiling``
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import torch

from lmbasics._util.atomic import atomic_write_text
from lmbasics._util.errors import LmbasicsError
from lmbasics._util.figures import new_figure, save_png
from lmbasics.encoders.budgets import Budget, get_budget
from lmbasics.encoders.compare import check_families
from lmbasics.encoders.runs import RunCache, axis_budget
from lmbasics.encoders.tasks.common import stats
from lmbasics.encoders.tasks.translation import run_translation
from lmbasics.encoders.tuning import Grid
from lmbasics.encoders.verdicts import clearly_better, standard_error


def scaled(budget: Budget, rate: float, seeds: int, factor: int) -> Budget:
    """``budget`` with one learning rate, ``seeds`` seeds and translation's ceiling, validation
    interval and earliest stop times ``factor``."""
    train = budget.translation_train
    longer = dataclasses.replace(
        train,
        max_tokens=train.max_tokens * factor,
        eval_tokens=train.eval_tokens * factor,
        min_tokens=train.min_tokens * factor,
    )
    return dataclasses.replace(
        budget, grid=Grid(learning_rates=(rate,)), seeds=seeds, translation_train=longer
    )


def chosen_rates(reference: Path, budget: str, data: str | None) -> dict[str, float]:
    """Each family's chosen translation learning rate in ``reference``, after checking that it was
    run with the same budget and the same kind of data (real or made up)."""
    path = reference / "translation.json"
    settings = reference / "config.json"
    if settings.is_file():
        config = json.loads(settings.read_text())
        if config["budget"]["name"] != budget:
            raise LmbasicsError(f"{reference} was run with --budget {config['budget']['name']}, not {budget}")
        if (config["data"] == "synthetic") != (data is None):
            kind = "made-up data" if config["data"] == "synthetic" else f"--data {config['data']}"
            raise LmbasicsError(f"{reference} was run on {kind}: give the same data")
    if not path.is_file():
        raise LmbasicsError(
            f"{path} not found: --reference must be a finished compare output with translation"
        )
    tuning = json.loads(path.read_text())["tuning"]["translation"]["families"]
    return {family: block["chosen"]["learning_rate"] for family, block in tuning.items()}


def one_family(
    budget: Budget, family: str, rate: float, seeds: int, factor: int, directory: Path, data: str | None
) -> dict[str, Any]:
    longer = scaled(budget, rate, seeds, factor)
    runs = RunCache(
        directory, {"axis": "translation", "width": 1, "budget": axis_budget(longer, "translation")}
    )
    results = run_translation(longer, [family], data, None, print, runs)
    block = results["tuning"]["translation"]["families"][family]
    return {
        "learning_rate": rate,
        "max_tokens": longer.translation_train.max_tokens,
        "bleu": results["families"][family]["bleu"],
        "validation_cross_entropy": stats([-run["validation"] for run in block["runs"]]),
        "runs": [
            {**run, "test": record["test"], "run_seconds": record["run_seconds"]}
            for run, record in zip(block["runs"], _records(runs, family))
        ],
        "trained": runs.trained,
        "reused": runs.reused,
    }


def _records(runs: RunCache, family: str) -> list[dict[str, Any]]:
    """This family's records held by ``runs``, seed order (each seed's BLEU is only there)."""
    return sorted((r for r in runs.memory.values() if r["family"] == family), key=lambda r: r["seed"])


def plot(results: dict[str, Any], path: Path) -> None:
    figure = new_figure((7, 4.2), 110)
    axis = figure.subplots()
    for index, (family, by_factor) in enumerate(results["families"].items()):
        for style, entry in zip(("--", "-"), by_factor.values()):
            for number, run in enumerate(entry["runs"]):
                tokens, _, scores = zip(*run["curve"])
                axis.plot(
                    [t / 1e6 for t in tokens],
                    [-s for s in scores],
                    style,
                    color=f"C{index}",
                    lw=1,
                    label=f"{family}, ceiling {entry['max_tokens'] / 1e6:g}M" if number == 0 else None,
                )
    axis.set(xlabel="training tokens seen (millions)", ylabel="validation cross-entropy per token")
    axis.set_ylim(top=3.0)
    axis.legend(fontsize="small")
    save_png(figure, path)


def report(results: dict[str, Any], command: str) -> str:
    lines = [
        "# Translation at a larger token ceiling",
        "",
        f"Command: `{command}`  ",
        f"Wall time: {results['wall_seconds']:.0f} s (runs finished earlier are reused); 1 PyTorch "
        f"thread; learning rates as chosen in `{results['reference']}` (not re-tuned). The runs "
        f"behind this table took {_hours(results):.2f} core-hours (whole runs, summed from their "
        "records, both ceilings).",
        "",
        "| family | lr | ceiling (tokens) | BLEU (mean ± std) | per seed | validation CE per token | "
        "stopped | best at (tokens) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for family, by_factor in results["families"].items():
        for entry in by_factor.values():
            runs = entry["runs"]
            lines.append(
                f"| {family} | {entry['learning_rate']:g} | {entry['max_tokens']:,} | "
                f"{_mean(entry['bleu'])} | "
                f"{', '.join(format(r['test'], '.2f') for r in runs)} | "
                f"{entry['validation_cross_entropy']['mean']:.3f} | "
                f"{', '.join(r['stopped'] for r in runs)} | "
                f"{', '.join(format(r['best_tokens'], ',') for r in runs)} |"
            )
    rows = parts_of_3a(results)
    if rows:
        lines += [
            "",
            "Claim 3a's parts, judged by the declared rule at each ceiling (Transformer clearly better "
            "than each other family: by at least 1 BLEU and two standard errors; d = Transformer "
            "minus the other):",
            "",
            "| Transformer against | " + " | ".join(f"ceiling {label}" for label in rows[0][1]) + " |",
            "|---|" + "---|" * len(rows[0][1]),
        ]
        for other, by_factor in rows:
            cells = [
                f"d = {d:+.2f} ± {2 * se:.2f}: {verdict}"
                if verdict
                else f"d = {d:+.2f} (one seed: no verdict)"
                for d, se, verdict in by_factor.values()
            ]
            lines.append(f"| {other} | " + " | ".join(cells) + " |")
    lines += ["", "![validation cross-entropy against tokens, both ceilings](ceiling.png)", ""]
    return "\n".join(lines)


def _mean(score: dict[str, Any]) -> str:
    """Mean ± seed std, or the one seed's value (a spread of one run is no spread)."""
    return f"{score['mean']:.2f} ± {score['std']:.2f}" if score["n"] > 1 else f"{score['mean']:.2f} (1 seed)"


def _hours(results: dict[str, Any]) -> float:
    runs = [
        run for by_factor in results["families"].values() for e in by_factor.values() for run in e["runs"]
    ]
    return sum(run["run_seconds"] for run in runs) / 3600


def parts_of_3a(results: dict[str, Any]) -> list[tuple[str, dict[str, tuple[float, float, str]]]]:
    """For each family beside the Transformer: at each ceiling, (d, se, verdict) of "the
    Transformer clearly better than it" (:func:`~lmbasics.encoders.verdicts.clearly_better`,
    1 BLEU, as claim 3a judges each of its parts; verdict "" with one seed a side)."""
    families = results["families"]
    if "transformer" not in families:
        return []
    rows = []
    for other in (f for f in families if f != "transformer"):
        by_factor = {}
        for label, entry in families["transformer"].items():
            a, b = entry["bleu"], families[other][label]["bleu"]
            se = standard_error(a, b)
            # one seed a side has no spread to judge a difference by: no verdict
            verdict = clearly_better(a, b, 1.0) if min(a["n"], b["n"]) > 1 else ""
            by_factor[label] = (a["mean"] - b["mean"], se, verdict)
        rows.append((other, by_factor))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        default=None,
        help="the shared data directory (Multi30k under translation/); "
        "without it, the made-up cipher, as compare runs it",
    )
    parser.add_argument("--budget", default="small", help="the budget --reference was run with")
    parser.add_argument("--families", default="lstm,transformer")
    parser.add_argument("--factor", type=int, default=2, help="ceiling multiple (>= 2)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--reference", type=Path, default=Path("docs/encoders/small"))
    parser.add_argument("--out", type=Path, default=Path("docs/encoders/small-ceiling"))
    args = parser.parse_args()
    try:
        if args.factor < 2 or args.seeds < 1:
            raise LmbasicsError("--factor must be at least 2 and --seeds at least 1")
        families = check_families(args.families.split(","))
        rates = chosen_rates(args.reference, args.budget, args.data)
        missing = [f for f in families if f not in rates]
        if missing:
            raise LmbasicsError(f"{args.reference} has no translation run of {', '.join(missing)}")
        torch.set_num_threads(1)
        budget = get_budget(args.budget)
        start = time.perf_counter()
        results: dict[str, Any] = {"reference": str(args.reference), "factor": args.factor, "families": {}}
        for family in families:
            results["families"][family] = {
                "1x": one_family(
                    budget,
                    family,
                    rates[family],
                    args.seeds,
                    1,
                    args.reference / "runs" / "translation",
                    args.data,
                ),
                f"{args.factor}x": one_family(
                    budget, family, rates[family], args.seeds, args.factor, args.out / "runs", args.data
                ),
            }
        results["wall_seconds"] = time.perf_counter() - start
    except LmbasicsError as error:
        sys.exit(f"error: {error}")
    command = "python benchmarks/encoders_ceiling.py " + " ".join(sys.argv[1:])
    atomic_write_text(args.out / "ceiling.json", json.dumps(results, indent=1))
    plot(results, args.out / "ceiling.png")
    atomic_write_text(args.out / "report.md", report(results, command))
    print(report(results, command))


if __name__ == "__main__":
    main()
