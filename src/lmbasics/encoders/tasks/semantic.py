"""Axis 2, semantic features: WiC (word in context) and SST-2 (sentence sentiment).

WiC (Pilehvar & Camacho-Collados 2019): both sentences are encoded, the vectors u, v at the two
target positions are compared by a linear head on ``[u; v; |u - v|; u * v]``: same sense or
not. SST-2 (Socher et al. 2013): a linear head on the mean of the encoder's vectors. Encoders
are trained from scratch with the task (or start from word2vec vectors); train on the train
split, report accuracy on the test split. :func:`synthetic_semantic` makes small artificial
versions of both for the ``tiny`` budget.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.base import Encoder
from lmbasics.encoders.budgets import Budget
from lmbasics.encoders.data import Vocabulary, pad
from lmbasics.encoders.runs import RunCache, digest
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
from lmbasics.encoders.tuning import RunTask, tune, validation_split

# WiC example: (tokens of sentence 1, tokens of sentence 2, index 1, index 2, label)
WicExample = tuple[list[str], list[str], int, int, int]
SentenceExample = tuple[list[str], int]


class WordInContext(nn.Module):
    """Encoder + linear head on ``[u; v; |u - v|; u * v]`` at the two target positions."""

    def __init__(self, encoder: Encoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(4 * encoder.output_size, 2)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """``ids``, ``mask``: (2B, T), first B rows sentence 1; ``positions``: Long[2B]."""
        hidden = self.encoder(ids, mask)  # (2B, T, C)
        picked = hidden[torch.arange(len(ids)), positions]  # (2B, C)
        u, v = picked.chunk(2)
        return self.head(torch.cat([u, v, (u - v).abs(), u * v], dim=-1))


def read_wic(directory: Path, split: str) -> list[WicExample]:
    data, gold = directory / split / f"{split}.data.txt", directory / split / f"{split}.gold.txt"
    for path in (data, gold):
        if not path.is_file():
            raise LmbasicsError(f"no such WiC file: {path}")
    examples = []
    for line, label in zip(
        data.read_text(encoding="utf-8").splitlines(), gold.read_text(encoding="utf-8").splitlines()
    ):
        _, _, indices, first, second = line.split("\t")
        i, j = (int(k) for k in indices.split("-"))
        examples.append((first.lower().split(), second.lower().split(), i, j, int(label == "T")))
    return examples


def read_sst2(directory: Path, split: str) -> list[SentenceExample]:
    path = directory / f"stsa.binary.{split}"
    if not path.is_file():
        raise LmbasicsError(f"no such SST-2 file: {path}")
    rows = (line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines())
    return [(text.lower().split(), int(label)) for label, text in rows]


def synthetic_semantic(count: int, seed: int) -> tuple[list[WicExample], list[SentenceExample]]:
    """Artificial WiC (a target word's sense is set by the word after it) and sentiment
    (label = more positive than negative words)."""
    rng = np.random.default_rng(seed)
    fillers = [f"w{i}" for i in range(30)]
    wic: list[WicExample] = []
    sentences: list[SentenceExample] = []
    for _ in range(count):
        target = f"t{rng.integers(10)}"
        senses = rng.integers(2, size=2)
        pair = []
        for sense in senses:
            words = [str(w) for w in rng.choice(fillers, size=int(rng.integers(4, 10)))]
            at = int(rng.integers(len(words) - 1))
            words[at : at + 2] = [target, f"{target}c{sense}{rng.integers(3)}"]
            pair.append((words, at))
        wic.append((pair[0][0], pair[1][0], pair[0][1], pair[1][1], int(senses[0] == senses[1])))
        positive, negative = rng.integers(0, 4, size=2)
        if positive == negative:
            positive += 1
        words = [f"p{rng.integers(10)}" for _ in range(positive)]
        words += [f"q{rng.integers(10)}" for _ in range(negative)]
        words += [str(w) for w in rng.choice(fillers, size=int(rng.integers(3, 10)))]
        sentences.append(([words[i] for i in rng.permutation(len(words))], int(positive > negative)))
    return wic, sentences


def load_data(budget: Budget, data_dir: str | os.PathLike[str] | None) -> dict[str, Any]:
    if data_dir is None:
        wic, sst = synthetic_semantic(budget.semantic_examples + 400, seed=3000)
        cut = budget.semantic_examples
        return {
            "wic": (wic[:cut], wic[cut:]),
            "sst2": (sst[:cut], sst[cut:]),
            "source": "synthetic",
        }
    root = Path(data_dir)
    wic_dir, sst_dir = root / "wsd" / "wic", root / "classification" / "sst2"
    return {
        "wic": (read_wic(wic_dir, "train")[: budget.semantic_examples], read_wic(wic_dir, "test")),
        "sst2": (
            read_sst2(sst_dir, "train")[: budget.semantic_examples],
            read_sst2(sst_dir, "test"),
        ),
        "source": "WiC train/test, SST-2 train/test",
    }


def _wic_run(
    configs: dict[str, Any],
    data: tuple[list[WicExample], list[WicExample], list[WicExample]],
    vocabulary: Vocabulary,
    word2vec: str | os.PathLike[str] | None,
) -> RunTask:
    """One WiC run: train on ``data[0]`` to a plateau of accuracy on ``data[1]``, test on ``data[2]``."""
    train_set, validation, test_set = data

    def batch(examples: Sequence[WicExample]) -> tuple[torch.Tensor, ...]:
        rows = [vocabulary.encode(e[0]) for e in examples] + [vocabulary.encode(e[1]) for e in examples]
        ids, mask = pad(rows)
        positions = torch.tensor([e[2] for e in examples] + [e[3] for e in examples])
        return ids, mask, positions, torch.tensor([e[4] for e in examples])

    def batch_loss(module: nn.Module, index: np.ndarray) -> torch.Tensor:
        ids, mask, positions, labels = on_device(module, *batch([train_set[i] for i in index]))
        return F.cross_entropy(module(ids, mask, positions), labels)

    def accuracy(model: nn.Module, examples: list[WicExample]) -> float:
        hits = 0
        with torch.no_grad():
            for start in range(0, len(examples), 256):
                ids, mask, positions, labels = on_device(model, *batch(examples[start : start + 256]))
                hits += int((model(ids, mask, positions).argmax(-1) == labels).sum())
        return hits / len(examples)

    lengths = np.array([len(e[0]) + len(e[1]) for e in train_set])

    def run(family: str, seed: int, config: TrainConfig) -> dict[str, Any]:
        rng = seed_everything(seed)
        model = WordInContext(build(configs[family], vocabulary.words, word2vec))
        validate = partial(accuracy, examples=validation)
        record = fit(model, batch_loss, len(train_set), config, rng, validate, lengths).summary()
        return {**record, "test": accuracy(model, test_set)}

    return run


def _sst2_run(
    configs: dict[str, Any],
    data: tuple[list[SentenceExample], list[SentenceExample], list[SentenceExample]],
    vocabulary: Vocabulary,
    word2vec: str | os.PathLike[str] | None,
) -> RunTask:
    """One SST-2 run: train on ``data[0]`` to a plateau of accuracy on ``data[1]``, test on ``data[2]``."""
    train_set, validation, test_set = data
    rows = [vocabulary.encode(words) for words, _ in train_set]
    labels = torch.tensor([label for _, label in train_set])

    def batch_loss(module: nn.Module, index: np.ndarray) -> torch.Tensor:
        ids, mask, target = on_device(module, *pad([rows[i] for i in index]), labels[index])
        return F.cross_entropy(module(ids, mask), target)

    def accuracy(model: nn.Module, examples: list[SentenceExample]) -> float:
        guesses = predict(model, [vocabulary.encode(words) for words, _ in examples])
        return float(np.mean([g == label for g, (_, label) in zip(guesses, examples)]))

    lengths = np.array([len(r) for r in rows])

    def run(family: str, seed: int, config: TrainConfig) -> dict[str, Any]:
        rng = seed_everything(seed)
        model = SequenceClassifier(build(configs[family], vocabulary.words, word2vec), 2)
        validate = partial(accuracy, examples=validation)
        record = fit(model, batch_loss, len(rows), config, rng, validate, lengths).summary()
        return {**record, "test": accuracy(model, test_set)}

    return run


def run_semantic(
    budget: Budget,
    families: Sequence[str],
    data_dir: str | os.PathLike[str] | None = None,
    word2vec: str | os.PathLike[str] | None = None,
    log: Callable[[str], None] = print,
    runs: RunCache | None = None,
) -> dict[str, Any]:
    """WiC and SST-2 accuracy of every family, tuned on validation data (separately for each
    task), over ``budget.seeds`` seeds (``runs``: where finished runs are kept)."""
    data = load_data(budget, data_dir)
    for task in ("wic", "sst2"):  # (train, test) -> (train, validation, test)
        train_set, test_set = data[task]
        fit_index, held_index = validation_split(
            len(train_set), budget.validation_fraction, budget.validation_max
        )
        data[task] = ([train_set[i] for i in fit_index], [train_set[i] for i in held_index], test_set)
    sentences = [e[0] for e in data["wic"][0]] + [e[1] for e in data["wic"][0]]
    sentences += [words for words, _ in data["sst2"][0]]
    vocabulary = Vocabulary.build(sentences, max_size=20_000)
    held_out = [e[0] for t in (1, 2) for e in data["wic"][t]] + [e[1] for t in (1, 2) for e in data["wic"][t]]
    held_out += [w for t in (1, 2) for w, _ in data["sst2"][t]]
    longest = max(len(s) for s in sentences + held_out)
    configs = family_configs(budget, families, len(vocabulary), max_length=longest + 1)
    majority = {
        task: max(np.mean([e[-1] for e in data[task][2]]), 1 - np.mean([e[-1] for e in data[task][2]]))
        for task in ("wic", "sst2")
    }
    splits = ("train", "validation", "test")
    results: dict[str, Any] = {
        "data": {
            "source": data["source"],
            "vocabulary": len(vocabulary),
            **{f"{t}_{s}": len(data[t][i]) for t in ("wic", "sst2") for i, s in enumerate(splits)},
        },
        "majority_baseline": {k: float(v) for k, v in majority.items()},
        "encoders": describe(configs, families),
        "train": budget.semantic_train.to_dict(),
        "families": {},
        "tuning": {},
    }
    cache = (runs or RunCache(None, {})).scoped(
        data=results["data"], examples=digest([data["wic"], data["sst2"]]), word2vec=str(word2vec)
    )
    encoders = {family: configs[family].to_dict() for family in families}
    scores: dict[str, dict[str, list[float]]] = {}
    for task, make in (("wic", _wic_run), ("sst2", _sst2_run)):
        run = make(configs, data[task], vocabulary, word2vec)
        tuning, records = tune(
            task, families, budget.seeds, budget.grid, budget.semantic_train, encoders, run, cache, log
        )
        results["tuning"][task] = {"metric": "validation accuracy", **tuning}
        scores[task] = {family: [r["test"] for r in records[family]] for family in families}
    for family in families:
        wic, sst = scores["wic"][family], scores["sst2"][family]
        log(f"semantic {family}: WiC {np.mean(wic):.3f} SST-2 {np.mean(sst):.3f}")
        results["families"][family] = {
            "wic": stats(wic),
            "sst2": stats(sst),
            "mean": stats([(a + b) / 2 for a, b in zip(wic, sst)]),
        }
    return results
