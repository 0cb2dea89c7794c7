"""Corpus readers and the one-pass vocabulary + encoding."""

from __future__ import annotations

import functools
import gzip
import itertools
import operator

import numpy as np
import pytest

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec.corpus import LineSentence, check_sentences, iter_checked
from lmbasics.word2vec.vocab import encode_corpus, finalize_vocab, scan_corpus


def test_plain_gzip_and_directory_read_the_same(tmp_path):
    text = "the cat sat\non the mat\n\nthe end"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    with gzip.open(tmp_path / "b.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write(text)
    (tmp_path / "c.bin").write_bytes(gzip.compress(text.encode()))  # gzip by magic, not name
    expected = [["the", "cat", "sat"], ["on", "the", "mat"], ["the", "end"]]
    assert list(LineSentence(tmp_path / "a.txt")) == expected
    assert list(LineSentence(tmp_path / "b.txt.gz")) == expected
    assert list(LineSentence(tmp_path / "c.bin")) == expected
    assert list(LineSentence(tmp_path)) == expected * 3  # sorted files of a directory


def test_text8_style_single_line_is_cut_into_10000_token_sentences(tmp_path):
    words = [f"w{i % 97}" for i in range(25_000)]
    path = tmp_path / "text8"
    path.write_text(" ".join(words))  # no newline at all, > 1 MiB? no: also test small blocks
    sentences = list(LineSentence(path))
    assert [len(s) for s in sentences] == [10_000, 10_000, 5_000]
    assert functools.reduce(operator.iadd, sentences, []) == words


def test_long_line_larger_than_a_read_block_streams(tmp_path, monkeypatch):
    import lmbasics.word2vec.corpus as corpus

    monkeypatch.setattr(corpus, "_BLOCK_BYTES", 64)  # force many partial pieces
    words = [f"wörd{i}" for i in range(3000)]
    path = tmp_path / "long.txt"
    path.write_text(" ".join(words) + "\nshort line\n", encoding="utf-8")
    sentences = list(LineSentence(path, max_sentence_length=1000))
    assert [len(s) for s in sentences] == [1000, 1000, 1000, 2]
    assert functools.reduce(operator.iadd, sentences[:3], []) == words


def test_plain_files_are_read_in_the_calling_thread(tmp_path, monkeypatch):
    """A helper thread's blocks would be allocated in its own malloc arena, which stays resident
    for the rest of the process (peak RSS): plain files are read without one; compressed files
    are decompressed a few blocks ahead by one. Both give the file's bytes in order."""
    import io
    import threading

    import lmbasics.word2vec.corpus as corpus

    monkeypatch.setattr(corpus, "_BLOCK_BYTES", 16)
    data = b"".join(f"line {i} of some words\n".encode() for i in range(200))
    (tmp_path / "a.txt").write_bytes(data)
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(data))
    threads = threading.active_count()
    blocks = corpus.file_blocks(tmp_path / "a.txt")
    first = next(blocks)
    assert threading.active_count() == threads
    assert first + b"".join(blocks) == data
    assert b"".join(corpus.file_blocks(tmp_path / "a.txt.gz")) == data

    class Failing(io.RawIOBase):
        def read(self, size=-1):
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(corpus, "_open_binary", lambda path: Failing())
    with pytest.raises(LmbasicsError, match="cannot read"):
        list(corpus.file_blocks(tmp_path / "a.txt"))


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\nbad \xff\xfe line\nanother \xc3 bad\n")
    reader = LineSentence(path)
    sentences = list(reader)
    assert sentences[1] == ["bad", "\ufffd\ufffd", "line"]
    assert reader.stats.invalid_utf8_lines == 2


def test_chinese_and_other_scripts(tmp_path):
    path = tmp_path / "zh.txt"
    path.write_text("我们 热爱 和平\nΑθήνα είναι πόλη\n", encoding="utf-8")
    assert list(LineSentence(path)) == [["我们", "热爱", "和平"], ["Αθήνα", "είναι", "πόλη"]]


def test_binary_and_missing_files_are_rejected(tmp_path):
    binary = tmp_path / "x.bin"
    binary.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(LmbasicsError, match="binary"):
        list(LineSentence(binary))
    with pytest.raises(LmbasicsError, match="not found"):
        LineSentence(tmp_path / "missing.txt")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(LmbasicsError, match="no files"):
        LineSentence(tmp_path / "empty_dir")
    corrupt = tmp_path / "corrupt.gz"
    corrupt.write_bytes(gzip.compress(b"hello world " * 1000)[:40])
    with pytest.raises(LmbasicsError, match="gzip"):
        list(LineSentence(corrupt))


def test_python_corpora_are_checked():
    with pytest.raises(LmbasicsError, match="corpus_file"):
        check_sentences("a path")
    with pytest.raises(LmbasicsError, match="one-shot"):
        check_sentences(iter([["a"]]))
    with pytest.raises(LmbasicsError, match="split"):
        list(iter_checked(["not tokenised"]))
    with pytest.raises(LmbasicsError, match="int"):
        list(iter_checked([[1, 2]]))


def test_scan_counts_orders_and_encodes():
    sentences = [["b", "a", "c"], ["a", "a", "d", "b"], ["e"]]
    words, counts, corpus = scan_corpus(sentences)
    try:
        assert words == ["b", "a", "c", "d", "e"]
        assert counts.tolist() == [2, 3, 1, 1, 1]
        keys, kept = finalize_vocab(words, counts, corpus, min_count=2)
        assert keys == ["a", "b"] and kept.tolist() == [3, 2]
        tokens = corpus.read_tokens(0, corpus.total_words)
        assert tokens.tolist() == [1, 0, -1, 0, 0, -1, 1, -1]
        assert corpus.sentence_ends().tolist() == [3, 7, 8]
    finally:
        corpus.close()
    other = encode_corpus([["a", "zzz", "b"]], {"a": 0, "b": 1})
    assert other.read_tokens(0, 3).tolist() == [0, -1, 1]
    other.close()


def test_ties_keep_first_occurrence_order_and_chunks_cut_at_sentence_ends():
    sentences = [["x", "y"] * 3] * 10
    words, counts, corpus = scan_corpus(sentences)
    keys, _ = finalize_vocab(words, counts, corpus, min_count=1)
    assert keys == ["x", "y"]
    chunks = corpus.plan_chunks(chunk_words=13)
    ends = set(np.asarray(corpus.sentence_ends()).tolist())
    assert chunks[0][0] == 0 and chunks[-1][1] == corpus.total_words
    assert all(stop in ends for _, stop, _, _ in chunks)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    corpus.close()


def test_empty_corpus_and_nothing_above_min_count():
    words, counts, corpus = scan_corpus([[], []])
    with pytest.raises(LmbasicsError, match="no words"):
        finalize_vocab(words, counts, corpus, min_count=1)
    words, counts, corpus = scan_corpus([["rare", "words", "only"]])
    with pytest.raises(LmbasicsError, match="min_count=5"):
        finalize_vocab(words, counts, corpus, min_count=5)


def test_the_scan_leaves_no_reference_cycle_holding_every_word():
    """The scan's word -> id dictionary must be freed when it returns, not at the next
    garbage collection: it holds every distinct word of the corpus (peak memory)."""
    import gc
    from collections import defaultdict

    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what the collector finds, to look at it
    try:
        words, counts, corpus = scan_corpus([["a", "b", "a"], ["c"]])
        corpus.close()
        assert words == ["a", "b", "c"]
        del words, counts, corpus
        gc.collect()
        assert not [o for o in gc.garbage if isinstance(o, defaultdict)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
