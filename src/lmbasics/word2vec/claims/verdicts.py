"""The seed's word2vec claims (W1-W5), each judged from measured numbers by one function.

The rules below were written before any full-budget record was looked at; thresholds are the
module constants. Words: :mod:`lmbasics._util.verdicts`. "2 se" is two standard errors of the
difference in question (``analysis.py``: seeds' spread, floored by the test set's own error).

Operational readings of the seed's vague words (declared before the runs and kept):
*smaller data sets* are the plan's ``small`` corpora (``full``: <= 1M tokens: 0.1M, 0.3M, 1M);
*large corpora* its ``large`` ones (``full``: >= 17M tokens: 17M, 48M); sizes in between are
reported, not judged. A question (pair) is *frequent* if every word ranks below the plan's
``frequent_below`` (``full``: 5,000), *rare* if one ranks at ``rare_from`` or beyond (20,000).

- **W1** one-hot vectors carry no similarity, distributed ones do: confirmed if every pair of
  distinct WS-353 words has one-hot cosine 0 *and*, for each trained model (``sg-ns``,
  ``cbow-ns``), the bootstrap 95% interval of its WS-353 Spearman lies above 0 and above the
  random vectors' interval (W1 and W2 are not measured until both models are there); refuted
  if one-hot cosines are not all 0 or a trained interval lies wholly below ``MIN_RHO``; else
  inconclusive.
- **W2** distributed vectors keep relations: per trained model, test analogy accuracy minus the
  random vectors' accuracy d (binomial se): confirmed if d > 2 se and d >= ``W2_EFFECT``;
  refuted if d + 2 se < ``W2_EFFECT``; else inconclusive. king - man + woman's top 5 is shown.
- **W3** CBOW suits small corpora, SG large ones; per loss (ns, hs) and corpus size, d = SG −
  CBOW test accuracy (primary; WS-353 Spearman reported as a second row by the same rule with
  ``W3_MARGIN_RHO``). Small size: *CBOW at least as good*: confirmed if d + 2 se < margin
  (``W3_MARGIN``), refuted if d − 2 se > 0 and d >= margin, else inconclusive. Large size: *SG
  better*: confirmed if d > 2 se, refuted if d < −2 se, else inconclusive. A size where neither
  model learned (accuracy not above max(``LEARNED_ACCURACY``, 2 binomial se); rho not above
  max(``MIN_RHO``, 2 se)) is inconclusive. The claim is tested in every (loss, size) setting:
  confirmed if it holds in all, partly confirmed if in some
  (:func:`~lmbasics._util.verdicts.each_setting`); not measured until both losses have a small
  and a large size.
- **W4** HS cuts the computation, especially for frequent words: all of (a) full softmax's time
  per prediction / HS's at the largest vocabulary measured (>= 100k words in ``full``) >=
  ``FAR`` (refuted below ``NOT_FAR``), (b) the most frequent bucket's mean Huffman code shorter
  than the rarest bucket's, (c) its HS time per prediction lower by more than 2 se.
- **W5** rare words still cost a lot under HS; NS cuts the cost further: all of (a) HS time per
  prediction rarest bucket / most frequent >= ``RARE_COST`` with the difference > 2 se (refuted
  below ``NOT_RARE_COST``), (b) NS's token-weighted time per prediction below HS's by more than
  2 se (refuted if above by more than 2 se).
- **W5, quality** (the issue's "quality side", not a seed sentence): NS's saving is not bought
  with quality: at HS's training time, NS's accuracy on frequent and on rare analogy questions
  is not worse than HS's by ``W3_MARGIN`` or more: confirmed if d − 2 se > −margin (d = NS − HS),
  refuted if d + 2 se < −margin, else inconclusive (fewer than ``MIN_QUESTIONS`` asked:
  inconclusive); per architecture (sg and cbow, both needed) and bucket, :func:`each_setting`.

W4/W5 read ``costs.measure_costs``'s result by these keys: ``vocab_sizes`` (list of V),
``seconds_per_prediction`` ``{"softmax"|"hs"|"ns": [seconds or None per V]}``, and ``buckets``
(most frequent first), each ``{"label", "token_share", "hs_code_length", "hs_seconds",
"hs_seconds_se", "ns_seconds", "ns_seconds_se"}``.

It does not do: run experiments, draw or write the report.
"""

from __future__ import annotations

import math
from typing import Any

from lmbasics._util.verdicts import (
    CONFIRMED,
    INCONCLUSIVE,
    NOT_MEASURED,
    REFUTED,
    all_parts,
    each_setting,
    from_sign,
    holds,
)

__all__ = ["claims"]

VECTOR_MODELS = ("sg-ns", "cbow-ns")  # W1/W2 need both (experiments.VECTOR_MODELS)

MIN_RHO = 0.1  # a Spearman rho below this is no similarity signal
W2_EFFECT = 0.10  # trained analogy accuracy at least this far above random (10 points)
W3_MARGIN = 0.01  # "at least as good": not behind by a point of accuracy or more
W3_MARGIN_RHO = 0.02  # ... or by 0.02 of Spearman's rho
LEARNED_ACCURACY = 0.01  # a model above this accuracy (and 2 se) learned something
FAR, NOT_FAR = 10.0, 3.0  # full softmax / HS time per prediction: far cut / no real cut
RARE_COST, NOT_RARE_COST = 1.5, 1.1  # HS rare / frequent time per prediction
MIN_QUESTIONS = 20  # fewer questions in a bucket: inconclusive

Row = dict[str, str]
CLAIMS = {
    "W1": ("one-hot vectors carry no similarity (every pair orthogonal); distributed vectors do",
           "one-hot: every distinct pair has cosine 0; trained WS-353 Spearman 95% CI above 0 "
           "and above random vectors'"),
    "W2": ("distributed vectors keep semantic relations (king − man + woman ≈ queen)",
           f"test analogy accuracy of trained vectors above random ones' by > 2 se and >= "
           f"{100 * W2_EFFECT:.0f} points"),
    "W3": ("CBOW suits smaller data sets, Skip-gram does better on large corpora (CBOW "
           "适用于较小的数据集, Skip-gram 在大型语料库中表现更好)",
           "per loss, test analogy accuracy: at every small corpus CBOW >= SG (SG not ahead by "
           f"{100 * W3_MARGIN:.0f} point), at every large corpus SG > CBOW (> 2 se)"),
    "W3 (WS-353)": ("as W3, judged on WordSim-353 (secondary metric)",
                    f"as W3 with Spearman's rho (margin {W3_MARGIN_RHO})"),
    "W4": ("hierarchical softmax cuts the computation sharply, especially for high-frequency "
           "words (short Huffman codes)",
           f"full softmax / HS time per prediction >= {FAR:g}x at the largest V; frequent words' "
           "codes shorter and HS time lower (> 2 se) than rare words'"),
    "W5": ("even with HS, low-frequency words cost a lot (long codes); negative sampling cuts "
           "the training cost further",
           f"HS rare / frequent time per prediction >= {RARE_COST:g}x; NS token-weighted time "
           "per prediction below HS's (> 2 se)"),
    "W5 (quality)": ("NS's lower cost is not bought with quality (the issue's quality side)",
                     "at HS's training time NS not behind HS by a point of accuracy on frequent "
                     "nor on rare analogy questions"),
}


def _row(name: str, verdict: str, evidence: str) -> Row:
    seed, reading = CLAIMS[name]
    return {"claim": name, "seed": seed, "reading": reading, "verdict": verdict,
            "evidence": evidence}


def _pct(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def _interval(item: dict[str, Any]) -> str:
    ci = item.get("interval")
    return f"{item['rho']:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else " [no CI]")


# ------------------------------------------------------------------------------ W1 / W2
def w1(vectors: dict[str, Any] | None) -> Row:
    if not vectors:
        return _row("W1", NOT_MEASURED, "no saved vectors at the vectors size")
    ws, distinct = vectors["ws353"], vectors["onehot_distinct"]
    onehot_zero = distinct["pairs"] > 0 and distinct["max_abs_cosine"] == 0.0
    random_ci = ws["random"]["interval"]
    parts, text = [holds(onehot_zero)], []
    for model in vectors["models"]:
        ci = ws[model]["interval"]
        if ci is None:
            parts.append(INCONCLUSIVE)
        elif ci[0] > 0 and (random_ci is None or ci[0] > random_ci[1]):
            parts.append(CONFIRMED)
        else:
            parts.append(REFUTED if ci[1] < MIN_RHO else INCONCLUSIVE)
        text.append(f"{model} {_interval(ws[model])} ({ws[model]['pairs']} pairs)")
    parts += [NOT_MEASURED for m in VECTOR_MODELS if m not in vectors["models"]]
    text += [f"{m} not there yet" for m in VECTOR_MODELS if m not in vectors["models"]]
    evidence = (f"one-hot: {distinct['pairs']} distinct pairs, max |cosine| "
                f"{distinct['max_abs_cosine']:g}, Spearman {ws['onehot']['rho']:.3f} (ties: only "
                f"identical-word pairs score); WS-353 Spearman [95% CI]: " + ", ".join(text)
                + f"; random vectors {_interval(ws['random'])}")
    return _row("W1", all_parts(parts), evidence)


def w2(vectors: dict[str, Any] | None) -> Row:
    if not vectors or "random" not in vectors:
        return _row("W2", NOT_MEASURED, "no saved vectors at the vectors size")
    from lmbasics.word2vec.claims.analysis import run_accuracy

    r_right, r_asked = run_accuracy(vectors["random"]["test"])
    p_random = r_right / r_asked if r_asked else 0.0
    verdicts, text = [], []
    for model, item in vectors["models"].items():
        right, asked = run_accuracy(item["test"])
        p = right / asked if asked else 0.0
        d = p - p_random
        se = math.sqrt(p * (1 - p) / max(asked, 1) + p_random * (1 - p_random) / max(r_asked, 1))
        verdicts.append(CONFIRMED if d > 2 * se and d >= W2_EFFECT
                        else REFUTED if d + 2 * se < W2_EFFECT else INCONCLUSIVE)
        king = ", ".join(w for w, _ in item["king"]) if item.get("king") else "n/a"
        text.append(f"{model} {_pct(p)} of {asked} (d = {100 * d:.1f} ± {100 * se:.1f}; "
                    f"king − man + woman: {king})")
    verdicts += [NOT_MEASURED for m in VECTOR_MODELS if m not in vectors["models"]]
    text += [f"{m} not there yet" for m in VECTOR_MODELS if m not in vectors["models"]]
    return _row("W2", each_setting(verdicts), "test accuracy: " + "; ".join(text)
                + f"; random vectors {_pct(p_random)} of {r_asked}")


# ------------------------------------------------------------------------------ W3
def learned(summary: dict[str, Any], metric: str) -> bool:
    """Whether a model learned anything measurable on ``metric``."""
    mean = summary[metric]["mean"]
    if math.isnan(mean):
        return False
    if metric == "accuracy":
        n = max(summary["asked"], 1)
        return mean > max(LEARNED_ACCURACY, 2 * math.sqrt(mean * (1 - mean) / n))
    n = summary["pairs"]
    return n > 3 and mean > max(MIN_RHO, 2 * (1 - mean**2) * math.sqrt(1.06 / (n - 3)))


def small_setting(d: float, se: float, margin: float) -> str:
    """CBOW at least as good as SG (d = SG − CBOW)."""
    if d + 2 * se < margin:
        return CONFIRMED
    return REFUTED if d - 2 * se > 0 and d >= margin else INCONCLUSIVE


def large_setting(d: float, se: float) -> str:
    """SG better than CBOW (d = SG − CBOW)."""
    return from_sign(1 if d > 2 * se else -1 if d < -2 * se else 0)


def w3(scaling: dict[str, Any] | None, small: tuple[str, ...], large: tuple[str, ...],
       metric: str = "accuracy") -> Row:
    from lmbasics.word2vec.claims.scaling import LOSSES

    name = "W3" if metric == "accuracy" else "W3 (WS-353)"
    margin = W3_MARGIN if metric == "accuracy" else W3_MARGIN_RHO
    scale, unit = (100, " points") if metric == "accuracy" else (1, "")
    settings, text, missing = [], [], []
    models = {s["size"]: s["models"] for s in (scaling or {}).get("sizes", [])}
    for loss, (sg, cbow) in LOSSES.items():
        rows = {r["size"]: r for r in (scaling or {}).get("differences", {}).get(loss, {})
                .get(metric, [])}
        judged = [s for s in small + large if s in rows]
        if not any(s in rows for s in small) or not any(s in rows for s in large):
            missing.append(loss)  # the claim needs both ends: judged when both are there
        parts = []
        for size in judged:
            d, se = rows[size]["d"], rows[size]["se"]
            if not (learned(models[size][sg], metric) or learned(models[size][cbow], metric)):
                verdict = INCONCLUSIVE
            else:
                verdict = (small_setting(d, se, margin) if size in small
                           else large_setting(d, se))
            settings.append(verdict)
            parts.append(f"{size} {scale * d:+.{1 if scale > 1 else 3}f} ± "
                         f"{scale * se:.{1 if scale > 1 else 3}f} ({verdict})")
        text.append(f"{loss}: " + (", ".join(parts) or "no size measured"))
    evidence = f"SG − CBOW{unit} ± se: " + "; ".join(text)
    if missing:
        return _row(name, NOT_MEASURED, evidence + "; needs a small and a large corpus size "
                    f"for every loss (missing for: {', '.join(missing)})")
    return _row(name, each_setting(settings), evidence)


# ------------------------------------------------------------------------------ W4 / W5 costs
def _largest_ratio(costs: dict[str, Any]) -> tuple[int, float] | None:
    per = costs["seconds_per_prediction"]
    pairs = [(v, s, h) for v, s, h in zip(costs["vocab_sizes"], per["softmax"], per["hs"])
             if s is not None and h is not None]
    if not pairs:
        return None
    v, s, h = max(pairs)
    return v, s / h


def _gap(costs: dict[str, Any], key: str) -> tuple[float, float, float]:
    """(rare − frequent, its se, rare / frequent) of a bucket time ``key`` (``hs``/``ns``)."""
    first, last = costs["buckets"][0], costs["buckets"][-1]
    d = last[f"{key}_seconds"] - first[f"{key}_seconds"]
    se = math.hypot(first.get(f"{key}_seconds_se", 0.0), last.get(f"{key}_seconds_se", 0.0))
    return d, se, last[f"{key}_seconds"] / first[f"{key}_seconds"]


def w4(costs: dict[str, Any] | None) -> Row:
    if not costs:
        return _row("W4", NOT_MEASURED, "costs not measured")
    largest = _largest_ratio(costs)
    ratio_part = NOT_MEASURED if largest is None else (
        CONFIRMED if largest[1] >= FAR else REFUTED if largest[1] < NOT_FAR else INCONCLUSIVE)
    first, last = costs["buckets"][0], costs["buckets"][-1]
    d, se, _ = _gap(costs, "hs")
    parts = [ratio_part, holds(first["hs_code_length"] < last["hs_code_length"]),
             from_sign(1 if d > 2 * se else -1 if d < -2 * se else 0)]
    evidence = ((f"V = {largest[0]:,}: full softmax / HS = {largest[1]:.1f}x; " if largest else "")
                + f"HS code length {first['label']} {first['hs_code_length']:.1f} vs "
                f"{last['label']} {last['hs_code_length']:.1f}; HS time per prediction "
                f"{first['hs_seconds'] * 1e9:.0f} vs {last['hs_seconds'] * 1e9:.0f} ns "
                f"(rare − frequent {d * 1e9:.0f} ± {se * 1e9:.0f} ns)")
    return _row("W4", all_parts(parts), evidence)


def w5(costs: dict[str, Any] | None) -> Row:
    if not costs:
        return _row("W5", NOT_MEASURED, "costs not measured")
    d, se, ratio = _gap(costs, "hs")
    rare = (CONFIRMED if ratio >= RARE_COST and d > 2 * se
            else REFUTED if ratio < NOT_RARE_COST else INCONCLUSIVE)
    buckets = costs["buckets"]
    weighted = {k: sum(b["token_share"] * b[f"{k}_seconds"] for b in buckets) for k in ("hs", "ns")}
    w_se = {k: math.sqrt(sum((b["token_share"] * b.get(f"{k}_seconds_se", 0.0)) ** 2
                             for b in buckets)) for k in ("hs", "ns")}
    gap, gap_se = weighted["hs"] - weighted["ns"], math.hypot(w_se["hs"], w_se["ns"])
    cheaper = from_sign(1 if gap > 2 * gap_se else -1 if gap < -2 * gap_se else 0)
    evidence = (f"HS time per prediction {buckets[-1]['label']} / {buckets[0]['label']} = "
                f"{ratio:.2f}x; token-weighted time per prediction HS {weighted['hs'] * 1e9:.0f}"
                f" ns vs NS {weighted['ns'] * 1e9:.0f} ns (HS − NS {gap * 1e9:.0f} ± "
                f"{gap_se * 1e9:.0f} ns)")
    return _row("W5", all_parts([rare, cheaper]), evidence)


def not_worse(ns: dict[str, Any], hs: dict[str, Any]) -> str:
    """NS not behind HS by ``W3_MARGIN`` or more on one bucket (binomial se)."""
    if min(ns["asked"], hs["asked"]) < MIN_QUESTIONS:
        return INCONCLUSIVE
    d, se = ns["accuracy"] - hs["accuracy"], math.hypot(ns["se"], hs["se"])
    if d - 2 * se > -W3_MARGIN:
        return CONFIRMED
    return REFUTED if d + 2 * se < -W3_MARGIN else INCONCLUSIVE


def w5_quality(equal_time: dict[str, Any] | None) -> Row:
    if not equal_time:
        return _row("W5 (quality)", NOT_MEASURED, "equal-time runs not there")
    settings, text = [], []
    for arch, item in equal_time["architectures"].items():
        hs, ns = item["hs"], item["ns"]
        for bucket in ("frequent", "rare"):
            settings.append(not_worse(ns[bucket], hs[bucket]))
            text.append(f"{arch} {bucket}: NS {_pct(ns[bucket]['accuracy'])} vs HS "
                        f"{_pct(hs[bucket]['accuracy'])} of {hs[bucket]['asked']} ({settings[-1]})")
        text[-2] = f"{arch}-ns {ns['epochs']} epochs ({ns['train_seconds']:.0f} s) vs {arch}-hs " \
                   f"({hs['train_seconds']:.0f} s): " + text[-2]
    for arch in ("sg", "cbow"):  # both architectures needed (experiments.ARCHITECTURES)
        if arch not in equal_time["architectures"]:
            settings.append(NOT_MEASURED)
            text.append(f"{arch}: equal-time runs not there yet")
    return _row("W5 (quality)", each_setting(settings), "; ".join(text))


def claims(results: dict[str, Any]) -> list[Row]:
    """Every claim's row, in the seed's order."""
    plan = results["plan"]
    return [
        w1(results["vectors"]),
        w2(results["vectors"]),
        w3(results["scaling"], plan.small, plan.large),
        w3(results["scaling"], plan.small, plan.large, "ws353"),
        w4(results["costs"]),
        w5(results["costs"]),
        w5_quality(results["equal_time"]),
    ]
