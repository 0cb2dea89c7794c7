"""word2vec on a Ray cluster: shards counted in parallel, trained data-parallel in rounds.

``Word2Vec(corpus_file="shards/", cluster="auto")`` (or ``lmbasics train shards/ --ray auto``)
runs the steps of :mod:`.shards` on Ray (https://docs.ray.io):

1. **vocabulary**: one Ray task per shard counts it (:func:`.shards.count_shard`); the driver
   merges the counts in shard order (:func:`.shards.merge_counts`) and builds the vocabulary,
   tables and initial weights exactly as a single process does;
2. **workers**: ``workers_per_node`` Ray actors per node (each with ``workers`` threads and as
   many CPUs), each given its shards (:func:`.shards.assign_shards`), which it reads and encodes
   itself: no node holds the whole corpus, the driver holds only the vocabulary and weights;
3. **rounds**: each epoch is cut into rounds of about ``sync_words`` words per worker
   (:func:`.shards.plan_rounds`); in a round every worker starts from the last synchronised
   weights, trains its part with the numba kernels and returns its copy; the driver combines
   the copies (:func:`.shards.combine`) into the next synchronised weights. Learning rates
   follow the words trained across the cluster, and every job keeps the seed of its global
   index, so a seeded run with one thread per worker is repeatable on the same cluster, and one
   worker reproduces a single process bit for bit;
4. **failures**: the actors are created with Ray's ``max_restarts``: a worker that dies is
   restarted by Ray (re-reading its shards) and the driver gives it the round again from the
   last synchronised weights, so every shard is trained once per epoch and the result is the one
   the run would have had without the failure.

Why rounds of whole copies combined by their summed changes, rather than a parameter server
(Ordentlich et al. 2016): see ``docs/scaling.md`` (measured cost of a synchronisation, a model
of throughput against nodes and bandwidth, where it stops scaling). The driver is the one
place the copies meet, so a synchronisation moves ``2 x workers`` copies of the weights through
the driver's node: this design is for a handful of nodes, not hundreds.

Not here: the kernels and the epoch loop (:mod:`.training`), shards and rounds (:mod:`.shards`).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import ray
import ray.exceptions
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
from tqdm.auto import tqdm

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import shards as sharding
from lmbasics.word2vec import training
from lmbasics.word2vec.config import Word2VecConfig

logger = logging.getLogger(__name__)

ROUNDS_PER_EPOCH = 8  # the default synchronisation interval: at least this many rounds an epoch
MAX_SYNC_WORDS = 1_000_000  # and at most this many words a worker between synchronisations


@dataclass
class ClusterConfig:
    """Where and how a :class:`~lmbasics.word2vec.Word2Vec` trains on a Ray cluster."""

    # ray.init's address: "auto" (the cluster this machine belongs to, `ray start`), "HOST:PORT"
    # (the head node), or "local" (start a one-machine cluster here). A process that has
    # already called ray.init uses that cluster.
    address: str = "auto"
    workers_per_node: int = 1  # Ray actors per node, each with Word2Vec.workers threads
    # words each worker trains between synchronisations; None: an eighth of its share of an
    # epoch, at most 1,000,000 (docs/scaling.md: the cost of a synchronisation, staleness)
    sync_words: int | None = None
    combine: str = "sum"  # the workers' changes summed ("sum") or their copies averaged ("mean")
    max_restarts: int = 3  # times each worker is restarted after dying before the run fails

    @classmethod
    def resolve(cls, value: str | ClusterConfig) -> ClusterConfig:
        """An address string means the default settings on that cluster."""
        config = cls(address=value) if isinstance(value, str) else value
        if not isinstance(config, cls):
            raise LmbasicsError(f"cluster must be an address or a ClusterConfig, got {value!r}")
        return config.validate()

    def validate(self) -> ClusterConfig:
        for name in ("workers_per_node", "sync_words"):
            value = getattr(self, name)
            if name == "sync_words" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise LmbasicsError(f"{name} must be an integer >= 1, got {value!r}")
        if isinstance(self.max_restarts, bool) or not isinstance(self.max_restarts, int) or (
                self.max_restarts < 0):
            raise LmbasicsError(f"max_restarts must be an integer >= 0, got {self.max_restarts!r}")
        if self.combine not in sharding.COMBINE:
            raise LmbasicsError(f"combine must be one of {', '.join(sharding.COMBINE)}, "
                                f"got {self.combine!r}")
        if not isinstance(self.address, str) or not self.address:
            raise LmbasicsError(f"the cluster address must be a string, got {self.address!r}")
        return self


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` (see :class:`ClusterConfig`), unless joined."""
    if ray.is_initialized():
        return
    try:
        if address == "local":
            ray.init(include_dashboard=False)
        else:
            ray.init(address=address)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise LmbasicsError(f"cannot join the Ray cluster at {address!r}: "
                            f"{str(error).splitlines()[0] if str(error) else error}") from None


def _get(refs: Any) -> Any:
    """``ray.get``, with an error raised in a task as that error (one line, not Ray's report)."""
    try:
        return ray.get(refs)
    except ray.exceptions.RayTaskError as error:
        if isinstance(error.cause, (LmbasicsError, OSError)):
            raise LmbasicsError(str(error.cause)) from None
        raise


@ray.remote(num_cpus=1)
def _count(path: str) -> sharding.ShardCount:
    return sharding.count_shard(path)


def build_vocab(model: Any, corpus_iterable: Any, corpus_file: Any, update: bool,
                keep_raw_vocab: bool, trim_rule: Any) -> None:
    """:meth:`.Word2Vec.build_vocab` on the cluster: one counting task per shard, merged."""
    files = _shards(corpus_iterable, corpus_file)
    connect(model.cluster.address)
    counted: list[sharding.ShardCount] = _get([_count.remote(str(path)) for path in files])
    words, counts = sharding.merge_counts(counted)
    if not words:
        raise LmbasicsError("the corpus contains no words")
    model.build_vocab_from_freq(dict(zip(words, counts.tolist())), keep_raw_vocab,
                                corpus_count=sum(shard.sentences for shard in counted),
                                trim_rule=trim_rule, update=update)
    model._corpus_total_words = sum(shard.total_words for shard in counted)
    model._set_corpus(None, tuple(files))
    model.invalid_utf8_lines = sum(shard.invalid_utf8_lines for shard in counted)
    if model.invalid_utf8_lines:
        logger.warning("%d line(s) with invalid UTF-8 (replaced by U+FFFD)",
                       model.invalid_utf8_lines)


def _shards(corpus_iterable: Any, corpus_file: Any) -> list[Path]:
    if corpus_iterable is not None:
        raise LmbasicsError("a cluster trains on corpus files, which its workers read: pass "
                            "corpus_file (a file, a directory, a glob or a list of files)")
    if corpus_file is None:
        raise LmbasicsError("no corpus given: pass corpus_file")
    return sharding.shard_files(corpus_file)


def training_shards(model: Any, corpus_iterable: Any, corpus_file: Any) -> tuple[Path, ...]:
    """The shards :meth:`.Word2Vec.train` trains on: those given, else build_vocab's."""
    if corpus_iterable is None and corpus_file is None:
        if not isinstance(model._corpus_source, tuple):
            raise LmbasicsError("no corpus to train on: pass corpus_file")
        return model._corpus_source
    return tuple(_shards(corpus_iterable, corpus_file))


def default_sync_words(words_per_epoch: int, workers: int) -> int:
    """Words a worker trains between synchronisations when not set: eight rounds an epoch
    (staler copies cost accuracy: docs/scaling.md), at most 1,000,000 words (a longer round
    makes the cost of a synchronisation smaller, not the copies fresher)."""
    return max(1, min(MAX_SYNC_WORDS, words_per_epoch // (ROUNDS_PER_EPOCH * max(workers, 1))))


class _Worker(sharding.ShardTrainer):
    """A :class:`.shards.ShardTrainer` as a Ray actor. ``fail_after`` (tests): in its first
    life, the process exits after training that many jobs, as a crashed node would."""

    def __init__(self, config: dict[str, Any], tables: training.Tables, keys: list[str],
                 shards: dict[int, str], fail_after: int | None = None) -> None:
        after_job = None
        if fail_after is not None and not ray.get_runtime_context().was_current_actor_reconstructed:
            done = [0]

            def after_job(tokens: int) -> None:
                done[0] += 1
                if done[0] >= fail_after:
                    os._exit(1)

        super().__init__(config, tables, keys, shards, after_job)
        self._life = uuid.uuid4().hex

    def life(self) -> str:
        """A token new with every start of the process (Ray's restarts included)."""
        return self._life


_RayWorker = ray.remote(_Worker)
_RETRIES = 600  # calls of a worker that is being restarted, half a second apart


def _nodes(cpus_per_node: int) -> list[str]:
    """The IDs of the live nodes with CPUs, checked to have ``cpus_per_node`` of them."""
    nodes = sorted((node for node in ray.nodes()
                    if node.get("Alive") and node.get("Resources", {}).get("CPU", 0) > 0),
                   key=lambda node: node["NodeID"])
    if not nodes:
        raise LmbasicsError("the Ray cluster has no node with CPUs")
    for node in nodes:
        if node["Resources"]["CPU"] < cpus_per_node:
            raise LmbasicsError(
                f"node {node.get('NodeManagerAddress', node['NodeID'])} has "
                f"{node['Resources']['CPU']:g} CPUs, fewer than workers_per_node x workers "
                f"(threads) = {cpus_per_node}")
    return [node["NodeID"] for node in nodes]


class _Run:
    """One training run: the workers, their shards and jobs, the rounds and their costs."""

    def __init__(self, model: Any, files: tuple[Path, ...], config: Word2VecConfig,
                 fail_after: dict[int, int]) -> None:
        self.model, self.config, self.cluster = model, config, model.cluster
        connect(self.cluster.address)
        nodes = _nodes(self.cluster.workers_per_node * config.workers)
        count = min(len(nodes) * self.cluster.workers_per_node, len(files))
        if count < len(nodes) * self.cluster.workers_per_node:
            logger.warning("%d shard(s) for %d workers: split the corpus into more files to use "
                           "them all", len(files), len(nodes) * self.cluster.workers_per_node)
        sizes = [path.stat().st_size if path.exists() else 1 for path in files]
        self.assignment = sharding.assign_shards(sizes, count)
        # kept while the run lasts: Ray re-creates a restarted actor from these arguments
        self.tables = ray.put(training.Tables(
            model.keep_probability, model.codes, model.points, model.code_lengths,
            model.alias_probability, model.alias_index))
        self.keys = ray.put(list(model.wv.index_to_key))
        self.actors = []
        for worker, shards in enumerate(self.assignment):
            strategy = NodeAffinitySchedulingStrategy(
                nodes[worker // self.cluster.workers_per_node], soft=True)
            self.actors.append(_RayWorker.options(
                num_cpus=config.workers, max_restarts=self.cluster.max_restarts,
                max_task_retries=0, scheduling_strategy=strategy,
            ).remote(config.to_dict(), self.tables, self.keys, {s: str(files[s]) for s in shards},
                     fail_after.get(worker)))
        self.restarts = [0] * count
        self.lives: list[str | None] = [None] * count
        self.lives = self._each(lambda w: self.actors[w].life.remote())
        described: dict[int, tuple[int, int, list]] = {}
        for found in self._each(lambda w: self.actors[w].describe.remote()):
            described.update(found)
        self.plans = [described[shard][2] for shard in range(len(files))]
        self.words_per_epoch = sum(described[shard][0] for shard in range(len(files)))
        self.sync_words = self.cluster.sync_words or default_sync_words(self.words_per_epoch,
                                                                        count)
        self.sync = dict.fromkeys(("synchronisations", "sync_seconds", "train_seconds",
                                   "put_seconds", "combine_seconds", "load_seconds"), 0.0)

    def _each(self, call: Any) -> list[Any]:
        """``call(worker)`` on every worker, gathered. A worker whose process died is called
        again once Ray has restarted it (a new life: :meth:`_Worker.life`)."""
        refs = [call(worker) for worker in range(len(self.actors))]
        return [self._gather(worker, ref, call) for worker, ref in enumerate(refs)]

    def _gather(self, worker: int, ref: Any, call: Any) -> Any:
        died = 0
        for retried in range(_RETRIES):
            try:
                result = _get(ref)
            except ray.exceptions.RayActorError as error:
                if error.actor_init_failed:  # reading its shards failed: no restart helps
                    lines = [line for line in str(error).splitlines() if line.strip()]
                    raise LmbasicsError(f"worker {worker} could not start: "
                                        f"{lines[-1].split(': ', 1)[-1]}") from None
                if isinstance(error, ray.exceptions.ActorDiedError):
                    died += 1  # the call that was in flight, or the restarts are spent
                    if died > 1:
                        raise LmbasicsError(
                            f"worker {worker} died and cannot be restarted (max_restarts="
                            f"{self.cluster.max_restarts}): {str(error).splitlines()[0]}"
                        ) from None
                else:
                    time.sleep(0.5)  # being restarted: call it again
            else:
                if retried:
                    self._count_restarts(worker)
                return result
            if not retried:
                logger.warning("worker %d died: Ray restarts it and it trains its round again "
                               "from the last synchronised weights", worker)
            ref = call(worker)
        raise LmbasicsError(f"worker {worker} did not come back after {_RETRIES} tries")

    def _count_restarts(self, worker: int) -> None:
        life = _get(self.actors[worker].life.remote())
        if life != self.lives[worker]:
            self.lives[worker] = life
            self.restarts[worker] += 1

    def train_round(self, round_: sharding.Round, rate: training.LearningRate,
                    matrices: tuple[np.ndarray, ...]) -> tuple[np.ndarray, int]:
        """Train one round from ``matrices`` (the synchronised weights) and combine the workers'
        copies into them; the round's counts and the words the workers trained. Times what the
        synchronisation costs."""
        started = time.perf_counter()
        weights = ray.put(matrices)
        put = time.perf_counter()
        cluster_words = sum(round_.words)
        results: list[sharding.RoundResult] = self._each(
            lambda w: self.actors[w].train_round.remote(
                weights, round_.epoch, round_.parts[w], rate, round_.base, cluster_words,
                round_.words[w], self.words_per_epoch))
        gathered = time.perf_counter()
        for index, matrix in enumerate(matrices):
            sharding.combine(matrix, [result.weights[index] for result in results],
                             self.cluster.combine)
        finished = time.perf_counter()
        compute = max(result.train_seconds for result in results)
        cost = self.sync
        cost["synchronisations"] += 1
        cost["train_seconds"] += compute
        cost["sync_seconds"] += finished - started - compute
        cost["put_seconds"] += put - started
        cost["combine_seconds"] += finished - gathered
        cost["load_seconds"] += max(result.load_seconds for result in results)
        return (np.sum([result.stats for result in results], axis=0),
                sum(result.words for result in results))

    def close(self) -> None:
        try:
            ray.wait([actor.close.remote() for actor in self.actors], num_returns=len(self.actors),
                     timeout=30)
        finally:
            for actor in self.actors:
                ray.kill(actor, no_restart=True)


def train(model: Any, files: tuple[Path, ...], config: Word2VecConfig, alpha0: float,
          alpha1: float, callbacks: list[Any], fail_after: dict[int, int] | None = None
          ) -> tuple[int, int]:
    """:meth:`.Word2Vec.train` on the cluster; the model's matrices hold the result.
    ``fail_after``: {worker: jobs} that worker's process exits after (tests)."""
    run = _Run(model, files, config, fail_after or {})
    try:
        return _train_epochs(model, run, config, alpha0, alpha1, callbacks)
    finally:
        run.close()


def _train_epochs(model: Any, run: _Run, config: Word2VecConfig, alpha0: float, alpha1: float,
                  callbacks: list[Any]) -> tuple[int, int]:
    matrices = (model.wv.vectors, model.syn1, model.syn1neg)
    total = max(run.words_per_epoch * config.epochs, 1)
    rate = training.LearningRate(alpha0, alpha1, total)
    model.loss_history, model.loss_stderr_history = [], []
    raw = kept = 0
    show = model._show_progress()
    bar = tqdm(total=total, unit=" words", unit_scale=True, desc="training on the cluster",
               disable=None if show is None else not show)
    for callback in callbacks:
        if hasattr(callback, "on_train_begin"):
            callback.on_train_begin(model)
    started = time.perf_counter()
    try:
        for epoch in range(config.epochs):
            for callback in callbacks:
                if hasattr(callback, "on_epoch_begin"):
                    callback.on_epoch_begin(model)
            counts = np.zeros(5)
            for round_ in sharding.plan_rounds(run.plans, run.assignment, run.sync_words, epoch):
                round_counts, words = run.train_round(round_, rate, matrices)
                counts += round_counts
                raw += words  # as the workers count them: every shard once an epoch
                bar.update(words)
            stats = training.EpochStats.from_arrays([counts])
            kept += stats.kept_words
            if stats.measured:
                model.loss_history.append(stats.mean_loss)
                model.loss_stderr_history.append(stats.loss_stderr)
                bar.set_postfix(epoch=epoch + 1, loss=f"{stats.mean_loss:.4f}")
            for callback in callbacks:
                if hasattr(callback, "on_epoch_end"):
                    callback.on_epoch_end(model)
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    sync = run.sync
    syncs = sync["synchronisations"]
    model.training_stats = {
        "seconds": seconds, "raw_words": raw, "kept_words": kept,
        "words_per_second": raw / seconds if seconds > 0 else float("inf"),
        "cluster_workers": len(run.actors), "restarts": sum(run.restarts),
        "synchronisations": int(syncs), "sync_words": run.sync_words,
        # per synchronisation: each worker receives the weights and returns its copy
        "sync_bytes": 2 * len(run.actors) * sum(matrix.nbytes for matrix in matrices),
        "sync_seconds": sync["sync_seconds"] / max(syncs, 1),  # the round's time not training
        **{f"sync_{part}_seconds": sync[f"{part}_seconds"] / max(syncs, 1)
           for part in ("put", "combine", "load")},
        "worker_train_seconds": sync["train_seconds"],  # the slowest worker's, summed
        "cluster": asdict(run.cluster),
    }
    model.wv.norms = None
    return kept, raw
