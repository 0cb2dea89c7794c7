"""Verdicts and the markdown report: the seed's claims, each judged from measured numbers.

Every verdict is computed here from the experiments' results with a rule stated next to it
(thresholds are module constants); nothing is written by hand. A comparison of two groups of
seeds counts as a difference only when the means differ by more than ``SE_FACTOR`` standard
errors *and* by more than ``MIN_GAP``. A diverged run counts at chance accuracy.

It does not do: run experiments or draw plots.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from lmbasics.activations import functions

__all__ = ["claims", "measured_peak", "render"]

SE_FACTOR = 2.0  # standard errors between means for "better" / "worse"
MIN_GAP = 0.01  # and at least this much accuracy
VANISHED = 1e-2  # first/last gradient-norm ratio below this: vanished
EXPLODED = 1e2  # ... above this: exploded
FLOWING = (0.1, 10.0)  # ... inside this: gradients flow
GELU_TOLERANCE = 1e-3  # max abs error that counts as an accurate approximation
FASTER = 1.1  # speed ratio that counts as faster
RELU_FAMILY = ("relu", "leaky_relu", "prelu", "rrelu", "elu")


def _accuracies(runs: list[dict[str, Any]], chance: float) -> np.ndarray:
    return np.array([chance if r["diverged"] or math.isnan(r["test_accuracy"])
                     else r["test_accuracy"] for r in runs])


def _fmt(values: np.ndarray) -> str:
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1) if len(values) > 1 else 0:.3f}"


def _compare(a: np.ndarray, b: np.ndarray) -> int:
    """+1 if a is reliably higher than b, -1 if lower, 0 if the seeds cannot tell."""
    gap = float(np.mean(a) - np.mean(b))
    se = math.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b)) if min(
        len(a), len(b)) > 1 else 0.0
    if abs(gap) > max(SE_FACTOR * se, MIN_GAP):
        return 1 if gap > 0 else -1
    return 0


def measured_peak(runs: list[dict[str, Any]], key: str) -> float:
    """Mean over seeds of a peak fraction, counting only runs measured after step 0.

    A run that diverges before its first logging step has only its initial measurement, which
    says nothing about what training did; if every seed did that, the answer is NaN.
    """
    values = [run[key] for run in runs if len(run["trace"]["step"]) > 1]
    return float(np.mean(values)) if values else math.nan


def _median_ratio(values: list[float]) -> float:
    return float(np.median(values))


def _verdict(ok: bool, partly: bool = False) -> str:
    return "supported" if ok else ("partly supported" if partly else "not supported")


def claims(results: dict[str, Any], config: dict[str, Any]) -> list[dict[str, str]]:
    """The seed's claims with the measured evidence and a computed verdict, in seed order."""
    rows: list[dict[str, str]] = []

    def add(number: str, claim: str, measured: str, verdict: str) -> None:
        rows.append({"experiment": number, "claim": claim, "measured": measured,
                     "verdict": verdict})

    grid = np.linspace(-20, 20, 400_001)
    max_sig = float(functions.sigmoid_derivative(grid).max())
    max_tanh = float(functions.tanh_derivative(grid).max())
    add("1", "σ'(x) ≤ 1/4 and tanh'(x) ≤ 1, so every such layer can only shrink the signal "
        "its weights pass back", f"max σ' = {max_sig:.6f}, max tanh' = {max_tanh:.6f} "
        "on [-20, 20]", _verdict(max_sig <= 0.25 + 1e-12 and max_tanh <= 1 + 1e-12))

    van = results["vanishing"]
    depths = list(config["depths"])
    deepest = str(depths[-1])
    init = config["init"]
    for name in ("sigmoid", "tanh"):
        if name not in van["runs"]:
            continue
        per = {i: [_median_ratio(van["ratio_at_init"][i][name][str(d)]) for d in depths]
               for i in van["ratio_at_init"]}
        vanished = {i: v[-1] < VANISHED and all(a > b for a, b in itertools.pairwise(v))
                    for i, v in per.items()}
        text = "; ".join(f"{i} init: " + ", ".join(f"{d} layers {r:.1e}" for d, r in
                                                    zip(depths, v)) for i, v in per.items())
        add("1", f"gradients vanish with depth in {name} networks (first-layer gradient orders "
            "of magnitude below the last, worse with depth)",
            f"median first/last gradient-norm ratio: {text}",
            _verdict(all(vanished.values()), any(vanished.values())))

    family = [n for n in RELU_FAMILY if n in van["runs"]]
    if family:
        ratios = {n: _median_ratio(van["ratio_at_init"][init][n][deepest]) for n in family}
        inside = [FLOWING[0] <= r <= FLOWING[1] for r in ratios.values()]
        others = [i for i in van["ratio_at_init"] if i != init]
        caveat = "".join(
            f"; under {i} init they vanish too: " + ", ".join(
                f"{n} {_median_ratio(van['ratio_at_init'][i][n][deepest]):.0e}" for n in family)
            for i in others)
        add("1", "ReLU-family activations (f' = 1 for x > 0) keep gradients flowing in deep "
            f"networks (judged under {init} init, the init made for them)",
            f"{init} init, {deepest} layers, ratio: " + ", ".join(
                f"{n} {r:.2f}" for n, r in ratios.items()) + f" (flowing: within {FLOWING})"
            + caveat, _verdict(all(inside), any(inside)))

    if "sigmoid" in van["runs"] and "relu" in van["runs"]:
        parts, wins = [], []
        for depth in depths:
            sig = _accuracies(van["runs"]["sigmoid"][str(depth)], 0.1)
            rel = _accuracies(van["runs"]["relu"][str(depth)], 0.1)
            parts.append(f"{depth} layers: sigmoid {_fmt(sig)} vs ReLU {_fmt(rel)}")
            wins.append(_compare(rel, sig) > 0)
        add("1", "deep sigmoid networks fail to train where ReLU networks train",
            "test accuracy, " + "; ".join(parts), _verdict(all(wins), any(wins)))

    exp = results["exploding"]
    gains = list(exp["through_time"])
    growth = {g: float(np.median([run[0] / run[-1] for run in exp["through_time"][g]]))
              for g in gains}
    mlp = {d: _median_ratio(v) for d, v in exp["mlp_ratio_at_init"].items()}
    exploded_rnn = growth[gains[-1]] > EXPLODED
    exploded_mlp = mlp[deepest] > EXPLODED
    add("2", "products of factors above 1 make gradients explode (long recurrent chain; large "
        "initialisation)", "RNN |dL/dh_1| / |dL/dh_T| at init: " + ", ".join(
            f"gain {g} {r:.1e}" for g, r in growth.items()) + f"; ReLU MLP at "
        f"{config['explode_init_scale']}x He init, |dL/dh_1| / |dL/dh_L|: " + ", ".join(
            f"{d} layers {r:.1e}" for d, r in mlp.items()),
        _verdict(exploded_rnn and exploded_mlp, exploded_rnn or exploded_mlp))

    labels = list(exp["training"])
    plain = _accuracies(exp["training"][labels[0]], 0.1)
    clipped = _accuracies(exp["training"][labels[1]], 0.1)
    peak = max(max(r["grad_norm"], default=math.nan) for r in exp["training"][labels[0]])
    diverged = sum(r["diverged"] for r in exp["training"][labels[0]])
    add("2", "gradient clipping by norm restores training when gradients explode",
        f"tanh RNN, gain {config['rnn_gain']}, test accuracy: {labels[0]} {_fmt(plain)} "
        f"({diverged} diverged; largest logged gradient norm {peak:.1e}), {labels[1]} "
        f"{_fmt(clipped)}", _verdict(_compare(clipped, plain) > 0))

    rem = results["remedies"]
    for variant, text in (("residual", "residual connections"),
                          ("batchnorm", "batch normalization")):
        parts, wins = [], []
        for name, variants in rem.items():
            base = _accuracies(variants["plain"]["runs"], 0.1)
            fixed = _accuracies(variants[variant]["runs"], 0.1)
            ratio = _median_ratio(variants[variant]["ratio_at_init"])
            parts.append(f"{name}: plain {_fmt(base)} → {_fmt(fixed)} (ratio at init "
                         f"{_median_ratio(variants['plain']['ratio_at_init']):.1e} → {ratio:.1e})")
            wins.append(_compare(fixed, base) > 0)
        verb = "rescue" if variant == "residual" else "rescues"
        add("3", f"{text} {verb} the deep sigmoid/tanh network",
            f"{config['remedy_depth']} layers, test accuracy " + "; ".join(parts),
            _verdict(all(wins), any(wins)))

    dead = results["dead"]
    if "relu" in dead:
        peaks = {n: {lr: measured_peak(runs, "peak_dead") for lr, runs in per_lr.items()}
                 for n, per_lr in dead.items()}
        relu = peaks["relu"]
        low = min(relu, key=float)
        finite = {lr: v for lr, v in relu.items() if not math.isnan(v)}
        top = max(finite, key=finite.get)
        rises = finite[top] > relu[low] + 0.05
        others = {n: float(np.nanmax(list(v.values()))) for n, v in peaks.items() if n != "relu"}
        inactive = {n: float(np.nanmax([measured_peak(r, "peak_inactive")
                                        for r in dead[n].values()])) for n in others}

        def described(lr: str, value: float) -> str:
            runs = dead["relu"][lr]
            gone = sum(r["diverged"] for r in runs)
            note = f" ({gone}/{len(runs)} diverged)" if gone else ""
            return f"{lr} {'n/a' if math.isnan(value) else f'{value:.2f}'}{note}"

        survivors = [r for r in dead["relu"][top] if not r["diverged"]]
        at_top = {n: peaks[n].get(top, math.nan) for n in others}
        compared = all(v == 0 for v in at_top.values())  # NaN: never measured at that lr
        add("4", "at a high learning rate ReLU units die (zero output, zero gradient on every "
            "input); Leaky ReLU, PReLU and ELU do not",
            "ReLU peak dead fraction by lr (mean over seeds measured after step 0; n/a: all "
            "diverged first): " + ", ".join(described(lr, v) for lr, v in relu.items())
            + (f"; ReLU runs that finished at lr {top} end with " + ", ".join(
                f"{r['final_dead']:.2f} dead (test acc {r['test_accuracy']:.3f})"
                for r in survivors) if survivors else "")
            + f"; at lr {top} the others' peak dead: " + ", ".join(
                f"{n} {'n/a' if math.isnan(v) else f'{v:.2f}'} "
                f"({sum(r['diverged'] for r in dead[n][top])}/{len(dead[n][top])} diverged)"
                for n, v in at_top.items())
            + "; at any lr: " + ", ".join(f"{n} {v:.2f}" for n, v in others.items())
            + "; their peak inactive (input ≤ 0 on every example, still trainable): "
            + ", ".join(f"{n} {v:.2f}" for n, v in inactive.items()),
            _verdict(rises and compared and all(v == 0 for v in others.values()), rises))

    smooth = results["smooth"]
    for other in ("gelu", "swish"):
        parts, signs = [], []
        for task, chance in (("digits", 0.1), ("sst2", 0.5)):
            if task in smooth and other in smooth[task] and "relu" in smooth[task]:
                mine = _accuracies(smooth[task][other], chance)
                relu = _accuracies(smooth[task]["relu"], chance)
                signs.append(_compare(mine, relu))
                parts.append(f"{task}: {other} {_fmt(mine)} vs ReLU {_fmt(relu)}")
        if signs:
            words = {1: "better", 0: "no difference the seeds can resolve", -1: "worse"}
            add("5", f"{other.upper() if other == 'gelu' else 'Swish'} performs better than "
                "ReLU", "test accuracy, " + "; ".join(parts) + " (" + ", ".join(
                    words[s] for s in signs) + ")",
                _verdict(all(s > 0 for s in signs), any(s > 0 for s in signs)))

    if "elu" in smooth["digits"] and "relu" in smooth["digits"]:
        def abs_mean(name: str, key: str) -> float:
            runs = [r[key] for r in smooth["digits"][name] if r[key] is not None]
            return float(np.mean(np.abs(np.array(runs)))) if runs else math.nan

        elu_i, relu_i = abs_mean("elu", "mean_at_init"), abs_mean("relu", "mean_at_init")
        elu_t, relu_t = abs_mean("elu", "mean_trained"), abs_mean("relu", "mean_trained")
        add("5", "ELU's negative values push mean activations towards zero (closer than ReLU)",
            f"mean |layer mean activation|, digits test set: at init ELU {elu_i:.3f} vs ReLU "
            f"{relu_i:.3f}; trained ELU {elu_t:.3f} vs ReLU {relu_t:.3f}",
            _verdict(elu_i < relu_i and elu_t < relu_t, elu_i < relu_i or elu_t < relu_t))

    gelu = results["gelu"]
    add("6", "GELU's tanh approximation is accurate",
        f"max |error| {gelu['max_abs_error']:.2e} at x = {gelu['at_x']:.3f} on "
        f"[{gelu['grid'][0]:g}, {gelu['grid'][1]:g}] (float64); derivative "
        f"{gelu['max_abs_derivative_error']:.2e}; threshold {GELU_TOLERANCE:g}",
        _verdict(gelu["max_abs_error"] < GELU_TOLERANCE))
    s = gelu["seconds"]
    torch_ratio = s["torch exact (erf)"] / s["torch tanh"]
    numpy_ratio = s["numpy exact (erf)"] / s["numpy tanh"]
    add("6", "the tanh approximation is faster to compute than the exact GELU",
        f"exact/approximate time, {gelu['elements']:,} float32 on {gelu['threads']} thread: "
        f"torch {torch_ratio:.2f}x ({s['torch exact (erf)'] * 1e3:.2f} vs "
        f"{s['torch tanh'] * 1e3:.2f} ms), NumPy float32 {numpy_ratio:.2f}x "
        f"(faster: > {FASTER}x)", _verdict(torch_ratio > FASTER and numpy_ratio > FASTER,
                                            torch_ratio > FASTER or numpy_ratio > FASTER))
    return rows


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
        f"within {FLOWING}.",
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
