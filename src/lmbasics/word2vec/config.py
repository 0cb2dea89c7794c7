"""Word2VecConfig: every training setting, with gensim's names and word2vec.c's defaults."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from lmbasics._util.errors import LmbasicsError

_FLAGS = ("sg", "hs", "softmax", "cbow_mean")  # 0/1 ints, as gensim takes them; True/False do too
SOFTMAX_MAX_VOCAB = 100_000  # full softmax is O(V·N) per prediction: beyond this, use hs or ns


@dataclass
class Word2VecConfig:
    vector_size: int = 100  # N, the dimension of the word vectors (hidden layer)
    window: int = 5  # maximum distance between target and context; the reduced window is random
    min_count: int = 5  # words rarer than this are dropped before training
    max_final_vocab: int | None = None  # raise min_count until at most this many words remain
    sample: float = 1e-3  # subsampling threshold s (0 = off); >= 1 means an absolute count
    sg: int = 0  # 1 = Skip-gram, 0 = CBOW
    hs: int = 0  # 1 = hierarchical softmax output layer
    negative: int = 5  # noise words per prediction for negative sampling (0 = off)
    softmax: int = 0  # 1 = full softmax output layer (the exact textbook model, O(V) per step)
    # Skip-gram + negative sampling: draw one noise set per centre word and share it across the
    # window (Ji et al. 2016); ~1.2-1.8x faster, same quality (docs/benchmarks.md). False gives
    # word2vec.c's fresh draw per (centre, context) pair. CBOW draws once per centre anyway.
    shared_negatives: bool = True
    ns_exponent: float = 0.75  # noise distribution unigram^ns_exponent (Mikolov et al. 2013b)
    cbow_mean: int = 1  # CBOW hidden layer: 1 = mean of context vectors, 0 = sum
    alpha: float | None = None  # initial learning rate; None: 0.025 Skip-gram, 0.05 CBOW (word2vec.c)
    min_alpha: float = 1e-4  # learning rate reached at the end of the last epoch (linear decay)
    epochs: int = 5  # passes over the corpus
    workers: int = 3  # training threads (Hogwild: lock-free; 1 worker + seed = reproducible)
    seed: int = 1  # seeds initial vectors and every random draw
    batch_words: int = 10_000  # tokens per job handed to a thread
    # The training loss per epoch (loss_history): gensim's flag computes it on every prediction
    # (exact; 20-30% slower on Skip-gram); without it, on a fixed pseudo-random sample of this
    # fraction of the predictions (more in a corpus under a million words, all under 10,000),
    # reported with its standard error (no measurable cost: docs/benchmarks.md). 0 with
    # compute_loss off: no loss.
    compute_loss: bool = False
    loss_sample: float = 0.01
    comment: str | None = None  # free text kept with the model (gensim's name)

    @property
    def resolved_alpha(self) -> float:
        if self.alpha is not None:
            return float(self.alpha)
        return 0.025 if self.sg else 0.05

    def validate(self) -> Word2VecConfig:
        """Raise :class:`LmbasicsError` naming the first invalid setting."""
        self._check_types()
        checks = [
            (self.vector_size >= 1, f"vector_size must be >= 1, got {self.vector_size}"),
            (self.window >= 1, f"window must be >= 1, got {self.window}"),
            (self.min_count >= 1, f"min_count must be >= 1, got {self.min_count}"),
            (
                self.max_final_vocab is None or self.max_final_vocab >= 1,
                f"max_final_vocab must be >= 1, got {self.max_final_vocab}",
            ),
            (self.sample >= 0 and math.isfinite(self.sample), f"sample must be >= 0, got {self.sample}"),
            (self.sg in (0, 1), f"sg must be 0 or 1, got {self.sg}"),
            (self.hs in (0, 1), f"hs must be 0 or 1, got {self.hs}"),
            (self.softmax in (0, 1), f"softmax must be 0 or 1, got {self.softmax}"),
            (self.negative >= 0, f"negative must be >= 0, got {self.negative}"),
            (
                self.hs or self.negative > 0 or self.softmax,
                "no output layer selected: set hs=1, negative>0 or softmax=1",
            ),
            (
                not (self.softmax and (self.hs or self.negative > 0)),
                "softmax=1 is the exact output layer: use it with hs=0 and negative=0",
            ),
            (math.isfinite(self.ns_exponent), f"ns_exponent must be finite, got {self.ns_exponent}"),
            (self.cbow_mean in (0, 1), f"cbow_mean must be 0 or 1, got {self.cbow_mean}"),
            (
                self.alpha is None or (self.alpha > 0 and math.isfinite(self.alpha)),
                f"alpha must be > 0, got {self.alpha}",
            ),
            (self.min_alpha >= 0, f"min_alpha must be >= 0, got {self.min_alpha}"),
            (self.epochs >= 1, f"epochs must be >= 1, got {self.epochs}"),
            (self.workers >= 1, f"workers must be >= 1, got {self.workers}"),
            (self.batch_words >= 1, f"batch_words must be >= 1, got {self.batch_words}"),
            (0 <= self.loss_sample <= 1, f"loss_sample must be in [0, 1], got {self.loss_sample}"),
            (0 <= self.seed < 2**63, f"seed must be in [0, 2**63), got {self.seed}"),
        ]
        for ok, message in checks:
            if not ok:
                raise LmbasicsError(message)
        return self

    def _check_types(self) -> None:
        for setting in fields(self):
            value, kinds = getattr(self, setting.name), str(setting.type).split(" | ")
            if value is None and "None" in kinds:
                continue
            if isinstance(value, bool) and "bool" not in kinds and setting.name not in _FLAGS:
                ok = False  # True is an int to Python, never a vector size or a count
            elif "bool" in kinds or "int" in kinds:
                ok = isinstance(value, (numbers.Integral, np.bool_))
            elif "float" in kinds:
                ok = isinstance(value, numbers.Real)
            else:
                ok = isinstance(value, str)
            if not ok:
                raise LmbasicsError(
                    f"{setting.name} must be {' or '.join(kinds)}, got {type(value).__name__} {value!r}"
                )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Word2VecConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise LmbasicsError(f"unknown Word2Vec setting(s): {', '.join(unknown)}")
        return cls(**values)


# How a model shows its settings as attributes (gensim's ``model.window``, ``model.alpha``): every
# assignment either takes effect, validated, or raises; none is stored and silently ignored.
class Setting:
    """A training setting: read from ``model.config``; assigning it writes through to the
    configuration, validated (``model._set_setting``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, model: Any, owner: type | None = None) -> Any:
        return self if model is None else getattr(model.config, self.name)

    def __set__(self, model: Any, value: Any) -> None:
        model._set_setting(self.name, value)


class ReadOnly:
    """A value the model computes (stored as ``_<name>``); assigning it raises, saying why."""

    def __init__(self, why: str) -> None:
        self.why = why

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, model: Any, owner: type | None = None) -> Any:
        return self if model is None else getattr(model, "_" + self.name)

    def __set__(self, model: Any, value: Any) -> None:
        raise AttributeError(f"{self.name} is read-only: {self.why}")


class Fixed:
    """A gensim setting with the one value lmbasics implements: reading gives it, assigning that
    value is accepted, any other value raises with the reason."""

    def __init__(self, value: Any, why: str) -> None:
        self.value, self.why = value, why

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, model: Any, owner: type | None = None) -> Any:
        return self if model is None else self.value

    def __set__(self, model: Any, value: Any) -> None:
        self.check(value)

    def check(self, value: Any) -> None:
        if value is not self.value and value != self.value:
            raise LmbasicsError(f"{self.name}={value!r} is not supported: {self.why}")
