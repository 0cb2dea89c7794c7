"""Data-parallel word2vec, without the cluster: shards, rounds, and how the workers combine.

A corpus of many files is trained by workers that each read only their own files (shards), as
in the distributed pWord2Vec of Ji et al. (2016, "Parallelizing Word2Vec in Shared and
Distributed Memory"): every worker holds a whole copy of the weights, trains its shards with
the kernels of :mod:`.kernels` for a *round* of about ``sync_words`` words, and the copies are
then combined into one (bulk-synchronous rounds). This module holds the parts that do not need
a cluster, so that they are tested on their own and :mod:`.distributed` only moves them about:

- :func:`shard_files`, :func:`count_shard` and :func:`merge_counts`: the vocabulary counted
  shard by shard and merged in shard order, which gives exactly the words, counts and
  first-seen order of one pass over the concatenated files;
- :func:`assign_shards` and :func:`plan_rounds`: which worker trains which jobs in each round,
  with every job's global index (its random seed, :func:`.training.job_seed`) and learning rate
  at the words trained *across the cluster* (:class:`RoundRate`);
- :func:`combine`: the next synchronised weights from the last ones and the workers' copies,
  by the sum of their changes (every update kept, as Hogwild threads keep them) or their mean;
- :class:`ShardTrainer`: one worker: its shards encoded with the model's vocabulary and
  trained with :func:`.training.train_epoch`, one round at a time.

With one worker the rounds reproduce a single-process run bit for bit (the same jobs, seeds and
learning rates; the one copy is the combination). It does not split a file between workers:
a corpus is sharded by its files.
"""

from __future__ import annotations

import glob
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import training
from lmbasics.word2vec.config import Word2VecConfig
from lmbasics.word2vec.corpus import LineSentence, corpus_files
from lmbasics.word2vec.vocab import EncodedCorpus, encode_corpus, scan_corpus

COMBINE = ("sum", "mean")
_BLOCK_ROWS = 4096  # rows combined at a time (no whole-matrix temporaries)


def shard_files(sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The files of a corpus given as a file, a directory (its files, sorted), a glob pattern or
    a list of these, in the order given; each file is one shard."""
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    if not items:
        raise LmbasicsError("no corpus files given")
    files: list[Path] = []
    for item in items:
        text = os.fspath(item)
        if not os.path.exists(text) and glob.has_magic(text):
            matches = sorted(Path(match) for match in glob.glob(text) if os.path.isfile(match))
            if not matches:
                raise LmbasicsError(f"no corpus file matches {text}")
            files += matches
        else:
            files += corpus_files(text)
    if len(set(files)) < len(files):
        raise LmbasicsError("a corpus file is given twice")
    return files


class ShardCount(NamedTuple):
    """One shard's vocabulary: its words in first-seen order and what it holds."""

    words: list[str]
    counts: np.ndarray  # int64[len(words)]
    total_words: int  # tokens
    sentences: int
    invalid_utf8_lines: int


def count_shard(path: str | os.PathLike[str]) -> ShardCount:
    """Count one shard as :meth:`.Word2Vec.build_vocab` counts a corpus (the same reader)."""
    source = LineSentence(path)
    words, counts, corpus = scan_corpus(source)
    corpus.close()
    return ShardCount(words, counts, corpus.total_words, corpus.num_sentences,
                      source.stats.invalid_utf8_lines)


def merge_counts(shards: Sequence[ShardCount]) -> tuple[list[str], np.ndarray]:
    """All shards' words in first-seen order of the concatenation (shard order, then each
    shard's own order) and their summed counts."""
    index: dict[str, int] = {}
    totals = np.zeros(0, np.int64)
    for shard in shards:
        ids = np.fromiter((index.setdefault(word, len(index)) for word in shard.words), np.int64,
                          len(shard.words))
        if len(index) > len(totals):
            totals = np.concatenate([totals, np.zeros(len(index) - len(totals), np.int64)])
        totals[ids] += shard.counts  # a shard names each of its words once
    return list(index), totals


def assign_shards(sizes: Sequence[int], workers: int) -> list[list[int]]:
    """Shards to workers: largest first to the least loaded (ties: lowest index), each worker's
    shards in corpus order. Deterministic, so a seeded run is repeatable on the same cluster."""
    loads = [0] * workers
    assigned: list[list[int]] = [[] for _ in range(workers)]
    for shard in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        worker = min(range(workers), key=lambda w: (loads[w], w))
        loads[worker] += int(sizes[shard])
        assigned[worker].append(shard)
    return [sorted(shards) for shards in assigned]


class RoundRate(NamedTuple):
    """:class:`.training.LearningRate` for one worker's part of a round: token ``p`` of a shard
    is trained when the cluster has trained ``base + (p - origin) * scale`` words of the run.

    ``scale`` is the round's words on all workers over this worker's (``cluster / own``): the
    workers train side by side, so a worker's progress through its share of the round stands
    for the cluster's through the whole round."""

    start: float
    end: float
    total: int
    base: int
    origin: int
    cluster: int
    own: int

    def at(self, position: int) -> float:
        done = self.base + (position - self.origin) * self.cluster / max(self.own, 1)
        return self.start - (self.start - self.end) * done / self.total


class Part(NamedTuple):
    """A worker's jobs of one shard in one round: consecutive, with their global indices."""

    shard: int  # global shard index
    jobs: list[tuple[int, training.ChunkPlan]]
    before: int  # words of this worker's round before this part


class Round(NamedTuple):
    """What every worker trains in one round of an epoch."""

    epoch: int
    parts: list[list[Part]]  # per worker
    words: list[int]  # per worker
    base: int  # words the cluster has trained in the run before this round


def plan_rounds(plans: Sequence[Sequence[training.ChunkPlan]], assignment: Sequence[Sequence[int]],
                sync_words: int, epoch: int) -> list[Round]:
    """An epoch's rounds: worker ``w`` trains its shards ``assignment[w]`` (jobs ``plans[shard]``,
    numbered across shards in corpus order) in ``ceil(max words / sync_words)`` rounds of about
    equal words, so the workers synchronise together about every ``sync_words`` words each."""
    offsets = np.cumsum([0] + [len(plan) for plan in plans]).tolist()
    sizes = [sum(plans[s][-1][1] if plans[s] else 0 for s in shards) for shards in assignment]
    count = max(1, math.ceil(max(sizes, default=0) / max(int(sync_words), 1)))
    parts: list[list[list[Part]]] = [[[] for _ in assignment] for _ in range(count)]
    words = [[0] * len(assignment) for _ in range(count)]
    for worker, shards in enumerate(assignment):
        done = 0
        for shard in shards:
            for job, plan in enumerate(plans[shard]):
                r = min(done * count // max(sizes[worker], 1), count - 1)
                mine = parts[r][worker]
                if not mine or mine[-1].shard != shard:
                    mine.append(Part(shard, [], words[r][worker]))
                mine[-1].jobs.append((offsets[shard] + job, plan))
                words[r][worker] += plan[1] - plan[0]
                done += plan[1] - plan[0]
    total = sum(sizes)
    rounds, base = [], epoch * total
    for r in range(count):
        rounds.append(Round(epoch, parts[r], words[r], base))
        base += sum(words[r])
    return rounds


def combine(last: np.ndarray, copies: Sequence[np.ndarray], how: str = "sum") -> None:
    """Replace ``last`` (the last synchronised matrix) in place by the workers' ``copies``
    combined: ``"sum"``: ``last + sum(copy - last)``, every worker's change kept; ``"mean"``:
    the mean of the copies (model averaging). One copy: that copy, bit for bit."""
    if how not in COMBINE:
        raise LmbasicsError(f"combine must be one of {', '.join(COMBINE)}, got {how!r}")
    for copy in copies:
        if copy.shape != last.shape:
            raise LmbasicsError(f"a worker's matrix is {copy.shape}, the model's {last.shape}")
    for start in range(0, len(last), _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        block = copies[0][rows].astype(last.dtype, copy=True)
        if how == "sum":
            for copy in copies[1:]:
                block += copy[rows]
                block -= last[rows]
        else:
            for copy in copies[1:]:
                block += copy[rows]
            if len(copies) > 1:
                block /= len(copies)
        last[rows] = block


class RoundResult(NamedTuple):
    """A worker's round: its copy of the weights, its counts, and where its time went."""

    weights: tuple[np.ndarray, np.ndarray, np.ndarray]  # syn0, syn1, output (model rows)
    stats: np.ndarray  # float64[5]: kernels.STATS summed over the round
    words: int  # tokens trained
    train_seconds: float  # in the kernels
    load_seconds: float  # copying the synchronised weights in


class ShardTrainer:
    """One worker: its shards, encoded with the model's vocabulary, and a copy of the weights.

    ``tables``: the model's :class:`.training.Tables`; ``keys``: its vocabulary in index order;
    ``shards``: ``{global index: path}``. ``after_job(tokens)`` is called after every job (a
    hook for tests that stop a worker part-way through a round).
    """

    def __init__(self, config: dict[str, Any], tables: training.Tables, keys: Sequence[str],
                 shards: dict[int, str], after_job: Callable[[int], Any] | None = None) -> None:
        self.config = Word2VecConfig.from_dict(config).validate()
        self.tables = training.Tables(*tables)
        key_to_index = {key: index for index, key in enumerate(keys)}
        self.vocab_size = len(key_to_index)
        self.corpora: dict[int, EncodedCorpus] = {}
        try:
            for shard, path in shards.items():
                self.corpora[shard] = encode_corpus(LineSentence(path), key_to_index)
        except BaseException:
            self.close()
            raise
        self.plans = {shard: corpus.plan_chunks(self.config.batch_words)
                      for shard, corpus in self.corpora.items()}
        self.after_job = after_job
        self.inputs: training.KernelInputs | None = None
        self._load_kernel()

    def _load_kernel(self) -> None:
        """Have numba load the kernel now rather than in the first round (as
        :meth:`.Word2Vec._load_kernel` does in build_vocab): an empty chunk, the same types."""
        row = np.zeros((1, self.config.vector_size), np.float32)
        inputs = training.kernel_inputs(replace(self.config, workers=1),
                                        training.Weights(row, row.copy(), row.copy()),
                                        self.tables, 1)
        settings = inputs.settings._replace(hs=False, negative=0, softmax=False)
        state = inputs.threads[0]
        chunk = training.Chunk(state.kept[:0], np.zeros(0, np.int64), 0.0, 0.0, np.uint64(1))
        training.run_chunk(inputs._replace(settings=settings), chunk)

    def describe(self) -> dict[int, tuple[int, int, list[training.ChunkPlan]]]:
        """Per shard: its tokens, its sentences and its jobs."""
        return {shard: (corpus.total_words, corpus.num_sentences, self.plans[shard])
                for shard, corpus in self.corpora.items()}

    def _load(self, weights: Sequence[np.ndarray], words_per_epoch: int) -> None:
        if self.inputs is None:
            longest = max((stop - start for plan in self.plans.values()
                           for start, stop, _, _ in plan), default=1)
            copies = training.Weights(*(np.array(matrix, copy=True) for matrix in weights))
            if len(copies.syn0) != self.vocab_size:
                raise LmbasicsError("the weights do not match the worker's vocabulary")
            self.inputs = training.kernel_inputs(self.config, copies, self.tables, longest,
                                                 words_per_epoch)
            return
        mine = (self.inputs.weights.syn0, *self.inputs.model_matrices())
        for target, source in zip(mine, weights):
            target[...] = source

    def train_round(self, weights: Sequence[np.ndarray], epoch: int, parts: Sequence[Part],
                    rate: training.LearningRate, round_base: int, cluster_words: int,
                    own_words: int, words_per_epoch: int) -> RoundResult:
        """Start from the synchronised ``weights`` (syn0, syn1, output), train ``parts`` of
        ``epoch`` with learning rates at the cluster's progress (:class:`RoundRate`: the round
        starts at ``round_base`` words of the run, spans ``cluster_words`` on all workers and
        ``own_words`` here) and return this worker's copy."""
        started = time.perf_counter()
        self._load(weights, words_per_epoch)
        loaded = time.perf_counter()
        stats = np.zeros(5)
        words = 0
        for part in parts:
            origin = part.jobs[0][1][0]
            part_rate = RoundRate(rate.start, rate.end, rate.total, round_base + part.before,
                                  origin, cluster_words, own_words)
            training.train_epoch(self.inputs, self.corpora[part.shard], part.jobs, epoch,
                                 part_rate, self.after_job)  # type: ignore[arg-type]
            stats += np.sum([state.stats for state in self.inputs.threads], axis=0)
            words += sum(stop - start for _, (start, stop, _, _) in part.jobs)
        finished = time.perf_counter()
        mine = (self.inputs.weights.syn0, *self.inputs.model_matrices())
        return RoundResult(mine, stats, words, finished - loaded, loaded - started)

    def close(self) -> None:
        for corpus in self.corpora.values():
            corpus.close()
        self.corpora = {}
