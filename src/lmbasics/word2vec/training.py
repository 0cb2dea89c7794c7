"""What the kernels are given, built in one place, and the epoch that feeds them chunks.

fastText keeps a training thread's state in one value (``Model::State``); here the two kernels
of :mod:`.kernels` take five named tuples, each with one reason to change:

- :class:`Weights`: the matrices every thread updates (Hogwild);
- :class:`Tables`: read-only arrays derived from the vocabulary;
- :class:`Chunk`: one job: its tokens, sentence ends, learning-rate range and seed;
- :class:`Settings`: the scalars fixed for a whole training run;
- :class:`ThreadState`: one thread's scratch buffers, its copy rows and its counters.

:func:`kernel_inputs` builds all of them for a configuration and is the one place that knows
where each thread's copy rows sit (:class:`CopyLayout`); :func:`run_chunk` makes the one kernel
call. :func:`train_epoch` trains once over a list of jobs with worker threads, for any part of
a corpus and any stretch of the learning-rate schedule (:class:`LearningRate`), so a
data-parallel driver can run it per shard and combine the :class:`EpochStats`. Nothing here
knows about progress bars, callbacks or the loss history (:mod:`.model`).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import kernels
from lmbasics.word2vec.config import Word2VecConfig
from lmbasics.word2vec.vocab import EncodedCorpus

NODE_CACHE = 2048  # inner nodes nearest the root a thread keeps copies of for a chunk (HS)
HOT_OUTPUT_ROWS = 1024  # negative sampling: output rows of the most frequent words a thread copies
# The sampled loss measures at least the predictions of this many corpus words per epoch (all of
# them in a smaller corpus), so that a small corpus still gets a usable estimate.
LOSS_SAMPLE_MIN_WORDS = 10_000

ChunkPlan = tuple[int, int, int, int]  # tokens start:stop, sentences first:last (plan_chunks)


class Weights(NamedTuple):
    """The matrices (one float dtype), shared by all threads."""

    syn0: np.ndarray  # float[V, N] input vectors
    syn1: np.ndarray  # float[V-1 + copy rows, N]: inner nodes (HS), then the threads' copies
    output: np.ndarray  # float[V + copy rows, N]: output vectors (NS, softmax), then copies


class Tables(NamedTuple):
    """Read-only arrays derived from the vocabulary (placeholders of one row where unused)."""

    keep_probability: np.ndarray  # float32[V]: subsampling
    codes: np.ndarray  # uint8[V, L]: Huffman codes (HS)
    points: np.ndarray  # int32[V, L]: inner nodes on each word's path (HS)
    code_lengths: np.ndarray  # int32[V]
    alias_probability: np.ndarray  # float64[V]: noise distribution's alias table (NS)
    alias_index: np.ndarray  # int32[V]


class Chunk(NamedTuple):
    """One job: a run of whole sentences."""

    tokens: np.ndarray  # int32[T] word ids, -1 = out of vocabulary
    sentence_ends: np.ndarray  # int64[S] end offsets into tokens
    alpha_start: float  # learning rate at the chunk's first token
    alpha_end: float  # learning rate after its last token
    seed: np.uint64  # the chunk's random generator state (nonzero): job_seed(seed, epoch, job)


class Settings(NamedTuple):
    """Scalars fixed for a training run (Skip-gram or CBOW is the choice of kernel)."""

    hs: bool  # hierarchical softmax
    negative: int  # noise words per prediction (0: no negative sampling)
    softmax: bool  # full softmax
    window: int
    shared_negatives: bool  # Skip-gram: one noise set per centre word
    cbow_mean: bool  # CBOW: mean (else sum) of the context vectors
    exact_loss: bool  # measure the loss of every prediction
    loss_threshold: np.uint64  # else of those whose hash is below this (rate x 2**64; 0: none)


class ThreadState(NamedTuple):
    """One thread's buffers, its copy rows (:class:`CopyLayout`) and its counters."""

    kept: np.ndarray  # int32[>= T]: the kept words of a sentence
    neu1: np.ndarray  # float[1, N]: CBOW's hidden layer
    neu1e: np.ndarray  # float[N]: the step for the hidden vector
    noise: np.ndarray  # int64[max(negative, 1)]: output rows of the drawn noise words
    scores: np.ndarray  # float64[V] (softmax) or [1]
    node_slot: np.ndarray  # int32[V-1]: each inner node's copy, -1 if none (all -1 between chunks)
    node_ids: np.ndarray  # int32[max(node_capacity, 1)]: the node of each copy
    node_base: int  # this thread's first copy row in syn1
    node_capacity: int  # inner nodes copied at most (0: none)
    hot: int  # output rows of words 0 .. hot-1 copied (0: none)
    hot_base: int  # this thread's first copy row in output
    stats: np.ndarray  # float64[5]: kernels.STATS, added to by every chunk


class CopyLayout(NamedTuple):
    """Where each thread's copy rows sit: ``2 * node_capacity`` rows per worker after the
    ``nodes`` inner nodes of ``syn1`` (copies, then their values when copied) and ``2 * hot``
    rows per worker after the ``vocab_size`` rows of ``output``."""

    nodes: int
    node_capacity: int
    vocab_size: int
    hot: int
    workers: int

    @property
    def syn1_rows(self) -> int:
        return self.nodes + 2 * self.node_capacity * self.workers

    @property
    def output_rows(self) -> int:
        return self.vocab_size + 2 * self.hot * self.workers

    def node_base(self, slot: int) -> int:
        return self.nodes + 2 * self.node_capacity * slot

    def hot_base(self, slot: int) -> int:
        return self.vocab_size + 2 * self.hot * slot


def copy_layout(nodes: int, vocab_size: int, code_width: int, hs: bool, negative: int,
                workers: int, node_cache: int | None = None,
                hot_rows: int | None = None) -> CopyLayout:
    """The copy rows for ``workers`` threads: ``node_cache`` inner nodes (default
    :data:`NODE_CACHE`, at least one path) with hierarchical softmax and the ``hot_rows`` most
    frequent words' output rows (default :data:`HOT_OUTPUT_ROWS`) with negative sampling; 0: none.
    One worker has no other thread to keep away from: no copies (the same numbers, faster)."""
    workers = max(int(workers), 1)
    node_cache = NODE_CACHE if node_cache is None else int(node_cache)
    capacity = max(node_cache, int(code_width), 1) if hs and node_cache > 0 and workers > 1 else 0
    hot_rows = HOT_OUTPUT_ROWS if hot_rows is None else int(hot_rows)
    hot = min(max(hot_rows, 0), int(vocab_size)) if negative > 0 and workers > 1 else 0
    return CopyLayout(int(nodes), capacity, int(vocab_size), hot, workers)


def with_copy_rows(matrix: np.ndarray, rows: int) -> np.ndarray:
    """A C-contiguous buffer of at least ``rows`` rows whose first rows are ``matrix``: the buffer
    ``matrix`` is a view of if it is big enough (no copy), else a new one."""
    if rows <= len(matrix) and matrix.flags.c_contiguous:
        return matrix
    base = matrix.base
    if (
        isinstance(base, np.ndarray) and base.ndim == 2 and base.shape[1] == matrix.shape[1]
        and base.dtype == matrix.dtype and base.flags.c_contiguous and base.shape[0] >= rows
        and base.__array_interface__["data"][0] == matrix.__array_interface__["data"][0]
    ):
        return base
    buffer = np.zeros((max(rows, len(matrix)), matrix.shape[1]), matrix.dtype)
    buffer[: len(matrix)] = matrix
    return buffer


def loss_sample_rate(loss_sample: float, words_per_epoch: int) -> float:
    """The fraction of predictions whose loss is measured: ``loss_sample``, raised in a corpus of
    fewer than ``LOSS_SAMPLE_MIN_WORDS / loss_sample`` words (to 1 below
    :data:`LOSS_SAMPLE_MIN_WORDS`); 0 stays 0."""
    if loss_sample <= 0:
        return 0.0
    return min(1.0, max(float(loss_sample), LOSS_SAMPLE_MIN_WORDS / max(int(words_per_epoch), 1)))


def make_settings(config: Word2VecConfig, words_per_epoch: int = 0) -> Settings:
    """The kernels' :class:`Settings` for ``config``: the exact loss with ``compute_loss``,
    else the loss of a sample of predictions (:func:`loss_sample_rate`)."""
    rate = 0.0 if config.compute_loss else loss_sample_rate(config.loss_sample, words_per_epoch)
    exact = bool(config.compute_loss) or rate >= 1.0
    threshold = 0 if exact else min(int(rate * 2.0**64), 2**64 - 1)
    return Settings(bool(config.hs), int(config.negative), bool(config.softmax), int(config.window),
                    bool(config.shared_negatives), bool(config.cbow_mean), exact,
                    np.uint64(threshold))


class KernelInputs(NamedTuple):
    """Everything the kernels are given for a run except the chunks (a plain Python value)."""

    sg: bool  # Skip-gram (else CBOW): which kernel
    seed: int  # the run's seed, from which every chunk's is derived (job_seed)
    weights: Weights
    tables: Tables
    settings: Settings
    threads: list[ThreadState]  # one per worker
    layout: CopyLayout

    def model_matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """``(syn1, output)`` without the copy rows: views of the weights' buffers."""
        return (self.weights.syn1[: self.layout.nodes],
                self.weights.output[: self.layout.vocab_size])


def kernel_inputs(config: Word2VecConfig, weights: Weights, tables: Tables, longest: int,
                  words_per_epoch: int = 0, node_cache: int | None = None,
                  hot_rows: int | None = None) -> KernelInputs:
    """The kernels' arguments for ``config.workers`` threads training on chunks of at most
    ``longest`` tokens. ``weights.syn1`` / ``.output`` are the model's matrices (views of
    buffers with room for the copy rows, or plain); the result's are buffers with the copy rows
    after them (:func:`with_copy_rows`), whose first rows are the model's
    (:meth:`KernelInputs.model_matrices`). ``words_per_epoch`` sizes the loss sample
    (:func:`make_settings`); ``node_cache`` and ``hot_rows``: see :func:`copy_layout`.
    Allocates in the calling thread (a thread that calls malloc gets its own glibc arena, whose
    pages count in the peak RSS)."""
    syn0, syn1, output = weights
    size, dtype = syn0.shape[1], syn0.dtype
    layout = copy_layout(len(syn1), len(output), tables.codes.shape[1], config.hs,
                         config.negative, config.workers, node_cache, hot_rows)
    weights = Weights(syn0, with_copy_rows(syn1, layout.syn1_rows),
                      with_copy_rows(output, layout.output_rows))
    vocab_size = len(syn0)
    threads = [ThreadState(
        kept=np.empty(max(int(longest), 1), np.int32), neu1=np.empty((1, size), dtype),
        neu1e=np.empty(size, dtype), noise=np.empty(max(config.negative, 1), np.int64),
        scores=np.empty(vocab_size if config.softmax else 1, np.float64),
        node_slot=np.full(max(layout.nodes, 1), -1, np.int32),
        node_ids=np.zeros(max(layout.node_capacity, 1), np.int32),
        node_base=layout.node_base(slot), node_capacity=layout.node_capacity, hot=layout.hot,
        hot_base=layout.hot_base(slot), stats=np.zeros(len(kernels.STATS)),
    ) for slot in range(layout.workers)]
    return KernelInputs(bool(config.sg), int(config.seed), weights, tables,
                        make_settings(config, words_per_epoch), threads, layout)


def run_chunk(inputs: KernelInputs, chunk: Chunk, slot: int = 0) -> None:
    """Train on one chunk as worker ``slot`` (its counters in ``inputs.threads[slot].stats``)."""
    kernel = kernels.train_sg_chunk if inputs.sg else kernels.train_cbow_chunk
    kernel(inputs.weights, inputs.tables, chunk, inputs.settings, inputs.threads[slot])


def job_seed(seed: int, epoch: int, job: int) -> int:
    """A nonzero 64-bit generator state for one job (splitmix64 of its coordinates)."""
    x = (seed * 0x9E3779B97F4A7C15 + epoch * 0xBF58476D1CE4E5B9 + job * 0x94D049BB133111EB + 1)
    x &= (1 << 64) - 1
    for shift, multiplier in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        x = ((x ^ (x >> shift)) * multiplier) & ((1 << 64) - 1)
    x ^= x >> 31
    return x or 0x9E3779B97F4A7C15


class LearningRate(NamedTuple):
    """``alpha`` falls linearly from ``start`` to ``end`` over ``total`` words of training; a
    word ``position`` of the corpus being trained is word ``offset + position`` of the run."""

    start: float
    end: float
    total: int
    offset: int = 0

    def at(self, position: int) -> float:
        return self.start - (self.start - self.end) * (self.offset + position) / self.total


class EpochStats(NamedTuple):
    """Counts of an epoch (or of part of one: add the ``stats`` arrays of the parts)."""

    loss_sum: float  # of the measured predictions
    loss_squares: float
    measured: int  # predictions whose loss was computed
    predictions: int
    kept_words: int

    @classmethod
    def from_arrays(cls, arrays: Sequence[np.ndarray]) -> EpochStats:
        total = np.sum(arrays, axis=0)
        return cls(float(total[0]), float(total[1]), int(total[2]), int(total[3]), int(total[4]))

    @property
    def mean_loss(self) -> float:
        """Mean loss per measured prediction (0 if none was)."""
        return self.loss_sum / max(self.measured, 1)

    @property
    def loss_stderr(self) -> float:
        """Standard error of :attr:`mean_loss` as the mean of a simple random sample of the
        epoch's predictions (finite-population corrected: 0 when every one was measured; NaN
        below two)."""
        n, population = self.measured, self.predictions
        if n >= population:
            return 0.0
        if n < 2:
            return math.nan
        variance = max(self.loss_squares - self.loss_sum**2 / n, 0.0) / (n - 1)
        return math.sqrt(variance / n * (1.0 - n / population))


class _Epoch:
    """One epoch's shared job queue and the worker loop that drains it."""

    def __init__(self, inputs: KernelInputs, corpus: EncodedCorpus, jobs: Sequence[Any],
                 epoch: int, rate: LearningRate, on_job: Callable[[int], Any] | None) -> None:
        self.inputs, self.corpus, self.epoch, self.rate, self.on_job = (
            inputs, corpus, epoch, rate, on_job)
        self.jobs = iter(jobs)
        self.lock = threading.Lock()
        self.errors: list[BaseException] = []
        # tokens are read with pread into buffers allocated here, in the calling thread (see
        # kernel_inputs); a memory-mapped sentence-ends file would add 8 bytes per sentence to
        # the RSS
        longest = max((stop - start for _, (start, stop, _, _) in jobs), default=0)
        most = max((last - first for _, (_, _, first, last) in jobs), default=0)
        if longest > len(inputs.threads[0].kept):
            raise LmbasicsError(f"a job of {longest:,} tokens does not fit the buffers of "
                                f"{len(inputs.threads[0].kept):,}: build them for these jobs")
        self.buffers = [(np.empty(longest, np.int32), np.empty(most, np.int64))
                        for _ in inputs.threads]
        self.descriptors: tuple[int, ...] = ()

    def worker(self, slot: int) -> None:
        try:
            self.run_jobs(slot)
        except BaseException as error:  # surface it in the calling thread
            self.errors.append(error)

    def run_jobs(self, slot: int) -> None:
        tokens_buffer, ends_buffer = self.buffers[slot]
        read = self.corpus.read_into
        while True:
            with self.lock:
                job = next(self.jobs, None)
                if job is None:
                    return
                index, (start, stop, first, last) = job
                tokens = read(self.descriptors[0], start, tokens_buffer[: stop - start])
                sentence_ends = read(self.descriptors[1], first, ends_buffer[: last - first])
                sentence_ends -= start
            seed = job_seed(self.inputs.seed, self.epoch, index)
            chunk = Chunk(tokens, sentence_ends, self.rate.at(start), self.rate.at(stop),
                          np.uint64(seed))
            run_chunk(self.inputs, chunk, slot)
            if self.on_job is not None:
                with self.lock:
                    self.on_job(stop - start)


def train_epoch(inputs: KernelInputs, corpus: EncodedCorpus, jobs: Sequence[tuple[int, ChunkPlan]],
                epoch: int, rate: LearningRate,
                on_job: Callable[[int], Any] | None = None) -> EpochStats:
    """Train once over ``jobs`` of ``corpus`` with one thread per ``inputs.threads`` entry.

    ``jobs``: ``(index, (start, stop, first, last))`` pairs of ``corpus.plan_chunks``, in any
    subset: a job's generator is seeded from ``(inputs.seed, epoch, index)`` and its learning
    rate is ``rate`` at its token positions, so a shard of the corpus trained with the global
    indices and schedule draws exactly what it would in a whole run. ``on_job(tokens)`` is
    called after each job (under a lock). With one thread the jobs run in order in the calling
    thread: a seeded run is reproducible bit for bit. Returns the epoch's counts.
    """
    run = _Epoch(inputs, corpus, list(jobs), epoch, rate, on_job)
    for state in inputs.threads:
        state.stats[:] = 0.0
    run.descriptors = tuple(os.open(path, os.O_RDONLY)
                            for path in (corpus.tokens_path, corpus.ends_path))
    try:
        if len(inputs.threads) == 1:
            run.worker(0)
        else:
            threads = [threading.Thread(target=run.worker, args=(slot,), daemon=True)
                       for slot in range(len(inputs.threads))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        for descriptor in run.descriptors:
            os.close(descriptor)
    if run.errors:
        raise run.errors[0]
    return EpochStats.from_arrays([state.stats for state in inputs.threads])
