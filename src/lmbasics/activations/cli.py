"""``lmbasics activations ...`` verbs: list, eval, plot, gradflow, experiments, report.

Thin: each verb parses, validates and calls the library. Bad input raises
:class:`~lmbasics.LmbasicsError`, which the top-level CLI prints as one line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lmbasics._util.arguments import positive_float, positive_int
from lmbasics._util.atomic import atomic_write_text
from lmbasics._util.errors import LmbasicsError

__all__ = ["register"]


def _png(path: str) -> Path:
    if not path.lower().endswith(".png"):
        raise LmbasicsError(f"output must be a .png file, got {path!r}")
    return Path(path)


def _list(args: argparse.Namespace) -> int:
    from lmbasics.activations.functions import ACTIVATIONS

    print(f"{'name':11} {'monotonic':9} {'zero-centred':13} {'saturates':38} paper")
    for a in ACTIVATIONS.values():
        print(f"{a.name:11} {a.monotonic!s:9} {a.zero_centred:13} {a.saturates:38} {a.paper}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    import numpy as np

    from lmbasics.activations.functions import get

    entry = get(args.name)
    if not entry.elementwise:
        raise LmbasicsError(f"{args.name} is not element-wise; use the Python API (glu_vjp)")
    x = np.array(args.x, dtype=np.float64)
    for xi, fi, di in zip(x, entry.forward(x), entry.derivative(x)):
        print(f"x={xi:g}\tf={fi:.10g}\tf'={di:.10g}")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from lmbasics.activations.plots import plot_functions

    out = _png(args.output)
    plot_functions(out)
    print(f"wrote {out}")
    return 0


def _gradflow(args: argparse.Namespace) -> int:
    out = _png(args.output)
    from lmbasics.activations.functions import get

    get(args.activation)
    import torch

    from lmbasics.activations.data import load_digits
    from lmbasics.activations.gradflow import (
        GradientFlowRecorder,
        gradient_norm_ratio,
        plot_gradient_flow,
    )
    from lmbasics.activations.networks import DeepMLP
    from lmbasics.activations.training import tensor_batcher, train_classifier

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    split = load_digits()
    model = DeepMLP(64, 10, args.width, args.depth, args.activation, residual=args.residual,
                    batchnorm=args.batchnorm, init=args.init)
    with GradientFlowRecorder(model) as recorder:
        result = train_classifier(model, tensor_batcher(split), steps=args.steps, lr=args.lr,
                                  clip_norm=args.clip, seed=args.seed, recorder=recorder)
    title = (f"{args.activation}, {args.depth} layers{' + residual' if args.residual else ''}"
             f"{' + batchnorm' if args.batchnorm else ''}, lr {args.lr}")
    plot_gradient_flow(recorder.history, out, title)
    first, last = recorder.history[0], recorder.history[-1]
    summary = {
        "config": {k: v for k, v in vars(args).items() if k != "handler"},
        "layers": recorder.layers,
        "grad_norm": recorder.grad_norms().tolist(),
        "ratio_first_step": gradient_norm_ratio(first),
        "ratio_last_step": gradient_norm_ratio(last),
        "test_accuracy": result.test_accuracy,
        "diverged": result.diverged,
    }
    atomic_write_text(out.with_suffix(".json"), json.dumps(summary) + "\n")
    print(f"first/last gradient-norm ratio: step 1 {summary['ratio_first_step']:.3g}, "
          f"step {len(recorder.history)} {summary['ratio_last_step']:.3g}; test accuracy "
          f"{result.test_accuracy:.3f}{' (diverged)' if result.diverged else ''}")
    print(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


def _experiments(args: argparse.Namespace) -> int:
    from lmbasics.activations.config import ExperimentConfig

    config = ExperimentConfig.quick() if args.quick else ExperimentConfig()
    overrides = list(args.set or [])
    if args.sst2 is not None:
        if not Path(args.sst2).is_dir():
            raise LmbasicsError(f"SST-2 directory not found: {args.sst2}")
        overrides.append(f"sst2_dir={args.sst2}")
    config = config.with_overrides(overrides)
    from lmbasics.activations.experiments import run_experiments

    command = "lmbasics activations experiments --out " + args.out
    command += f" --report {args.report}" if args.report else ""
    command += " --quick" if args.quick else ""
    command += f" --sst2 {args.sst2}" if args.sst2 else ""
    command += "".join(f" --set {s}" for s in args.set or [])
    outcome = run_experiments(config, args.out, args.report, command=command,
                              progress=(lambda _: None) if args.silent else print)
    for row in outcome["claims"]:
        print(f"[{row['verdict']}] {row['claim']}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from lmbasics.activations.experiments import rerender

    for row in rerender(args.out, args.report):
        print(f"[{row['verdict']}] {row['claim']}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``activations`` and its verbs to the top-level parser."""
    parser = subparsers.add_parser(
        "activations", help="activation functions, gradient flow, experiments",
        description="Activation functions, derivatives, gradient-flow diagnostics, experiments.",
    )
    verbs = parser.add_subparsers(dest="activations_verb", metavar="VERB",
                                  parser_class=type(parser))
    verbs.required = True

    verbs.add_parser("list", help="the registry").set_defaults(handler=_list)

    p = verbs.add_parser("eval", help="f(x) and f'(x) at the given points")
    p.add_argument("name")
    p.add_argument("x", nargs="+", type=float)
    p.set_defaults(handler=_eval)

    p = verbs.add_parser("plot", help="every activation and its derivative on one grid")
    p.add_argument("-o", "--output", default="activations.png")
    p.set_defaults(handler=_plot)

    p = verbs.add_parser("gradflow", help="train a deep MLP on digits; plot per-layer grad norms")
    p.add_argument("-o", "--output", default="gradflow.png")
    p.add_argument("--activation", default="sigmoid")
    p.add_argument("--depth", type=positive_int, default=20)
    p.add_argument("--width", type=positive_int, default=64)
    p.add_argument("--steps", type=positive_int, default=100)
    p.add_argument("--lr", type=positive_float, default=0.01)
    p.add_argument("--init", choices=("default", "lecun", "he"), default="he")
    p.add_argument("--residual", action="store_true")
    p.add_argument("--batchnorm", action="store_true")
    p.add_argument("--clip", type=positive_float, default=None, help="clip the gradient norm to this")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=positive_int, default=1)
    p.set_defaults(handler=_gradflow)

    p = verbs.add_parser("experiments", help="run experiments 1-6; write plots and a report")
    p.add_argument("--out", required=True, help="directory for results, config and PNGs")
    p.add_argument("--report", default=None, help="markdown file (default OUT/activations.md)")
    p.add_argument("--quick", action="store_true", help="a tiny run (seconds)")
    p.add_argument("--sst2", default=None, help="directory with stsa.binary.* (SST-2)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="override an ExperimentConfig field (repeatable)")
    p.add_argument("--silent", action="store_true", help="no progress lines")
    p.set_defaults(handler=_experiments)

    p = verbs.add_parser("report", help="redraw plots and rewrite the report from results.json")
    p.add_argument("--out", required=True, help="directory of a finished experiments run")
    p.add_argument("--report", default=None, help="markdown file (default OUT/activations.md)")
    p.set_defaults(handler=_report)
