"""Loaders that never fall over, and a fast text reader that agrees with the slow one.

Property tests (hypothesis): every file format lmbasics reads is mutated as a bad disk or an
attacker would (truncated, bytes flipped, junk inserted, ranges deleted or repeated, headers
that lie) and must end in a loaded object or one clear :class:`LmbasicsError` naming the file,
within a fixed memory ceiling; for the plain word2vec formats the result must also be exactly
the one-row-at-a-time reference reader's below (the reader lmbasics had before the compiled
scanner).
"""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import KeyedVectors, Word2Vec, io
from lmbasics.word2vec.textscan import parse_decimal, scan_rows

MEMORY_CEILING = 8 << 20  # bytes traced while loading a file of a few KB (a lying header: GBs)
FUZZ = settings(
    max_examples=120,
    deadline=timedelta(seconds=20),  # a hang guard: loads take milliseconds
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

WORDS = ["king", "queen", "中文", "é", "a", "b"]


# ---------------------------------------------------------------------- reference readers
def _reference_word2vec(path: Path, binary: bool) -> tuple[list[str], np.ndarray]:
    """word2vec.c formats read one line (text) or one byte (binary words) at a time."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.readline().split()
        try:
            count, dim = (int(p) for p in header)
        except ValueError:
            raise LmbasicsError("header") from None
        if count < 0 or dim <= 0:
            raise LmbasicsError("header")
        keys, rows = [], []
        for _ in range(count):
            if binary:
                word = bytearray()
                while (ch := handle.read(1)) != b" ":
                    if not ch or len(word) >= 10_000:
                        raise LmbasicsError("word")
                    if ch != b"\n" or word:
                        word += ch
                if 4 * dim > size:  # no read returns more than the file holds
                    raise LmbasicsError("truncated")
                data = handle.read(4 * dim)
                if len(data) != 4 * dim:
                    raise LmbasicsError("truncated")
                rows.append(np.frombuffer(data, "<f4"))
            else:
                parts = handle.readline().rstrip(b"\r\n").rstrip(b" ").split(b" ")
                if len(parts) != dim + 1:
                    raise LmbasicsError("row")
                word = parts[0]
                try:
                    with np.errstate(over="ignore"):  # too large for float32: inf, refused below
                        rows.append(np.array(parts[1:], dtype=np.float64).astype(np.float32))
                except ValueError:
                    raise LmbasicsError("number") from None
            try:
                keys.append(bytes(word).decode("utf-8"))
            except UnicodeDecodeError:
                raise LmbasicsError("utf-8") from None
        if handle.read(1 << 16).strip():
            raise LmbasicsError("trailing")
    vectors = np.array(rows, dtype=np.float32).reshape(count, dim)
    if not np.isfinite(vectors).all() or len(set(keys)) != len(keys):
        raise LmbasicsError("values or keys")
    return keys, vectors


# ---------------------------------------------------------------------- valid files
def _vectors(rows: int = 6, dim: int = 5) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (rng.standard_normal((rows, dim)) * np.logspace(-6, 2, dim)).astype(np.float32)


def _word2vec_c_text(keys, vectors) -> bytes:
    """What word2vec.c writes: six decimals, a space after every value."""
    lines = [f"{len(keys)} {vectors.shape[1]}\n"]
    lines += [key + " " + "".join(f"{v:f} " for v in row) + "\n" for key, row in zip(keys, vectors)]
    return "".join(lines).encode()


def _gensim_binary(keys, vectors) -> bytes:
    """What gensim 4 writes: no newline after a vector."""
    body = b"".join(k.encode() + b" " + struct.pack(f"<{len(r)}f", *r) for k, r in zip(keys, vectors))
    return f"{len(keys)} {vectors.shape[1]}\n".encode() + body


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory) -> dict[str, Path]:
    """One valid file of every format, each loaded once (numba compiles outside the ceiling)."""
    folder = tmp_path_factory.mktemp("valid")
    keys, vectors = WORDS, _vectors(len(WORDS))
    kv = KeyedVectors.from_arrays(keys, vectors, counts=np.arange(len(keys), 0, -1))
    kv.save_word2vec_format(folder / "text")
    kv.save_word2vec_format(folder / "binary", binary=True)
    (folder / "text-c").write_bytes(_word2vec_c_text(keys, vectors))
    (folder / "binary-gensim").write_bytes(_gensim_binary(keys, vectors))
    (folder / "text.gz").write_bytes(gzip.compress((folder / "text").read_bytes()))
    (folder / "binary.gz").write_bytes(gzip.compress((folder / "binary").read_bytes()))
    kv.save(folder / "vectors.npz")
    model = Word2Vec(vector_size=4, min_count=1, hs=1, negative=2, workers=1)
    model.build_vocab([["a", "b", "a", "c"], ["b", "a"]])
    model.save(folder / "model.npz")
    files = {path.name: path for path in folder.iterdir()}
    rows = np.empty((1, 1), np.float32), np.empty(1, np.int64), np.empty(1, np.int64)
    assert scan_rows(np.frombuffer(b"w 1\n", np.uint8), 0, 0, *rows)[0] == 1
    for name, path in files.items():
        for load in _LOADERS[name]:
            assert not isinstance(load(path), Exception)
    return files


_LOADERS = {
    "text": [lambda p: KeyedVectors.load_word2vec_format(p), KeyedVectors.load],
    "text-c": [lambda p: KeyedVectors.load_word2vec_format(p), KeyedVectors.load],
    "binary": [lambda p: KeyedVectors.load_word2vec_format(p, binary=True), KeyedVectors.load],
    "binary-gensim": [lambda p: KeyedVectors.load_word2vec_format(p, binary=True)],
    "text.gz": [lambda p: KeyedVectors.load_word2vec_format(p), KeyedVectors.load],
    "binary.gz": [lambda p: KeyedVectors.load_word2vec_format(p, binary=True), KeyedVectors.load],
    "vectors.npz": [KeyedVectors.load],
    "model.npz": [Word2Vec.load, KeyedVectors.load],
}


# ---------------------------------------------------------------------- mutations
_LIES = st.sampled_from([0, 1, 2, 3, 5, 7, 100, 999_999_999, 2**40, -1])


@st.composite
def _mutated(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 3))):
        size = len(data)
        position = draw(st.one_of(
            st.integers(0, min(size, 80)),  # headers
            st.integers(max(0, size - 120), size),  # zip's central directory, last rows
            st.integers(0, size),
        ))
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "repeat", "header"]))
        if kind == "truncate":
            del data[position:]
        elif kind == "flip" and position < size:
            data[position] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 40))]
        elif kind == "repeat":
            data[position:position] = data[position : position + draw(st.integers(1, 200))]
        elif kind == "header" and b"\n" in data[:40]:
            first = data.index(b"\n")
            data[:first] = f"{draw(_LIES)} {draw(_LIES)}".encode()
    return bytes(data)


def _loaded_or_clear_error(load, path: Path):
    """``load(path)``'s result or its LmbasicsError; anything else fails the test."""
    tracemalloc.start()
    try:
        result = load(path)
    except LmbasicsError as error:
        message = str(error)
        assert str(path) in message and "\n" not in message, message
        result = error
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MEMORY_CEILING, f"{peak:,} bytes traced"
    return result


@pytest.fixture
def compiled_scanner(monkeypatch):
    """Text files this small are parsed by the general code unless told otherwise; and in
    parts at once, as large files are (each part's result checked against the single pass)."""
    monkeypatch.setattr(io, "_SCAN_MIN_NUMBERS", 0)
    monkeypatch.setattr(io, "_SPLIT_MIN_ROWS", 2)
    monkeypatch.setattr(io, "_usable_cpus", lambda: 3)


@pytest.fixture(params=["compiled", "general"])
def text_parser(request, monkeypatch):
    if request.param == "compiled":
        monkeypatch.setattr(io, "_SCAN_MIN_NUMBERS", 0)
    else:
        monkeypatch.setattr(io, "_SCAN_MIN_NUMBERS", 2**62)


@pytest.mark.parametrize("name", sorted(_LOADERS))
@FUZZ
@given(data=st.data())
def test_a_damaged_file_loads_or_is_one_clear_error(
    valid_files, compiled_scanner, tmp_path, name, data
):
    original = valid_files[name].read_bytes()
    path = tmp_path / f"mutant-{name}"
    path.write_bytes(data.draw(_mutated(original), label="mutant"))
    results = [_loaded_or_clear_error(load, path) for load in _LOADERS[name]]
    for result in results:
        if isinstance(result, KeyedVectors):
            assert result.vectors.shape == (len(result), result.vector_size)
        elif isinstance(result, Word2Vec):
            assert result.wv.vectors.shape[1] == result.config.vector_size
    if name in ("text", "text-c", "binary", "binary-gensim"):
        try:
            expected = _reference_word2vec(path, binary=name.startswith("binary"))
        except LmbasicsError:
            assert isinstance(results[0], LmbasicsError)
        else:
            assert not isinstance(results[0], LmbasicsError), results[0]
            assert results[0].index_to_key == expected[0]
            assert np.array_equal(results[0].vectors.view(np.uint32), expected[1].view(np.uint32))


# ---------------------------------------------------------------------- the compiled scanner
_NUMBERS = st.one_of(  # what vector files hold: all exact on the fast path or in range of it
    st.floats(width=32, allow_nan=False, allow_infinity=False).map(lambda x: str(np.float32(x))),
    st.floats(-1e30, 1e30).map(repr),  # float64's shortest: up to 17 digits
    st.floats(-100, 100).map(lambda x: f"{x:f}"),
    st.floats(-1e30, 1e30).map(lambda x: f"{x:e}"),
)
_TOKENS = st.one_of(
    _NUMBERS,
    st.from_regex(r"[+-]?[0-9]{0,20}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(["nan", "inf", "-0", "+.5", "5.", ".", "1e", "0x10", "1_0", "1e400", "١"]),
)
_SPACES = st.sampled_from([" ", "  ", "\t", " \t"])
_ENDS = st.sampled_from(["\n", " \n", "\r\n", "  \r\n", "\r \n", "\t\n", ""])


@st.composite
def _text_files(draw) -> bytes:
    """Text files, clean (parsed by the compiled scanner) or with odd numbers and spacing."""
    dim = draw(st.integers(1, 4))
    rows = draw(st.integers(0, 5))
    words = draw(st.lists(st.sampled_from([*WORDS, "", "x y", "a\tb", "x\ry", "#"]),
                          min_size=rows, max_size=rows, unique=True))
    body = ""
    for word in words:
        if draw(st.integers(0, 5)):  # mostly clean rows
            tokens = [draw(_NUMBERS) for _ in range(dim)]
            body += word + "".join(" " + t for t in tokens) + "\n"
            continue
        tokens = [draw(_TOKENS) for _ in range(draw(st.sampled_from([dim, dim - 1, dim + 1])))]
        body += word + "".join(draw(_SPACES) + t for t in tokens) + draw(_ENDS)
    return f"{rows} {dim}\n{body}".encode()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scratch") / "v.txt"


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=_text_files())
def test_text_reader_agrees_with_the_reference(text_parser, scratch, content):
    path = scratch
    path.write_bytes(content)
    try:
        keys, vectors = _reference_word2vec(path, binary=False)
    except LmbasicsError:
        with pytest.raises(LmbasicsError):
            KeyedVectors.load_word2vec_format(path)
        return
    kv = KeyedVectors.load_word2vec_format(path)
    assert kv.index_to_key == keys
    assert np.array_equal(kv.vectors.view(np.uint32), vectors.view(np.uint32))


def _parse(token: str) -> tuple[float, int, bool]:
    data = np.frombuffer((token + " ").encode(), np.uint8)
    return parse_decimal(data, 0)


@settings(max_examples=300, deadline=None, database=None)
@given(token=_TOKENS)
def test_parse_decimal_is_exact_where_it_claims_to_be(token):
    value, end, exact = _parse(token)  # the decimal at the start; the caller checks what follows
    if exact:
        expected = float(token[:end])
        assert struct.pack("<d", value) == struct.pack("<d", expected), (token, value, expected)


@given(x=st.floats(min_value=1e-8, max_value=1e8), sign=st.sampled_from([1, -1]))
@settings(max_examples=300, deadline=None, database=None)
def test_parse_decimal_takes_what_vector_files_hold(x, sign):
    """The fast path covers gensim's shortest float32 decimals and word2vec.c's six places."""
    for token in (str(np.float32(sign * x)), f"{sign * x:f}"):
        value, end, exact = _parse(token)
        assert exact and end == len(token) and value == float(token), token
