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
import os
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from lmbasics._util.errors import LmbasicsError
from lmbasics._util.memory import release_free_memory
from lmbasics.word2vec import training
from lmbasics.word2vec.config import SOFTMAX_MAX_VOCAB, Word2VecConfig
from lmbasics.word2vec.corpus import LineSentence, check_sentences, iter_checked
from lmbasics.word2vec.huffman import build_huffman_tree
from lmbasics.word2vec.io import load_npz, save_npz
from lmbasics.word2vec.keyedvectors import KeyedVectors
from lmbasics.word2vec.sampling import build_alias_table, noise_distribution
from lmbasics.word2vec.vocab import (
    EncodedCorpus,
    encode_corpus,
    finalize_vocab,
    keep_probabilities,
    scan_corpus,
)

logger = logging.getLogger(__name__)
MODEL_MAGIC = "lmbasics.word2vec/1"


class Word2Vec:
    """word2vec with gensim's interface: ``Word2Vec(sentences, vector_size=100, ...).wv``.

    Pass ``sentences`` (a re-iterable of token lists) or ``corpus_file`` (a path: text, ``.gz``
    or a directory) to build the vocabulary and train at once, or neither and call
    :meth:`build_vocab` and :meth:`train` yourself. Settings are those of
    :class:`~lmbasics.word2vec.config.Word2VecConfig` (gensim's names); ``softmax=1`` (with
    ``hs=0, negative=0``) selects the full-softmax textbook model.
    """

    def __init__(
        self,
        sentences: Iterable[list[str]] | None = None,
        corpus_file: str | os.PathLike[str] | None = None,
        progress: bool | None = None,
        **settings: Any,
    ) -> None:
        self.config = Word2VecConfig.from_dict(settings).validate()
        self.progress = progress
        self.wv = KeyedVectors(self.config.vector_size)
        self.syn1 = np.zeros((0, self.config.vector_size), np.float32)
        self.syn1neg = np.zeros((0, self.config.vector_size), np.float32)
        self.loss_history: list[float] = []
        self.loss_stderr_history: list[float] = []
        self.training_stats: dict[str, float] = {}
        self.corpus_total_words = 0
        self.invalid_utf8_lines = 0
        self._corpus: EncodedCorpus | None = None
        self._corpus_source: Any = None
        if sentences is not None and corpus_file is not None:
            raise LmbasicsError("pass either sentences or corpus_file, not both")
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences, corpus_file=corpus_file)
            self.train()

    # ------------------------------------------------------------------ settings as attributes
    def __getattr__(self, name: str) -> Any:
        config = self.__dict__.get("config")
        if config is not None and name in config.__dataclass_fields__:
            return getattr(config, name)
        raise AttributeError(f"'Word2Vec' object has no attribute {name!r}")

    @property
    def alpha(self) -> float:
        return self.config.resolved_alpha

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
    ) -> None:
        """Count the corpus, keep frequent words, encode it, initialise the weights."""
        if update:
            raise LmbasicsError("build_vocab(update=True) is not supported: build a new model")
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
            keys, kept_counts = finalize_vocab(
                words, counts, corpus, self.config.min_count, self.config.max_final_vocab
            )
        except BaseException:
            corpus.close()
            raise
        # Free the scan's whole vocabulary before the weights are allocated. The kept words are
        # copied out and back so that the new strings sit together instead of pinning the
        # small-object arenas the scan filled with every distinct word (~6 MB of peak RSS measured
        # on enwiki-17M), and glibc is asked to give the freed heap back.
        blob, ends = "".join(keys), np.cumsum([len(key) for key in keys])
        del words, counts, keys
        release_free_memory()
        keys = [blob[start:end] for start, end in zip(np.r_[0, ends[:-1]].tolist(), ends.tolist())]
        del blob
        self._set_corpus(corpus, corpus_iterable if corpus_iterable is not None else corpus_file)
        self.corpus_total_words = corpus.total_words
        self._init_weights(keys, kept_counts)
        self._load_kernel()

    def _set_corpus(self, corpus: EncodedCorpus | None, source: Any) -> None:
        if self._corpus is not None and self._corpus is not corpus:
            self._corpus.close()
        self._corpus, self._corpus_source = corpus, source

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
            tree = build_huffman_tree(counts)
            self.codes, self.points, self.code_lengths = tree.codes, tree.points, tree.code_lengths
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
    ) -> tuple[int, int]:
        """Train for ``epochs``; returns ``(kept words, raw words)`` like gensim.

        Without a corpus, trains on the one :meth:`build_vocab` read (already encoded).
        ``total_examples`` / ``total_words`` are accepted for gensim compatibility; the true
        counts are known from encoding and used instead.
        """
        del total_examples, total_words  # known exactly from the encoded corpus
        if not len(self.wv):
            raise LmbasicsError("build the vocabulary first (build_vocab) or pass a corpus")
        corpus = self._corpus
        source = corpus_iterable if corpus_iterable is not None else corpus_file
        if source is not None and source is not self._corpus_source:
            sentences = self._sentences(corpus_iterable, corpus_file)
            corpus = encode_corpus(sentences, self.wv.key_to_index, self._show_progress())
            self._set_corpus(corpus, source)
        if corpus is None:
            raise LmbasicsError("no corpus to train on: pass corpus_iterable or corpus_file")
        config = replace(self.config)
        if epochs is not None:
            config.epochs = int(epochs)
        if compute_loss is not None:
            config.compute_loss = bool(compute_loss)
        config.validate()
        alpha0 = self.config.resolved_alpha if start_alpha is None else float(start_alpha)
        alpha1 = config.min_alpha if end_alpha is None else float(end_alpha)
        return self._train(corpus, config, alpha0, alpha1, list(callbacks))

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

    # ------------------------------------------------------------------ files
    def save(self, fname: str | os.PathLike[str]) -> None:
        """Full training state in one ``.npz`` (arrays + JSON: config, vocabulary), no pickle."""
        meta = {
            "format": MODEL_MAGIC,
            "config": self.config.to_dict(),
            "keys": self.wv.index_to_key,
            "loss_history": self.loss_history,
            "corpus_total_words": self.corpus_total_words,
        }
        arrays = {"syn0": self.wv.vectors, "syn1": self.syn1, "syn1neg": self.syn1neg,
                  "counts": self.wv.counts}
        save_npz(fname, meta, arrays)

    @classmethod
    def load(cls, fname: str | os.PathLike[str]) -> Word2Vec:
        meta, arrays = load_npz(fname, MODEL_MAGIC)
        model = cls(**meta.get("config", {}))
        try:
            syn0, counts = arrays["syn0"], arrays["counts"]
            model.wv = KeyedVectors.from_arrays(meta["keys"], syn0, counts)
            model.syn1, model.syn1neg = arrays["syn1"], arrays["syn1neg"]
        except (KeyError, LmbasicsError) as error:
            raise LmbasicsError(f"{fname}: incomplete or inconsistent model file ({error})") from None
        config = model.config
        vocab_size = len(syn0)
        expected_syn1 = max(vocab_size - 1, 1) if config.hs else 1
        expected_neg = vocab_size if (config.negative or config.softmax) else 1
        if (
            syn0.ndim != 2 or model.syn1.ndim != 2 or model.syn1neg.ndim != 2
            or syn0.shape[1] != config.vector_size
            or model.syn1.shape != (expected_syn1, syn0.shape[1])
            or model.syn1neg.shape != (expected_neg, syn0.shape[1])
            or len(counts) != vocab_size
            or syn0.dtype != model.syn1.dtype or syn0.dtype != model.syn1neg.dtype
        ):
            raise LmbasicsError(f"{fname}: matrix shapes disagree with the stored configuration")
        model.loss_history = list(meta.get("loss_history", []))
        model.corpus_total_words = int(meta.get("corpus_total_words", 0))
        model._prepare_tables()
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
