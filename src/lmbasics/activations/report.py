"""The markdown report: the seed's claims, each with its evidence and computed verdict, then
the setup, how to reproduce it, and one section per plot.

Every number and verdict comes from the experiments' results through
:mod:`~lmbasics.activations.verdicts` (one function per claim); nothing is written by hand.

It does not do: run experiments, judge claims or draw plots.
"""

from __future__ import annotations

from typing import Any

from lmbasics.activations.verdicts import EXPLODED, FLOWING, MIN_GAP, SE_FACTOR, VANISHED, claims

__all__ = ["render"]


def render(results: dict[str, Any], config: dict[str, Any], meta: dict[str, Any],
           figures: dict[str, str]) -> str:
    """The markdown report: command and wall time, claims table, then one section per plot."""
    rows = claims(results, config)
    lines = [
        "# Activation functions and gradient flow: the seed's claims, measured",
        "",
        f"Produced by `{meta['command']}` in {meta['wall_seconds']:.0f} s wall time"
        + (f", {meta['cpu_seconds']:.0f} s CPU" if "cpu_seconds" in meta else "")
        + f" ({meta['threads']} torch thread, torch {meta['torch']}, {meta['platform']}). "
        "Every number and verdict below is computed from that run's `results.json`; the "
        "resolved configuration is in `config.json` beside it. Seeds: "
        f"{', '.join(map(str, config['seeds']))} (mean ± standard deviation over seeds).",
        "",
        "Verdict rules: a difference between two groups of seeds counts only if the means "
        f"differ by more than {SE_FACTOR:g} standard errors and by more than {MIN_GAP}; "
        "a diverged run counts at chance accuracy; gradients *vanish* below a first/last "
        f"weight-gradient-norm ratio of {VANISHED:g}, *explode* above {EXPLODED:g}, *flow* "
        f"within {FLOWING}. A claim tested in several settings (initialisations, depths, tasks) "
        "is *confirmed* if it holds in every one, *partly confirmed* if in some; *refuted* when "
        "the numbers show the opposite, *inconclusive* when the seeds cannot tell.",
        "",
        "| # | claim | measured | verdict |",
        "|---|---|---|---|",
    ]
    for row in rows:
        cells = [row[key].replace("|", "\\|") for key in ("claim", "measured")]
        lines.append(f"| {row['experiment']} | {cells[0]} | {cells[1]} | **{row['verdict']}** |")
    lines += ["", "## Setup", ""] + [f"- {item}" for item in meta["setup"]]
    lines += ["", "## Reproduce and reuse", "", "```sh", meta["command"],
              "lmbasics activations report --out DIR   # redraw + re-judge from results.json",
              "lmbasics activations gradflow --activation sigmoid --depth 20 -o gradflow.png",
              "lmbasics activations plot -o activations.png", "```", "",
              "On your own model:", "", "```python",
              "from lmbasics.activations import GradientFlowRecorder, plot_gradient_flow",
              "recorder = GradientFlowRecorder(model)",
              "for inputs, targets in batches:",
              "    loss_fn(model(inputs), targets).backward()",
              "    recorder.step()  # grad norm per layer; mean, std, saturated, dead per act.",
              "    optimizer.step(); optimizer.zero_grad()",
              'plot_gradient_flow(recorder.history, "gradflow.png")', "```"]
    for title, (caption, file) in figures.items():
        lines += ["", f"## {title}", "", caption, "", f"![{title}]({file})"]
    lines.append("")
    return "\n".join(lines)
