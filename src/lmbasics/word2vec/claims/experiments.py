"""The word2vec claims' experiments: W3's grid, then W1/W2, W5's quality side and W4/W5's costs.

- **W3** is ``runs.run_grid`` (corpus sizes x models x seeds, each at its tuned learning rate).
- **W1/W2** read the saved vectors of the seed-0 ``sg-ns`` and ``cbow-ns`` runs at the plan's
  ``vectors_size`` (17M tokens in ``full``) and compare them with one-hot vectors and with random
  vectors: the model's own starting point (uniform in [-1/N, 1/N], seed 0, the same vocabulary).
  One-hot cosines are computed on the one-hot coordinates of the pair words (every other
  coordinate is 0 in both vectors, so that is exact).
- **W5, quality**: at ``vectors_size``, HS and NS at *equal training time*: NS is retrained with
  ``round(HS seed-0 train_seconds / NS seed-0 seconds per epoch)`` epochs (``runs.run``, so the
  run is resumable like the grid's) and both are scored on frequent and rare questions and pairs.
- **W4/W5, costs**: ``costs.measure_costs`` (time per prediction in the kernels), with the
  vocabulary counts of ``vectors_size``.

Every result is a JSON record under ``<cache>/claims/`` (or ``<cache>/runs/``) and is never
recomputed; with ``existing_only`` nothing is trained, timed or written, and what is missing is
left out (the report marks it not measured).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lmbasics._util.atomic import atomic_write_text
from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec.claims import runs
from lmbasics.word2vec.claims.analysis import (
    binomial_se,
    bootstrap_spearman,
    bucket_masks,
    run_accuracy,
    run_spearman,
    spearman,
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """What a budget runs beyond its grid, and the operational readings declared before the runs:
    ``small``/``large`` corpus sizes for W3, the size whose vectors W1/W2/W5 use, the frequency
    ranks that make a question or pair *frequent* (every word ranked below ``frequent_below``)
    or *rare* (some word ranked ``rare_from`` or beyond), the words of the one-hot figure."""

    grid: runs.Grid
    small: tuple[str, ...]
    large: tuple[str, ...]
    vectors_size: str
    frequent_below: int
    rare_from: int
    resamples: int
    figure_words: tuple[str, ...] = ("king", "queen", "man", "woman", "paris", "france",
                                     "london", "england", "car", "truck")


PLANS = {
    "full": Plan(runs.GRIDS["full"], small=("0.1M", "0.3M", "1M"), large=("17M", "48M"),
                 vectors_size="17M", frequent_below=5_000, rare_from=20_000, resamples=1000),
    "tiny": Plan(runs.GRIDS["tiny"], small=("2k",), large=("20k",), vectors_size="8k",
                 frequent_below=20, rare_from=40, resamples=200),
}
VECTOR_MODELS = ("sg-ns", "cbow-ns")  # W1/W2's trained vectors
ARCHITECTURES = ("sg", "cbow")  # W5: <arch>-hs against <arch>-ns at equal time


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text()) if path.exists() else None
    except (OSError, ValueError):
        return None


def seed0_spec(plan: Plan, choices: dict[str, Any], model: str, epochs: int | None = None
               ) -> runs.RunSpec | None:
    size = plan.vectors_size
    choice = choices.get(size, {}).get(model)
    if choice is None:
        return None
    tokens = dict(plan.grid.sizes)[size]
    return runs.RunSpec(size, tokens, model, choice["alpha"], 0, epochs or plan.grid.epochs,
                        plan.grid.workers)


# ------------------------------------------------------------------------------ W1 / W2
def random_vectors(keys: list[str], size: int, seed: int = 0) -> Any:
    """Word2Vec's starting vectors for ``keys``: uniform in [-1/size, 1/size] (``model.py``)."""
    from lmbasics.word2vec.keyedvectors import KeyedVectors

    vectors = np.random.default_rng(seed).random((len(keys), size), dtype=np.float32)
    vectors *= 2.0
    vectors -= 1.0
    vectors /= size
    return KeyedVectors.from_arrays(keys, vectors)


def _lookup(kv: Any, word: str) -> str | None:
    return next((w for w in (word, word.lower(), word.upper(), word.title()) if w in kv), None)


def king_top5(kv: Any) -> list[list[Any]] | None:
    """king - man + woman's five nearest words (3CosAdd), or None if a word is missing."""
    words = [_lookup(kv, w) for w in ("king", "man", "woman")]
    if None in words:
        return None
    found = kv.most_similar(positive=[words[0], words[2]], negative=[words[1]], topn=5)
    return [[word, float(score)] for word, score in found]


def onehot_pairs(kv: Any, pairs: list[tuple[str, str, float]]) -> list[float | None]:
    """Cosine of each pair's one-hot vectors, computed on the pair words' coordinates."""
    index = {key.upper(): i for i, key in reversed(list(enumerate(kv.index_to_key)))}
    used = sorted({index[w.upper()] for a, b, _ in pairs for w in (a, b) if w.upper() in index})
    column = {row: j for j, row in enumerate(used)}
    onehot = np.eye(len(used))  # row j: the one-hot vector of word used[j], on those coordinates
    out: list[float | None] = []
    for a, b, _ in pairs:
        ia, ib = index.get(a.upper()), index.get(b.upper())
        if ia is None or ib is None:
            out.append(None)
            continue
        va, vb = onehot[column[ia]], onehot[column[ib]]
        out.append(float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb))))
    return out


def _baseline(plan: Plan, inputs: runs.Inputs, kv: Any, existing_only: bool) -> dict | None:
    """The random vectors' record: their test outcomes and pair cosines (made once)."""
    path = inputs.cache / "claims" / f"random-{plan.vectors_size}-s0.json"
    record = _read(path)
    if record is not None and record.get("keys") == len(kv.index_to_key):
        return record
    random = random_vectors(list(kv.index_to_key), kv.vector_size)
    record = {"keys": len(kv.index_to_key), "seed": 0,
              "test": runs.analogy_outcomes(random, inputs.test),
              "pairs": runs.pair_cosines(random, runs.read_pairs(inputs.pairs)),
              "king": king_top5(random)}
    if not existing_only:
        atomic_write_text(path, json.dumps(record))
    return record


def vectors_experiment(plan: Plan, inputs: runs.Inputs, grid_result: dict[str, Any], out: Path,
                       existing_only: bool, progress: Progress) -> dict[str, Any] | None:
    """W1/W2: trained vs one-hot vs random on WS-353 and the analogies; draws the one-hot
    figure into ``out``. None when no saved vectors of the plan's size are there."""
    from lmbasics.explore.plots import plot_onehot
    from lmbasics.word2vec.keyedvectors import KeyedVectors

    pairs = runs.read_pairs(inputs.pairs)
    gold = [g for _, _, g in pairs]
    result: dict[str, Any] = {"size": plan.vectors_size, "models": {}}
    for model in VECTOR_MODELS:
        spec = seed0_spec(plan, grid_result["choices"], model)
        path = spec and inputs.cache / "vectors" / f"{spec.key}.bin"
        record = spec and runs.load_record(inputs.cache, spec)
        if not path or not path.exists() or record is None:
            continue
        progress(f"word2vec claims: W1/W2 on {spec.key}")
        kv = KeyedVectors.load_word2vec_format(path, binary=True)
        if "random" not in result:
            result["random"] = _baseline(plan, inputs, kv, existing_only)
            result["onehot"] = onehot_pairs(kv, pairs)
            words = [w for w in (_lookup(kv, w) for w in plan.figure_words) if w]
            if len(words) >= 2:
                plot_onehot(kv, words, out / "onehot.png", source=f"{spec.key} vectors")
                result["figure_words"] = words
        result["models"][model] = {"key": spec.key, "test": record["test"],
                                   "pairs": record["pairs"], "king": king_top5(kv)}
    if not result["models"]:
        return None
    result["ws353"] = {name: _rho_with_interval(cos, gold, plan.resamples)
                       for name, cos in [("random", result["random"]["pairs"]),
                                         *[(m, r["pairs"]) for m, r in result["models"].items()]]}
    # one-hot: no interval (a resample without an identical-word pair has constant cosines)
    result["ws353"]["onehot"] = {**_rho_with_interval(result["onehot"], gold, 0),
                                 "interval": None}
    distinct = [c for (a, b, _), c in zip(pairs, result["onehot"])
                if c is not None and a.upper() != b.upper()]
    result["onehot_distinct"] = {"pairs": len(distinct), "max_abs_cosine": max(map(abs, distinct),
                                                                              default=math.nan)}
    return result


def _rho_with_interval(cosines: list[float | None], gold: list[float], resamples: int) -> dict:
    keep = [i for i, c in enumerate(cosines) if c is not None]
    x, y = [cosines[i] for i in keep], [gold[i] for i in keep]
    return {"rho": spearman(x, y), "pairs": len(keep),
            "interval": bootstrap_spearman(x, y, resamples) if resamples else None}


# ------------------------------------------------------------------------------ W5 quality
def _buckets(record: dict[str, Any], questions: list, pairs: list, plan: Plan, ranks: dict
             ) -> dict[str, Any]:
    q_masks = bucket_masks([q for _, q in questions], ranks, plan.frequent_below, plan.rare_from)
    p_masks = bucket_masks([p[:2] for p in pairs], ranks, plan.frequent_below, plan.rare_from)
    gold = [g for _, _, g in pairs]
    out = {}
    for bucket in ("frequent", "rare"):
        right, asked = run_accuracy(record["test"], q_masks[bucket])
        keep = [i for i, c in enumerate(record["pairs"]) if c is not None and p_masks[bucket][i]]
        x, y = [record["pairs"][i] for i in keep], [gold[i] for i in keep]
        out[bucket] = {"right": right, "asked": asked, "se": binomial_se(right, asked),
                       "accuracy": right / asked if asked else math.nan,
                       "ws353": run_spearman(record["pairs"], gold, p_masks[bucket])[0],
                       "pairs": len(keep), "interval": bootstrap_spearman(x, y, plan.resamples)}
    return out


def equal_time_experiment(plan: Plan, inputs: runs.Inputs, grid_result: dict[str, Any],
                          existing_only: bool, progress: Progress) -> dict[str, Any] | None:
    """W5's quality side: HS (seed 0, the grid's epochs) against NS retrained for HS's time."""
    questions = runs.read_questions(inputs.test)
    pairs = runs.read_pairs(inputs.pairs)
    result: dict[str, Any] = {"size": plan.vectors_size, "frequent_below": plan.frequent_below,
                              "rare_from": plan.rare_from, "architectures": {}}
    for arch in ARCHITECTURES:
        hs_spec = seed0_spec(plan, grid_result["choices"], f"{arch}-hs")
        ns_spec = seed0_spec(plan, grid_result["choices"], f"{arch}-ns")
        hs = hs_spec and runs.load_record(inputs.cache, hs_spec)
        ns = ns_spec and runs.load_record(inputs.cache, ns_spec)
        if not hs or not ns:
            continue
        per_epoch = ns["train_seconds"] / ns_spec.epochs
        epochs = max(1, round(hs["train_seconds"] / per_epoch))
        equal_spec = seed0_spec(plan, grid_result["choices"], f"{arch}-ns", epochs)
        equal = runs.load_record(inputs.cache, equal_spec)
        if equal is None and not existing_only:
            progress(f"word2vec claims: {equal_spec.key} (W5: NS for HS's training time)")
            equal = runs.run(equal_spec, inputs, inputs.cache)
        if equal is None:
            continue
        ranks = hs["ranks"]
        result["architectures"][arch] = {
            "hs": {"key": hs_spec.key, "train_seconds": hs["train_seconds"],
                   "epochs": hs_spec.epochs,
                   **_buckets(hs, questions, pairs, plan, ranks)},
            "ns": {"key": equal_spec.key, "train_seconds": equal["train_seconds"],
                   "epochs": epochs, "spec": equal["spec"],
                   "total_seconds": equal["total_seconds"],
                   "cpu_seconds": equal.get("cpu_seconds", math.nan),
                   **_buckets(equal, questions, pairs, plan, ranks)},
        }
    return result if result["architectures"] else None


# ------------------------------------------------------------------------------ W4 / W5 costs
def vocabulary_counts(plan: Plan, inputs: runs.Inputs) -> np.ndarray:
    """Corpus counts of the ``vectors_size`` vocabulary (the grid's settings), most frequent
    first."""
    from lmbasics.word2vec.model import Word2Vec

    tokens = dict(plan.grid.sizes)[plan.vectors_size]
    corpus, _ = runs.corpus_prefix(inputs.data, inputs.cache, plan.vectors_size, tokens)
    model = Word2Vec(**runs.COMMON, progress=False)
    model.build_vocab(corpus_file=str(corpus))
    return np.asarray(model.wv.counts, dtype=np.int64)


def costs_experiment(plan: Plan, budget: str, inputs: runs.Inputs, existing_only: bool,
                     progress: Progress) -> dict[str, Any] | None:
    """``costs.measure_costs``'s result, measured once and kept in the cache."""
    path = inputs.cache / "claims" / f"costs-{budget}.json"
    record = _read(path)
    if record is not None or existing_only:
        return record
    from lmbasics.word2vec.claims.costs import measure_costs

    progress("word2vec claims: W4/W5 costs per prediction")
    record = measure_costs(budget, counts=vocabulary_counts(plan, inputs), progress=progress)
    atomic_write_text(path, json.dumps(record))
    return record


# ------------------------------------------------------------------------------ everything
def run_all(budget: str, data: Path, cache: Path, out: Path, existing_only: bool = False,
            progress: Progress = print) -> dict[str, Any]:
    """Every experiment of ``budget`` (resumed from ``cache``); returns the results the
    verdicts and the report read."""
    if budget not in PLANS:
        raise LmbasicsError(f"unknown budget {budget!r} (choose from {', '.join(PLANS)})")
    plan = PLANS[budget]
    if not data.is_dir():
        raise LmbasicsError(f"--data {data}: not a directory")
    if existing_only and not (cache / "runs").is_dir():
        raise LmbasicsError(f"--cache {cache}: no runs/ records to report on")
    inputs = runs.prepare_inputs(data, cache)
    grid_result = runs.run_grid(plan.grid, inputs, cache, progress=progress,
                                save_sizes=(plan.vectors_size,), existing_only=existing_only)
    return {
        "plan": plan, "inputs": inputs, "grid": grid_result,
        "vectors": vectors_experiment(plan, inputs, grid_result, out, existing_only, progress),
        "equal_time": equal_time_experiment(plan, inputs, grid_result, existing_only, progress),
        "costs": _costs_summary(costs_experiment(plan, budget, inputs, existing_only, progress)),
    }


def _costs_summary(measured: dict[str, Any] | None) -> dict[str, Any] | None:
    """The verdicts' and the report's view of the costs (``costs.summary``), the measured
    result itself under ``measured`` (the plots draw from it)."""
    if measured is None:
        return None
    from lmbasics.word2vec.claims.costs import summary

    return {**summary(measured), "measured": measured}
