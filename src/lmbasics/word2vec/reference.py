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


def measured(seed: int, prediction: int, exact: bool, threshold: int) -> bool:
    """Whether the loss of a chunk's ``prediction``-th prediction is computed, as
    :func:`.kernels._measured` decides (splitmix64's finaliser of ``(seed, prediction)``)."""
    if exact:
        return True
    x = (seed + (prediction + 1) * 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return (x ^ (x >> 31)) < threshold


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


def draw_noise(word, model, rng) -> list[int]:
    """``negative`` draws from the noise table, dropping those equal to ``word``."""
    draws = [rng.alias(model["alias_probability"], model["alias_index"])
             for _ in range(model["negative"])]
    return [d for d in draws if d != word]


def predict(h, word, model, alpha, grad, noise) -> float:
    """Every output-layer update for "h predicts word"; ``model`` is a dict of arrays/flags."""
    loss = 0.0
    if model["hs"]:
        for d in range(model["code_lengths"][word]):
            node = model["points"][word, d]
            loss += logistic_step(h, model["syn1"][node], 1.0 - model["codes"][word, d], alpha, grad)
    if model["negative"]:
        loss += logistic_step(h, model["output"][word], 1.0, alpha, grad)
        for negative in noise:
            loss += logistic_step(h, model["output"][negative], 0.0, alpha, grad)
    if model["softmax"]:
        loss += softmax_step(h, model["output"], word, alpha, grad)
    return loss


def train_chunk(model: dict, tokens, sentence_ends, sg: bool, window: int, alpha_start: float,
                alpha_end: float, seed: int, cbow_mean: bool = True,
                shared_negatives: bool = False,
                loss_threshold: int | None = None) -> tuple[float, float, int, int, int]:
    """Train ``model`` (arrays updated in place) on one chunk; return the kernels' ``stats``:
    ``(loss sum, sum of squared losses, measured predictions, predictions, kept words)``, the
    loss over every prediction, or with ``loss_threshold`` over those :func:`measured` picks."""
    rng = ReferenceRandom(seed)
    syn0 = model["syn0"]
    losses: list[float] = []  # of every prediction, in order
    kept_words, start = 0, 0
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
            shared = model["negative"] and shared_negatives and sg
            noise = draw_noise(word, model, rng) if shared else []
            if sg:
                for j in context:
                    if model["negative"] and not shared:
                        noise = draw_noise(word, model, rng)
                    grad = np.zeros(syn0.shape[1])
                    losses.append(predict(syn0[kept[j]].copy(), word, model, alpha, grad, noise))
                    syn0[kept[j]] += grad
            elif context:
                noise = draw_noise(word, model, rng) if model["negative"] else []
                h = syn0[[kept[j] for j in context]].sum(axis=0)
                if cbow_mean:
                    h /= len(context)
                grad = np.zeros(syn0.shape[1])
                losses.append(predict(h, word, model, alpha, grad, noise))
                if not cbow_mean:
                    grad /= len(context)
                for j in context:
                    syn0[kept[j]] += grad
        start = end
    chosen = [loss for p, loss in enumerate(losses)
              if measured(seed, p, loss_threshold is None, loss_threshold or 0)]
    return (float(sum(chosen)), float(sum(x * x for x in chosen)), len(chosen), len(losses),
            kept_words)


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


def check_kernels(seed: int = 0) -> float:
    """Run every kernel mode on a small random chunk against this reference (float64).

    Returns the largest absolute difference found in any matrix; benchmarks call it before
    timing anything (a fast wrong kernel is not a result).
    """
    import copy

    from lmbasics.word2vec import training
    from lmbasics.word2vec.config import Word2VecConfig
    from lmbasics.word2vec.huffman import build_huffman_tree
    from lmbasics.word2vec.sampling import build_alias_table, noise_distribution
    from lmbasics.word2vec.vocab import keep_probabilities

    rng = np.random.default_rng(seed)
    vocab_size, size = 15, 8
    counts = np.sort(rng.integers(5, 300, vocab_size))[::-1]
    tree = build_huffman_tree(counts)
    table = build_alias_table(noise_distribution(counts))
    tokens = rng.integers(-1, vocab_size, 80).astype(np.int32)
    ends = np.array([10, 11, 50, 80], np.int64)
    worst = 0.0
    modes = [dict(hs=1, negative=0, softmax=0), dict(hs=0, negative=4, softmax=0),
             dict(hs=0, negative=0, softmax=1)]
    for mode in modes:
        for sg, shared in ((True, False), (True, True), (False, False)):
            model = {
                "syn0": rng.standard_normal((vocab_size, size)) * 0.3,
                "syn1": rng.standard_normal((vocab_size - 1, size)) * 0.3,
                "output": rng.standard_normal((vocab_size, size)) * 0.3,
                "keep_probability": keep_probabilities(counts, 0.02), "codes": tree.codes,
                "points": tree.points, "code_lengths": tree.code_lengths,
                "alias_probability": table.probability, "alias_index": table.alias, **mode,
            }
            twin = copy.deepcopy(model)
            config = Word2VecConfig(sg=int(sg), window=3, workers=2, shared_negatives=shared,
                                    compute_loss=True, **mode)
            tables = training.Tables(model["keep_probability"], tree.codes, tree.points,
                                     tree.code_lengths, table.probability, table.alias)
            # as the first of two workers (one worker makes no copies): room for one Huffman
            # path, so the inner-node cache flushes all the time, and half the words' output
            # rows go through the thread's hot copies
            inputs = training.kernel_inputs(
                config, training.Weights(model["syn0"], model["syn1"], model["output"]), tables,
                len(tokens), node_cache=1, hot_rows=vocab_size // 2)
            training.run_chunk(inputs, training.Chunk(tokens, ends, 0.05, 0.01,
                                                      np.uint64(seed + 99)))
            model["syn1"][:], model["output"][:] = inputs.model_matrices()
            train_chunk(twin, tokens, ends, sg, 3, 0.05, 0.01, seed + 99, True, shared)
            for name in ("syn0", "syn1", "output"):
                worst = max(worst, float(np.abs(model[name] - twin[name]).max()))
    return worst
