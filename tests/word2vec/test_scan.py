"""The compiled scanner (scan.py) against the Python reader + scan it replaces (its slow twin)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lmbasics.word2vec.corpus as corpus_module
from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec.corpus import LineSentence, compiled_source
from lmbasics.word2vec.scan import WHITESPACE, Scanner, valid_utf8
from lmbasics.word2vec.vocab import encode_corpus, finalize_vocab, scan_corpus

# pieces the generated corpora are made of: words, every whitespace character str.split() knows
# (U+0085 and U+3000 among them), line ends, and invalid or tricky UTF-8
_WORD_PIECES = ["a", "b", "the", "cat", "é", "中文", "😀", "\u180e", "x" * 9, "abcdefgh", "abcdefgz"]
_SPACE_PIECES = list(WHITESPACE)
_BAD_PIECES = [b"\xff", b"\xfe", b"\xc3", b"\xe2\x80", b"\xc0\xaf", b"\xe0\x80\xa0", b"\xed\xa0\x80",
               b"\xf4\x90\x80\x80", b"\x85", b"\xa0", b"\xe3\x80", b"\xf0\x9f\x98"]
_PIECE = st.one_of(
    st.sampled_from(_WORD_PIECES).map(str.encode),
    st.sampled_from(_SPACE_PIECES).map(str.encode),
    st.sampled_from([b"\n", b"\r\n", b" ", b"\t"]),
    st.sampled_from(_BAD_PIECES),
)


def scan_both(source, **options):
    """The same LineSentence scanned by the compiled scanner and by iterating it in Python."""
    fast_reader, slow_reader = LineSentence(source, **options), LineSentence(source, **options)
    assert compiled_source(fast_reader) is fast_reader
    fast = scan_corpus(fast_reader)
    slow = scan_corpus(sentence for sentence in slow_reader)  # a generator: the Python path
    return (fast, fast_reader.stats), (slow, slow_reader.stats)


def assert_same(fast, slow, min_count=1, max_final_vocab=None):
    (words, counts, encoded), fast_stats = fast
    (slow_words, slow_counts, slow_encoded), slow_stats = slow
    try:
        assert words == slow_words
        assert counts.tolist() == slow_counts.tolist()
        assert fast_stats == slow_stats
        assert encoded.total_words == slow_encoded.total_words
        assert encoded.num_sentences == slow_encoded.num_sentences
        assert encoded.read_tokens(0, encoded.total_words).tolist() == \
            slow_encoded.read_tokens(0, slow_encoded.total_words).tolist()
        assert np.asarray(encoded.sentence_ends()).tolist() == \
            np.asarray(slow_encoded.sentence_ends()).tolist()
        if words and counts.max() >= min_count:
            kept = finalize_vocab(words, counts, encoded, min_count, max_final_vocab)
            slow_kept = finalize_vocab(slow_words, slow_counts, slow_encoded, min_count,
                                       max_final_vocab)
            assert kept[0] == slow_kept[0] and kept[1].tolist() == slow_kept[1].tolist()
            assert encoded.read_tokens(0, encoded.total_words).tolist() == \
                slow_encoded.read_tokens(0, slow_encoded.total_words).tolist()
    finally:
        encoded.close()
        slow_encoded.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_PIECE, max_size=60), block=st.sampled_from([3, 7, 64, 1 << 20]),
       max_sentence_length=st.sampled_from([1, 2, 3, 10_000]), gz=st.booleans())
def test_generated_files_scan_exactly_as_python_reads_them(tmp_path, monkeypatch, pieces, block,
                                                          max_sentence_length, gz):
    """Words, counts, order, ids, sentence ends and stats are the Python path's, whatever the
    bytes (whitespace of every kind, invalid UTF-8, CR LF), however the blocks cut them."""
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", block)
    data = b"".join(pieces)
    path = tmp_path / "generated.txt"
    path.write_bytes(gzip.compress(data) if gz else data)
    assert_same(*scan_both(path, max_sentence_length=max_sentence_length))


@pytest.mark.parametrize("min_count,max_final_vocab", [(1, None), (2, None), (1, 3)])
def test_min_count_and_max_final_vocab_keep_the_same_words(tmp_path, min_count, max_final_vocab):
    rng = np.random.default_rng(0)
    lines = [" ".join(f"w{int(i)}" for i in rng.zipf(1.5, size=rng.integers(0, 30)) if i < 60)
             for _ in range(300)]
    path = tmp_path / "zipf.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_same(*scan_both(path), min_count=min_count, max_final_vocab=max_final_vocab)


def test_text8_style_line_directories_and_gzip(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", 4096)
    words = [f"w{i % 997}" for i in range(25_000)]
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "text8").write_text(" ".join(words))  # one line, no newline
    (tmp_path / "a" / "more.gz").write_bytes(gzip.compress("我们 热爱 和平\n\n\r\nend".encode()))
    fast, slow = scan_both(tmp_path / "a")  # files in sorted order: more.gz, then text8
    assert np.diff(np.r_[0, fast[0][2].sentence_ends()]).tolist() == [3, 1, 10_000, 10_000, 5_000]
    assert_same(fast, slow)


def test_invalid_bytes_that_decode_to_one_word_are_merged(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"a\xff b a\xfe\nb a\xff\nok\n")
    fast, slow = scan_both(path)
    assert fast[0][0] == ["a\ufffd", "b", "ok"] and fast[0][1].tolist() == [3, 2, 1]
    assert fast[1].invalid_utf8_lines == 2
    assert_same(fast, slow)


def test_a_long_line_with_invalid_bytes_counts_once(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", 16)
    path = tmp_path / "long.txt"
    path.write_bytes(b"x\xff " * 40 + b"\nfine\n")
    fast, slow = scan_both(path)
    assert fast[1].invalid_utf8_lines == slow[1].invalid_utf8_lines == 1
    assert_same(fast, slow)


def test_table_and_arena_growth_and_a_word_longer_than_a_block(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", 1000)
    giant = "g" * 50_000  # spans 50 blocks: carried, the arena doubles until it fits
    text = " ".join(f"u{i}" for i in range(40_000)) + f"\n{giant} u7 {giant}\n"  # > 2**15 words
    path = tmp_path / "many.txt"
    path.write_text(text)
    fast, slow = scan_both(path)
    assert len(fast[0][0]) == 40_001 and fast[0][1][-1] == 2
    assert_same(fast, slow)


def test_empty_and_whitespace_only_files(tmp_path):
    for name, data in [("empty", b""), ("blank", b"\n\n  \t\r\n"), ("open", b"a\n  ")]:
        path = tmp_path / name
        path.write_bytes(data)
        assert_same(*scan_both(path))


def test_binary_and_corrupt_gzip_are_rejected_by_the_scanner(tmp_path):
    binary = tmp_path / "x.bin"
    binary.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(LmbasicsError, match="binary"):
        scan_corpus(LineSentence(binary))
    corrupt = tmp_path / "corrupt.gz"
    corrupt.write_bytes(gzip.compress(b"hello world " * 1000)[:40])
    with pytest.raises(LmbasicsError, match="gzip"):
        scan_corpus(LineSentence(corrupt))


def test_encoding_with_a_fixed_vocabulary_matches(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"a b zzz\n\xff c a\n")
    vocabulary = {"a": 0, "\ufffd": 1, "c": 2}
    fast = encode_corpus(LineSentence(path), vocabulary)
    slow = encode_corpus((s for s in LineSentence(path)), vocabulary)
    try:
        assert fast.read_tokens(0, 6).tolist() == slow.read_tokens(0, 6).tolist() == [0, -1, -1, 1, 2, 0]
        assert np.asarray(fast.sentence_ends()).tolist() == [3, 6]
    finally:
        fast.close()
        slow.close()


def test_limited_or_subclassed_readers_take_the_python_path(tmp_path):
    class Lowered(LineSentence):
        def __iter__(self):
            for sentence in super().__iter__():
                yield [word.lower() for word in sentence]

    path = tmp_path / "c.txt"
    path.write_text("A b\n")
    assert compiled_source(LineSentence(path, limit=1)) is None
    assert compiled_source(Lowered(path)) is None
    assert compiled_source([["a"]]) is None
    words, _, encoded = scan_corpus(Lowered(path))
    encoded.close()
    assert words == ["a", "b"]


def test_the_whitespace_written_out_is_the_running_pythons():
    assert list(WHITESPACE) == [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert all(ord(c) < 0x10000 for c in WHITESPACE)


def test_the_scanner_splits_on_exactly_the_characters_str_split_does():
    """Every code point between two letters: one word or two, as ``str.split()`` says."""
    codes = [c for c in range(1, 0x110000) if not 0xD800 <= c < 0xE000 and c != 10]
    codes = codes[: 0x10000] + codes[0x10000 :: 97]  # the BMP, and a sample beyond it
    lines = [f"a{chr(c)}b" for c in codes]
    scanner = Scanner(max_sentence_length=10_000)
    results = list(scanner.scan_file([("\n".join(lines) + "\n").encode()]))
    ends = np.concatenate([ends for _, ends in results])
    assert np.diff(np.r_[0, ends]).tolist() == [len(line.split()) for line in lines]


@given(st.lists(st.sampled_from([b"a", b"\x80", b"\xbf", b"\xc2", b"\xdf", b"\xe0", b"\xa0",
                                 b"\xed", b"\x9f", b"\xef", b"\xf0", b"\x90", b"\xf4", b"\x8f",
                                 b"\xf5", b"\xc0", b"\xc1"]), max_size=8))
def test_utf8_validation_agrees_with_python(pieces):
    data = b"".join(pieces)
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert valid_utf8(np.frombuffer(data, np.uint8), 0, len(data)) == expected
