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
from lmbasics.encoders.tasks.common import (
    SequenceClassifier,
    build,
    describe,
    family_configs,
    on_device,
    predict,
    stats,
)
from lmbasics.encoders.training import seed_everything, train

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


def _run_wic(
    model: WordInContext,
    data: tuple[list[WicExample], list[WicExample]],
    vocabulary: Vocabulary,
    budget: Budget,
    rng: np.random.Generator,
) -> float:
    train_set, test_set = data

    def batch(examples: Sequence[WicExample]) -> tuple[torch.Tensor, ...]:
        rows = [vocabulary.encode(e[0]) for e in examples] + [vocabulary.encode(e[1]) for e in examples]
        ids, mask = pad(rows)
        positions = torch.tensor([e[2] for e in examples] + [e[3] for e in examples])
        return ids, mask, positions, torch.tensor([e[4] for e in examples])

    def batch_loss(module: nn.Module, index: np.ndarray) -> torch.Tensor:
        ids, mask, positions, labels = on_device(module, *batch([train_set[i] for i in index]))
        return F.cross_entropy(module(ids, mask, positions), labels)

    train(model, batch_loss, len(train_set), budget.semantic_train, rng)
    hits = 0
    with torch.no_grad():
        for start in range(0, len(test_set), 256):
            ids, mask, positions, labels = on_device(model, *batch(test_set[start : start + 256]))
            hits += int((model(ids, mask, positions).argmax(-1) == labels).sum())
    return hits / len(test_set)


def _run_sst2(
    model: SequenceClassifier,
    data: tuple[list[SentenceExample], list[SentenceExample]],
    vocabulary: Vocabulary,
    budget: Budget,
    rng: np.random.Generator,
) -> float:
    train_set, test_set = data
    rows = [vocabulary.encode(words) for words, _ in train_set]
    labels = torch.tensor([label for _, label in train_set])

    def batch_loss(module: nn.Module, index: np.ndarray) -> torch.Tensor:
        ids, mask, target = on_device(module, *pad([rows[i] for i in index]), labels[index])
        return F.cross_entropy(module(ids, mask), target)

    train(model, batch_loss, len(rows), budget.semantic_train, rng)
    guesses = predict(model, [vocabulary.encode(words) for words, _ in test_set])
    return float(np.mean([g == label for g, (_, label) in zip(guesses, test_set)]))


def run_semantic(
    budget: Budget,
    families: Sequence[str],
    data_dir: str | os.PathLike[str] | None = None,
    word2vec: str | os.PathLike[str] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """WiC and SST-2 accuracy of every family over ``budget.seeds`` seeds."""
    data = load_data(budget, data_dir)
    sentences = [e[0] for e in data["wic"][0]] + [e[1] for e in data["wic"][0]]
    sentences += [words for words, _ in data["sst2"][0]]
    vocabulary = Vocabulary.build(sentences, max_size=20_000)
    longest = max(
        len(s)
        for s in sentences
        + [e[0] for e in data["wic"][1]]
        + [e[1] for e in data["wic"][1]]
        + [w for w, _ in data["sst2"][1]]
    )
    configs = family_configs(budget, families, len(vocabulary), max_length=longest + 1)
    majority = {
        task: max(np.mean([e[-1] for e in data[task][1]]), 1 - np.mean([e[-1] for e in data[task][1]]))
        for task in ("wic", "sst2")
    }
    results: dict[str, Any] = {
        "data": {
            "source": data["source"],
            "vocabulary": len(vocabulary),
            **{f"{t}_{s}": len(data[t][i]) for t in ("wic", "sst2") for i, s in enumerate(("train", "test"))},
        },
        "majority_baseline": {k: float(v) for k, v in majority.items()},
        "encoders": describe(configs, families),
        "train": budget.semantic_train.to_dict(),
        "families": {},
    }
    for family in families:
        scores: dict[str, list[float]] = {"wic": [], "sst2": [], "mean": []}
        for seed in range(budget.seeds):
            rng = seed_everything(seed)
            wic = _run_wic(
                WordInContext(build(configs[family], vocabulary.words, word2vec)),
                data["wic"],
                vocabulary,
                budget,
                rng,
            )
            rng = seed_everything(seed)
            sst = _run_sst2(
                SequenceClassifier(build(configs[family], vocabulary.words, word2vec), 2),
                data["sst2"],
                vocabulary,
                budget,
                rng,
            )
            scores["wic"].append(wic)
            scores["sst2"].append(sst)
            scores["mean"].append((wic + sst) / 2)
            log(f"semantic {family} seed {seed}: WiC {wic:.3f} SST-2 {sst:.3f}")
        results["families"][family] = {task: stats(v) for task, v in scores.items()}
    return results
