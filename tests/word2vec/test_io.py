"""word2vec text/binary formats: golden bytes, round trips, gensim interop, corrupt files."""

from __future__ import annotations

import ast
import gzip
import importlib.util
import json
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import KeyedVectors
from lmbasics.word2vec import io as word2vec_io

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


@pytest.mark.parametrize("binary", [False, True])
def test_a_header_that_lies_is_refused_before_allocating(tmp_path, binary):
    """999,999,999 words x 3 would be 12 GB: the file's size says no before any allocation."""
    path = tmp_path / "lies"
    body = (GOLDEN_BINARY if binary else GOLDEN_TEXT).split(b"\n", 1)[1]
    path.write_bytes(b"999999999 3\n" + body)
    tracemalloc.start()
    try:
        with pytest.raises(LmbasicsError, match="promises 999,999,999 words"):
            KeyedVectors.load_word2vec_format(path, binary=binary)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    assert len(KeyedVectors.load_word2vec_format(path, binary=binary, limit=2)) == 2


@pytest.mark.parametrize("binary", [False, True])
def test_gzipped_files_read_as_plain_ones_and_with_gensim(tmp_path, binary):
    plain, packed = tmp_path / "v", tmp_path / "v.gz"
    _kv().save_word2vec_format(plain, binary=binary)
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    for back in (KeyedVectors.load_word2vec_format(packed, binary=binary), KeyedVectors.load(packed)):
        assert back.index_to_key == WORDS and np.array_equal(back.vectors, VALUES)
    theirs = tmp_path / "theirs.gz"
    GensimKeyedVectors.load_word2vec_format(str(packed), binary=binary).save_word2vec_format(
        str(theirs), binary=binary)
    back = KeyedVectors.load_word2vec_format(theirs, binary=binary)
    assert back.index_to_key == WORDS and np.array_equal(back.vectors, VALUES)
    packed.write_bytes(packed.read_bytes()[:-6])
    with pytest.raises(LmbasicsError, match="damaged gzip file"):
        KeyedVectors.load_word2vec_format(packed, binary=binary)


@pytest.mark.parametrize("scan_min_numbers", [0, 2**62])  # the compiled scanner, or not
def test_text_values_are_parsed_as_numpy_parses_them(tmp_path, monkeypatch, scan_min_numbers):
    """Every layout a writer uses (word2vec.c's trailing space and six places, CRLF, long
    float64 decimals, exponents beyond the scanner's exact range), at any datatype."""
    monkeypatch.setattr(word2vec_io, "_SCAN_MIN_NUMBERS", scan_min_numbers)
    tokens = [["0.500000", "-1.250000", "3.000000"], ["0.1", "2e-05", "-7.0"],
              ["0.30000000000000004", "1e-30", "+.5"], ["1E3", "-0", "1234567890123456789012e-21"]]
    lines = [f"w{i} " + " ".join(row) + end for i, (row, end) in
             enumerate(zip(tokens, [" \n", "\r\n", "\n", ""]))]
    path = tmp_path / "v.txt"
    path.write_bytes(("4 3\n" + "".join(lines)).encode())
    expected = np.array([np.array([t.encode() for t in row], dtype=np.float64) for row in tokens])
    for datatype in (np.float32, np.float64, np.float16):
        kv = KeyedVectors.load_word2vec_format(path, datatype=datatype)
        assert kv.index_to_key == ["w0", "w1", "w2", "w3"]
        assert kv.vectors.dtype == datatype
        assert np.array_equal(kv.vectors.view(f"u{kv.vectors.itemsize}"),
                              expected.astype(datatype).view(f"u{kv.vectors.itemsize}"))


def _set_compression_method(archive: bytes, method: int) -> bytes:
    """Rewrite every local and central header's compression method (CRCs stay valid)."""
    data = bytearray(archive)
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = data.find(signature)
        while start >= 0:
            data[start + offset : start + offset + 2] = struct.pack("<H", method)
            start = data.find(signature, start + 1)
    return bytes(data)


def test_damaged_native_files_are_one_clear_error_naming_the_file(tmp_path):
    from lmbasics.word2vec import Word2Vec

    path = tmp_path / "v.npz"
    KeyedVectors.from_arrays(WORDS, VALUES).save(path)
    path.write_bytes(_set_compression_method(path.read_bytes(), 99))  # zipfile: NotImplementedError
    for load in (KeyedVectors.load, Word2Vec.load):
        with pytest.raises(LmbasicsError, match=f"{path}: .*stored in a way"):
            load(path)
    keys = np.frombuffer(json.dumps({"format": "lmbasics.keyedvectors/1", "keys": WORDS}).encode(),
                         np.uint8)
    np.savez(path, meta=keys, vectors=np.array([{"a": 1}, None], dtype=object), counts=[1, 2])
    with pytest.raises(LmbasicsError, match="not a numeric array"):  # and never unpickled
        KeyedVectors.load(path)
    np.savez(path, meta=keys, vectors=VALUES, counts=np.zeros((2**20,), np.int64)[:2])
    assert KeyedVectors.load(path).index_to_key == WORDS
    with zipfile.ZipFile(path) as archive:  # a header that lies, in an archive with valid CRCs
        members = {name: archive.read(name) for name in archive.namelist()}
    members["vectors.npy"] = members["vectors.npy"].replace(b"(2, 3)", b"(99,9)")
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(LmbasicsError, match="more than its archive entry holds"):
        KeyedVectors.load(path)


def test_vectors_from_a_model_file_never_build_a_model(tmp_path, monkeypatch):
    from lmbasics.word2vec import Word2Vec

    model = Word2Vec(vector_size=4, min_count=1, negative=2, workers=1)
    model.build_vocab([["a", "b", "a"], ["c", "a"]])
    model.save(tmp_path / "m.npz")

    def refuse(*args, **kwargs):
        raise AssertionError("built a Word2Vec to read its vectors")

    monkeypatch.setattr(Word2Vec, "__init__", refuse)
    monkeypatch.setattr(Word2Vec, "_prepare_tables", refuse)
    kv = KeyedVectors.load(tmp_path / "m.npz")
    assert kv.index_to_key == model.wv.index_to_key
    assert np.array_equal(kv.vectors, model.wv.vectors)
    assert kv.get_vecattr("a", "count") == 3


def _runtime_imports(module: str) -> set[str]:
    """lmbasics modules that ``module`` imports outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text())
    guarded = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
               and ast.unparse(block.test) == "TYPE_CHECKING" for node in ast.walk(block)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and id(node) not in guarded and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import) and id(node) not in guarded:
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.startswith("lmbasics.")}


@pytest.mark.parametrize("module", ["io", "npz", "textscan", "evaluate"])
def test_file_formats_and_evaluation_sit_below_the_classes(module):
    above = {"lmbasics.word2vec.keyedvectors", "lmbasics.word2vec.model",
             "lmbasics.word2vec.KeyedVectors", "lmbasics.word2vec.Word2Vec"}
    assert not _runtime_imports(f"lmbasics.word2vec.{module}") & above


@pytest.mark.parametrize("newlines", [3, 12])  # runs of up to 8 are followed in one pass
def test_binary_layouts_read_alike_in_one_pass_and_row_by_row(tmp_path, newlines):
    words = ["w0", "x" * 10_000, "mid\nline", "é"]
    tricky = b"\x20\x20\x20\x3f\x0a\x20\x20\x3f"  # spaces and a newline inside a vector
    rows = [struct.pack("<2f", 0.5, -1.0), tricky, struct.pack("<2f", 3.0, 2e-5), tricky]
    separators = [b"", b"\n", b"\n" * newlines, b""]
    content = b"4 2\n" + b"".join(
        sep + word.encode() + b" " + row for sep, word, row in zip(separators, words, rows))
    path = tmp_path / "v.bin"
    path.write_bytes(content + b"\n")
    data_start = content.index(b"\n") + 1
    one_pass = word2vec_io._locate_binary_rows(content, data_start, 4, 8)
    assert (one_pass is not None) == (newlines <= 8)
    expected = np.frombuffer(b"".join(rows), "<f4").reshape(4, 2)
    for limit in (None, 4):  # the whole file in memory, or mapped and read row by row
        kv = KeyedVectors.load_word2vec_format(path, binary=True, limit=limit)
        assert kv.index_to_key == words
        assert np.array_equal(kv.vectors, expected)
    path.write_bytes(content.replace(b"x" * 10_000, b"x" * 10_001))
    with pytest.raises(LmbasicsError, match="over 10,000 bytes"):
        KeyedVectors.load_word2vec_format(path, binary=True)


def _text_rows(rows: int, dim: int, seed: int = 0) -> tuple[list[str], np.ndarray, list[str]]:
    """Words, float32 vectors and their text lines, some in layouts the scanner leaves to the
    general parse (exponents, CRLF, a trailing space)."""
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(rows, dim)).astype(np.float32)
    words = [f"w{i}" for i in range(rows)]
    lines = []
    for i, (word, row) in enumerate(zip(words, vectors)):
        values = [str(v) for v in row]
        if i % 97 == 5:
            values[0] = f"{float(row[0]):.12e}"
        end = "\r\n" if i % 89 == 3 else " \n" if i % 83 == 7 else "\n"
        lines.append(f"{word} {' '.join(values)}{end}")
    return words, vectors, lines


@pytest.mark.parametrize("cpus", [2, 3, 4])
def test_text_scanned_in_parts_is_the_single_pass(tmp_path, monkeypatch, cpus):
    """Parts at once (one thread each) give the single pass's keys and bits, and their
    results are taken: the split is not silently undone."""
    words, vectors, lines = _text_rows(1000, 7)
    path = tmp_path / "v.txt"
    path.write_bytes(f"{len(words)} 7\n{''.join(lines)}".encode())
    monkeypatch.setattr(word2vec_io, "_SCAN_MIN_NUMBERS", 0)
    monkeypatch.setattr(word2vec_io, "_usable_cpus", lambda: cpus)
    monkeypatch.setattr(word2vec_io, "_SPLIT_MIN_ROWS", 2**62)
    single = KeyedVectors.load_word2vec_format(path)
    monkeypatch.setattr(word2vec_io, "_SPLIT_MIN_ROWS", 100)
    split_used = []
    scan_parts = word2vec_io._scan_parts
    monkeypatch.setattr(word2vec_io, "_scan_parts",
                        lambda *args: split_used.append(scan_parts(*args)) or split_used[-1])
    parts = KeyedVectors.load_word2vec_format(path)
    assert split_used and split_used[0] == path.stat().st_size, split_used
    assert parts.index_to_key == single.index_to_key == words
    assert np.array_equal(parts.vectors.view(np.uint32), single.vectors.view(np.uint32))
    assert np.array_equal(parts.vectors, vectors)


@pytest.mark.parametrize("damage", ["bad number", "missing number", "blank line", "truncated",
                                    "extra row"])
def test_a_damaged_file_scanned_in_parts_fails_as_the_single_pass(tmp_path, monkeypatch, damage):
    """Wherever the damage falls, the error (its line number included) is the single pass's."""
    words, _, lines = _text_rows(1000, 5, seed=1)
    at = 800  # in the last of the parts
    if damage == "bad number":
        lines[at] = lines[at].replace(" ", " x", 2)
    elif damage == "missing number":
        lines[at] = lines[at].rsplit(" ", 1)[0] + "\n"
    elif damage == "blank line":
        lines.insert(300, "\n")
    elif damage == "truncated":
        lines = lines[:-10]
    else:
        lines.append(lines[0])
    path = tmp_path / "v.txt"
    path.write_bytes(f"{len(words)} 5\n{''.join(lines)}".encode())
    monkeypatch.setattr(word2vec_io, "_SCAN_MIN_NUMBERS", 0)
    monkeypatch.setattr(word2vec_io, "_usable_cpus", lambda: 4)
    messages = []
    for split_min_rows in (2**62, 100):
        monkeypatch.setattr(word2vec_io, "_SPLIT_MIN_ROWS", split_min_rows)
        with pytest.raises(LmbasicsError) as error:
            KeyedVectors.load_word2vec_format(path)
        messages.append(str(error.value))
    assert messages[0] == messages[1], messages
    assert "line" in messages[0] or "header says" in messages[0], messages


@pytest.mark.parametrize("compressed", [False, True])
def test_the_scanner_is_loaded_beside_the_read_only_when_it_will_run(tmp_path, monkeypatch,
                                                                    compressed):
    """The header decides: a million numbers or more (``limit`` counted), plain or gzipped."""
    words, vectors, lines = _text_rows(50, 4)
    text = f"{len(words)} 4\n{''.join(lines)}".encode()
    path = tmp_path / ("v.txt.gz" if compressed else "v.txt")
    path.write_bytes(gzip.compress(text) if compressed else text)
    started = []
    preload = word2vec_io._preload_text_scanner
    monkeypatch.setattr(word2vec_io, "_preload_text_scanner",
                        lambda *args: started.append(preload(*args)) or started[-1])
    for scan_min_numbers, limit, expected in ((200, None, True), (200, 49, False),
                                              (201, None, False)):
        monkeypatch.setattr(word2vec_io, "_SCAN_MIN_NUMBERS", scan_min_numbers)
        started.clear()
        kv = KeyedVectors.load_word2vec_format(path, limit=limit)
        assert (started[0] is not None) == expected, (scan_min_numbers, limit)
        assert np.array_equal(kv.vectors, vectors[: limit or 50])
    assert word2vec_io._preload_text_scanner(tmp_path / "missing.txt", None, np.float32) is None
