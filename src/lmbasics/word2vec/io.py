"""Files for word vectors: word2vec.c's text and binary formats, and sniffing any format.

This module (with :mod:`.npz` and :mod:`.textscan`) knows file formats only: readers return
keys and arrays, writers take them, and :class:`.KeyedVectors` and :class:`.Word2Vec` build
themselves from those (it imports neither).

word2vec.c formats (read and written by word2vec.c, gensim, fastText), plain or gzipped:

- text: a header ``"<count> <dim>\\n"``, then one line per word: the word, a space, ``dim``
  numbers separated by single spaces. Values are written as the shortest decimal that reads
  back to the same float32 (what gensim writes).
- binary: the same header, then per word: the UTF-8 word, a space, ``dim`` little-endian
  float32 (4·dim bytes), and a newline (as word2vec.c writes; gensim 4 omits the newline and
  reads either).

Readers check the header against the file's size before allocating anything (a binary row takes
at least ``4·dim + 1`` bytes, a text row ``2·dim``), then validate every row: a header that is
not two positive integers, a row with the wrong number of values, a body shorter or longer than
the header says, or a word that is not UTF-8 raise :class:`LmbasicsError` naming the file and
the line or word. In files of a million numbers or more, text numbers are parsed by
:mod:`.textscan` (compiled, exact; loaded in a thread while the file is read, and run on
several parts of a large file at once); smaller files, and the rows the scanner leaves, by
NumPy's conversion row by row. Writers are atomic.

The native ``.npz`` format is in :mod:`.npz`; :func:`read_vectors` reads any of them.
"""

from __future__ import annotations

import gzip
import mmap
import os
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import numpy as np

from lmbasics._util.atomic import atomic_path
from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec.npz import Vectors, read_native_vectors

_GZIP_MAGIC = b"\x1f\x8b"
_MAX_HEADER_BYTES = 1 << 16
_MAX_WORD_BYTES = 10_000  # longer "words" in a binary file mean it is not one
_TRAILING_CHECK_BYTES = 1 << 16
# from this many numbers the compiled text scanner saves more than numba's start-up costs (a
# fixed fraction of a second; docs/benchmarks.md); smaller files take the general parse
_SCAN_MIN_NUMBERS = 1_000_000
# the scanner splits a file of at least this many rows in parts, one thread each (nogil)
_SPLIT_MIN_ROWS = 20_000
_MAX_SCAN_THREADS = 4


# ---------------------------------------------------------------------- word2vec.c formats
def write_word2vec(
    fname: str | os.PathLike[str],
    keys: Sequence[str],
    vectors: np.ndarray,
    binary: bool = False,
    write_header: bool = True,
) -> None:
    """Write ``keys`` and their ``vectors`` in word2vec.c's text (default) or binary format."""
    for key in keys:
        if not key or any(ch.isspace() for ch in key):
            raise LmbasicsError(f"cannot write key {key!r}: word2vec files need keys without spaces")
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    with atomic_path(fname) as tmp, open(tmp, "wb") as out:
        if write_header:
            out.write(f"{len(keys)} {vectors.shape[1]}\n".encode())
        for key, row in zip(keys, vectors):
            if binary:
                out.write(key.encode("utf-8") + b" " + row.tobytes() + b"\n")
            else:
                values = " ".join(str(value) for value in row)  # np.float32: shortest round-trip
                out.write(f"{key} {values}\n".encode())


def _parse_header(line: bytes, fname: Any) -> tuple[int, int]:
    parts = line.split()
    try:
        count, dim = (int(p) for p in parts)
    except ValueError:
        shown = ascii(line[:40].decode("utf-8", "replace").strip())  # no raw control bytes
        raise LmbasicsError(
            f"{fname}: not a word2vec file (first line should be '<count> <dim>', got {shown})"
        ) from None
    if count < 0 or dim <= 0:
        raise LmbasicsError(f"{fname}: invalid header: {count} words of dimension {dim}")
    return count, dim


def _header(data: Any, fname: Any) -> tuple[int, int, int]:
    """``(count, dim, offset of the first row)`` from the start of ``data``."""
    newline = data.find(b"\n", 0, _MAX_HEADER_BYTES)
    if newline < 0 and len(data) > _MAX_HEADER_BYTES:
        raise LmbasicsError(f"{fname}: not a word2vec file (no '<count> <dim>' line at the start)")
    end = newline + 1 if newline >= 0 else len(data)
    count, dim = _parse_header(data[:end], fname)
    return count, dim, end


def _gunzip(raw: bytes, fname: Any) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise LmbasicsError(f"{fname}: damaged gzip file ({error})") from None


@contextmanager
def _file_bytes(fname: str | os.PathLike[str], whole: bool = True) -> Iterator[Any]:
    """The file's bytes as one buffer, decompressed if it is gzipped.

    ``whole=False`` memory-maps a plain file instead of reading it, for callers that may need
    only its beginning (``limit``).
    """
    with open(fname, "rb") as handle:
        if handle.read(2) == _GZIP_MAGIC:
            handle.seek(0)
            yield _gunzip(handle.read(), fname)
            return
        handle.seek(0)
        if whole or os.fstat(handle.fileno()).st_size == 0:
            yield handle.read()
            return
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        yield mapped
    finally:
        with suppress(BufferError):  # a view escaped with an exception's traceback; GC unmaps it
            mapped.close()


def _check_size(fname: Any, available: int, rows: int, dim: int, binary: bool) -> None:
    """Refuse a header whose rows cannot fit in the bytes after it (before allocating them)."""
    if rows == 0:
        return
    # binary row: a space and 4·dim bytes besides the word; text row: a space, dim numbers of at
    # least one digit and dim - 1 separators, plus a newline between rows
    needed = rows * (4 * dim + 1) if binary else rows * (2 * dim + 1) - 1
    if needed > available:
        raise LmbasicsError(
            f"{fname}: truncated or not a word2vec file: the header promises {rows:,} words of "
            f"dimension {dim:,}, at least {needed:,} bytes, but {available:,} bytes follow it"
        )


def read_word2vec(
    fname: str | os.PathLike[str],
    binary: bool = False,
    limit: int | None = None,
    unicode_errors: str = "strict",
    datatype: Any = np.float32,
) -> tuple[list[str], np.ndarray]:
    """Keys and vectors of a word2vec.c text or binary file (plain or gzipped).

    ``limit`` keeps only the first ``limit`` words. Raises :class:`LmbasicsError` for a file
    that is not exactly what its header says.
    """
    loading = None if binary else _preload_text_scanner(fname, limit, datatype)
    try:
        keys, vectors = _read_word2vec(fname, binary, limit, unicode_errors, datatype, loading)
    finally:
        if loading is not None:
            loading.join()  # never leave numba loading behind an error
    if not np.isfinite(vectors).all():
        raise LmbasicsError(
            f"{fname}: contains non-finite values (nan or inf): corrupted, or not a "
            f"{'binary' if binary else 'text'} word2vec file"
        )
    if len(set(keys)) != len(keys):
        raise LmbasicsError(f"{fname}: the same word appears twice")
    return keys, vectors


def _read_word2vec(
    fname: Any, binary: bool, limit: int | None, unicode_errors: str, datatype: Any,
    loading: threading.Thread | None,
) -> tuple[list[str], np.ndarray]:
    """:func:`read_word2vec` before the checks on the values (``loading``: the text scanner's
    preload, joined once the file is read)."""
    with _file_bytes(fname, whole=limit is None) as data:
        if loading is not None:
            loading.join()
        count, dim, start = _header(data, fname)
        wanted = count if limit is None else min(count, max(int(limit), 0))
        _check_size(fname, len(data) - start, wanted, dim, binary)
        vectors = np.empty((wanted, dim), dtype=datatype)
        reader = _read_binary if binary else _read_text
        keys, end = reader(data, start, fname, vectors, unicode_errors)
        complete = wanted == count and (limit is None or limit >= count)
        if complete and data[end : end + _TRAILING_CHECK_BYTES].strip():
            raise LmbasicsError(
                f"{fname}: header says {count} words but the file has more data after them"
            )
    return keys, vectors


def _decode_words(
    words: list[bytes], fname: Any, unit: str, first: int, unicode_errors: str
) -> list[str]:
    """UTF-8 words; an error names the ``unit`` (numbered from ``first``) that has it."""
    if not words:
        return []
    try:  # one decode: a space is never in a word, and UTF-8 errors never span an ASCII byte
        keys = b" ".join(words).decode("utf-8", unicode_errors).split(" ")
        if len(keys) == len(words):
            return keys
    except UnicodeDecodeError:
        pass
    keys = []
    for row, word in enumerate(words):
        try:
            keys.append(word.decode("utf-8", unicode_errors))
        except UnicodeDecodeError:
            raise LmbasicsError(f"{fname}: {unit} {row + first}: word is not valid UTF-8") from None
    return keys


def _read_text(
    data: Any, pos: int, fname: Any, vectors: np.ndarray, unicode_errors: str
) -> tuple[list[str], int]:
    """Parse ``len(vectors)`` text rows from ``data[pos:]`` into ``vectors``; return keys, end."""
    rows, dim = vectors.shape
    native = vectors.dtype in (np.float32, np.float64)
    out = vectors if native else np.empty((rows, dim), np.float64)
    word_start = np.empty(rows, np.int64)
    word_end = np.empty(rows, np.int64)
    if rows * dim >= _SCAN_MIN_NUMBERS:
        pos = _scan_text(data, pos, fname, out, word_start, word_end)
    else:
        for row in range(rows):
            pos = _read_text_row(data, pos, row, rows, fname, out, word_start, word_end)
    if not native:
        with np.errstate(over="ignore"):
            vectors[...] = out
    words = [data[start:end] for start, end in zip(word_start.tolist(), word_end.tolist())]
    return _decode_words(words, fname, "line", 2, unicode_errors), pos


def _preload_text_scanner(fname: Any, limit: int | None, datatype: Any) -> threading.Thread | None:
    """Start loading the compiled text scanner in a thread if ``fname``'s header says that
    :func:`_read_text` will use it (a million numbers or more).

    numba's import and the scanner's cached machine code take longer than reading the file (a
    second or so against a fraction): a thread loads them meanwhile, and the reader joins it
    before parsing. Any error here is left to the reader, which reads the file again.
    """
    try:
        with open(fname, "rb") as handle:
            head = handle.read(_MAX_HEADER_BYTES)
        compressed = head.startswith(_GZIP_MAGIC)
        if compressed:
            head = zlib.decompressobj(wbits=31).decompress(head, _MAX_HEADER_BYTES)
        count, dim = _parse_header(head[: head.index(b"\n")], fname)
        wanted = count if limit is None else min(count, max(int(limit), 0))
        if not compressed:  # a header the file cannot hold is refused by the reader
            _check_size(fname, os.stat(fname).st_size, wanted, dim, binary=False)
        numbers = wanted * dim
        native = np.dtype(datatype) in (np.float32, np.float64)
        dtype = np.dtype(datatype) if native else np.dtype(np.float64)
    except (OSError, ValueError, TypeError, zlib.error, LmbasicsError):
        return None
    if numbers < _SCAN_MIN_NUMBERS:
        return None

    def load() -> None:
        with suppress(Exception):
            from lmbasics.word2vec.textscan import scan_rows

            empty = np.empty(0, np.int64)  # no rows: loads the code for the reader's types
            scan_rows(np.frombuffer(b"", np.uint8), 0, 0, np.empty((0, 1), dtype), empty, empty)

    thread = threading.Thread(target=load, name="lmbasics-textscan-load", daemon=True)
    thread.start()
    return thread


def _scan_text(
    data: Any, pos: int, fname: Any, out: np.ndarray, word_start: np.ndarray, word_end: np.ndarray
) -> int:
    """The compiled scanner over all rows, the general parse for the rows it leaves.

    A large file in memory is cut at line starts into parts scanned at once, one thread each
    (:func:`_scan_parts`); whatever the parts do not give exactly as one pass would (an error,
    or lines that are not one row each), the single pass does again, so results and errors
    are the single pass's.
    """
    from lmbasics.word2vec.textscan import scan_rows  # numba: loaded only when it pays off

    rows = len(out)
    view = np.frombuffer(data, np.uint8)
    try:
        if isinstance(data, bytes) and rows >= _SPLIT_MIN_ROWS:
            end = _scan_parts(scan_rows, view, data, pos, fname, out, word_start, word_end)
            if end is not None:
                return end
        return _scan_part(scan_rows, view, data, pos, 0, rows, fname, out, word_start, word_end)
    finally:
        del view  # an mmap cannot close while a NumPy view of it lives


def _scan_part(
    scan_rows: Any, view: np.ndarray, data: Any, pos: int, row: int, stop: int, fname: Any,
    out: np.ndarray, word_start: np.ndarray, word_end: np.ndarray,
) -> int:
    """Rows ``row`` to ``stop`` from ``data[pos:]``; returns where the next row starts."""
    rows = len(out)
    part, starts, ends = out[:stop], word_start[:stop], word_end[:stop]
    while True:
        row, pos = scan_rows(view, pos, row, part, starts, ends)
        if row == stop:
            return pos
        pos = _read_text_row(data, pos, row, rows, fname, out, word_start, word_end)
        row += 1
        if row == stop:
            return pos


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _scan_parts(
    scan_rows: Any, view: np.ndarray, data: bytes, pos: int, fname: Any,
    out: np.ndarray, word_start: np.ndarray, word_end: np.ndarray,
) -> int | None:
    """The rows scanned in parts at once; ``None`` if a part failed or did not end where the
    next begins (the caller then makes the single pass)."""
    rows = len(out)
    threads = min(_MAX_SCAN_THREADS, rows // max(_SPLIT_MIN_ROWS // 2, 1), _usable_cpus())
    bounds = [(pos, 0)]  # (byte, row) where each part starts: the start of a line
    for k in range(1, threads):
        cut = data.find(b"\n", pos + (len(data) - pos) * k // threads)
        if cut < 0:
            break
        cut += 1
        row = bounds[-1][1] + data.count(b"\n", bounds[-1][0], cut)  # one row per line
        if not bounds[-1][1] < row < rows:
            break
        bounds.append((cut, row))
    if len(bounds) < 2:
        return None
    stops = [row for _, row in bounds[1:]] + [rows]
    results: list[Any] = [None] * len(bounds)

    def scan(k: int) -> None:
        (start, row), stop = bounds[k], stops[k]
        try:
            results[k] = _scan_part(scan_rows, view, data, start, row, stop, fname,
                                    out, word_start, word_end)
        except LmbasicsError:
            results[k] = None

    workers = [threading.Thread(target=scan, args=(k,)) for k in range(1, len(bounds))]
    for worker in workers:
        worker.start()
    scan(0)
    for worker in workers:
        worker.join()
    if any(result is None for result in results):
        return None
    if any(results[k] != bounds[k + 1][0] for k in range(len(bounds) - 1)):
        return None
    return results[-1]


def _read_text_row(
    data: Any, pos: int, row: int, rows: int, fname: Any,
    out: np.ndarray, word_start: np.ndarray, word_end: np.ndarray,
) -> int:
    """The general (slow) parse of one text row at ``data[pos:]``; returns where the next starts.

    Used for rows the compiled scanner does not take (unusual numbers or spacing, or errors).
    """
    newline = data.find(b"\n", pos)
    line = data[pos : newline + 1 if newline >= 0 else len(data)]
    if not line:
        raise LmbasicsError(f"{fname}: truncated: header says {rows} words, file ends after {row}")
    where = f"line {row + 2}"
    parts = line.rstrip(b"\r\n").rstrip(b" ").split(b" ")
    dim = out.shape[1]
    if len(parts) != dim + 1:
        raise LmbasicsError(
            f"{fname}: {where}: expected a word and {dim} numbers, got {len(parts) - 1} numbers"
        )
    try:
        with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused by the caller
            out[row] = np.array(parts[1:], dtype=np.float64)
    except ValueError:
        raise LmbasicsError(f"{fname}: {where}: a vector value is not a number") from None
    word_start[row], word_end[row] = pos, pos + len(parts[0])
    return pos + len(line)


def _read_binary(
    data: Any, pos: int, fname: Any, vectors: np.ndarray, unicode_errors: str
) -> tuple[list[str], int]:
    """Read ``len(vectors)`` binary rows from ``data[pos:]`` into ``vectors``; return keys, end.

    A whole file in memory is located with array operations (:func:`_locate_binary_rows`); a
    mapped one (``limit``), or one whose rows do not add up, row by row, which also words the
    error.
    """
    rows, dim = vectors.shape
    located = _locate_binary_rows(data, pos, rows, 4 * dim) if isinstance(data, bytes) else None
    if located is None:
        return _read_binary_rows(data, pos, fname, vectors, unicode_errors)
    starts, spaces = located
    view = np.frombuffer(data, np.uint8)
    vector_at = spaces + 1
    with np.errstate(over="ignore"):  # a narrower datatype: inf, refused by the caller
        for shift in range(4):  # float32 views of the file at each byte alignment
            chosen = np.flatnonzero(vector_at % 4 == shift)
            if len(chosen):
                floats = np.frombuffer(data, "<f4", (len(data) - shift) // 4, shift)
                windows = np.lib.stride_tricks.sliding_window_view(floats, dim)  # no copy
                vectors[chosen] = windows[(vector_at[chosen] - shift) // 4]
    lengths = spaces - starts + 1  # each word with the space after it
    offsets = np.cumsum(lengths) - lengths
    blob = view[np.arange(lengths.sum()) + np.repeat(starts - offsets, lengths)].tobytes()
    keys = _decode_words(blob.split(b" ")[:-1], fname, "word", 1, unicode_errors)
    return keys, int(vector_at[-1]) + 4 * dim if rows else pos


def _skip_newlines(view: np.ndarray, positions: np.ndarray, most: int = 8) -> np.ndarray | None:
    """Each position moved past the newlines there; None if a run is longer than ``most``."""
    positions = positions.copy()
    active = np.arange(len(positions))
    for _ in range(most + 1):
        inside = active[positions[active] < len(view)]
        active = inside[view[positions[inside]] == 10]
        if not len(active):
            return positions
        positions[active] += 1
    return None


def _locate_binary_rows(
    data: bytes, pos: int, rows: int, width: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each binary row's word starts and ends (its space), or None to go row by row.

    Every space in the file is a candidate end of a word (spaces inside vectors too); from each,
    the next row would start ``1 + width`` bytes on, past newlines, and end at the first space
    there. Following that link from the first row visits exactly the rows a sequential reader
    would, with one integer lookup per row instead of a search.
    """
    if rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    view = np.frombuffer(data, np.uint8)
    space_at = np.flatnonzero(view[pos:] == 32) + pos
    next_start = _skip_newlines(view, space_at + 1 + width)
    first = _skip_newlines(view, np.array([pos]))
    if next_start is None or first is None:
        return None
    link = np.searchsorted(space_at, next_start).tolist()
    index = int(np.searchsorted(space_at, first[0]))
    chain = []
    for _ in range(rows):
        if index >= len(space_at):
            return None
        chain.append(index)
        index = link[index]
    spaces = space_at[chain]
    starts = np.concatenate([first, next_start[chain[:-1]]])
    if (spaces - starts).max() > _MAX_WORD_BYTES or spaces[-1] + 1 + width > len(data):
        return None
    return starts, spaces


def _read_binary_rows(
    data: Any, pos: int, fname: Any, vectors: np.ndarray, unicode_errors: str
) -> tuple[list[str], int]:
    """:func:`_read_binary` one row at a time: a search for each word's space."""
    rows, dim = vectors.shape
    width, size, find = 4 * dim, len(data), data.find
    words, pieces = [], []
    for row in range(rows):
        while pos < size and data[pos] == 10:  # the newline word2vec.c writes after each vector
            pos += 1
        space = find(b" ", pos, pos + _MAX_WORD_BYTES + 1)
        if space < 0:
            if size - pos > _MAX_WORD_BYTES:
                raise LmbasicsError(
                    f"{fname}: word {row + 1} is over {_MAX_WORD_BYTES:,} bytes: "
                    "not a binary word2vec file"
                )
            raise LmbasicsError(
                f"{fname}: truncated: header says {rows} words, file ends in word {row + 1}"
            )
        words.append(data[pos:space])
        pos = space + 1 + width
        if pos > size:
            raise LmbasicsError(f"{fname}: truncated: the vector of word {row + 1} is incomplete")
        pieces.append(data[space + 1 : pos])
    with np.errstate(over="ignore"):  # a narrower datatype: inf, refused by the caller
        vectors[...] = np.frombuffer(b"".join(pieces), dtype="<f4").reshape(rows, dim)
    return _decode_words(words, fname, "word", 1, unicode_errors), pos


def _sniff_binary(head: bytes, fname: Any) -> bool:
    """Whether a word2vec file (its first bytes) is binary: control bytes in the body."""
    if not head.strip():
        raise LmbasicsError(f"{fname}: empty file, not a vector file")
    first_line = head.split(b"\n", 1)[0]
    _parse_header(first_line, fname)
    body = head[len(first_line) + 1 :]
    return any(b < 9 or 13 < b < 32 for b in body[:2048]) or b"\x00" in body


def read_vectors(fname: str | os.PathLike[str]) -> Vectors:
    """Vectors from any file lmbasics writes, the format sniffed from the first bytes.

    A zip is the native ``.npz`` (vectors, or a whole model whose input vectors are read);
    otherwise a word2vec header is read, and control bytes in the body mean binary.
    """
    with open(fname, "rb") as handle:
        head = handle.read(4096)
        if head.startswith(_GZIP_MAGIC):
            handle.seek(0)
            try:
                head = gzip.GzipFile(fileobj=handle).read(4096)
            except (OSError, EOFError, zlib.error) as error:
                raise LmbasicsError(f"{fname}: damaged gzip file ({error})") from None
    if head.startswith(b"PK"):
        return read_native_vectors(fname)
    keys, vectors = read_word2vec(fname, binary=_sniff_binary(head, fname))
    return Vectors(keys, vectors, None)
