"""One claims table from several ``lmbasics encoders compare`` runs (for docs/encoders.md).

Each run directory holds ``<axis>.json`` files (``<axis>-4x.json`` at the second width) and
``config.json``; for every axis the *first* directory on the command line that has it wins, so
list the larger budgets first. Verdicts are
recomputed by :func:`lmbasics.encoders.verdicts.all_claims` from the stored numbers.

Usage: ``python benchmarks/encoders_claims.py docs/encoders/small docs/encoders/tiny-data``;
``--report FILE`` also renders the whole markdown report (as ``compare`` writes it) from the
collected results, for runs that were stopped before writing their own.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lmbasics._util.atomic import atomic_write_text
from lmbasics.encoders.compare import AXES, WIDTHS
from lmbasics.encoders.report import render
from lmbasics.encoders.verdicts import all_claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="output directories of compare")
    parser.add_argument("--report", type=Path, default=None, help="write a full report here")
    args = parser.parse_args()
    results, source = {}, {}
    for run in args.runs:
        config = json.loads((run / "config.json").read_text())
        for axis in [a if w == 1 else f"{a}-{w}x" for a in AXES for w in WIDTHS]:
            path = run / f"{axis}.json"
            if axis not in results and path.is_file():
                results[axis] = json.loads(path.read_text())
                source[axis] = f"{config['budget']['name']}, {config['data']}"
    print("| claim | budget, data | verdict | numbers |")
    print("|---|---|---|---|")
    for claim in all_claims(results):
        where = source.get(claim["axis"], "not run")
        print(f"| {claim['claim']} | {where} | **{claim['verdict']}** | {claim['evidence']} |")
    if args.report is not None:
        meta = {
            "command": f"python benchmarks/encoders_claims.py {' '.join(map(str, args.runs))}",
            "budget": "; ".join(f"{axis}: {where}" for axis, where in source.items()),
            "wall_seconds": sum(r.get("wall_seconds", 0.0) for r in results.values()),
            "threads": config["threads"],
            "seeds": config["seeds"],
            "families": config["families"],
            "data": "per axis, as above",
        }
        atomic_write_text(args.report, render(results, {}, meta))


if __name__ == "__main__":
    main()
