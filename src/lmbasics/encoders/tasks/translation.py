"""Axis 3, a whole task: Multi30k English -> German translation, BLEU on test_2016_flickr.

One encoder-decoder per family (:mod:`lmbasics.encoders.seq2seq`), its output bias started at
the log frequencies of the target words (every family), trained with teacher forcing and the
shared schedule, decoded greedily. Text is lowercased and split into words and
punctuation on both sides (references too); BLEU is sacrebleu's corpus BLEU on those strings,
so it is *tokenised, lowercased* BLEU, comparable between our families, not to published
detokenised scores. :func:`synthetic_translation` (a word-for-word cipher that swaps adjacent
words) stands in for the ``tiny`` budget.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.budgets import Budget
from lmbasics.encoders.config import EncoderConfig
from lmbasics.encoders.data import BOS, EOS, PAD, Vocabulary, pad, tokenize
from lmbasics.encoders.matching import body_parameters, match_width
from lmbasics.encoders.runs import RunCache, digest
from lmbasics.encoders.seq2seq import Seq2Seq
from lmbasics.encoders.tasks.common import family_configs, on_device, stats
from lmbasics.encoders.training import TrainConfig, fit, seed_everything
from lmbasics.encoders.tuning import tune, validation_split

Pair = tuple[list[str], list[str]]


def bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """sacrebleu corpus BLEU (0-100) on already tokenised text (``force``: no warning that it
    looks tokenised; it is, on purpose, see the module docstring)."""
    try:
        import sacrebleu
    except ImportError as error:
        raise LmbasicsError("BLEU needs sacrebleu: pip install 'lmbasics[translation]'") from error
    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)], force=True).score)


def read_multi30k(directory: Path, split: str) -> list[Pair]:
    paths = [directory / f"{split}.{side}.gz" for side in ("en", "de")]
    for path in paths:
        if not path.is_file():
            raise LmbasicsError(f"no such Multi30k file: {path}")
    sides = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            sides.append([tokenize(line) for line in handle])
    if len(sides[0]) != len(sides[1]):
        raise LmbasicsError(f"{paths[0]} and {paths[1]} are not line-aligned")
    return list(zip(*sides))


def synthetic_translation(count: int, seed: int) -> list[Pair]:
    """Source ``s0..s39``; target: word k -> ``t{7k mod 40}``, each adjacent pair swapped."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(count):
        source = [int(k) for k in rng.integers(40, size=int(rng.integers(3, 11)))]
        target = [f"t{(7 * k) % 40}" for k in source]
        for i in range(0, len(target) - 1, 2):
            target[i], target[i + 1] = target[i + 1], target[i]
        pairs.append(([f"s{k}" for k in source], target))
    return pairs


def seq2seq_parameters(encoder: EncoderConfig, decoder: EncoderConfig) -> int:
    """Parameters of the encoder-decoder without its embedding tables and output layer."""
    with torch.device("meta"):
        return Seq2Seq(encoder, decoder).num_parameters(include_embeddings=False)


def match_decoders(
    encoders: dict[str, EncoderConfig], decoders: dict[str, EncoderConfig]
) -> dict[str, EncoderConfig]:
    """Decoder widths that bring each whole model (embeddings and output layer aside) within
    10 % of the Transformer's: encoders are matched already, the decoders' extra attention
    layers differ by family. The Transformer must be among them, run or not (the reference)."""
    if "transformer" not in decoders:
        raise ValueError("match_decoders needs the Transformer's configs: it is the reference")
    reference = "transformer"
    target = seq2seq_parameters(encoders[reference], decoders[reference])
    matched = {}
    for family, decoder in decoders.items():
        if family == reference:
            matched[family] = decoder
            continue

        def count(config: EncoderConfig, family: str = family) -> int:
            return seq2seq_parameters(encoders[family], config)

        matched[family] = match_width(decoder, target, count=count)
        if abs(count(matched[family]) - target) > 0.10 * target:
            raise LmbasicsError(f"cannot match the {family} encoder-decoder within 10 %")
    return matched


def seq2seq_configs(
    budget: Budget, families: Sequence[str], source_vocab: int, target_vocab: int, longest: int
) -> tuple[dict[str, EncoderConfig], dict[str, EncoderConfig]]:
    """Each family's encoder and decoder configs, the whole model matched to the Transformer's
    whether or not the Transformer is among ``families`` (so any subset gets the sizes of the
    full comparison)."""
    matching = list(dict.fromkeys([*families, "transformer"]))
    encoders = family_configs(budget, matching, source_vocab, max_length=longest)
    decoders = match_decoders(
        encoders, family_configs(budget, matching, target_vocab, causal=True, max_length=longest)
    )
    return {f: encoders[f] for f in families}, {f: decoders[f] for f in families}


def load_data(budget: Budget, data_dir: str | os.PathLike[str] | None) -> tuple[list[Pair], list[Pair], str]:
    if data_dir is None:
        pairs = synthetic_translation(budget.translation_examples + budget.translation_test, 4000)
        return (
            pairs[: budget.translation_examples],
            pairs[budget.translation_examples :],
            "synthetic",
        )
    directory = Path(data_dir) / "translation" / "multi30k"
    train_set = read_multi30k(directory, "train")[: budget.translation_examples]
    test_set = read_multi30k(directory, "test_2016_flickr")[: budget.translation_test]
    return train_set, test_set, "Multi30k train / test_2016_flickr"


def _pair_tensors(sources: Sequence[list[int]], targets: Sequence[list[int]]) -> tuple[torch.Tensor, ...]:
    """(source ids, source mask, target input ids, target mask, target output ids): teacher
    forcing's input starts with ``<bos>``, its output ends with ``<eos>``."""
    src, src_mask = pad(sources)
    tgt_in, tgt_mask = pad([[BOS, *t] for t in targets])
    tgt_out, _ = pad([[*t, EOS] for t in targets])
    return src, src_mask, tgt_in, tgt_mask, tgt_out


def _selected_loss(model: torch.nn.Module, batch: tuple[torch.Tensor, ...], reduction: str) -> torch.Tensor:
    """Cross-entropy of a ``_pair_tensors`` batch, with logits computed at its real (not padding)
    target positions only."""
    real = batch[4] != PAD
    return F.cross_entropy(model(*batch[:4], real), batch[4][real], reduction=reduction)


def run_translation(
    budget: Budget,
    families: Sequence[str],
    data_dir: str | os.PathLike[str] | None = None,
    word2vec: str | os.PathLike[str] | None = None,
    log: Callable[[str], None] = print,
    runs: RunCache | None = None,
) -> dict[str, Any]:
    """BLEU of every family's encoder-decoder, tuned on validation loss, over ``budget.seeds``
    seeds (``word2vec``: start the source embeddings from those vectors; ``runs``: where
    finished runs are kept)."""
    all_train, test_set, source = load_data(budget, data_dir)
    fit_index, held_index = validation_split(
        len(all_train), budget.validation_fraction, budget.validation_max
    )
    train_set = [all_train[i] for i in fit_index]
    validation = [all_train[i] for i in held_index]
    min_count = 1 if data_dir is None else 2
    source_vocabulary = Vocabulary.build((s for s, _ in train_set), 10_000, min_count)
    target_vocabulary = Vocabulary.build((t for _, t in train_set), 10_000, min_count)
    # room for the longest pair and for greedy decoding's 1.5 x source + 5 words
    longest = max(max(len(s) + len(t), 2 * len(s) + 10) for s, t in all_train + test_set) + 2
    encoders, decoders = seq2seq_configs(
        budget, families, len(source_vocabulary), len(target_vocabulary), longest
    )
    source_rows = [source_vocabulary.encode(s) for s, _ in train_set]
    target_rows = [target_vocabulary.encode(t) for _, t in train_set]
    held_sources = [source_vocabulary.encode(s) for s, _ in validation]
    held_targets = [target_vocabulary.encode(t) for _, t in validation]
    target_counts = torch.bincount(
        torch.tensor([word for row in target_rows for word in (*row, EOS)]), minlength=len(target_vocabulary)
    )
    references = [" ".join(t) for _, t in test_set]
    results: dict[str, Any] = {
        "data": {
            "source": source,
            "train": len(train_set),
            "validation": len(validation),
            "test": len(test_set),
            "source_vocabulary": len(source_vocabulary),
            "target_vocabulary": len(target_vocabulary),
        },
        "encoders": {},
        "train": budget.translation_train.to_dict(),
        "families": {},
    }

    def batch_loss(module: torch.nn.Module, index: np.ndarray) -> torch.Tensor:
        batch = _pair_tensors([source_rows[i] for i in index], [target_rows[i] for i in index])
        return _selected_loss(module, on_device(module, *batch), "mean")

    def target_tokens(index: np.ndarray) -> int:
        """The loss averages over target words and the end mark, padding ignored."""
        return sum(len(target_rows[i]) + 1 for i in index)

    def validate(model: torch.nn.Module) -> float:
        """Minus the cross-entropy per target token (teacher forcing) on the validation pairs."""
        total, count = 0.0, 0
        for start in range(0, len(validation), 100):
            batch = _pair_tensors(held_sources[start : start + 100], held_targets[start : start + 100])
            total += float(_selected_loss(model, on_device(model, *batch), "sum"))
            count += int((batch[4] != PAD).sum())
        return -total / count

    lengths = np.array([len(s) + len(t) for s, t in zip(source_rows, target_rows)])

    def run(family: str, seed: int, config: TrainConfig) -> dict[str, Any]:
        rng = seed_everything(seed)
        model = Seq2Seq(encoders[family], decoders[family])
        model.start_output_from_counts(target_counts)
        if word2vec is not None:
            model.encoder.load_word_vectors(source_vocabulary.words, word2vec)
        record = fit(
            model, batch_loss, len(train_set), config, rng, validate, lengths, target_tokens
        ).summary()
        hypotheses = []
        for start in range(0, len(test_set), 100):
            chunk = test_set[start : start + 100]
            src, src_mask = on_device(model, *pad([source_vocabulary.encode(s) for s, _ in chunk]))
            limit = int(src.shape[1] * 1.5) + 5
            for row in model.greedy(src, src_mask, limit):
                hypotheses.append(" ".join(target_vocabulary.decode(row)))
        return {**record, "test": bleu(hypotheses, references), "examples": hypotheses[:3]}

    cache = (runs or RunCache(None, {})).scoped(
        data=results["data"], examples=digest([all_train, test_set]), word2vec=str(word2vec)
    )
    configs = {f: {"encoder": encoders[f].to_dict(), "decoder": decoders[f].to_dict()} for f in families}
    tuning, records = tune(
        "translation", families, budget.seeds, budget.grid, budget.translation_train, configs, run, cache, log
    )
    results["tuning"] = {"translation": {"metric": "minus validation cross-entropy per token", **tuning}}
    for family in families:
        scores = [r["test"] for r in records[family]]
        log(f"translation {family}: BLEU {np.mean(scores):.2f}")
        results["encoders"][family] = {
            "encoder": encoders[family].to_dict(),
            "decoder": decoders[family].to_dict(),
            "encoder_body_parameters": body_parameters(encoders[family]),
            "seq2seq_parameters_without_embeddings_and_output": seq2seq_parameters(
                encoders[family], decoders[family]
            ),
        }
        results["families"][family] = {"bleu": stats(scores), "examples": records[family][-1]["examples"]}
    return results
