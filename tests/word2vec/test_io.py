"""word2vec text/binary formats: golden bytes, round trips, gensim interop, corrupt files."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import KeyedVectors

WORDS = ["ab", "中文"]
VALUES = np.array([[0.5, -1.25, 3.0], [0.1, 2e-05, -7.0]], dtype=np.float32)
GOLDEN_TEXT = "2 3\nab 0.5 -1.25 3.0\n中文 0.1 2e-05 -7.0\n".encode()
GOLDEN_BINARY = (
    b"2 3\n"
    + b"ab " + struct.pack("<3f", 0.5, -1.25, 3.0) + b"\n"
    + "中文 ".encode() + struct.pack("<3f", 0.1, 2e-05, -7.0) + b"\n"
)


def _kv():
    return KeyedVectors.from_arrays(WORDS, VALUES)


def test_golden_bytes(tmp_path):
    _kv().save_word2vec_format(tmp_path / "v.txt")
    _kv().save_word2vec_format(tmp_path / "v.bin", binary=True)
    assert (tmp_path / "v.txt").read_bytes() == GOLDEN_TEXT
    assert (tmp_path / "v.bin").read_bytes() == GOLDEN_BINARY


@pytest.mark.parametrize("binary", [False, True])
def test_round_trip_exact(tmp_path, binary):
    rng = np.random.default_rng(0)
    kv = KeyedVectors.from_arrays([f"w{i}" for i in range(50)],
                                  rng.standard_normal((50, 7)).astype(np.float32))
    path = tmp_path / "v"
    kv.save_word2vec_format(path, binary=binary)
    back = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert back.index_to_key == kv.index_to_key
    assert np.array_equal(back.vectors, kv.vectors)  # shortest repr round-trips float32
    assert KeyedVectors.load(path).index_to_key == kv.index_to_key  # format sniffed
    assert len(KeyedVectors.load_word2vec_format(path, binary=binary, limit=5)) == 5


@pytest.mark.parametrize("binary", [False, True])
def test_interop_with_gensim_both_ways(tmp_path, binary):
    ours = tmp_path / "ours"
    _kv().save_word2vec_format(ours, binary=binary)
    theirs = GensimKeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert list(theirs.index_to_key) == WORDS
    assert np.array_equal(theirs.vectors, VALUES)
    gensim_file = tmp_path / "theirs"
    theirs.save_word2vec_format(str(gensim_file), binary=binary)  # gensim: no newline in binary
    back = KeyedVectors.load_word2vec_format(gensim_file, binary=binary)
    assert back.index_to_key == WORDS and np.array_equal(back.vectors, VALUES)


def test_native_format_round_trip(tmp_path):
    kv = KeyedVectors.from_arrays(WORDS, VALUES, counts=[10, 3])
    kv.save(tmp_path / "v.npz")
    back = KeyedVectors.load(tmp_path / "v.npz")
    assert back.index_to_key == WORDS and np.array_equal(back.vectors, VALUES)
    assert back.get_vecattr("中文", "count") == 3


@pytest.mark.parametrize(
    ("content", "binary", "message"),
    [
        (b"", False, "not a word2vec file"),
        (b"hello world\n", False, "not a word2vec file"),
        (b"2 3\nab 0.5 -1.25 3.0\n", False, "truncated"),
        (b"1 3\nab 0.5 -1.25\n", False, "expected a word and 3 numbers"),
        (b"1 3\nab 0.5 -1.25 x\n", False, "not a number"),
        (b"1 3\nab 0.5 -1.25 3.0\ncd 1 2 3\n", False, "more data"),
        (b"-1 3\n", False, "invalid header"),
        (b"1 3\n\xff\xfe 1 2 3\n", False, "UTF-8"),
        (GOLDEN_BINARY[:-9], True, "truncated"),
        (b"3 3\n" + GOLDEN_BINARY[4:], True, "truncated"),
        (b"1 3\n" + b"x" * 20000, True, "not a binary word2vec file"),
    ],
)
def test_corrupt_files_are_one_clear_error(tmp_path, content, binary, message):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(LmbasicsError, match=message):
        KeyedVectors.load_word2vec_format(path, binary=binary)


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = tmp_path / "v.txt"
    path.write_text("old")
    kv = _kv()
    kv.index_to_key[1] = "has space"  # rejected before anything is written
    with pytest.raises(LmbasicsError):
        kv.save_word2vec_format(path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["v.txt"]
