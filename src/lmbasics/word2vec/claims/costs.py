"""The cost of one prediction for full softmax, hierarchical softmax and negative sampling,
measured in the kernels (claims W4 and W5 of the word2vec report).

A *prediction* is one Skip-gram step as :func:`~lmbasics.word2vec.kernels.train_sg_chunk` makes
it with one worker: the input vector ``syn0[c]`` predicts the target word ``w`` through one output
layer, the output rows move, and the accumulated step is added to ``syn0[c]``. The timing loops
below are that step over a precomputed array of ``(c, w)`` pairs, calling the kernels' own step
functions (:func:`~.kernels._softmax_step`, :func:`~.kernels._predict_hs`,
:func:`~.kernels._draw_noise` + :func:`~.kernels._predict_ns`, inlined by numba as in the
kernels), so the measured arithmetic is the training arithmetic: full softmax touches all V
output rows (O(V·N)), hierarchical softmax the inner nodes of ``w``'s Huffman path (O(L_w·N)),
negative sampling ``w``'s row and ``negative`` noise rows drawn from the alias table
(O((k+1)·N), the draws included). One worker makes no copy rows (``training.copy_layout``), so
the loops use the matrices in place, as one-worker training does; the loss is not computed
(training computes it for a small sample of predictions).

Two measurements:

- **against vocabulary size**: Zipf word counts (exponent 1, the rarest word seen
  ``min_count = 5`` times), input and target words drawn from the unigram distribution;
- **by frequency bucket**: a realistic vocabulary (Zipf over enwiki-17M's 70,899 words, or the
  real counts given), words grouped by frequency rank; per bucket the Huffman code lengths and
  the time of a prediction whose target is drawn from that bucket (by frequency within it), the
  input word still from the whole unigram distribution; and the token-weighted code length
  (what a corpus costs) against log2(V) and the entropy, with and without word2vec's
  subsampling (``sample = 1e-3``).

Times are taken from Python around a whole loop call (after compiling, then one warm call),
divided by the predictions in it; the median of several calls is reported with its min and max,
and the median CPU time of the process beside it (a loaded machine shows as a gap between them).
One thread, float32 matrices of dimension 100, as trained. Nothing here asserts a speed; the
report judges the numbers. The timing loops are numba functions outside ``kernels.py`` because
they are measurement harness, not training code: they only call the kernels' steps.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import kernels
from lmbasics.word2vec.huffman import build_huffman_tree
from lmbasics.word2vec.sampling import build_alias_table, noise_distribution
from lmbasics.word2vec.vocab import keep_probabilities

VECTOR_SIZE = 100  # gensim's and the claims runs' default
NEGATIVE = 5  # noise words per prediction (word2vec.c's default)
ALPHA = 0.025  # Skip-gram's default learning rate (the value does not change the cost)
DTYPE = np.float32  # the trainer's matrices
ZIPF_EXPONENT = 1.0  # natural text (Zipf's law)
RAREST_COUNT = 5  # the rarest word of a Zipf vocabulary is seen min_count times
SAMPLE = 1e-3  # word2vec's subsampling threshold, for the subsampled expected code length
SEED = 0
LAYERS = ("softmax", "hs", "ns")


@dataclass(frozen=True)
class Budget:
    """``vocab_sizes``: the sweep; ``frequency_vocab``: the Zipf vocabulary of the bucket part
    when no counts are given; ``bucket_edges``: the first rank of each bucket (the last bucket
    ends at V); ``predictions``: HS and NS predictions per timed call; softmax makes
    ``softmax_work // V`` of them (at least ``softmax_min``); ``repeats``: timed calls."""

    vocab_sizes: tuple[int, ...]
    frequency_vocab: int
    bucket_edges: tuple[int, ...]
    predictions: int
    softmax_work: int
    softmax_min: int
    repeats: int


# ``full``: about two minutes on one quiet core (softmax at V = 1M is ~3e8 flops a prediction);
# ``tiny``: for the tests.
BUDGETS = {
    "full": Budget((10_000, 30_000, 100_000, 300_000, 1_000_000), 70_899, (0, 100, 1_000, 10_000),
                   predictions=200_000, softmax_work=3_000_000, softmax_min=3, repeats=5),
    "tiny": Budget((100, 1_000), 1_000, (0, 10, 100), predictions=2_000, softmax_work=20_000,
                   softmax_min=2, repeats=3),
}


# ------------------------------------------------------------------------------ timing loops
@njit(nogil=True, fastmath=True, error_model="numpy")
def _softmax_loop(syn0, output, inputs, targets, alpha, grad, scores):
    """``syn0[inputs[p]]`` predicts ``targets[p]`` by full softmax, for every ``p`` in order."""
    for p in range(inputs.shape[0]):
        context = inputs[p]
        for q in range(grad.shape[0]):
            grad[q] = 0.0
        kernels._softmax_step(syn0, context, output, targets[p], alpha, grad, scores, False)
        for q in range(grad.shape[0]):
            syn0[context, q] += grad[q]


@njit(nogil=True, fastmath=True, error_model="numpy")
def _hs_loop(syn0, syn1, codes, points, code_lengths, node_slot, inputs, targets, alpha, grad):
    """The same by hierarchical softmax; ``node_slot`` all ``-1`` (no copies, as one worker)."""
    dots = np.empty(codes.shape[1], syn0.dtype)
    path = np.empty(codes.shape[1], np.int64)
    for p in range(inputs.shape[0]):
        context = inputs[p]
        for q in range(grad.shape[0]):
            grad[q] = 0.0
        length = kernels._path_rows(targets[p], points, code_lengths, node_slot, 0, path)
        kernels._predict_hs(syn0, context, targets[p], syn1, codes, path, length, alpha, grad,
                            dots, False)
        for q in range(grad.shape[0]):
            syn0[context, q] += grad[q]


@njit(nogil=True, fastmath=True, error_model="numpy")
def _ns_loop(syn0, output, alias_probability, alias_index, negative, inputs, targets, alpha,
             grad, noise, dots, seed):
    """The same by negative sampling, ``negative`` fresh noise draws per prediction from the
    generator seeded with ``seed`` (as Skip-gram draws them); returns the output rows updated."""
    state = np.uint64(seed)
    rows = 0
    for p in range(inputs.shape[0]):
        context, target = inputs[p], targets[p]
        noise_count, state = kernels._draw_noise(target, negative, alias_probability,
                                                 alias_index, noise, state, 0, 0)
        for q in range(grad.shape[0]):
            grad[q] = 0.0
        kernels._predict_ns(syn0, context, output, target, noise, noise_count, alpha, grad,
                            dots, False)
        for q in range(grad.shape[0]):
            syn0[context, q] += grad[q]
        rows += noise_count + 1
    return rows


# ------------------------------------------------------------------------------ inputs
def zipf_counts(vocab_size: int, exponent: float = ZIPF_EXPONENT,
                rarest: int = RAREST_COUNT) -> np.ndarray:
    """int64[V] counts ``∝ 1/rank^exponent``, descending, the rarest word seen ``rarest`` times."""
    if vocab_size < 2:
        raise LmbasicsError(f"a vocabulary of {vocab_size} words: the costs need at least 2")
    ranks = np.arange(1, vocab_size + 1, dtype=np.float64)
    return np.maximum(np.round(rarest * (vocab_size / ranks) ** exponent), 1).astype(np.int64)


def _checked_counts(counts: Any) -> np.ndarray:
    """``counts`` as int64, sorted descending (frequency rank order); bad counts raise."""
    array = np.asarray(counts)
    if array.ndim != 1 or len(array) < 2:
        raise LmbasicsError(f"counts: need a 1-D vector of at least 2 words, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or not np.all(np.isfinite(array)):
        raise LmbasicsError("counts: need finite numbers")
    if np.any(array <= 0) or np.any(array != np.floor(array)):
        raise LmbasicsError("counts: need positive whole numbers")
    return np.sort(array.astype(np.int64))[::-1].copy()


def bucket_ranges(vocab_size: int, edges: Sequence[int]) -> list[tuple[int, int]]:
    """``[(first rank, stop rank)]`` of the buckets starting at ``edges`` (the last ends at V);
    an empty bucket raises."""
    edges = [int(e) for e in edges]
    if not edges or edges[0] != 0:
        raise LmbasicsError(f"bucket edges {edges}: must start at rank 0")
    stops = [*edges[1:], int(vocab_size)]
    for first, stop in zip(edges, stops):
        if stop <= first:
            raise LmbasicsError(f"bucket of ranks [{first}, {stop}) is empty in a vocabulary of "
                                f"{vocab_size:,} words: choose smaller bucket edges")
    return list(zip(edges, stops))


def _draw(rng: np.random.Generator, counts: np.ndarray, size: int, first: int = 0) -> np.ndarray:
    """int32[size] word ids drawn by frequency from ``counts`` (ids offset by ``first``)."""
    probability = counts / counts.sum()
    return (first + rng.choice(len(counts), size=size, p=probability)).astype(np.int32)


def _matrix(rng: np.random.Generator, rows: int) -> np.ndarray:
    """float32[rows, N] uniform in ±0.5/N (word2vec.c's input initialisation; the values do not
    change the cost)."""
    return ((rng.random((rows, VECTOR_SIZE), dtype=DTYPE) - 0.5) / VECTOR_SIZE).astype(DTYPE)


@dataclass
class _Layers:
    """The arrays the three loops share for one vocabulary."""

    counts: np.ndarray
    syn0: np.ndarray
    output: np.ndarray  # output vectors (softmax, NS); its first V-1 rows are the inner nodes (HS)
    codes: np.ndarray
    points: np.ndarray
    code_lengths: np.ndarray
    alias_probability: np.ndarray
    alias_index: np.ndarray

    @classmethod
    def build(cls, counts: np.ndarray, rng: np.random.Generator) -> _Layers:
        tree = build_huffman_tree(counts)
        table = build_alias_table(noise_distribution(counts))
        vocab_size = len(counts)
        return cls(counts, _matrix(rng, vocab_size), _matrix(rng, vocab_size), tree.codes,
                   tree.points, tree.code_lengths, table.probability, table.alias)

    def call(self, layer: str, inputs: np.ndarray, targets: np.ndarray) -> Callable[[], Any]:
        """A no-argument call of ``layer``'s loop over the pairs."""
        grad = np.zeros(VECTOR_SIZE, DTYPE)
        if layer == "softmax":
            scores = np.empty(len(self.counts), np.float64)
            return lambda: _softmax_loop(self.syn0, self.output, inputs, targets, ALPHA, grad,
                                         scores)
        if layer == "hs":
            node_slot = np.full(len(self.counts) - 1, -1, np.int32)
            syn1 = self.output[: len(self.counts) - 1]
            return lambda: _hs_loop(self.syn0, syn1, self.codes, self.points, self.code_lengths,
                                    node_slot, inputs, targets, ALPHA, grad)
        noise, dots = np.empty(NEGATIVE, np.int64), np.empty(NEGATIVE + 1, DTYPE)
        return lambda: _ns_loop(self.syn0, self.output, self.alias_probability, self.alias_index,
                                NEGATIVE, inputs, targets, ALPHA, grad, noise, dots,
                                np.uint64(0x9E3779B97F4A7C15))

    def rows(self, layer: str, targets: np.ndarray, returned: Any) -> float:
        """Output rows updated per prediction: V, the mean code length of the targets, or
        ``1 +`` the noise draws kept (``returned`` by the NS loop)."""
        if layer == "softmax":
            return float(len(self.counts))
        if layer == "hs":
            return float(self.code_lengths[targets].mean())
        return float(returned) / len(targets)


def _timed(call: Callable[[], Any], predictions: int,
           repeats: int) -> tuple[dict[str, Any], Any]:
    """Seconds per prediction of ``call`` (``predictions`` each): one warm call, then the median,
    min and max of ``repeats`` timed calls; and what the warm call returned. The process's CPU
    seconds are kept beside the wall-clock ones: on a shared machine they leave out the time the
    process waited for a core (not the cache it shares)."""
    returned = call()
    each, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        each.append((time.perf_counter() - start) / predictions)
        cpu.append((time.process_time() - start_cpu) / predictions)
    return {
        "predictions_per_call": int(predictions),
        "seconds_per_prediction": float(np.median(each)),
        "seconds_per_prediction_min": float(min(each)),
        "seconds_per_prediction_max": float(max(each)),
        "seconds_per_prediction_each": [float(x) for x in each],
        "cpu_seconds_per_prediction": float(np.median(cpu)),
    }, returned


def _measure(layers: _Layers, layer: str, inputs: np.ndarray, targets: np.ndarray,
             repeats: int) -> dict[str, Any]:
    call = layers.call(layer, inputs, targets)
    timing, returned = _timed(call, len(inputs), repeats)
    rows = layers.rows(layer, targets, returned)
    return {**timing, "output_rows_per_prediction": rows,
            "seconds_per_output_row": timing["seconds_per_prediction"] / rows}


def _code_length_summary(counts: np.ndarray, code_lengths: np.ndarray) -> dict[str, float]:
    """Token-weighted code length (with and without subsampling) against log2(V) and the
    entropy of the unigram distribution (Huffman: entropy <= expected length < entropy + 1)."""
    probability = counts / counts.sum()
    kept = probability * keep_probabilities(counts, SAMPLE).astype(np.float64)
    return {
        "expected_code_length": float(probability @ code_lengths),
        "expected_code_length_subsampled": float(kept @ code_lengths / kept.sum()),
        "log2_vocab_size": float(np.log2(len(counts))),
        "entropy_bits": float(-(probability @ np.log2(probability))),
    }


def _compile() -> float:
    """Compile the three loops on a tiny vocabulary; returns the seconds it took."""
    start = time.perf_counter()
    rng = np.random.default_rng(SEED)
    layers = _Layers.build(zipf_counts(8), rng)
    pairs = _draw(rng, layers.counts, 4)
    for layer in LAYERS:
        layers.call(layer, pairs, pairs)()
    return time.perf_counter() - start


# ------------------------------------------------------------------------------ measurements
def measure_by_vocab_size(budget: Budget, progress: Callable[[str], None] = print) -> list[dict]:
    """One row per vocabulary size: the three layers' timings and the code-length summary."""
    rows = []
    for vocab_size in budget.vocab_sizes:
        progress(f"word2vec costs: vocabulary of {vocab_size:,} words")
        rng = np.random.default_rng([SEED, vocab_size])
        layers = _Layers.build(zipf_counts(vocab_size), rng)
        inputs = _draw(rng, layers.counts, budget.predictions)
        targets = _draw(rng, layers.counts, budget.predictions)
        softmax = max(budget.softmax_min, budget.softmax_work // vocab_size)
        row: dict[str, Any] = {"vocab_size": vocab_size,
                               **_code_length_summary(layers.counts, layers.code_lengths)}
        for layer in LAYERS:
            n = softmax if layer == "softmax" else budget.predictions
            row[layer] = _measure(layers, layer, inputs[:n], targets[:n], budget.repeats)
        rows.append(row)
        del layers
    return rows


def measure_by_frequency(counts: np.ndarray, edges: Sequence[int], budget: Budget,
                         progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Code lengths and HS / NS timings per frequency-rank bucket of ``counts`` (sorted
    descending), plus ``"all"``: targets from the whole unigram distribution."""
    ranges = bucket_ranges(len(counts), edges)
    rng = np.random.default_rng([SEED, len(counts), 1])
    layers = _Layers.build(counts, rng)
    inputs = _draw(rng, counts, budget.predictions)
    total = counts.sum()
    buckets = []
    for first, stop in [*ranges, (0, len(counts))]:
        progress(f"word2vec costs: targets of frequency ranks [{first:,}, {stop:,})")
        lengths = layers.code_lengths[first:stop]
        within = counts[first:stop]
        targets = _draw(rng, within, budget.predictions, first)
        buckets.append({
            "ranks": [first, stop],
            "words": stop - first,
            "token_fraction": float(within.sum() / total),
            "code_length_mean": float(lengths.mean()),
            "code_length_min": int(lengths.min()),
            "code_length_max": int(lengths.max()),
            "code_length_token_weighted_mean": float(within @ lengths / within.sum()),
            **{layer: _measure(layers, layer, inputs, targets, budget.repeats)
               for layer in ("hs", "ns")},
        })
    return {"vocab_size": len(counts), "bucket_edges": [int(e) for e in edges],
            **_code_length_summary(counts, layers.code_lengths),
            "buckets": buckets[:-1], "all": buckets[-1]}


def _machine() -> dict[str, Any]:
    import numba

    return {
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "threads": 1,  # the timing loops are serial and run in the calling thread
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def measure_costs(budget: str = "full", counts: np.ndarray | None = None,
                  progress: Callable[[str], None] = print,
                  bucket_edges: Sequence[int] | None = None) -> dict[str, Any]:
    """Both measurements as one JSON-serialisable dict (see the module docstring).

    ``counts``: the word counts for the bucket part (any order; ranked here), default Zipf over
    the budget's ``frequency_vocab`` words; ``bucket_edges``: first rank of each bucket, default
    the budget's. Bad counts or an empty bucket raise :class:`LmbasicsError` before any timing.
    """
    if budget not in BUDGETS:
        raise LmbasicsError(f"unknown budget {budget!r}: choose from {', '.join(BUDGETS)}")
    spec = BUDGETS[budget]
    given = counts is not None
    counts = _checked_counts(counts) if given else zipf_counts(spec.frequency_vocab)
    edges = tuple(spec.bucket_edges if bucket_edges is None else bucket_edges)
    bucket_ranges(len(counts), edges)
    started, started_cpu = time.perf_counter(), time.process_time()
    machine = _machine()
    compile_seconds = _compile()
    by_vocab_size = measure_by_vocab_size(spec, progress)
    by_frequency = measure_by_frequency(counts, edges, spec, progress)
    by_frequency["counts"] = "given" if given else f"zipf (exponent {ZIPF_EXPONENT:g})"
    machine["load_average_after"] = (list(os.getloadavg()) if hasattr(os, "getloadavg")
                                     else None)
    return {
        "budget": budget,
        "budget_settings": asdict(spec),
        "settings": {"vector_size": VECTOR_SIZE, "negative": NEGATIVE, "alpha": ALPHA,
                     "dtype": np.dtype(DTYPE).name, "zipf_exponent": ZIPF_EXPONENT,
                     "zipf_rarest_count": RAREST_COUNT, "sample": SAMPLE, "seed": SEED,
                     "repeats": spec.repeats, "architecture": "skip-gram, one worker"},
        "machine": machine,
        "compile_seconds": compile_seconds,
        "by_vocab_size": by_vocab_size,
        "by_frequency": by_frequency,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - started_cpu,
    }


# ------------------------------------------------------------------------------ plots
DPI = 110
LABELS = {"softmax": "full softmax", "hs": "hierarchical softmax",
          "ns": f"negative sampling (k={NEGATIVE})"}


def _errors(timings: list[dict], scale: float) -> list[list[float]]:
    """Matplotlib's ``yerr`` (below, above) from each timing's min and max."""
    return [[scale * (t["seconds_per_prediction"] - t["seconds_per_prediction_min"])
             for t in timings],
            [scale * (t["seconds_per_prediction_max"] - t["seconds_per_prediction"])
             for t in timings]]


def plot_by_vocab_size(result: dict[str, Any], path: Path) -> Path:
    from lmbasics._util.figures import new_figure, save_png

    figure = new_figure((6.5, 4.5), DPI)
    axis = figure.subplots()
    rows = result["by_vocab_size"]
    sizes = [row["vocab_size"] for row in rows]
    for layer in LAYERS:
        timings = [row[layer] for row in rows]
        axis.errorbar(sizes, [1e6 * t["seconds_per_prediction"] for t in timings],
                      yerr=_errors(timings, 1e6), marker="o", capsize=3, label=LABELS[layer])
    axis.set(xscale="log", yscale="log", xlabel="vocabulary size V (Zipf counts)",
             ylabel="µs per prediction (median; bars: min-max)",
             title=f"one Skip-gram prediction, dimension {result['settings']['vector_size']}, "
                   "1 thread")
    axis.legend()
    save_png(figure, path)
    return path


def plot_by_frequency(result: dict[str, Any], path: Path) -> Path:
    from lmbasics._util.figures import new_figure, save_png

    figure = new_figure((12, 4.5), DPI)
    left, right = figure.subplots(1, 2)
    part = result["by_frequency"]
    groups = [*part["buckets"], part["all"]]
    labels = [f"[{b['ranks'][0]:,}, {b['ranks'][1]:,})" for b in part["buckets"]] + ["all (unigram)"]
    x = np.arange(len(groups))
    means = [b["code_length_mean"] for b in groups]
    left.bar(x, means, yerr=[[m - b["code_length_min"] for m, b in zip(means, groups)],
                             [b["code_length_max"] - m for m, b in zip(means, groups)]],
             capsize=4, color="tab:orange", label="mean over the words (bars: min-max)")
    left.plot(x, [b["code_length_token_weighted_mean"] for b in groups], "kD",
              label="token-weighted mean")
    left.axhline(part["log2_vocab_size"], color="grey", ls="--", lw=1, label="log2 V")
    left.set_xticks(x, labels, rotation=20)
    left.set(xlabel="frequency rank", ylabel="Huffman code length (inner nodes)",
             title=f"HS path length, V = {part['vocab_size']:,} ({part['counts']})")
    left.legend(fontsize=8)
    width = 0.38
    for offset, layer in ((-width / 2, "hs"), (width / 2, "ns")):
        timings = [b[layer] for b in groups]
        right.bar(x + offset, [1e6 * t["seconds_per_prediction"] for t in timings], width,
                  yerr=_errors(timings, 1e6), capsize=3, label=LABELS[layer])
    right.set_xticks(x, labels, rotation=20)
    right.set(xlabel="frequency rank of the target word",
              ylabel="µs per prediction (median; bars: min-max)", title="time per prediction")
    right.legend(fontsize=8)
    save_png(figure, path)
    return path


def plot_costs(result: dict[str, Any], directory: Path) -> list[Path]:
    """The two figures as PNG files in ``directory`` (written atomically); returns their paths."""
    directory = Path(directory)
    return [plot_by_vocab_size(result, directory / "costs-vocab-size.png"),
            plot_by_frequency(result, directory / "costs-frequency.png")]


def _estimate(timing: dict[str, Any]) -> tuple[float, float]:
    """A timing's median seconds per prediction and the standard error of its repeats."""
    each = np.asarray(timing["seconds_per_prediction_each"], dtype=np.float64)
    se = float(each.std(ddof=1) / np.sqrt(len(each))) if len(each) > 1 else 0.0
    return float(timing["seconds_per_prediction"]), se


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """What the verdicts and the report read of :func:`measure_costs`'s result: ``vocab_sizes``,
    ``seconds_per_prediction`` per output layer (one per size), and the frequency ``buckets``
    (most frequent first) with their Huffman code length and HS / NS seconds per prediction
    (median of the repeats) and its standard error."""
    sizes = result["by_vocab_size"]
    buckets = []
    for bucket in result["by_frequency"]["buckets"]:
        lo, hi = bucket["ranks"]
        hs, hs_se = _estimate(bucket["hs"])
        ns, ns_se = _estimate(bucket["ns"])
        buckets.append({
            "label": f"ranks {lo:,}-{hi:,}", "token_share": bucket["token_fraction"],
            "hs_code_length": bucket["code_length_mean"], "hs_seconds": hs,
            "hs_seconds_se": hs_se, "ns_seconds": ns, "ns_seconds_se": ns_se,
        })
    mixed = result["by_frequency"]["all"]
    hs, hs_se = _estimate(mixed["hs"])
    ns, ns_se = _estimate(mixed["ns"])
    return {
        "all": {"hs_seconds": hs, "hs_seconds_se": hs_se, "ns_seconds": ns,
                "ns_seconds_se": ns_se},
        "vocab_sizes": [row["vocab_size"] for row in sizes],
        "seconds_per_prediction": {
            layer: [row[layer]["seconds_per_prediction"] for row in sizes]
            for layer in ("softmax", "hs", "ns")
        },
        "buckets": buckets,
    }
