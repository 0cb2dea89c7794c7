"""``lmbasics encoders ...``: the verbs of the encoders wing.

- ``compare --axis agreement|semantic|translation|speed|all --budget tiny|small|full --out DIR``
  (``--width 1,4``: agreement and semantic also at 4x the body parameters; rerun with the same
  ``--out`` to resume: finished runs are kept in ``DIR/runs``)
- ``build-agreement --corpus FILE --out FILE`` (and ``--linzen DIR --linzen-out FILE``)

PyTorch and spaCy are imported only when a verb runs, so ``lmbasics --help`` stays fast.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from typing import Any

AXIS_CHOICES = ("agreement", "semantic", "translation", "speed", "all")


def register(subparsers: Any) -> None:
    """Add the ``encoders`` verb and its sub-verbs."""
    parser = subparsers.add_parser("encoders", help="CNN / RNN / Transformer feature extractors compared")
    verbs = parser.add_subparsers(dest="encoders_verb", metavar="VERB")
    verbs.required = True

    compare = verbs.add_parser(
        "compare",
        help="run the four-axis comparison, write a report",
        description="Tune every family's learning rate on validation data carved from the training "
        "data, train each to its validation plateau (within a token ceiling shared by all families), "
        "test the best weights, and write JSON, PNGs and report.md. Every finished run is kept under "
        "OUT/runs: run the same command again with the same --out to resume after a stop.",
    )
    compare.add_argument(
        "--axis",
        type=_axes,
        default="all",
        help="agreement, semantic, translation, speed, all, or a comma-separated list",
    )
    compare.add_argument("--budget", choices=("tiny", "small", "full"), default="tiny")
    compare.add_argument("--out", required=True, help="directory for JSON, PNGs and report.md")
    compare.add_argument(
        "--data",
        default=None,
        help="shared data directory (default: made-up data, tiny budget only)",
    )
    compare.add_argument("--cache", default=None, help="where built agreement data is cached")
    compare.add_argument(
        "--families",
        default="cnn,lstm,transformer",
        help="comma-separated: cnn, lstm, gru, transformer",
    )
    compare.add_argument("--seeds", type=int, default=None, help="override the budget's seeds")
    compare.add_argument(
        "--width",
        type=_widths,
        default=[1],
        help="body-parameter multiples to run agreement and semantic at: 1 (the budget's size), "
        "4 (the Transformer twice as wide, about 4x its body parameters; the other families "
        "matched to it) or 1,4 (both, side by side in the report); translation and speed run at 1",
    )
    compare.add_argument("--threads", type=int, default=None, help="PyTorch threads")
    compare.add_argument(
        "--word2vec", default=None, help="word2vec text/binary file to start embeddings from"
    )
    compare.set_defaults(handler=_compare)

    build = verbs.add_parser("build-agreement", help="parse a corpus into agreement examples")
    build.add_argument("--corpus", required=True, help="text corpus (.txt or .txt.gz)")
    build.add_argument("--out", required=True, help="JSON-lines file to write")
    build.add_argument("--max-tokens", type=int, default=1_000_000)
    build.add_argument("--max-prefix", type=int, default=50)
    build.add_argument("--linzen", default=None, help="Linzen 2016 test directory to convert too")
    build.add_argument("--linzen-out", default=None, help="where to write the Linzen examples")
    build.set_defaults(handler=_build_agreement)


def _axes(text: str) -> list[str]:
    """Parse ``--axis``: one name, ``all``, or a comma-separated list (argparse type)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in AXIS_CHOICES:
            raise argparse.ArgumentTypeError(f"unknown axis {name!r} (choose from {', '.join(AXIS_CHOICES)})")
    if not names:
        raise argparse.ArgumentTypeError("no axis given")
    return names


def _widths(text: str) -> list[int]:
    """Parse ``--width``: ``1``, ``4`` or ``1,4`` (argparse type)."""
    try:
        widths = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a width list: {text!r} (e.g. 1,4)") from None
    if not widths:
        raise argparse.ArgumentTypeError("no width given")
    return widths


def _compare(args: argparse.Namespace) -> int:
    import torch

    from lmbasics._util.errors import LmbasicsError
    from lmbasics.encoders import distributed
    from lmbasics.encoders.budgets import get_budget
    from lmbasics.encoders.compare import AXES, compare

    if args.threads is not None:
        if args.threads < 1:
            raise LmbasicsError("--threads must be at least 1")
        torch.set_num_threads(args.threads)
    axes = list(AXES) if "all" in args.axis else list(dict.fromkeys(args.axis))
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    command = "lmbasics " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv else ""
    with distributed.process_group() as current:  # a no-op unless started by torchrun
        _, errors = compare(
            axes,
            get_budget(args.budget, args.seeds),
            args.out,
            args.data,
            args.cache,
            families,
            args.word2vec,
            command=command,
            log=lambda line: print(line, file=sys.stderr),
            widths=args.width,
        )
    if current.is_main:
        print(f"report: {args.out}/report.md")
    if errors:
        missing = "; ".join(f"{axis}: {message}" for axis, message in errors.items())
        raise LmbasicsError(f"{missing} (other results kept in {args.out})")
    return 0


def _build_agreement(args: argparse.Namespace) -> int:
    from lmbasics.encoders.tasks.agreement_data import build_agreement_data, build_linzen_test

    start = time.perf_counter()
    count = build_agreement_data(args.corpus, args.out, args.max_tokens, args.max_prefix)
    print(f"{count} agreement examples -> {args.out} ({time.perf_counter() - start:.0f} s)")
    if args.linzen:
        target = args.linzen_out or str(args.out).replace(".jsonl", "") + "-linzen.jsonl"
        print(f"{build_linzen_test(args.linzen, target)} Linzen test examples -> {target}")
    return 0
