"""The seed's claims, judged from measured numbers: confirmed, refuted or inconclusive.

The words (and the rule for a claim of several parts) are the house's, shared with the
activations report: :mod:`lmbasics._util.verdicts`.

A comparison of two families uses the difference of their means d and its standard error
se = sqrt(s_a^2 / n_a + s_b^2 / n_b) over seeds (floored by the binomial error of the test set
for accuracies), and a minimum effect that counts as "clearly" (2 accuracy points, 1 BLEU):

- *A clearly better than B*: confirmed if d > 2 se and d >= effect; refuted if d + 2 se < effect;
- *A slightly better than B*: confirmed if d > 2 se; refuted if d < -2 se;
- *A and B close*: confirmed if |d| + 2 se < effect; refuted if |d| - 2 se > effect;
- *B far faster than A*: confirmed if the throughput ratio is >= 2; refuted if < 1.2;

anything else is inconclusive. A claim is also inconclusive when any family it names did not
learn: accuracy less than 5 points (or 2 standard errors) above the majority baseline, or under
5 BLEU (a comparison with a family at chance measures the budget, not the architecture).
A claim of several parts is refuted if one part is, confirmed if all are
(:func:`~lmbasics._util.verdicts.all_parts`).
"""

from __future__ import annotations

import math
from typing import Any

from lmbasics._util.verdicts import CONFIRMED, INCONCLUSIVE, NOT_MEASURED, REFUTED, all_parts

RNN_FAMILIES = ("lstm", "gru")
LEARNED_MARGIN = 0.05  # accuracy above the majority baseline that counts as having learned
LEARNED_BLEU = 5.0  # BLEU that counts as having learned to translate


def standard_error(a: dict[str, Any], b: dict[str, Any], floor: float = 0.0) -> float:
    """se of the difference of two means over seeds, floored by ``floor`` (the module's rules)."""
    variance = a["std"] ** 2 / max(a["n"], 1) + b["std"] ** 2 / max(b["n"], 1)
    return max(math.sqrt(variance), floor)


def clearly_better(a: dict[str, Any], b: dict[str, Any], effect: float, floor: float = 0.0) -> str:
    d, se = a["mean"] - b["mean"], standard_error(a, b, floor)
    if d > 2 * se and d >= effect:
        return CONFIRMED
    return REFUTED if d + 2 * se < effect else INCONCLUSIVE


def slightly_better(a: dict[str, Any], b: dict[str, Any], floor: float = 0.0) -> str:
    d, se = a["mean"] - b["mean"], standard_error(a, b, floor)
    return CONFIRMED if d > 2 * se else REFUTED if d < -2 * se else INCONCLUSIVE


def close(a: dict[str, Any], b: dict[str, Any], effect: float, floor: float = 0.0) -> str:
    d, se = abs(a["mean"] - b["mean"]), standard_error(a, b, floor)
    return CONFIRMED if d + 2 * se < effect else REFUTED if d - 2 * se > effect else INCONCLUSIVE


def far_faster(ratio: float) -> str:
    return CONFIRMED if ratio >= 2 else REFUTED if ratio < 1.2 else INCONCLUSIVE


def binomial_floor(accuracy: float, count: int) -> float:
    """Standard error of the difference of two accuracies measured on the same ``count`` items."""
    return math.sqrt(2 * accuracy * (1 - accuracy) / count) if count > 0 else 0.0


def learned_accuracy(score: dict[str, Any], baseline: float, floor: float) -> bool:
    """Whether a family learned: ``LEARNED_MARGIN`` (and 2 standard errors) above the
    majority-class baseline."""
    return score["mean"] - baseline > max(LEARNED_MARGIN, 2 * floor)


def gate(verdict: str, learned: dict[str, bool], needed: list[str]) -> str:
    """Inconclusive unless every family the claim names learned something: a comparison with a
    family at chance measures the budget, not the architecture."""
    return verdict if all(learned[f] for f in needed) else INCONCLUSIVE


def _not_learned(learned: dict[str, bool], baseline: str) -> str:
    idle = [f for f, ok in learned.items() if not ok]
    return f"; did not learn (not above {baseline}): {', '.join(idle)}" if idle else ""


def _fmt(s: dict[str, Any], scale: float = 100.0) -> str:
    return f"{scale * s['mean']:.1f} ± {scale * s['std']:.1f}"


def _rnn(families: dict[str, Any], wanted: str | None = None) -> str | None:
    """The family that stands for "the RNN": ``wanted`` if given (None when it did not run),
    else the first of :data:`RNN_FAMILIES` that ran."""
    if wanted is not None:
        return wanted if wanted in families else None
    return next((f for f in RNN_FAMILIES if f in families), None)


def _row(claim: str, axis: str, verdict: str, evidence: str) -> dict[str, str]:
    return {"claim": claim, "axis": axis, "verdict": verdict, "evidence": evidence}


def semantic_claims(results: dict[str, Any] | None, rnn: str | None = None) -> list[dict[str, str]]:
    names = (
        "1a. semantic: Transformer clearly better than RNN and CNN",
        "1b. semantic: RNN and CNN close",
    )
    families = (results or {}).get("families", {})
    rnn = _rnn(families, rnn)
    if not results or rnn is None or not {"cnn", "transformer"} <= set(families):
        return [_row(n, "semantic", NOT_MEASURED, "axis or family not run") for n in names]
    score = {f: families[f]["mean"] for f in ("cnn", rnn, "transformer")}
    evidence = ", ".join(f"{f} {_fmt(s)}" for f, s in score.items()) + " (mean of WiC, SST-2 %)"
    baseline = sum(results["majority_baseline"].values()) / 2
    test_size = min(results["data"]["wic_test"], results["data"]["sst2_test"])
    floor = binomial_floor(max(s["mean"] for s in score.values()), test_size) / 2  # 2-task mean
    learned = {f: learned_accuracy(s, baseline, floor) for f, s in score.items()}
    first = gate(
        all_parts([clearly_better(score["transformer"], score[f], 0.02, floor) for f in ("cnn", rnn)]),
        learned,
        ["transformer", "cnn", rnn],
    )
    second = gate(close(score[rnn], score["cnn"], 0.02, floor), learned, [rnn, "cnn"])
    evidence += _not_learned(learned, f"majority baseline {100 * baseline:.1f} + 5 points")
    return [
        _row(names[0], "semantic", first, evidence),
        _row(names[1], "semantic", second, evidence),
    ]


def agreement_claims(results: dict[str, Any] | None, rnn: str | None = None) -> list[dict[str, str]]:
    names = (
        "2a. long range: native CNN clearly weakest",
        "2b. long range: Transformer slightly better than RNN",
        "2c. long range: RNN better than Transformer when subject and verb are > 13 apart",
    )
    families = (results or {}).get("families", {})
    rnn = _rnn(families, rnn)
    if not results or rnn is None or not {"cnn", "transformer"} <= set(families):
        return [_row(n, "agreement", NOT_MEASURED, "axis or family not run") for n in names]
    test = {f: families[f]["test"] for f in ("cnn", rnn, "transformer")}
    overall = {f: t["accuracy"] for f, t in test.items()}
    long = {f: t["long"] for f, t in test.items()}
    count, long_count = results["data"]["test"], test["transformer"]["long"]["count"]
    floor = binomial_floor(max(s["mean"] for s in overall.values()), count)
    baseline = results.get("majority_baseline", 0.5)
    learned = {f: learned_accuracy(s, baseline, floor) for f, s in overall.items()}
    text = ", ".join(f"{f} {_fmt(s)}" for f, s in overall.items()) + f" (% of {count} held out)"
    text += _not_learned(learned, f"majority baseline {100 * baseline:.1f} + 5 points")
    long_text = ", ".join(f"{f} {_fmt(s)}" for f, s in long.items()) + f" (% of {long_count} > 13)"
    weakest = gate(
        all_parts([clearly_better(overall[f], overall["cnn"], 0.02, floor) for f in (rnn, "transformer")]),
        learned,
        ["cnn", rnn, "transformer"],
    )
    slightly = gate(
        slightly_better(overall["transformer"], overall[rnn], floor), learned, ["transformer", rnn]
    )
    if long_count >= 20:
        long_floor = binomial_floor(max(s["mean"] for s in long.values()), long_count)
        reversal = gate(
            slightly_better(long[rnn], long["transformer"], long_floor), learned, [rnn, "transformer"]
        )
    else:
        reversal = INCONCLUSIVE
        long_text += " (too few)"
    return [
        _row(names[0], "agreement", weakest, text),
        _row(names[1], "agreement", slightly, text),
        _row(names[2], "agreement", reversal, long_text),
    ]


def translation_claims(results: dict[str, Any] | None, rnn: str | None = None) -> list[dict[str, str]]:
    names = ("3a. translation: Transformer clearly best", "3b. translation: CNN slightly above RNN")
    families = (results or {}).get("families", {})
    rnn = _rnn(families, rnn)
    if not results or rnn is None or not {"cnn", "transformer"} <= set(families):
        return [_row(n, "translation", NOT_MEASURED, "axis or family not run") for n in names]
    score = {f: families[f]["bleu"] for f in ("cnn", rnn, "transformer")}
    text = ", ".join(f"{f} {_fmt(s, 1.0)}" for f, s in score.items()) + " (BLEU)"
    learned = {f: s["mean"] >= LEARNED_BLEU for f, s in score.items()}
    best = gate(
        all_parts([clearly_better(score["transformer"], score[f], 1.0) for f in ("cnn", rnn)]),
        learned,
        ["transformer", "cnn", rnn],
    )
    slightly = gate(slightly_better(score["cnn"], score[rnn]), learned, ["cnn", rnn])
    text += _not_learned(learned, f"{LEARNED_BLEU:.0f} BLEU")
    return [
        _row(names[0], "translation", best, text),
        _row(names[1], "translation", slightly, text),
    ]


def speed_claims(results: dict[str, Any] | None, rnn: str | None = None) -> list[dict[str, str]]:
    name = "4. parallel efficiency: RNN poor, CNN and Transformer far better (training tokens/s)"
    families = (results or {}).get("families", {})
    rnn = _rnn(families, rnn)
    if not results or rnn is None or not {"cnn", "transformer"} <= set(families):
        return [_row(name, "speed", NOT_MEASURED, "axis or family not run")]
    length = max(families[rnn], key=int)
    rate = {f: families[f][length]["train_tokens_per_s"] for f in ("cnn", rnn, "transformer")}
    ratios = {f: rate[f] / rate[rnn] for f in ("cnn", "transformer")}
    verdict = all_parts([far_faster(r) for r in ratios.values()])
    text = (
        f"T={length}, {results['device']}, {results['threads']} thread(s): "
        + ", ".join(f"{f} {r:.0f} tok/s" for f, r in rate.items())
        + f"; cnn/{rnn} {ratios['cnn']:.1f}x, transformer/{rnn} {ratios['transformer']:.1f}x"
    )
    return [_row(name, "speed", verdict, text)]


def all_claims(results: dict[str, dict[str, Any] | None], rnn: str | None = None) -> list[dict[str, str]]:
    """Every claim's row, in the seed's order; absent axes give 'not measured'. ``rnn`` picks the
    family that stands for "the RNN" (default: the LSTM if it ran, else the GRU)."""
    return [
        *semantic_claims(results.get("semantic"), rnn),
        *agreement_claims(results.get("agreement"), rnn),
        *translation_claims(results.get("translation"), rnn),
        *speed_claims(results.get("speed"), rnn),
    ]


def claim_variants(results: dict[str, dict[str, Any] | None]) -> dict[str, list[dict[str, str]]]:
    """The same claims judged two other ways, where the runs allow: with the GRU standing for the
    RNN (when the LSTM, the default, ran too), and at a second width (``<axis>-<w>x`` results in
    place of the agreement and semantic axes; the other axes run at width 1 only and are left
    out). Keys are readable column names; the first table of the report stays the default."""
    variants: dict[str, list[dict[str, str]]] = {}
    ran = {f for r in results.values() if r for f in r.get("families", {})}
    if {"lstm", "gru"} <= ran:
        variants["with the GRU as the RNN"] = all_claims(results, "gru")
    scaled = ("agreement", "semantic")
    suffixes = {
        k.rpartition("-")[2]
        for k in results
        if results[k] and k.rpartition("-")[0] in scaled and k.endswith("x")
    }
    for suffix in sorted(s for s in suffixes if s[:-1].isdigit()):
        rows = all_claims({axis: results.get(f"{axis}-{suffix}") for axis in scaled})
        variants[f"at {suffix} body parameters"] = [r for r in rows if r["axis"] in scaled]
    return variants
