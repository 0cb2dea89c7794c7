"""Axis 1, long-range dependencies: subject-verb number prediction (Linzen et al. 2016).

The encoder reads the sentence *up to the verb* (never the verb or what follows: the input is
cut before it) and a linear head on the last word's vector predicts singular or plural. CNNs
are causal here (every position's receptive field lies to its left), RNNs left-to-right.
The held-out test set is balanced by subject-verb distance: the same number of examples from each
bin (1-2, 3-4, ..., 9-10, 11-13, 14-16, 17-20, 21+; at most half of a bin, the rest stays for
training), so the long bins that decide claim 2c have as much data as the short ones. Accuracy
is reported per bin with a 95 % interval, by number of attractors, and over several bins
("overall", "> 13") as a stratified estimate: each bin weighted by its share of all the parsed
examples, i.e. an estimate of accuracy on the corpus's own mix of distances. Linzen et al.'s
(2016) test set and Gulordava et al.'s (2018) original and nonce sentences are out-of-
distribution checks (pooled accuracies, their sentences are not from our corpus).

A 95 % interval is 1.96 x sqrt(p (1 - p) / n + s^2 / k): the binomial error of n test examples
at accuracy p plus the spread s of the k seeds' accuracies.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lmbasics.encoders import distributed
from lmbasics.encoders.budgets import Budget
from lmbasics.encoders.data import Vocabulary, pad
from lmbasics.encoders.runs import RunCache, digest
from lmbasics.encoders.tasks.agreement_data import (
    AgreementExample,
    cached_agreement_data,
    read_examples,
    synthetic_agreement,
)
from lmbasics.encoders.tasks.common import (
    SequenceClassifier,
    build,
    describe,
    family_configs,
    on_device,
    predict,
    stats,
)
from lmbasics.encoders.training import TrainConfig, fit, seed_everything
from lmbasics.encoders.tuning import tune, validation_split

LONG_DISTANCE = 13  # the seed's threshold: "more than 13 words apart"
# every bin lies wholly at or below LONG_DISTANCE or wholly above it
DISTANCE_BINS = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 13), (14, 16), (17, 20), (21, 10**9))
Z95 = 1.959964
GULORDAVA_KINDS = ("original", "generated")


def distance_bin(distance: int) -> str | None:
    """The bin label of a subject-verb distance (None when unknown, i.e. negative)."""
    for low, high in DISTANCE_BINS:
        if low <= distance <= high:
            return f"{low}+" if high >= 10**9 else f"{low}-{high}"
    return None


def prefix_before_verb(tokens: Sequence[str], verb_index: int) -> list[str]:
    """What the agreement encoder is allowed to read: the words strictly before the verb."""
    return list(tokens[:verb_index])


def _is_long(label: str) -> bool:
    return int(label.split("-")[0].rstrip("+")) > LONG_DISTANCE


def _bin_order(label: str) -> int:
    return int(label.split("-")[0].rstrip("+"))


def _weighted(by: dict[str, list[bool]], weights: dict[str, float], labels: list[str]) -> float:
    """Sum of the bins' accuracies weighted by their shares, renormalised over ``labels``."""
    total = sum(weights.get(label, 0.0) for label in labels)
    if not labels or total <= 0:
        return float("nan")
    return sum(weights.get(label, 0.0) * float(np.mean(by[label])) for label in labels) / total


def breakdown(
    examples: Sequence[AgreementExample],
    correct: Sequence[bool],
    weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Accuracy overall, beyond :data:`LONG_DISTANCE`, by distance bin and by attractors (with
    counts). With ``weights`` (each bin's share of the corpus examples) "overall" and "long" are
    stratified estimates, each bin weighted by its share; without, pooled over the examples."""
    groups: dict[str, dict[str, list[bool]]] = {"by_distance": {}, "by_attractors": {}}
    for example, hit in zip(examples, correct):
        label = distance_bin(example.distance)
        if label is not None:
            groups["by_distance"].setdefault(label, []).append(hit)
        groups["by_attractors"].setdefault(str(min(example.attractors, 4)), []).append(hit)
    long_hits = [h for e, h in zip(examples, correct) if e.distance > LONG_DISTANCE]
    by_distance = groups["by_distance"]
    if weights is None:
        overall = float(np.mean(correct)) if len(correct) else float("nan")
        long = float(np.mean(long_hits)) if long_hits else float("nan")
    else:
        overall = _weighted(by_distance, weights, list(by_distance))
        long = _weighted(by_distance, weights, [b for b in by_distance if _is_long(b)])
    result: dict[str, Any] = {"accuracy": overall}
    for name, by in groups.items():
        result[name] = {k: {"accuracy": float(np.mean(v)), "count": len(v)} for k, v in by.items()}
    result["long"] = {"accuracy": long, "count": len(long_hits)}
    result["count"] = len(correct)
    return result


def interval95(mean: float, spread: float, seeds: int, count: int) -> float:
    """Half-width of the 95 % interval of a seed-mean accuracy on ``count`` examples."""
    if count <= 0 or math.isnan(mean):
        return float("nan")
    variance = mean * (1 - mean) / count + (spread**2 / seeds if seeds > 1 else 0.0)
    return Z95 * math.sqrt(variance)


def _with_interval(values: list[float], count: int) -> dict[str, Any]:
    out = stats(values)
    out["count"] = count
    out["ci95"] = interval95(out["mean"], out["std"], out["n"], count)
    return out


def _aggregate(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    first = per_seed[0]
    out: dict[str, Any] = {
        "accuracy": _with_interval([r["accuracy"] for r in per_seed], first.get("count", 0)),
        "long": _with_interval([r["long"]["accuracy"] for r in per_seed], first["long"]["count"]),
    }
    for name in ("by_distance", "by_attractors"):
        keys = first[name]
        out[name] = {
            key: _with_interval([r[name][key]["accuracy"] for r in per_seed], keys[key]["count"])
            for key in sorted(keys, key=_bin_order)
        }
    return out


def balanced_split(
    examples: Sequence[AgreementExample], per_bin: int, seed: int = 0
) -> tuple[list[int], list[int], dict[str, float]]:
    """(test indices, training indices, each bin's share of ``examples``): from every distance
    bin ``min(per_bin, half the bin)`` examples at random for the test set, the rest (in a
    seeded random order) for training; examples without a distance go to training."""
    order = np.random.default_rng(seed).permutation(len(examples))
    bins: dict[str, list[int]] = {}
    for index in order:
        label = distance_bin(examples[index].distance)
        if label is not None:
            bins.setdefault(label, []).append(int(index))
    total = sum(len(members) for members in bins.values())
    weights = {
        label: len(members) / total for label, members in sorted(bins.items(), key=lambda b: _bin_order(b[0]))
    }
    chosen: set[int] = set()
    for members in bins.values():
        chosen.update(members[: min(per_bin, len(members) // 2)])
    test = [int(i) for i in order if int(i) in chosen]
    train = [int(i) for i in order if int(i) not in chosen]
    return test, train, weights


@dataclass
class AgreementData:
    """What the agreement axis reads: training and held-out examples, the out-of-distribution
    sets, the bins' corpus shares (None for made-up data) and a description of the source."""

    train: list[AgreementExample]
    test: list[AgreementExample]
    linzen: list[AgreementExample]
    gulordava: list[AgreementExample]
    weights: dict[str, float] | None
    source: str


def load_data(
    budget: Budget,
    data_dir: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str],
    log: Callable[[str], None] | None = None,
) -> AgreementData:
    """The agreement data at ``budget`` (made up when ``data_dir`` is None), parsing what is not
    cached yet with one process per PyTorch thread."""
    if data_dir is None:
        train_set = synthetic_agreement(budget.agreement_examples, seed=1000)
        return AgreementData(train_set, synthetic_agreement(1000, seed=2000), [], [], None, "synthetic")
    pieces, linzen_path, gulordava_path = cached_agreement_data(
        data_dir, cache_dir, budget.agreement_corpus_tokens, torch.get_num_threads(), log
    )
    examples = [example for piece in pieces for example in read_examples(piece)]
    test_index, train_index, weights = balanced_split(examples, budget.agreement_test_per_bin)
    words = (
        f"{budget.agreement_corpus_tokens / 1e6:g}M"
        if budget.agreement_corpus_tokens >= 10**6
        else str(budget.agreement_corpus_tokens)
    )
    return AgreementData(
        train=[examples[i] for i in train_index][: budget.agreement_examples],
        test=[examples[i] for i in test_index],
        linzen=read_examples(linzen_path),
        gulordava=read_examples(gulordava_path),
        weights=weights,
        source=f"{'-'.join(Path(pieces[0]).name.split('-')[1:3])}, first {words} words, spaCy-parsed "
        f"({len(examples):,} examples)",
    )


def run_agreement(
    budget: Budget,
    families: Sequence[str],
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] = ".cache/lmbasics",
    word2vec: str | os.PathLike[str] | None = None,
    log: Callable[[str], None] = print,
    runs: RunCache | None = None,
) -> dict[str, Any]:
    """Tune every family on validation data, train it ``budget.seeds`` times to its plateau;
    return the JSON-ready results (``runs``: where finished runs are kept)."""
    with distributed.node_main_first(distributed.world()):  # one spaCy parse per node
        data = load_data(budget, data_dir, Path(cache_dir), log)
    all_train, test_set, linzen, gulordava = data.train, data.test, data.linzen, data.gulordava
    if len(all_train) < 2:
        from lmbasics._util.errors import LmbasicsError

        raise LmbasicsError(f"only {len(all_train)} agreement examples were built")
    fit_index, held_index = validation_split(
        len(all_train), budget.validation_fraction, budget.validation_max
    )
    train_set = [all_train[i] for i in fit_index]
    validation = [all_train[i] for i in held_index]
    vocabulary = Vocabulary.build((e.prefix for e in train_set), max_size=10_000)
    train_rows = [vocabulary.encode(e.prefix) for e in train_set]
    validation_rows = [vocabulary.encode(e.prefix) for e in validation]
    labels = torch.tensor([e.label for e in train_set])
    max_length = max(
        len(r)
        for r in train_rows + validation_rows + [vocabulary.encode(e.prefix) for e in linzen + gulordava]
    )
    configs = family_configs(budget, families, len(vocabulary), causal=True, max_length=max_length + 1)
    plural_share = float(np.mean([e.label for e in test_set]))
    results: dict[str, Any] = {
        "majority_baseline": max(plural_share, 1 - plural_share),
        "data": {
            "source": data.source,
            "train": len(train_set),
            "validation": len(validation),
            "test": len(test_set),
            "test_per_bin": budget.agreement_test_per_bin if data.weights else None,
            "bin_shares": data.weights,
            "linzen": len(linzen),
            "gulordava": len(gulordava),
            "vocabulary": len(vocabulary),
        },
        "encoders": describe(configs, families),
        "train": budget.agreement_train.to_dict(),
        "families": {},
    }

    def run(family: str, seed: int, config: TrainConfig) -> dict[str, Any]:
        rng = seed_everything(seed)
        model = SequenceClassifier(build(configs[family], vocabulary.words, word2vec), 2, "last")

        def batch_loss(module: torch.nn.Module, index: np.ndarray) -> torch.Tensor:
            ids, mask, target = on_device(module, *pad([train_rows[i] for i in index]), labels[index])
            return F.cross_entropy(module(ids, mask), target)

        def validate(module: torch.nn.Module) -> float:
            guesses = predict(module, validation_rows)
            return float(np.mean([g == e.label for g, e in zip(guesses, validation)]))

        lengths = np.array([len(r) for r in train_rows])
        record = fit(model, batch_loss, len(train_rows), config, rng, validate, lengths).summary()
        checks = [("test", test_set, data.weights), ("linzen", linzen, None)]
        checks += [
            (f"gulordava_{kind}", [e for e in gulordava if e.kind == kind], None) for kind in GULORDAVA_KINDS
        ]
        for name, examples, weights in checks:
            if examples:
                guesses = predict(model, [vocabulary.encode(e.prefix) for e in examples])
                hits = [g == e.label for g, e in zip(guesses, examples)]
                record[name] = breakdown(examples, hits, weights)
        return record

    examples = digest([all_train, test_set, linzen, gulordava, data.weights])
    cache = (runs or RunCache(None, {})).scoped(
        data=results["data"], examples=examples, word2vec=str(word2vec)
    )
    encoders = {family: configs[family].to_dict() for family in families}
    tuning, records = tune(
        "agreement", families, budget.seeds, budget.grid, budget.agreement_train, encoders, run, cache, log
    )
    results["tuning"] = {"agreement": {"metric": "validation accuracy", **tuning}}
    for family in families:
        held_runs = [r["test"] for r in records[family]]
        log(f"agreement {family}: test accuracy {_aggregate(held_runs)['accuracy']['mean']:.3f}")
        results["families"][family] = {"test": _aggregate(held_runs)}
        for name in ("linzen", *(f"gulordava_{kind}" for kind in GULORDAVA_KINDS)):
            found = [r[name] for r in records[family] if name in r]
            results["families"][family][name] = _aggregate(found) if found else None
    return results
