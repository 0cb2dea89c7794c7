"""Axis 1, long-range dependencies: subject-verb number prediction (Linzen et al. 2016).

The encoder reads the sentence *up to the verb* (never the verb or what follows: the input is
cut before it) and a linear head on the last word's vector predicts singular or plural. CNNs
are causal here (every position's receptive field lies to its left), RNNs left-to-right.
Accuracy is reported overall, by subject-verb distance bin (1-2, 3-4, ..., 11-12, 13-15, 16+)
and by number of attractors, on held-out corpus examples and on Linzen's test set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
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

DISTANCE_BINS = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 15), (16, 10**9))
LONG_DISTANCE = 13  # the seed's threshold: "more than 13 words apart"


def distance_bin(distance: int) -> str | None:
    """The bin label of a subject-verb distance (None when unknown, i.e. negative)."""
    for low, high in DISTANCE_BINS:
        if low <= distance <= high:
            return f"{low}+" if high >= 10**9 else f"{low}-{high}"
    return None


def prefix_before_verb(tokens: Sequence[str], verb_index: int) -> list[str]:
    """What the agreement encoder is allowed to read: the words strictly before the verb."""
    return list(tokens[:verb_index])


def breakdown(examples: Sequence[AgreementExample], correct: Sequence[bool]) -> dict[str, Any]:
    """Accuracy overall, by distance bin and by attractors (with counts)."""
    groups: dict[str, dict[str, list[bool]]] = {"by_distance": {}, "by_attractors": {}}
    for example, hit in zip(examples, correct):
        label = distance_bin(example.distance)
        if label is not None:
            groups["by_distance"].setdefault(label, []).append(hit)
        groups["by_attractors"].setdefault(str(min(example.attractors, 4)), []).append(hit)
    result: dict[str, Any] = {"accuracy": float(np.mean(correct)) if correct else float("nan")}
    for name, by in groups.items():
        result[name] = {k: {"accuracy": float(np.mean(v)), "count": len(v)} for k, v in by.items()}
    long_hits = [h for e, h in zip(examples, correct) if e.distance > LONG_DISTANCE]
    result["long"] = {
        "accuracy": float(np.mean(long_hits)) if long_hits else float("nan"),
        "count": len(long_hits),
    }
    return result


def _aggregate(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"accuracy": stats([r["accuracy"] for r in per_seed])}
    out["long"] = stats([r["long"]["accuracy"] for r in per_seed])
    out["long"]["count"] = per_seed[0]["long"]["count"]
    for name in ("by_distance", "by_attractors"):
        keys = per_seed[0][name]
        out[name] = {
            key: {
                **stats([r[name][key]["accuracy"] for r in per_seed]),
                "count": keys[key]["count"],
            }
            for key in sorted(keys, key=lambda k: int(k.split("-")[0].rstrip("+")))
        }
    return out


def load_data(
    budget: Budget, data_dir: str | os.PathLike[str] | None, cache_dir: str | os.PathLike[str]
) -> tuple[list[AgreementExample], list[AgreementExample], list[AgreementExample], str]:
    """(train, held-out test, Linzen test, description); synthetic when ``data_dir`` is None."""
    if data_dir is None:
        train_set = synthetic_agreement(budget.agreement_examples, seed=1000)
        return train_set, synthetic_agreement(1000, seed=2000), [], "synthetic"
    train_path, linzen_path = cached_agreement_data(data_dir, cache_dir, budget.agreement_corpus_tokens)
    examples = read_examples(train_path)
    order = np.random.default_rng(0).permutation(len(examples))
    held = min(max(len(examples) // 10, 1), 5000)
    test_set = [examples[i] for i in order[:held]]
    train_set = [examples[i] for i in order[held:]][: budget.agreement_examples]
    return train_set, test_set, read_examples(linzen_path), f"{train_path.name} (spaCy-parsed)"


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
        all_train, test_set, linzen, source = load_data(budget, data_dir, Path(cache_dir))
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
        len(r) for r in train_rows + validation_rows + [vocabulary.encode(e.prefix) for e in linzen]
    )
    configs = family_configs(budget, families, len(vocabulary), causal=True, max_length=max_length + 1)
    plural_share = float(np.mean([e.label for e in test_set]))
    results: dict[str, Any] = {
        "majority_baseline": max(plural_share, 1 - plural_share),
        "data": {
            "source": source,
            "train": len(train_set),
            "validation": len(validation),
            "test": len(test_set),
            "linzen": len(linzen),
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
        for name, examples in (("test", test_set), ("linzen", linzen)):
            if examples:
                guesses = predict(model, [vocabulary.encode(e.prefix) for e in examples])
                record[name] = breakdown(examples, [g == e.label for g, e in zip(guesses, examples)])
        return record

    examples = digest([all_train, test_set, linzen])
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
        linzen_runs = [r["linzen"] for r in records[family] if "linzen" in r]
        log(f"agreement {family}: test accuracy {_aggregate(held_runs)['accuracy']['mean']:.3f}")
        results["families"][family] = {
            "test": _aggregate(held_runs),
            "linzen": _aggregate(linzen_runs) if linzen_runs else None,
        }
    return results
