"""``lmbasics word2vec claims``: run the word2vec claims' experiments and write the report.

``lmbasics word2vec claims --data DIR --out docs/word2vec [--cache DIR] [--budget full|tiny]
[--report PATH] [--report-only]``: the report goes to ``<out>.md`` (``docs/word2vec.md``) unless
``--report`` says otherwise; plots and ``results.json`` go into ``--out``; every run's record
into ``--cache`` (default ``$LMBASICS_CACHE/word2vec-claims-<budget>``), where a rerun finds it.
``--report-only`` trains, times and writes nothing in the cache.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``word2vec`` verb and its ``claims`` sub-verb."""
    parser = subparsers.add_parser("word2vec", help="the seed's word2vec claims, measured")
    verbs = parser.add_subparsers(dest="word2vec_verb", metavar="VERB")
    verbs.required = True
    claims = verbs.add_parser("claims", help="run the W1-W5 experiments and write the report",
                              description=__doc__.splitlines()[0])
    claims.add_argument("--data", required=True, help="data directory (corpus/, word-eval/)")
    claims.add_argument("--out", required=True, help="directory for the plots and results.json")
    claims.add_argument("--cache", default=None, help="where run records are kept and resumed")
    claims.add_argument("--budget", choices=("full", "tiny"), default="full")
    claims.add_argument("--report", default=None, help="markdown path (default: <out>.md)")
    claims.add_argument("--report-only", action="store_true",
                        help="only report the records already in --cache (train nothing)")
    claims.set_defaults(handler=_claims)


def _claims(args: argparse.Namespace) -> int:
    from lmbasics.word2vec.claims.experiments import run_all
    from lmbasics.word2vec.claims.report import write_report
    from lmbasics.word2vec.datasets import cache_dir

    out = Path(args.out)
    report = Path(args.report) if args.report else out.parent / f"{out.name}.md"
    cache = Path(args.cache) if args.cache else cache_dir() / f"word2vec-claims-{args.budget}"
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"{time.perf_counter() - started:8.1f}s {message}", file=sys.stderr, flush=True)

    results = run_all(args.budget, Path(args.data), cache, out, args.report_only, progress)
    rerun = (f"lmbasics word2vec claims --data {shlex.quote(args.data)} --out "
             f"{shlex.quote(args.out)} --budget {args.budget}"
             + (f" --cache {shlex.quote(args.cache)}" if args.cache else "")
             + (f" --report {shlex.quote(args.report)}" if args.report else ""))
    command = rerun + (" --report-only" if args.report_only else "")
    rows = write_report(results, out, report, command, rerun)
    for row in rows:
        print(f"{row['claim']:13} {row['verdict']}")
    print(f"report: {report}")
    return 0
