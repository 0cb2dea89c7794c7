"""Slow, obviously-correct NumPy twins of the kernels: the test oracle for :mod:`.kernels`.

Written for reading, not speed: plain Python loops over sentences and positions, NumPy for the
vector algebra, Python integers for the random generator. It replays the kernels' random draws
in the same order (see :mod:`.kernels`), so on float64 matrices the two must agree to rounding.
Also here: the loss of one prediction as a function of the vectors, for finite-difference checks
of the gradient the kernels apply.
"""

from __future__ import annotations

import numpy as np

_MASK64 = (1 << 64) - 1
_MULTIPLIER = 0x2545F4914F6CDD1D


class ReferenceRandom:
    """xorshift64* in Python integers, matching :func:`.kernels.rng_next`."""

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK64

    def bits(self) -> int:
        x = self.state
        x ^= x >> 12
        x ^= (x << 25) & _MASK64
        x ^= x >> 27
        self.state = x
        return (x * _MULTIPLIER) & _MASK64

    def uniform(self) -> float:
        return (self.bits() >> 11) / 2.0**53

    def below(self, n: int) -> int:
        return ((self.bits() >> 32) * n) >> 32

    def alias(self, probability: np.ndarray, alias: np.ndarray) -> int:
        bits = self.bits()
        bucket = ((bits >> 32) * len(probability)) >> 32
        coin = (bits & 0xFFFFFFFF) / 2.0**32
        return bucket if coin < probability[bucket] else int(alias[bucket])


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))


def logistic_step(h, out, label, alpha, grad) -> float:
    """Binary logistic regression step on one output row (updated in place); returns the loss."""
    f = float(h @ out)
    g = (label - sigmoid(f)) * alpha
    grad += g * out
    out += g * h
    return float(np.logaddexp(0.0, -f) if label == 1.0 else np.logaddexp(0.0, f))


def softmax_step(h, output, target, alpha, grad) -> float:
    scores = output @ h
    log_p = scores - np.logaddexp.reduce(scores)
    error = -np.exp(log_p)
    error[target] += 1.0  # (one-hot - p): the negative gradient of -log p w.r.t. the scores
    grad += alpha * (error @ output)
    output += alpha * np.outer(error, h)
    return float(-log_p[target])


def predict(h, word, model, alpha, grad, rng) -> float:
    """Every output-layer update for "h predicts word"; ``model`` is a dict of arrays/flags."""
    loss = 0.0
    if model["hs"]:
        for d in range(model["code_lengths"][word]):
            node = model["points"][word, d]
            loss += logistic_step(h, model["syn1"][node], 1.0 - model["codes"][word, d], alpha, grad)
    if model["negative"]:
        loss += logistic_step(h, model["output"][word], 1.0, alpha, grad)
        for _ in range(model["negative"]):
            noise = rng.alias(model["alias_probability"], model["alias_index"])
            if noise != word:
                loss += logistic_step(h, model["output"][noise], 0.0, alpha, grad)
    if model["softmax"]:
        loss += softmax_step(h, model["output"], word, alpha, grad)
    return loss


def train_chunk(model: dict, tokens, sentence_ends, sg: bool, window: int, alpha_start: float,
                alpha_end: float, seed: int, cbow_mean: bool = True) -> tuple[float, int, int]:
    """Train ``model`` (arrays updated in place) on one chunk; return (loss, predictions, kept)."""
    rng = ReferenceRandom(seed)
    syn0 = model["syn0"]
    loss_sum, predictions, kept_words, start = 0.0, 0, 0, 0
    for end in sentence_ends:
        alpha = alpha_start + (alpha_end - alpha_start) * (start / max(len(tokens), 1))
        kept = []
        for word in tokens[start:end]:
            if word < 0:
                continue
            keep = model["keep_probability"][word]
            if keep < 1.0 and rng.uniform() >= keep:
                continue
            kept.append(int(word))
        kept_words += len(kept)
        for i, word in enumerate(kept):
            reach = window - rng.below(window)
            context = [j for j in range(max(0, i - reach), min(len(kept), i + reach + 1)) if j != i]
            if sg:
                for j in context:
                    grad = np.zeros(syn0.shape[1])
                    loss_sum += predict(syn0[kept[j]].copy(), word, model, alpha, grad, rng)
                    syn0[kept[j]] += grad
                    predictions += 1
            elif context:
                h = syn0[[kept[j] for j in context]].sum(axis=0)
                if cbow_mean:
                    h /= len(context)
                grad = np.zeros(syn0.shape[1])
                loss_sum += predict(h, word, model, alpha, grad, rng)
                if not cbow_mean:
                    grad /= len(context)
                for j in context:
                    syn0[kept[j]] += grad
                predictions += 1
        start = end
    return loss_sum, predictions, kept_words


def prediction_loss(h, word, model, noise_words=()) -> float:
    """The loss of "h predicts word" for fixed noise words, as a function of the vectors."""
    loss = 0.0
    if model["hs"]:
        for d in range(model["code_lengths"][word]):
            f = h @ model["syn1"][model["points"][word, d]]
            sign = 1.0 - 2.0 * model["codes"][word, d]  # label 1 -> +f, label 0 -> -f
            loss += np.logaddexp(0.0, -sign * f)
    if model["negative"]:
        loss += np.logaddexp(0.0, -(h @ model["output"][word]))
        for noise in noise_words:
            loss += np.logaddexp(0.0, h @ model["output"][noise])
    if model["softmax"]:
        scores = model["output"] @ h
        loss += np.logaddexp.reduce(scores) - scores[word]
    return float(loss)
