"""The seed's claims about activations, each judged from measured numbers by one function.

Every claim function takes the results of its experiment (and the resolved config) and returns
one row: the claim, the evidence, and a verdict in the house's words
(:mod:`lmbasics._util.verdicts`), computed by a rule stated here, with thresholds as module
constants; nothing is written by hand:

- two groups of seeds differ only when their means differ by more than ``SE_FACTOR`` standard
  errors *and* by more than ``MIN_GAP`` (:func:`compare`); a diverged run counts at chance;
- gradients *vanish* below a first/last gradient-norm ratio of ``VANISHED``, *explode* above
  ``EXPLODED``, *flow* within ``FLOWING``;
- a claim tested in several settings (initialisations, depths, tasks, activations) is confirmed
  if it holds in all of them, partly confirmed if in some
  (:func:`~lmbasics._util.verdicts.each_setting`).

A claim whose experiment was not run is *not measured*. It does not do: run experiments, draw
plots or write the report (``report.py``).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from lmbasics._util.verdicts import (
    CONFIRMED,
    NOT_MEASURED,
    PARTLY,
    REFUTED,
    each_setting,
    from_sign,
    holds,
)
from lmbasics.activations import functions

__all__ = ["claims", "compare", "measured_peak"]

SE_FACTOR = 2.0  # standard errors between means for "better" / "worse"
MIN_GAP = 0.01  # and at least this much accuracy
VANISHED = 1e-2  # first/last gradient-norm ratio below this: vanished
EXPLODED = 1e2  # ... above this: exploded
FLOWING = (0.1, 10.0)  # ... inside this: gradients flow
GELU_TOLERANCE = 1e-3  # max abs error that counts as an accurate approximation
FASTER = 1.1  # speed ratio that counts as faster
RELU_FAMILY = ("relu", "leaky_relu", "prelu", "rrelu", "elu")
DIGITS_CHANCE, SST2_CHANCE = 0.1, 0.5  # accuracy of a diverged run (10 and 2 classes)

Row = dict[str, str]


def _row(experiment: str, claim: str, measured: str, verdict: str) -> Row:
    return {"experiment": experiment, "claim": claim, "measured": measured, "verdict": verdict}


def _not_run(experiment: str, claim: str, what: str) -> Row:
    return _row(experiment, claim, f"not run ({what})", NOT_MEASURED)


def _accuracies(runs: list[dict[str, Any]], chance: float) -> np.ndarray:
    return np.array([chance if r["diverged"] or math.isnan(r["test_accuracy"])
                     else r["test_accuracy"] for r in runs])


def _fmt(values: np.ndarray) -> str:
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1) if len(values) > 1 else 0:.3f}"


def _median(values: list[float]) -> float:
    return float(np.median(values))


def _fraction(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}"


def compare(a: np.ndarray, b: np.ndarray) -> int:
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


# ---------------------------------------------------------------- experiment 1: vanishing


def derivative_bound() -> Row:
    """σ' ≤ 1/4 and tanh' ≤ 1, measured on a fine grid (no experiment needed)."""
    grid = np.linspace(-20, 20, 400_001)
    max_sig = float(functions.sigmoid_derivative(grid).max())
    max_tanh = float(functions.tanh_derivative(grid).max())
    return _row(
        "1", "σ'(x) ≤ 1/4 and tanh'(x) ≤ 1, so every such layer can only shrink the signal "
        "its weights pass back", f"max σ' = {max_sig:.6f}, max tanh' = {max_tanh:.6f} "
        "on [-20, 20]", holds(max_sig <= 0.25 + 1e-12 and max_tanh <= 1 + 1e-12))


def vanishing_with_depth(vanishing: dict[str, Any], depths: list[int], name: str) -> Row:
    """Under each initialisation: the ratio ends below ``VANISHED`` and falls with depth."""
    claim = (f"gradients vanish with depth in {name} networks (first-layer gradient orders "
             "of magnitude below the last, worse with depth)")
    if name not in vanishing["runs"]:
        return _not_run("1", claim, f"no {name} runs")
    per = {i: [_median(vanishing["ratio_at_init"][i][name][str(d)]) for d in depths]
           for i in vanishing["ratio_at_init"]}
    vanished = [holds(v[-1] < VANISHED and all(a > b for a, b in itertools.pairwise(v)))
                for v in per.values()]
    text = "; ".join(f"{i} init: " + ", ".join(f"{d} layers {r:.1e}" for d, r in zip(depths, v))
                     for i, v in per.items())
    return _row("1", claim, f"median first/last gradient-norm ratio: {text}",
                each_setting(vanished))


def relu_family_flows(vanishing: dict[str, Any], init: str, deepest: str) -> Row:
    """At the deepest net under ``init``: every ReLU-family ratio inside ``FLOWING``."""
    claim = ("ReLU-family activations (f' = 1 for x > 0) keep gradients flowing in deep "
             f"networks (judged under {init} init, the init made for them)")
    family = [n for n in RELU_FAMILY if n in vanishing["runs"]]
    if not family:
        return _not_run("1", claim, "no ReLU-family runs")
    at_init = vanishing["ratio_at_init"]
    ratios = {n: _median(at_init[init][n][deepest]) for n in family}
    inside = [holds(FLOWING[0] <= r <= FLOWING[1]) for r in ratios.values()]
    caveat = "".join(
        f"; under {i} init they vanish too: "
        + ", ".join(f"{n} {_median(at_init[i][n][deepest]):.0e}" for n in family)
        for i in at_init if i != init)
    measured = (f"{init} init, {deepest} layers, ratio: "
                + ", ".join(f"{n} {r:.2f}" for n, r in ratios.items())
                + f" (flowing: within {FLOWING})" + caveat)
    return _row("1", claim, measured, each_setting(inside))


def relu_trains_where_sigmoid_fails(vanishing: dict[str, Any], depths: list[int]) -> Row:
    """At every depth: ReLU's test accuracy reliably above sigmoid's."""
    claim = "deep sigmoid networks fail to train where ReLU networks train"
    if not {"sigmoid", "relu"} <= set(vanishing["runs"]):
        return _not_run("1", claim, "needs sigmoid and relu runs")
    parts, signs = [], []
    for depth in depths:
        sig = _accuracies(vanishing["runs"]["sigmoid"][str(depth)], DIGITS_CHANCE)
        rel = _accuracies(vanishing["runs"]["relu"][str(depth)], DIGITS_CHANCE)
        parts.append(f"{depth} layers: sigmoid {_fmt(sig)} vs ReLU {_fmt(rel)}")
        signs.append(from_sign(compare(rel, sig)))
    return _row("1", claim, "test accuracy, " + "; ".join(parts), each_setting(signs))


# ---------------------------------------------------------------- experiment 2: exploding


def products_explode(exploding: dict[str, Any], config: dict[str, Any]) -> Row:
    """Both chains explode: the RNN at its largest gain and the MLP at its deepest."""
    gains = list(exploding["through_time"])
    growth = {g: _median([run[0] / run[-1] for run in exploding["through_time"][g]])
              for g in gains}
    mlp = {d: _median(v) for d, v in exploding["mlp_ratio_at_init"].items()}
    exploded = [holds(growth[gains[-1]] > EXPLODED), holds(mlp[str(config["depths"][-1])] > EXPLODED)]
    measured = ("RNN |dL/dh_1| / |dL/dh_T| at init: "
                + ", ".join(f"gain {g} {r:.1e}" for g, r in growth.items())
                + f"; ReLU MLP at {config['explode_init_scale']}x He init, |dL/dh_1| / |dL/dh_L|: "
                + ", ".join(f"{d} layers {r:.1e}" for d, r in mlp.items()))
    return _row("2", "products of factors above 1 make gradients explode (long recurrent chain; "
                "large initialisation)", measured, each_setting(exploded))


def clipping_restores_training(exploding: dict[str, Any], config: dict[str, Any]) -> Row:
    """Clipped runs' test accuracy reliably above the unclipped runs'."""
    labels = list(exploding["training"])
    unclipped = exploding["training"][labels[0]]
    plain = _accuracies(unclipped, DIGITS_CHANCE)
    clipped = _accuracies(exploding["training"][labels[1]], DIGITS_CHANCE)
    peak = max(max(r["grad_norm"], default=math.nan) for r in unclipped)
    diverged = sum(r["diverged"] for r in unclipped)
    measured = (f"tanh RNN, gain {config['rnn_gain']}, test accuracy: {labels[0]} {_fmt(plain)} "
                f"({diverged} diverged; largest logged gradient norm {peak:.1e}), {labels[1]} "
                f"{_fmt(clipped)}")
    return _row("2", "gradient clipping by norm restores training when gradients explode",
                measured, from_sign(compare(clipped, plain)))


# ---------------------------------------------------------------- experiment 3: remedies


def remedy_rescues(remedies: dict[str, Any], config: dict[str, Any], variant: str) -> Row:
    """For each deep sigmoid/tanh net: ``variant``'s test accuracy reliably above plain."""
    text, verb = {"residual": ("residual connections", "rescue"),
                  "batchnorm": ("batch normalization", "rescues")}[variant]
    parts, signs = [], []
    for name, variants in remedies.items():
        base = _accuracies(variants["plain"]["runs"], DIGITS_CHANCE)
        fixed = _accuracies(variants[variant]["runs"], DIGITS_CHANCE)
        before = _median(variants["plain"]["ratio_at_init"])
        after = _median(variants[variant]["ratio_at_init"])
        parts.append(f"{name}: plain {_fmt(base)} → {_fmt(fixed)} (ratio at init "
                     f"{before:.1e} → {after:.1e})")
        signs.append(from_sign(compare(fixed, base)))
    return _row("3", f"{text} {verb} the deep sigmoid/tanh network",
                f"{config['remedy_depth']} layers, test accuracy " + "; ".join(parts),
                each_setting(signs))


# ---------------------------------------------------------------- experiment 4: dead ReLUs


def relu_units_die(dead: dict[str, Any]) -> Row:
    """Confirmed if ReLU's peak dead fraction rises with the learning rate (by 0.05 from the
    lowest to the worst measured) while no other activation ever has a dead unit, at that rate
    or any; partly confirmed if only ReLU's part holds; refuted if ReLU's does not."""
    claim = ("at a high learning rate ReLU units die (zero output, zero gradient on every "
             "input); Leaky ReLU, PReLU and ELU do not")
    if "relu" not in dead:
        return _not_run("4", claim, "no relu runs")
    peaks = {n: {lr: measured_peak(runs, "peak_dead") for lr, runs in per_lr.items()}
             for n, per_lr in dead.items()}
    relu = peaks["relu"]
    low = min(relu, key=float)
    finite = {lr: v for lr, v in relu.items() if not math.isnan(v)}
    top = max(finite, key=finite.get)
    rises = finite[top] > relu[low] + 0.05
    others = {n: float(np.nanmax(list(v.values()))) for n, v in peaks.items() if n != "relu"}
    inactive = {n: float(np.nanmax([measured_peak(r, "peak_inactive") for r in dead[n].values()]))
                for n in others}
    at_top = {n: peaks[n].get(top, math.nan) for n in others}
    others_live = all(v == 0 for v in at_top.values()) and all(v == 0 for v in others.values())

    def described(lr: str, value: float) -> str:
        runs = dead["relu"][lr]
        gone = sum(r["diverged"] for r in runs)
        return f"{lr} {_fraction(value)}" + (f" ({gone}/{len(runs)} diverged)" if gone else "")

    survivors = [r for r in dead["relu"][top] if not r["diverged"]]
    measured = (
        "ReLU peak dead fraction by lr (mean over seeds measured after step 0; n/a: all "
        "diverged first): " + ", ".join(described(lr, v) for lr, v in relu.items())
        + (f"; ReLU runs that finished at lr {top} end with " + ", ".join(
            f"{r['final_dead']:.2f} dead (test acc {r['test_accuracy']:.3f})" for r in survivors)
           if survivors else "")
        + f"; at lr {top} the others' peak dead: " + ", ".join(
            f"{n} {_fraction(v)} "
            f"({sum(r['diverged'] for r in dead[n][top])}/{len(dead[n][top])} diverged)"
            for n, v in at_top.items())
        + "; at any lr: " + ", ".join(f"{n} {v:.2f}" for n, v in others.items())
        + "; their peak inactive (input ≤ 0 on every example, still trainable): "
        + ", ".join(f"{n} {v:.2f}" for n, v in inactive.items()))
    verdict = CONFIRMED if rises and others_live else PARTLY if rises else REFUTED
    return _row("4", claim, measured, verdict)


# ---------------------------------------------------------------- experiment 5: smooth


def beats_relu(smooth: dict[str, Any], other: str) -> Row:
    """On each task run (digits, SST-2): ``other``'s test accuracy reliably above ReLU's."""
    claim = f"{'GELU' if other == 'gelu' else 'Swish'} performs better than ReLU"
    parts, signs = [], []
    for task, chance in (("digits", DIGITS_CHANCE), ("sst2", SST2_CHANCE)):
        if task in smooth and other in smooth[task] and "relu" in smooth[task]:
            mine = _accuracies(smooth[task][other], chance)
            relu = _accuracies(smooth[task]["relu"], chance)
            signs.append(compare(mine, relu))
            parts.append(f"{task}: {other} {_fmt(mine)} vs ReLU {_fmt(relu)}")
    if not signs:
        return _not_run("5", claim, f"needs {other} and relu runs")
    words = {1: "better", 0: "no difference the seeds can resolve", -1: "worse"}
    measured = ("test accuracy, " + "; ".join(parts) + " ("
                + ", ".join(words[s] for s in signs) + ")")
    return _row("5", claim, measured, each_setting(from_sign(s) for s in signs))


def elu_centres_activations(smooth: dict[str, Any]) -> Row:
    """At init and after training: ELU's mean |layer mean activation| below ReLU's."""
    claim = "ELU's negative values push mean activations towards zero (closer than ReLU)"
    if not {"elu", "relu"} <= set(smooth["digits"]):
        return _not_run("5", claim, "needs elu and relu runs")

    def abs_mean(name: str, key: str) -> float:
        runs = [r[key] for r in smooth["digits"][name] if r[key] is not None]
        return float(np.mean(np.abs(np.array(runs)))) if runs else math.nan

    elu_i, relu_i = abs_mean("elu", "mean_at_init"), abs_mean("relu", "mean_at_init")
    elu_t, relu_t = abs_mean("elu", "mean_trained"), abs_mean("relu", "mean_trained")
    measured = (f"mean |layer mean activation|, digits test set: at init ELU {elu_i:.3f} vs ReLU "
                f"{relu_i:.3f}; trained ELU {elu_t:.3f} vs ReLU {relu_t:.3f}")
    return _row("5", claim, measured, each_setting([holds(elu_i < relu_i), holds(elu_t < relu_t)]))


# ---------------------------------------------------------------- experiment 6: GELU


def gelu_approximation_accurate(gelu: dict[str, Any]) -> Row:
    """The tanh approximation's largest error below ``GELU_TOLERANCE``."""
    measured = (f"max |error| {gelu['max_abs_error']:.2e} at x = {gelu['at_x']:.3f} on "
                f"[{gelu['grid'][0]:g}, {gelu['grid'][1]:g}] (float64); derivative "
                f"{gelu['max_abs_derivative_error']:.2e}; threshold {GELU_TOLERANCE:g}")
    return _row("6", "GELU's tanh approximation is accurate", measured,
                holds(gelu["max_abs_error"] < GELU_TOLERANCE))


def gelu_approximation_faster(gelu: dict[str, Any]) -> Row:
    """In torch and in NumPy: exact time / approximate time above ``FASTER``."""
    s = gelu["seconds"]
    torch_ratio = s["torch exact (erf)"] / s["torch tanh"]
    numpy_ratio = s["numpy exact (erf)"] / s["numpy tanh"]
    measured = (f"exact/approximate time, {gelu['elements']:,} float32 on {gelu['threads']} "
                f"thread: torch {torch_ratio:.2f}x ({s['torch exact (erf)'] * 1e3:.2f} vs "
                f"{s['torch tanh'] * 1e3:.2f} ms), NumPy float32 {numpy_ratio:.2f}x "
                f"(faster: > {FASTER}x)")
    return _row("6", "the tanh approximation is faster to compute than the exact GELU", measured,
                each_setting([holds(torch_ratio > FASTER), holds(numpy_ratio > FASTER)]))


def claims(results: dict[str, Any], config: dict[str, Any]) -> list[Row]:
    """The seed's claims with the measured evidence and a computed verdict, in seed order."""
    vanishing, exploding, smooth = results["vanishing"], results["exploding"], results["smooth"]
    depths = list(config["depths"])
    return [
        derivative_bound(),
        vanishing_with_depth(vanishing, depths, "sigmoid"),
        vanishing_with_depth(vanishing, depths, "tanh"),
        relu_family_flows(vanishing, config["init"], str(depths[-1])),
        relu_trains_where_sigmoid_fails(vanishing, depths),
        products_explode(exploding, config),
        clipping_restores_training(exploding, config),
        remedy_rescues(results["remedies"], config, "residual"),
        remedy_rescues(results["remedies"], config, "batchnorm"),
        relu_units_die(results["dead"]),
        beats_relu(smooth, "gelu"),
        beats_relu(smooth, "swish"),
        elu_centres_activations(smooth),
        gelu_approximation_accurate(results["gelu"]),
        gelu_approximation_faster(results["gelu"]),
    ]
