"""Word2Vec: build the vocabulary, train with threads, report the loss, save and load.

The driver around :mod:`.kernels`: it owns validation, the schedule, progress and the loss
history, and hands the kernels named tuples of arrays and scalars built by :mod:`.training`,
whose epoch function runs the threads. Training follows word2vec.c:

- the corpus is encoded once to int32 (:mod:`.vocab`) and cut at sentence ends into jobs of
  ``batch_words`` tokens; ``workers`` threads take jobs and run the ``nogil`` kernel on them,
  updating the shared matrices without locks (Hogwild, as word2vec.c and gensim do);
- the learning rate falls linearly from ``alpha`` to ``min_alpha`` over all epochs, by the
  position of each sentence in the whole run (not by wall-clock order of finished jobs), and
  every job's random generator is seeded from ``(seed, epoch, job)``: with ``workers=1`` a seeded
  run is bit-for-bit reproducible; with more workers only the Hogwild races differ;
- the loss is the exact negative log-likelihood of a prediction, computed in the kernels for a
  fixed pseudo-random sample of an epoch's predictions (``loss_sample``; the training draws do
  not depend on it) or, with ``compute_loss=True``, for every one; ``loss_history`` holds the
  mean per prediction for each epoch and ``loss_stderr_history`` its standard error (0 when
  exact). (gensim's ``get_latest_training_loss`` is a float32 running sum of a table
  approximation across calls, computed only with ``compute_loss=True``.)

Not here: the kernels' arguments and the epoch loop (:mod:`.training`), queries and files
(:class:`.KeyedVectors`), corpus reading (:mod:`.corpus`).
"""

from __future__ import annotations

import logging
import numbers
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from lmbasics._util.errors import LmbasicsError
from lmbasics._util.memory import release_free_memory
from lmbasics.word2vec import training
from lmbasics.word2vec.config import SOFTMAX_MAX_VOCAB, Fixed, ReadOnly, Setting, Word2VecConfig
from lmbasics.word2vec.corpus import LineSentence, check_sentences, iter_checked
from lmbasics.word2vec.huffman import build_huffman_tree
from lmbasics.word2vec.keyedvectors import KeyedVectors
from lmbasics.word2vec.npz import MODEL_MAGIC, check_vocabulary, load_npz, save_npz
from lmbasics.word2vec.sampling import build_alias_table, noise_distribution
from lmbasics.word2vec.vocab import (
    EncodedCorpus,
    effective_min_count,
    encode_corpus,
    finalize_vocab,
    keep_mask,
    keep_probabilities,
    remap_corpus,
    scan_corpus,
    select_vocab,
)

logger = logging.getLogger(__name__)


# gensim names lmbasics does not have, with the reason and what to use instead
_NOT_SUPPORTED = {
    "running_training_loss": "the loss is exact and kept per epoch: use loss_history or "
                             "get_latest_training_loss()",
    "cum_table": "noise words are drawn from an alias table (alias_probability, alias_index)",
    "make_cum_table": "build_vocab builds the noise alias table",
    "min_alpha_yet_reached": "the learning rate is set per job from its position in the run",
    "scan_vocab": "build_vocab counts, selects and encodes in one streaming pass",
    "prepare_vocab": "build_vocab counts, selects and encodes in one streaming pass",
    "prepare_weights": "build_vocab allocates the weights; init_weights() resets them",
    "update_weights": "build_vocab(update=True) grows the weights",
    "add_null_word": "null_word is not supported",
    "seeded_vector": "initial vectors come from one generator seeded with `seed`",
    "reset_from": "call build_vocab on the same corpus",
    "score": "gensim scores only with hierarchical-softmax Skip-gram; see loss_history",
    "add_lifecycle_event": "there is no lifecycle log: training_stats and loss_history record runs",
    "lifecycle_events": "there is no lifecycle log: training_stats and loss_history record runs",
}


class Word2Vec:
    """word2vec with gensim's interface: ``Word2Vec(sentences, vector_size=100, ...).wv``.

    Pass ``sentences`` (a re-iterable of token lists) or ``corpus_file`` (a path: text, ``.gz``
    or a directory) to build the vocabulary and train at once, or neither and call
    :meth:`build_vocab` and :meth:`train` yourself. Settings are those of
    :class:`~lmbasics.word2vec.config.Word2VecConfig` (gensim's names); ``softmax=1`` (with
    ``hs=0, negative=0``) selects the full-softmax textbook model. ``docs/gensim.md`` lists
    gensim's whole surface and what lmbasics does with each name.

    ``cluster`` trains on a Ray cluster instead of this process's threads: an address
    (``"auto"``, ``"HOST:PORT"``, ``"local"``) or a
    :class:`~lmbasics.word2vec.distributed.ClusterConfig` (workers per node, words between
    synchronisations); the corpus is then ``corpus_file``, one file per shard (a directory, a
    glob or a list of files), ``workers`` is the threads of each cluster worker, and the result
    is an ordinary model (:mod:`.distributed`; needs ``pip install 'lmbasics[ray]'``).

    Settings are attributes that write through to :attr:`config`, validated (``model.window = 3``
    takes effect at the next :meth:`train`); what the model computes (``corpus_count``, ...) is
    read-only. ``vector_size``, ``hs``, ``softmax`` and whether ``negative`` is on shape the
    weights, so they cannot change once the vocabulary is built.
    """

    vector_size = Setting()
    window = Setting()
    min_count = Setting()  # takes effect at the next build_vocab
    max_final_vocab = Setting()  # takes effect at the next build_vocab
    sample = Setting()
    sg = Setting()
    hs = Setting()
    negative = Setting()
    softmax = Setting()
    shared_negatives = Setting()
    ns_exponent = Setting()
    cbow_mean = Setting()
    min_alpha = Setting()
    epochs = Setting()
    workers = Setting()
    seed = Setting()
    batch_words = Setting()
    compute_loss = Setting()
    loss_sample = Setting()  # the fraction of predictions whose loss is measured (0: none)
    comment = Setting()

    config = ReadOnly("settings are assigned one by one (model.window = 3), validated")
    corpus_count = ReadOnly("the number of sentences build_vocab read")
    corpus_total_words = ReadOnly("the number of tokens build_vocab read")
    effective_min_count = ReadOnly("the min_count build_vocab applied (raised by max_final_vocab)")
    raw_vocab = ReadOnly("every word's count from the last build_vocab(keep_raw_vocab=True)")
    train_count = ReadOnly("the number of train() calls")
    total_train_time = ReadOnly("seconds spent in train(), all calls")

    max_vocab_size = Fixed(None, "the vocabulary is counted exactly; cap it with max_final_vocab")
    sorted_vocab = Fixed(1, "the vocabulary is always sorted by descending frequency")
    null_word = Fixed(0, "CBOW averages the context it has; there is no padding word")
    shrink_windows = Fixed(True, "the kernels draw a reduced window per word, as word2vec.c does")
    hashfxn = Fixed(hash, "initial vectors come from one generator seeded with `seed`")

    def __init__(
        self,
        sentences: Iterable[list[str]] | None = None,
        corpus_file: str | os.PathLike[str] | None = None,
        progress: bool | None = None,
        trim_rule: Callable[[str, int, int], int] | None = None,
        callbacks: Iterable[Any] = (),
        cluster: Any = None,
        **settings: Any,
    ) -> None:
        for name in [name for name in settings if isinstance(vars(Word2Vec).get(name), Fixed)]:
            vars(Word2Vec)[name].check(settings.pop(name))
        self._config = Word2VecConfig.from_dict(settings).validate()
        self.progress = progress
        self.wv = KeyedVectors(self.config.vector_size)
        self.syn1 = np.zeros((0, self.config.vector_size), np.float32)
        self.syn1neg = np.zeros((0, self.config.vector_size), np.float32)
        self.loss_history: list[float] = []
        self.loss_stderr_history: list[float] = []
        self.training_stats: dict[str, float] = {}
        self._corpus_count = self._corpus_total_words = self._train_count = 0
        self._effective_min_count = self.config.min_count
        self._raw_vocab: dict[str, int] = {}
        self._total_train_time = 0.0
        self.invalid_utf8_lines = 0
        self._corpus: EncodedCorpus | None = None
        self._corpus_source: Any = None
        self.cluster = cluster
        if sentences is not None and corpus_file is not None:
            raise LmbasicsError("pass either sentences or corpus_file, not both")
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences, corpus_file=corpus_file, trim_rule=trim_rule)
            self.train(callbacks=callbacks)
        elif trim_rule is not None or callbacks:
            logger.warning("trim_rule and callbacks act only when a corpus is given: pass them to "
                           "build_vocab and train (as in gensim 4)")

    # ------------------------------------------------------------------ settings as attributes
    def __getattr__(self, name: str) -> Any:
        if name in _NOT_SUPPORTED:
            raise AttributeError(f"Word2Vec.{name} is not supported: {_NOT_SUPPORTED[name]}")
        raise AttributeError(f"'Word2Vec' object has no attribute {name!r}")

    @property
    def alpha(self) -> float:
        """The initial learning rate (``alpha=None`` resolves to 0.025 Skip-gram, 0.05 CBOW)."""
        return self.config.resolved_alpha

    @alpha.setter
    def alpha(self, value: float | None) -> None:
        self._set_setting("alpha", value)

    @property
    def cluster(self) -> Any:
        """The Ray cluster this model counts and trains on (a
        :class:`~lmbasics.word2vec.distributed.ClusterConfig`), or None: this process."""
        return self._cluster

    @cluster.setter
    def cluster(self, value: Any) -> None:
        self._cluster = None if value is None else self._distributed().ClusterConfig.resolve(value)

    @property
    def layer1_size(self) -> int:
        """gensim's name for the hidden layer's size: ``vector_size``."""
        return self.config.vector_size

    def _set_setting(self, name: str, value: Any) -> None:
        config = replace(self.config, **{name: value}).validate()
        if len(self.wv):
            before, after = self.config, config
            for shaping in ("vector_size", "hs", "softmax"):
                if getattr(before, shaping) != getattr(after, shaping):
                    raise LmbasicsError(f"{shaping} shapes the weights and cannot change once the "
                                        "vocabulary is built: build a new model")
            if (before.negative > 0) != (after.negative > 0):
                raise LmbasicsError("negative sampling cannot be switched on or off once the "
                                    "vocabulary is built: build a new model")
            if config.softmax and len(self.wv) > SOFTMAX_MAX_VOCAB:
                raise LmbasicsError(f"full softmax is limited to {SOFTMAX_MAX_VOCAB:,} words")
        self._config = config
        if len(self.wv) and name in ("sample", "ns_exponent"):
            self._prepare_tables()

    # ------------------------------------------------------------------ vocabulary
    def _sentences(self, sentences: Any, corpus_file: Any) -> Iterable[list[str]]:
        if corpus_file is not None:
            return LineSentence(corpus_file)
        if sentences is None:
            raise LmbasicsError("no corpus given: pass sentences or corpus_file")
        return iter_checked(check_sentences(sentences))

    def build_vocab(
        self,
        corpus_iterable: Iterable[list[str]] | None = None,
        corpus_file: str | os.PathLike[str] | None = None,
        update: bool = False,
        progress_per: int = 10000,
        keep_raw_vocab: bool = False,
        trim_rule: Callable[[str, int, int], int] | None = None,
        **kwargs: Any,
    ) -> None:
        """Count the corpus, keep frequent words, encode it, initialise the weights.

        ``update=True`` adds the corpus's new words (those passing ``min_count`` / ``trim_rule``
        in it) after the existing ones, adds its counts to theirs, keeps every existing vector and
        output row, gives the new words fresh vectors, and rebuilds the Huffman tree and noise
        table from the combined counts (gensim's online training). ``min_count`` / ``sample``
        keywords set those settings first (gensim passes them on to ``prepare_vocab``);
        ``progress_per`` is accepted (progress is a tqdm bar).
        """
        del progress_per
        self._apply_vocab_settings(kwargs)
        if self.cluster is not None:
            self._distributed().build_vocab(self, corpus_iterable, corpus_file, update,
                                            keep_raw_vocab, trim_rule)
            return
        source = self._sentences(corpus_iterable, corpus_file)
        words, counts, corpus = scan_corpus(source, progress=self._show_progress())
        if isinstance(source, LineSentence):
            self.invalid_utf8_lines = source.stats.invalid_utf8_lines
            if self.invalid_utf8_lines:
                logger.warning(
                    "%s: %d line(s) with invalid UTF-8 (replaced by U+FFFD)",
                    corpus_file, self.invalid_utf8_lines,
                )
        try:
            if update:
                self._grow_vocab(words, counts, corpus, trim_rule)
            else:
                keys, kept_counts = finalize_vocab(
                    words, counts, corpus, self.config.min_count, self.config.max_final_vocab,
                    trim_rule,
                )
        except BaseException:
            corpus.close()
            raise
        self._effective_min_count = effective_min_count(
            counts, self.config.min_count, self.config.max_final_vocab)
        self._raw_vocab = dict(zip(words, counts.tolist())) if keep_raw_vocab else {}
        self._set_corpus(corpus, corpus_iterable if corpus_iterable is not None else corpus_file)
        self._corpus_total_words, self._corpus_count = corpus.total_words, corpus.num_sentences
        if not update:
            # Free the scan's whole vocabulary before the weights are allocated. The kept words
            # are copied out and back so that the new strings sit together instead of pinning the
            # small-object arenas the scan filled with every distinct word (~6 MB of peak RSS
            # measured on enwiki-17M), and glibc is asked to give the freed heap back.
            blob, ends = "".join(keys), np.cumsum([len(key) for key in keys])
            del words, counts, keys
            release_free_memory()
            keys = [blob[start:end]
                    for start, end in zip(np.r_[0, ends[:-1]].tolist(), ends.tolist())]
            del blob
            self._init_weights(keys, kept_counts)
        self._load_kernel()

    def build_vocab_from_freq(
        self,
        word_freq: dict[str, int],
        keep_raw_vocab: bool = False,
        corpus_count: int | None = None,
        trim_rule: Callable[[str, int, int], int] | None = None,
        update: bool = False,
    ) -> None:
        """The vocabulary from ``{word: count}`` instead of a corpus (then :meth:`train` on one);
        ``corpus_count`` sets :attr:`corpus_count`. ``update=True`` grows it as
        :meth:`build_vocab` does."""
        words = list(word_freq)
        counts = np.array([word_freq[word] for word in words], dtype=object)
        if not all(isinstance(c, numbers.Integral) and c >= 0 for c in counts):
            raise LmbasicsError("word_freq must map words to non-negative integer counts")
        if not all(isinstance(word, str) for word in words):
            raise LmbasicsError("word_freq keys must be str")
        counts = counts.astype(np.int64) if len(counts) else np.zeros(0, np.int64)
        if update:
            self._grow_vocab(words, counts, None, trim_rule)
        else:
            order = select_vocab(words, counts, self.config.min_count, self.config.max_final_vocab,
                                 trim_rule)
            self._init_weights([words[i] for i in order], counts[order])
        self._effective_min_count = effective_min_count(
            counts, self.config.min_count, self.config.max_final_vocab)
        self._raw_vocab = dict(zip(words, counts.tolist())) if keep_raw_vocab else {}
        self._set_corpus(None, None)
        self._corpus_count = int(corpus_count or 0)
        self._load_kernel()

    def _apply_vocab_settings(self, kwargs: dict[str, Any]) -> None:
        unknown = sorted(set(kwargs) - {"min_count", "sample"})
        if unknown:
            raise LmbasicsError(f"unknown build_vocab argument(s): {', '.join(unknown)}"
                                + (" (dry_run is not supported)" if "dry_run" in unknown else ""))
        for name, value in kwargs.items():
            if value is not None:
                self._set_setting(name, value)

    def _grow_vocab(self, words: list[str], counts: np.ndarray, corpus: EncodedCorpus | None,
                    trim_rule: Callable | None) -> None:
        """gensim's vocabulary update: new words that pass ``min_count`` (in the new corpus) are
        appended in first-seen order; every known word's count grows by its new count."""
        if not len(self.wv):
            raise LmbasicsError("build_vocab(update=True) needs a vocabulary to grow: call "
                                "build_vocab without update first")
        threshold = effective_min_count(counts, self.config.min_count, self.config.max_final_vocab)
        keep = keep_mask(words, counts, threshold, trim_rule)
        known = self.wv.key_to_index
        new = [i for i in np.flatnonzero(keep).tolist() if words[i] not in known]
        old_size, size = len(self.wv), self.config.vector_size
        if self.config.softmax and old_size + len(new) > SOFTMAX_MAX_VOCAB:
            raise LmbasicsError(f"full softmax is limited to {SOFTMAX_MAX_VOCAB:,} words")
        for word, count in zip(words, counts.tolist()):
            index = known.get(word)
            if index is not None:
                self.wv.counts[index] += count
        rng = np.random.default_rng([self.config.seed, old_size])
        vectors = ((rng.random((len(new), size), dtype=np.float32) * 2 - 1) / size)
        self.wv.add_vectors([words[i] for i in new], vectors, extras={"count": counts[new]})
        if corpus is not None:
            remap_corpus(corpus, np.array([known.get(word, -1) for word in words], np.int32))
        config = self.config
        self.syn1neg = self._grown(self.syn1neg, len(self.wv) if (config.negative or config.softmax) else 1)
        self.syn1 = self._grown(self.syn1, len(self.wv) - 1 if config.hs else 1)
        self._prepare_tables()

    @staticmethod
    def _grown(matrix: np.ndarray, rows: int) -> np.ndarray:
        """``matrix`` with zero rows appended up to ``rows`` (old rows kept, bit for bit)."""
        if rows <= len(matrix):
            return matrix
        grown = np.zeros((rows, matrix.shape[1]), matrix.dtype)
        grown[: len(matrix)] = matrix
        return grown

    def _set_corpus(self, corpus: EncodedCorpus | None, source: Any) -> None:
        if self._corpus is not None and self._corpus is not corpus:
            self._corpus.close()
        self._corpus, self._corpus_source = corpus, source

    def init_weights(self) -> None:
        """Reset every vector to a fresh random start and the output layers to zero (gensim)."""
        if not len(self.wv):
            raise LmbasicsError("build the vocabulary first (build_vocab)")
        self._init_weights(list(self.wv.index_to_key), self.wv.counts.copy())

    def _init_weights(self, keys: list[str], counts: np.ndarray) -> None:
        config = self.config
        if config.softmax and len(keys) > SOFTMAX_MAX_VOCAB:
            raise LmbasicsError(
                f"full softmax over {len(keys):,} words is too slow (limit {SOFTMAX_MAX_VOCAB:,}):"
                " use negative sampling or hierarchical softmax, or raise min_count"
            )
        if config.hs and len(keys) < 2:
            raise LmbasicsError("hierarchical softmax needs at least 2 words in the vocabulary")
        rng = np.random.default_rng(config.seed)
        size = config.vector_size
        # uniform in [-1/N, 1/N] as gensim 4 initialises (word2vec.c uses half that range;
        # measured on enwiki-1M, the wider start ends 5 epochs at a lower loss)
        vectors = rng.random((len(keys), size), dtype=np.float32)
        vectors *= 2.0
        vectors -= 1.0
        vectors /= size  # in place: no V x N temporaries (peak memory)
        self.wv = KeyedVectors.from_arrays(keys, vectors, counts)
        self._prepare_tables()
        # both output matrices are views of the first rows of buffers that hold the workers'
        # copies of their hot rows after them (training.copy_layout), allocated once here
        rows = len(keys) if (config.negative or config.softmax) else 1
        nodes = max(len(keys) - 1, 1) if config.hs else 1
        layout = training.copy_layout(nodes, rows, self.codes.shape[1], config.hs,
                                      config.negative, config.workers)
        self.syn1neg = np.zeros((layout.output_rows, size), np.float32)[:rows]
        self.syn1 = np.zeros((layout.syn1_rows, size), np.float32)[:nodes]

    def _prepare_tables(self) -> None:
        counts = self.wv.counts
        config = self.config
        self.keep_probability = keep_probabilities(counts, config.sample)
        if config.hs:
            # the tree is built over counts in descending order; a vocabulary grown by
            # build_vocab(update=True) has its new words at the end, so sort and map back
            order = np.argsort(-counts, kind="stable")
            tree = build_huffman_tree(counts[order])
            if np.array_equal(order, np.arange(len(order))):  # the usual case: no second copy
                self.codes, self.points = tree.codes, tree.points
                self.code_lengths = tree.code_lengths
            else:
                self.codes, self.points = np.empty_like(tree.codes), np.empty_like(tree.points)
                self.code_lengths = np.empty_like(tree.code_lengths)
                self.codes[order], self.points[order] = tree.codes, tree.points
                self.code_lengths[order] = tree.code_lengths
        else:
            self.codes = np.zeros((1, 1), np.uint8)
            self.points = np.zeros((1, 1), np.int32)
            self.code_lengths = np.zeros(1, np.int32)
        if config.negative:
            table = build_alias_table(noise_distribution(counts, config.ns_exponent))
            self.alias_probability, self.alias_index = table.probability, table.alias
        else:
            self.alias_probability = np.ones(1, np.float64)
            self.alias_index = np.zeros(1, np.int32)

    # ------------------------------------------------------------------ training
    def _kernel_inputs(self, config: Word2VecConfig, longest: int,
                       words_per_epoch: int = 0) -> training.KernelInputs:
        """The kernels' arguments for ``config`` (:func:`.training.kernel_inputs`); ``syn1`` and
        ``syn1neg`` become views of buffers with room for the workers' copy rows."""
        tables = training.Tables(self.keep_probability, self.codes, self.points,
                                 self.code_lengths, self.alias_probability, self.alias_index)
        weights = training.Weights(self.wv.vectors, self.syn1, self.syn1neg)
        inputs = training.kernel_inputs(config, weights, tables, longest, words_per_epoch)
        self.syn1, self.syn1neg = inputs.model_matrices()
        return inputs

    def _load_kernel(self) -> None:
        """Have numba load (or compile) the kernel training will call, on an empty chunk.

        Numba's first call of a kernel costs a noticeable fraction of a second even from its
        on-disk cache (it builds its CPU target context); done here, at the end of
        :meth:`build_vocab`, it is not part of the first epoch, and it runs in the main thread:
        in a worker thread its allocations would go to that thread's own malloc arena (peak
        RSS; docs/benchmarks.md). The arrays are the model's own and the settings of the same
        types, so the compiled signature is the one training uses.
        """
        inputs = self._kernel_inputs(replace(self.config, workers=1), 1)
        settings = inputs.settings._replace(hs=False, negative=0, softmax=False)
        state = inputs.threads[0]
        chunk = training.Chunk(state.kept[:0], np.zeros(0, np.int64), 0.0, 0.0, np.uint64(1))
        training.run_chunk(inputs._replace(settings=settings), chunk)

    def _show_progress(self) -> bool | None:
        return None if self.progress is None else bool(self.progress)

    def train(
        self,
        corpus_iterable: Iterable[list[str]] | None = None,
        corpus_file: str | os.PathLike[str] | None = None,
        total_examples: int | None = None,
        total_words: int | None = None,
        epochs: int | None = None,
        start_alpha: float | None = None,
        end_alpha: float | None = None,
        compute_loss: bool | None = None,
        callbacks: Iterable[Any] = (),
        **gensim_queue: Any,
    ) -> tuple[int, int]:
        """Train for ``epochs``; returns ``(kept words, raw words)`` like gensim.

        Without a corpus, trains on the one :meth:`build_vocab` read (already encoded).
        ``epochs``, ``start_alpha``, ``end_alpha`` and ``compute_loss``, when given, become the
        model's ``epochs``, ``alpha``, ``min_alpha`` and ``compute_loss`` (as in gensim).
        ``total_examples`` / ``total_words`` are accepted for gensim compatibility; the true
        counts are known from encoding and used instead. gensim's ``word_count``,
        ``queue_factor`` and ``report_delay`` (keyword arguments here) tune its job queue and
        log; there is no queue here (workers take jobs in turn) and progress is a tqdm bar.
        ``callbacks``: objects with any of gensim's ``on_train_begin``, ``on_epoch_begin``,
        ``on_epoch_end``, ``on_train_end`` (each called with the model; see
        :class:`~lmbasics.word2vec.callbacks.CallbackAny2Vec`).
        """
        del total_examples, total_words
        unknown = set(gensim_queue) - {"word_count", "queue_factor", "report_delay"}
        if unknown:
            raise LmbasicsError(f"unknown train argument(s): {', '.join(sorted(unknown))}")
        if not len(self.wv):
            raise LmbasicsError("build the vocabulary first (build_vocab) or pass a corpus")
        corpus = self._corpus
        source = corpus_iterable if corpus_iterable is not None else corpus_file
        if self.cluster is not None:
            corpus = self._distributed().training_shards(self, corpus_iterable, corpus_file)
        elif source is not None and source is not self._corpus_source:
            sentences = self._sentences(corpus_iterable, corpus_file)
            corpus = encode_corpus(sentences, self.wv.key_to_index, self._show_progress())
            self._set_corpus(corpus, source)
        if corpus is None:
            raise LmbasicsError("no corpus to train on: pass corpus_iterable or corpus_file")
        changes = {"epochs": epochs, "alpha": start_alpha, "min_alpha": end_alpha,
                   "compute_loss": compute_loss}
        for name, value in changes.items():
            if value is not None:
                self._set_setting(name, value)
        self._check_state()
        config = replace(self.config)
        callbacks = list(callbacks)
        run = self._train if self.cluster is None else partial(self._distributed().train, self)
        result = run(corpus, config, config.resolved_alpha, config.min_alpha, callbacks)
        self._train_count += 1
        self._total_train_time += float(self.training_stats.get("seconds", 0.0))
        for callback in callbacks:
            if hasattr(callback, "on_train_end"):
                callback.on_train_end(self)
        return result

    @staticmethod
    def _distributed() -> Any:
        """:mod:`.distributed` (imports Ray: only for a model given a ``cluster``)."""
        try:
            from lmbasics.word2vec import distributed
        except ModuleNotFoundError as error:
            if error.name != "ray":
                raise
            raise LmbasicsError("training on a cluster needs Ray, which is not installed: "
                                "pip install 'lmbasics[ray]'") from None
        return distributed

    def _check_state(self) -> None:
        """The kernels do not check bounds: before training, every array must fit the vocabulary
        (``wv``, ``syn1`` and ``syn1neg`` are plain attributes a user may replace)."""
        vocab_size, size, config = len(self.wv), self.config.vector_size, self.config
        vectors, dtype = self.wv.vectors, self.wv.vectors.dtype
        nodes = max(vocab_size - 1, 1) if config.hs else 1
        expected = [
            (vectors, (vocab_size, size)), (self.syn1, (nodes, size)),
            (self.syn1neg, (vocab_size if (config.negative or config.softmax) else 1, size)),
            (self.keep_probability, (vocab_size,)),
        ]
        if config.hs:
            expected += [(self.codes, (vocab_size, self.codes.shape[1])),
                         (self.points, (vocab_size, self.codes.shape[1])),
                         (self.code_lengths, (vocab_size,))]
        if config.negative:
            expected += [(self.alias_probability, (vocab_size,)), (self.alias_index, (vocab_size,))]
        for array, shape in expected:
            if not isinstance(array, np.ndarray) or array.shape != shape:
                raise LmbasicsError(
                    "the model's arrays no longer match its vocabulary and settings (was wv, "
                    "syn1 or syn1neg replaced?): build_vocab again"
                )
        for array in (vectors, self.syn1, self.syn1neg):
            if array.dtype != dtype or array.dtype not in (np.float32, np.float64):
                raise LmbasicsError("wv.vectors, syn1 and syn1neg must share one float dtype")
            if not array.flags.c_contiguous or not array.flags.writeable:
                raise LmbasicsError("wv.vectors, syn1 and syn1neg must be writable C-ordered arrays")
        if config.hs and len(self.points) and int(self.points.max()) >= nodes:
            raise LmbasicsError("Huffman points exceed syn1: build_vocab again")

    def _train(self, corpus: EncodedCorpus, config: Word2VecConfig, alpha0: float,
               alpha1: float, callbacks: list[Any]) -> tuple[int, int]:
        jobs = list(enumerate(corpus.plan_chunks(config.batch_words)))
        longest = max((stop - start for _, (start, stop, _, _) in jobs), default=1)
        inputs = self._kernel_inputs(config, longest, corpus.total_words)
        measured = inputs.settings.exact_loss or inputs.settings.loss_threshold > 0
        total = max(corpus.total_words * config.epochs, 1)
        self.loss_history, self.loss_stderr_history = [], []
        kept_total, started = 0, time.perf_counter()
        show = self._show_progress()
        bar = tqdm(total=corpus.total_words * config.epochs, unit=" words", unit_scale=True,
                   desc="training", disable=None if show is None else not show)
        for callback in callbacks:
            if hasattr(callback, "on_train_begin"):
                callback.on_train_begin(self)
        try:
            for epoch in range(config.epochs):
                for callback in callbacks:  # gensim's CallbackAny2Vec protocol
                    if hasattr(callback, "on_epoch_begin"):
                        callback.on_epoch_begin(self)
                rate = training.LearningRate(alpha0, alpha1, total, epoch * corpus.total_words)
                stats = training.train_epoch(inputs, corpus, jobs, epoch, rate, bar.update)
                kept_total += stats.kept_words
                if measured:
                    self.loss_history.append(stats.mean_loss)
                    self.loss_stderr_history.append(stats.loss_stderr)
                    bar.set_postfix(epoch=epoch + 1, loss=f"{stats.mean_loss:.4f}")
                logger.info("epoch %d: %d kept words, mean loss %.4f (standard error %.4f, %d of "
                            "%d predictions)", epoch + 1, stats.kept_words, stats.mean_loss,
                            stats.loss_stderr, stats.measured, stats.predictions)
                for callback in callbacks:
                    if hasattr(callback, "on_epoch_end"):
                        callback.on_epoch_end(self)
        finally:
            bar.close()
        seconds = time.perf_counter() - started
        raw = corpus.total_words * config.epochs
        self.training_stats = {
            "seconds": seconds, "raw_words": raw, "kept_words": kept_total,
            "words_per_second": raw / seconds if seconds > 0 else float("inf"),
        }
        self.wv.norms = None
        return kept_total, raw

    def get_latest_training_loss(self) -> float:
        """Mean loss per prediction in the last trained epoch (estimated from a sample unless
        ``compute_loss``; see the module docstring); 0 if none was computed."""
        return self.loss_history[-1] if self.loss_history else 0.0

    # ------------------------------------------------------------------ the trained network
    def predict_output_word(
        self, context_words_list: Iterable[str], topn: int = 10
    ) -> list[tuple[str, float]] | None:
        """The ``topn`` most probable centre words given context words, as the trained CBOW
        network predicts them: ``softmax(syn1neg @ h)`` with ``h`` the mean (``cbow_mean=1``) or
        sum of the context vectors, as gensim computes it for negative sampling (and exactly so
        for ``softmax=1``); hierarchical-softmax models multiply the sigmoids along each word's
        Huffman path. Unknown context words are skipped; none known: ``None`` (gensim)."""
        if isinstance(context_words_list, str):
            raise LmbasicsError("context_words_list must be a list of words, not a str")
        if isinstance(topn, bool) or not isinstance(topn, numbers.Integral):
            raise LmbasicsError(f"topn must be an integer, got {topn!r}")
        indices = [self.wv.get_index(word) for word in context_words_list if word in self.wv]
        if not indices:
            logger.warning("all the input context words are out of the vocabulary")
            return None
        hidden = np.sum(self.wv.vectors[indices], axis=0)
        if self.config.cbow_mean:
            hidden /= len(indices)
        if self.config.negative or self.config.softmax:
            scores = (self.syn1neg @ hidden).astype(np.float64)
            probabilities = np.exp(scores - scores.max())
            probabilities /= probabilities.sum()
        else:
            logits = (self.syn1 @ hidden).astype(np.float64)[self.points]  # (V, L)
            signs = 1.0 - 2.0 * self.codes  # code 0: sigma(x), code 1: sigma(-x)
            on_path = np.arange(self.codes.shape[1]) < self.code_lengths[:, None]
            log_sigmoid = -np.logaddexp(0.0, -signs * logits)
            probabilities = np.exp(np.sum(log_sigmoid, axis=1, where=on_path))
        top = np.argsort(-probabilities, kind="stable")[: max(int(topn), 0)]
        return [(self.wv.index_to_key[i], float(probabilities[i])) for i in top]

    def estimate_memory(
        self, vocab_size: int | None = None, report: dict[str, int] | None = None
    ) -> dict[str, int]:
        """Bytes the weights take for ``vocab_size`` words (default: the model's), by array."""
        vocab_size = len(self.wv) if vocab_size is None else int(vocab_size)
        row = self.config.vector_size * np.dtype(np.float32).itemsize
        report = dict(report or {})
        report["vectors"] = vocab_size * row
        if self.config.hs:
            report["syn1"] = max(vocab_size - 1, 1) * row
        if self.config.negative or self.config.softmax:
            report["syn1neg"] = vocab_size * row
        report["total"] = sum(value for key, value in report.items() if key != "total")
        return report

    def create_binary_tree(self) -> None:
        """Rebuild the Huffman tree (and the other tables) from ``wv.counts``."""
        self._prepare_tables()

    def init_sims(self, replace: bool = False) -> None:
        """Obsolete in gensim 4; kept as gensim keeps it: :meth:`KeyedVectors.init_sims`."""
        self.wv.init_sims(replace=replace)

    # ------------------------------------------------------------------ files
    def save(self, fname: str | os.PathLike[str]) -> None:
        """Full training state in one ``.npz`` (arrays + JSON: config, vocabulary), no pickle."""
        meta = {
            "format": MODEL_MAGIC,
            "config": self.config.to_dict(),
            "keys": self.wv.index_to_key,
            "loss_history": self.loss_history,
            "corpus_total_words": self.corpus_total_words,
            "corpus_count": self.corpus_count,
        }
        arrays = {"syn0": self.wv.vectors, "syn1": self.syn1, "syn1neg": self.syn1neg,
                  "counts": self.wv.counts}
        save_npz(fname, meta, arrays)

    @classmethod
    def load(cls, fname: str | os.PathLike[str]) -> Word2Vec:
        """A model saved by :meth:`save`; a damaged or inconsistent file is one clear error."""
        meta, arrays = load_npz(fname, MODEL_MAGIC)
        try:
            model = cls(**dict(meta.get("config", {})))
            model.loss_history = [float(loss) for loss in meta.get("loss_history", [])]
            model._corpus_total_words = int(meta.get("corpus_total_words", 0))
            model._corpus_count = int(meta.get("corpus_count", 0))
        except (TypeError, ValueError, OverflowError) as error:  # LmbasicsError is a ValueError
            raise LmbasicsError(f"{fname}: damaged model settings ({error})") from None
        missing = sorted({"syn0", "syn1", "syn1neg", "counts"} - set(arrays))
        if missing:
            raise LmbasicsError(f"{fname}: incomplete model file (no {', '.join(missing)})")
        keys, syn0, counts = check_vocabulary(fname, meta.get("keys"), arrays["syn0"],
                                              arrays["counts"])
        model.wv = KeyedVectors.from_arrays(keys, syn0, counts)
        model.syn1, model.syn1neg = arrays["syn1"], arrays["syn1neg"]
        config = model.config
        vocab_size = len(syn0)
        expected_syn1 = max(vocab_size - 1, 1) if config.hs else 1
        expected_neg = vocab_size if (config.negative or config.softmax) else 1
        if (
            syn0.shape[1] != config.vector_size
            or model.syn1.shape != (expected_syn1, syn0.shape[1])
            or model.syn1neg.shape != (expected_neg, syn0.shape[1])
            or syn0.dtype != model.syn1.dtype or syn0.dtype != model.syn1neg.dtype
        ):
            raise LmbasicsError(f"{fname}: matrix shapes disagree with the stored configuration")
        if vocab_size and counts.min() < 1:
            raise LmbasicsError(f"{fname}: damaged word counts (a trained word occurs at least once)")
        try:
            model._prepare_tables()
        except LmbasicsError as error:
            raise LmbasicsError(f"{fname}: {error}") from None
        return model

    def __del__(self) -> None:
        corpus = self.__dict__.get("_corpus")
        if corpus is not None:
            corpus.close()

    def __repr__(self) -> str:
        c = self.config
        mode = ("skipgram" if c.sg else "cbow") + ("+hs" if c.hs else "") + (
            f"+ns{c.negative}" if c.negative else "") + ("+softmax" if c.softmax else "")
        return f"Word2Vec<{mode}, vocab={len(self.wv)}, vector_size={c.vector_size}>"
