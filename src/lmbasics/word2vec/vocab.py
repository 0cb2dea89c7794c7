"""Vocabulary: count words in one streaming pass, keep the frequent ones, encode to int32.

One pass over the text both counts words and writes every token as a provisional int32 id
(first-occurrence order) to a cache file: files are read by the compiled scanner of
:mod:`.scan`, iterables of sentences through a dictionary. Finalising the vocabulary
(``min_count``, ``max_final_vocab``, descending frequency as gensim and word2vec.c order it)
then rewrites that file through a lookup array, ``-1`` marking words that did not make it.
Training streams the encoded file in chunks, so memory stays flat in corpus size: only the
vocabulary is held.

Subsampling of frequent words keeps word ``w`` (count ``f``) with word2vec.c's probability
``min(1, (sqrt(f / (s·N)) + 1) · (s·N) / f)``, where ``s`` is ``sample`` and ``N`` is the number of
in-vocabulary tokens (gensim: ``sample >= 1`` is an absolute count threshold instead of ``s·N``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec.corpus import LineSentence, ReadStats, compiled_source, file_blocks
from lmbasics.word2vec.scan import Scanner

_FLUSH_TOKENS = 1 << 20  # ids buffered (int32) before they are written


@dataclass
class EncodedCorpus:
    """A corpus as int32 word ids on disk, plus the end offset of every sentence.

    ``tokens.int32`` holds one id per raw token in corpus order (``-1``: not in the vocabulary);
    ``ends.int64`` holds the cumulative end offset of each sentence. Files live in a private
    temporary directory removed by :meth:`close` (or when the owning model is collected).
    """

    directory: Path
    total_words: int = 0  # raw tokens, out-of-vocabulary ones included
    num_sentences: int = 0
    _owned: bool = field(default=True, repr=False)

    @property
    def tokens_path(self) -> Path:
        return self.directory / "tokens.int32"

    @property
    def ends_path(self) -> Path:
        return self.directory / "ends.int64"

    def read_tokens(self, start: int, stop: int) -> np.ndarray:
        """Tokens ``start:stop`` in a new array (training reads with :meth:`read_into`)."""
        descriptor = os.open(self.tokens_path, os.O_RDONLY)
        try:
            return self.read_into(descriptor, start, np.empty(stop - start, np.int32))
        finally:
            os.close(descriptor)

    @staticmethod
    def read_into(descriptor: int, start: int, out: np.ndarray) -> np.ndarray:
        """Items ``start:start + len(out)`` of the open cache file ``descriptor`` (``tokens`` or
        ``ends``, by ``out``'s dtype) read into ``out``: ``pread`` allocates nothing, so worker
        threads stay off the heap, and nothing is mapped, so the pages do not count as RSS."""
        view = memoryview(out).cast("B")
        offset, filled = start * out.itemsize, 0
        while filled < len(view):
            got = os.preadv(descriptor, [view[filled:]], offset + filled)
            if got == 0:
                raise LmbasicsError("the encoded corpus cache is shorter than expected "
                                    "(was it changed while training?)")
            filled += got
        return out

    def sentence_ends(self) -> np.ndarray:
        if self.num_sentences == 0:
            return np.zeros(0, np.int64)
        return np.memmap(self.ends_path, dtype=np.int64, mode="r", shape=(self.num_sentences,))

    def plan_chunks(self, chunk_words: int) -> list[tuple[int, int, int, int]]:
        """Cut the corpus at sentence ends into chunks of about ``chunk_words`` tokens.

        Returns ``(token_start, token_stop, first_sentence, stop_sentence)`` per chunk. A
        sentence is at most 10,000 tokens, so a chunk is at most ``chunk_words + 10,000``.
        """
        ends = self.sentence_ends()
        chunks = []
        sentence, token = 0, 0
        while sentence < self.num_sentences:
            stop = int(np.searchsorted(ends, token + chunk_words, side="left")) + 1
            stop = min(max(stop, sentence + 1), self.num_sentences)
            token_stop = int(ends[stop - 1])
            chunks.append((token, token_stop, sentence, stop))
            sentence, token = stop, token_stop
        return chunks

    def close(self) -> None:
        if self._owned:
            shutil.rmtree(self.directory, ignore_errors=True)


class _Writer:
    """Buffers ids and sentence ends, appends them to the cache files."""

    def __init__(self, corpus: EncodedCorpus) -> None:
        self.corpus = corpus
        self.tokens = open(corpus.tokens_path, "wb")  # noqa: SIM115 - closed in finish()
        self.ends = open(corpus.ends_path, "wb")  # noqa: SIM115
        self.id_buffer: list[np.ndarray] = []
        self.end_buffer: list[int] = []
        self.buffered = 0
        self.counts = np.zeros(0, np.int64)

    def add(self, ids: np.ndarray) -> None:
        """Append one sentence's ids (int32)."""
        self.id_buffer.append(ids)
        self.buffered += len(ids)
        self.corpus.total_words += len(ids)
        self.corpus.num_sentences += 1
        self.end_buffer.append(self.corpus.total_words)
        if self.buffered >= _FLUSH_TOKENS:
            self.flush()

    def flush(self) -> None:
        ids = np.concatenate(self.id_buffer) if self.id_buffer else np.zeros(0, np.int32)
        ids.tofile(self.tokens)
        np.asarray(self.end_buffer, dtype=np.int64).tofile(self.ends)
        known = ids[ids >= 0]
        if len(known):
            binc = np.bincount(known)
            if len(binc) > len(self.counts):
                grown = np.zeros(len(binc), np.int64)
                grown[: len(self.counts)] = self.counts
                self.counts = grown
            self.counts[: len(binc)] += binc
        self.id_buffer, self.end_buffer, self.buffered = [], [], 0

    def finish(self) -> None:
        self.flush()
        self.tokens.close()
        self.ends.close()


def _new_cache(cache_dir: str | None) -> EncodedCorpus:
    return EncodedCorpus(Path(tempfile.mkdtemp(prefix="lmbasics-corpus-", dir=cache_dir)))


def scan_corpus(
    sentences: Iterable[list[str]], progress: bool | None = False, cache_dir: str | None = None
) -> tuple[list[str], np.ndarray, EncodedCorpus]:
    """One pass: provisional vocabulary (first-occurrence order), raw counts, encoded corpus.

    A :class:`~lmbasics.word2vec.corpus.LineSentence` is read by the compiled scanner
    (:func:`_scan_files`, the same result); any other iterable of sentences in Python.
    """
    source = compiled_source(sentences)
    if source is not None:
        return _scan_files(source, progress, cache_dir)
    corpus = _new_cache(cache_dir)
    writer = _Writer(corpus)
    # A new word's id is the dictionary's size when it is first seen: defaultdict calls the C
    # method __len__ only for new words, and map() keeps the per-token loop out of Python.
    word_to_id: defaultdict[str, int] = defaultdict()
    word_to_id.default_factory = word_to_id.__len__
    lookup = word_to_id.__getitem__
    bar = tqdm(desc="scanning corpus", unit=" words", unit_scale=True,
               disable=None if progress is None else not progress)
    try:
        for sentence in sentences:
            writer.add(np.fromiter(map(lookup, sentence), np.int32, len(sentence)))
            bar.update(len(sentence))
        writer.finish()
    except BaseException:
        writer.finish()
        corpus.close()
        raise
    finally:
        bar.close()
    # the factory is a method of the dict itself: a reference cycle, which would keep every
    # distinct word of the corpus alive until the garbage collector happens to run
    word_to_id.default_factory = None
    del lookup
    counts = writer.counts
    if len(counts) < len(word_to_id):
        counts = np.concatenate([counts, np.zeros(len(word_to_id) - len(counts), np.int64)])
    return list(word_to_id), counts, corpus


def _scan_files(
    source: LineSentence, progress: bool | None, cache_dir: str | None
) -> tuple[list[str], np.ndarray, EncodedCorpus]:
    """:func:`scan_corpus` for files, by the compiled scanner: ids and sentence ends go straight
    from its buffers to the cache files; ``source.stats`` is filled as iterating it would."""
    corpus = _new_cache(cache_dir)
    scanner = Scanner(source.max_sentence_length)
    bar = tqdm(desc="scanning corpus", unit=" words", unit_scale=True,
               disable=None if progress is None else not progress)
    try:
        with open(corpus.tokens_path, "wb") as tokens, open(corpus.ends_path, "wb") as ends:
            for path in source.files:
                # closed on error too, which stops the file's reader thread at once
                with contextlib.closing(file_blocks(path)) as blocks:
                    for ids, sentence_ends in scanner.scan_file(blocks):
                        ids.tofile(tokens)
                        sentence_ends.tofile(ends)
                        corpus.num_sentences += len(sentence_ends)
                        bar.update(len(ids))
        corpus.total_words = scanner.total_words
        words, counts, remap = scanner.words()
        if remap is not None:  # invalid UTF-8 made two byte strings one word
            remap_corpus(corpus, remap)
    except BaseException:
        corpus.close()
        raise
    finally:
        bar.close()
    source.stats = ReadStats(files=len(source.files), lines=scanner.lines,
                             invalid_utf8_lines=scanner.invalid_utf8_lines)
    return words, counts, corpus


def encode_corpus(
    sentences: Iterable[list[str]],
    key_to_index: dict[str, int],
    progress: bool | None = False,
    cache_dir: str | None = None,
) -> EncodedCorpus:
    """Encode a corpus with a fixed vocabulary (unknown words become ``-1``)."""
    if compiled_source(sentences) is not None:  # scan, then map the scan's words to the vocabulary
        words, _, corpus = scan_corpus(sentences, progress, cache_dir)
        get = key_to_index.get
        remap_corpus(corpus, np.fromiter(map(get, words, repeat(-1)), np.int32, len(words)))
        return corpus
    corpus = _new_cache(cache_dir)
    writer = _Writer(corpus)
    get = key_to_index.get
    bar = tqdm(sentences, desc="encoding corpus", unit=" sentences",
               disable=None if progress is None else not progress)
    try:
        for sentence in bar:
            writer.add(np.fromiter(map(get, sentence, repeat(-1)), np.int32, len(sentence)))
        writer.finish()
    except BaseException:
        writer.finish()
        corpus.close()
        raise
    return corpus


def effective_min_count(counts: np.ndarray, min_count: int, max_final_vocab: int | None) -> int:
    """gensim's rule: raise ``min_count`` until at most ``max_final_vocab`` words are kept."""
    if max_final_vocab is None or max_final_vocab >= len(counts):
        return min_count
    ranked = np.sort(counts)[::-1]
    return max(min_count, int(ranked[max_final_vocab]) + 1)


# gensim's trim_rule answers (gensim.utils.RULE_*): keep by min_count, drop, keep
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2


def keep_mask(
    words: list[str], counts: np.ndarray, min_count: int, trim_rule: Callable | None = None
) -> np.ndarray:
    """Which words stay: ``count >= min_count``, unless ``trim_rule(word, count, min_count)``
    says ``RULE_KEEP`` or ``RULE_DISCARD`` (gensim's ``keep_vocab_item``)."""
    keep = counts >= min_count
    if trim_rule is not None:
        for i, (word, count) in enumerate(zip(words, counts.tolist())):
            rule = trim_rule(word, count, min_count)
            if rule in (RULE_KEEP, RULE_DISCARD):
                keep[i] = rule == RULE_KEEP
    return keep


def select_vocab(
    words: list[str],
    counts: np.ndarray,
    min_count: int,
    max_final_vocab: int | None = None,
    trim_rule: Callable | None = None,
) -> np.ndarray:
    """Indices of the kept words, most frequent first (ties: first seen)."""
    if not words:
        raise LmbasicsError("the corpus contains no words")
    threshold = effective_min_count(counts, min_count, max_final_vocab)
    kept = np.flatnonzero(keep_mask(words, counts, threshold, trim_rule))
    if len(kept) == 0:
        top = int(np.argmax(counts))
        raise LmbasicsError(
            f"no word occurs at least min_count={threshold} times (the most frequent, "
            f"{words[top]!r}, occurs {int(counts[top])} times): lower min_count"
        )
    return kept[np.argsort(-counts[kept], kind="stable")]


def remap_corpus(corpus: EncodedCorpus, mapping: np.ndarray) -> None:
    """Rewrite ``corpus`` in place through ``mapping`` (provisional id -> final id or ``-1``)."""
    with open(corpus.tokens_path, "r+b") as handle:  # read/write, not mmap: RSS stays flat
        for start in range(0, corpus.total_words, _FLUSH_TOKENS):
            handle.seek(4 * start)
            block = np.fromfile(handle, dtype=np.int32, count=_FLUSH_TOKENS)
            handle.seek(4 * start)
            mapping[block].tofile(handle)


def finalize_vocab(
    words: list[str],
    counts: np.ndarray,
    corpus: EncodedCorpus,
    min_count: int,
    max_final_vocab: int | None = None,
    trim_rule: Callable | None = None,
) -> tuple[list[str], np.ndarray]:
    """Keep words with count >= the effective min_count, most frequent first (ties: first seen).

    Rewrites ``corpus`` in place from provisional ids to final ids (``-1`` for dropped words).
    """
    order = select_vocab(words, counts, min_count, max_final_vocab, trim_rule)
    mapping = np.full(len(words), -1, dtype=np.int32)
    mapping[order] = np.arange(len(order), dtype=np.int32)
    remap_corpus(corpus, mapping)
    return [words[i] for i in order], counts[order].astype(np.int64)


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec.c's subsampling keep probability per word (float32, clipped to 1)."""
    counts = counts.astype(np.float64)
    if sample <= 0 or len(counts) == 0:
        return np.ones(len(counts), np.float32)
    threshold = sample if sample >= 1.0 else sample * counts.sum()
    keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.minimum(keep, 1.0).astype(np.float32)
