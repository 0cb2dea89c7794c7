"""Files for word vectors: word2vec.c's text and binary formats, and a native ``.npz`` format.

word2vec.c formats (read and written by word2vec.c, gensim, fastText):

- text: a header ``"<count> <dim>\\n"``, then one line per word: the word, a space, ``dim``
  numbers separated by single spaces. Values are written as the shortest decimal that reads
  back to the same float32 (what gensim writes).
- binary: the same header, then per word: the UTF-8 word, a space, ``dim`` little-endian
  float32 (4·dim bytes), and a newline (as word2vec.c writes; gensim 4 omits the newline and
  reads either).

Readers validate as they go: a header that is not two positive integers, a line with the wrong
number of values, a body shorter or longer than the header says, or bytes that are not UTF-8
raise :class:`LmbasicsError` with the line number. Writers are atomic.

Native format (``KeyedVectors.save`` / ``Word2Vec.save``): a NumPy ``.npz`` whose arrays hold the
matrices and a ``meta`` array with UTF-8 JSON (vocabulary, counts, configuration). It is read
with ``allow_pickle=False``: no pickle, ever, for files a user hands us.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from lmbasics._util.atomic import atomic_path
from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec.keyedvectors import KeyedVectors

NATIVE_MAGIC = "lmbasics.keyedvectors/1"


def save_word2vec_format(
    kv: KeyedVectors,
    fname: str | os.PathLike[str],
    binary: bool = False,
    write_header: bool = True,
) -> None:
    """Write ``kv`` in word2vec.c's text (default) or binary format."""
    for key in kv.index_to_key:
        if not key or any(ch.isspace() for ch in key):
            raise LmbasicsError(f"cannot write key {key!r}: word2vec files need keys without spaces")
    vectors = np.ascontiguousarray(kv.vectors, dtype="<f4")
    with atomic_path(fname) as tmp, open(tmp, "wb") as out:
        if write_header:
            out.write(f"{len(kv)} {kv.vector_size}\n".encode())
        for key, row in zip(kv.index_to_key, vectors):
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


def _decode(raw: bytes, fname: Any, where: str, unicode_errors: str) -> str:
    try:
        return raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError:
        raise LmbasicsError(f"{fname}: {where}: word is not valid UTF-8") from None


def load_word2vec_format(
    fname: str | os.PathLike[str],
    binary: bool = False,
    limit: int | None = None,
    unicode_errors: str = "strict",
    datatype: Any = np.float32,
) -> KeyedVectors:
    """Read a word2vec.c text or binary file; ``limit`` keeps only the first ``limit`` words."""
    path = Path(fname)
    with open(path, "rb") as handle:
        count, dim = _parse_header(handle.readline(), fname)
        wanted = count if limit is None else min(count, max(int(limit), 0))
        keys: list[str] = []
        vectors = np.empty((wanted, dim), dtype=datatype)
        if binary:
            _read_binary(handle, fname, wanted, dim, keys, vectors, unicode_errors)
        else:
            _read_text(handle, fname, wanted, dim, keys, vectors, unicode_errors)
        if wanted == count and (limit is None or limit >= count):
            trailing = handle.read(1 << 16)
            if trailing.strip():
                raise LmbasicsError(
                    f"{fname}: header says {count} words but the file has more data after them"
                )
    if len(set(keys)) != len(keys):
        raise LmbasicsError(f"{fname}: the same word appears twice")
    return KeyedVectors.from_arrays(keys, vectors)


def _read_text(handle, fname, wanted, dim, keys, vectors, unicode_errors) -> None:
    for row in range(wanted):
        line = handle.readline()
        where = f"line {row + 2}"
        if not line:
            raise LmbasicsError(
                f"{fname}: truncated: header says {wanted} words, file ends after {row}"
            )
        parts = line.rstrip(b"\r\n").rstrip(b" ").split(b" ")
        if len(parts) != dim + 1:
            raise LmbasicsError(
                f"{fname}: {where}: expected a word and {dim} numbers, got {len(parts) - 1} numbers"
            )
        keys.append(_decode(parts[0], fname, where, unicode_errors))
        try:
            vectors[row] = np.array(parts[1:], dtype=np.float64)
        except ValueError:
            raise LmbasicsError(f"{fname}: {where}: a vector value is not a number") from None
    if not np.isfinite(vectors).all():
        raise LmbasicsError(f"{fname}: contains non-finite values (nan or inf)")


def _read_binary(handle, fname, wanted, dim, keys, vectors, unicode_errors) -> None:
    width = 4 * dim
    for row in range(wanted):
        word = bytearray()
        while True:
            ch = handle.read(1)
            if not ch:
                raise LmbasicsError(
                    f"{fname}: truncated: header says {wanted} words, file ends in word {row + 1}"
                )
            if ch == b" ":
                break
            if ch == b"\n" and not word:
                continue  # the newline word2vec.c writes after each vector
            word += ch
            if len(word) > 10_000:
                raise LmbasicsError(
                    f"{fname}: word {row + 1} is over 10,000 bytes: not a binary word2vec file"
                )
        where = f"word {row + 1}"
        keys.append(_decode(bytes(word), fname, where, unicode_errors))
        data = handle.read(width)
        if len(data) != width:
            raise LmbasicsError(f"{fname}: truncated: the vector of word {row + 1} is incomplete")
        vectors[row] = np.frombuffer(data, dtype="<f4")
    if not np.isfinite(vectors).all():
        raise LmbasicsError(
            f"{fname}: contains non-finite values: corrupted, or not a binary word2vec file"
        )


# ---------------------------------------------------------------------- native .npz format
def save_npz(fname: str | os.PathLike[str], meta: dict[str, Any], arrays: dict[str, Any]) -> None:
    """Atomically write ``arrays`` plus ``meta`` (JSON) into one uncompressed ``.npz``."""
    payload = {name: np.asarray(value) for name, value in arrays.items()}
    payload["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)
    with atomic_path(fname, suffix=".npz") as tmp, open(tmp, "wb") as out:
        np.savez(out, **payload)


def load_npz(fname: str | os.PathLike[str], magic: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a file written by :func:`save_npz`; check its ``format`` field equals ``magic``."""
    try:
        with np.load(fname, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise LmbasicsError(f"{fname}: not a readable lmbasics .npz file ({error})") from None
    try:
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError):
        raise LmbasicsError(f"{fname}: not an lmbasics file (no metadata)") from None
    if meta.get("format") != magic:
        raise LmbasicsError(f"{fname}: expected an {magic} file, found {meta.get('format')!r}")
    return meta, arrays


def save_keyedvectors(kv: KeyedVectors, fname: str | os.PathLike[str]) -> None:
    meta = {"format": NATIVE_MAGIC, "keys": kv.index_to_key, "vector_size": kv.vector_size}
    save_npz(fname, meta, {"vectors": kv.vectors, "counts": kv.counts})


def load_keyedvectors(fname: str | os.PathLike[str]) -> KeyedVectors:
    meta, arrays = load_npz(fname, NATIVE_MAGIC)
    vectors, counts, keys = arrays.get("vectors"), arrays.get("counts"), meta.get("keys")
    if vectors is None or counts is None or not isinstance(keys, list):
        raise LmbasicsError(f"{fname}: incomplete lmbasics vectors file")
    if vectors.ndim != 2 or len(keys) != len(vectors) or len(counts) != len(vectors):
        raise LmbasicsError(f"{fname}: vocabulary and vectors disagree in size")
    return KeyedVectors.from_arrays(keys, vectors, counts)


def _npz_format(fname: str | os.PathLike[str]) -> str | None:
    """The ``format`` field of an lmbasics ``.npz`` (reads only its metadata), or None."""
    try:
        with np.load(fname, allow_pickle=False) as archive:
            return json.loads(archive["meta"].tobytes().decode("utf-8")).get("format")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError, AttributeError):
        return None


def load_any_vectors(fname: str | os.PathLike[str]) -> KeyedVectors:
    """Load vectors in any format we write, sniffed from the first bytes.

    A zip is the native ``.npz`` (vectors, or a whole model whose ``.wv`` is returned);
    otherwise a word2vec header is read and control bytes in the body mean binary.
    """
    with open(fname, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK"):
        from lmbasics.word2vec.model import MODEL_MAGIC, Word2Vec

        if _npz_format(fname) == MODEL_MAGIC:
            return Word2Vec.load(fname).wv
        return load_keyedvectors(fname)
    if not head.strip():
        raise LmbasicsError(f"{fname}: empty file, not a vector file")
    first_line = head.split(b"\n", 1)[0]
    _parse_header(first_line, fname)
    body = head[len(first_line) + 1 :]
    looks_binary = any(b < 9 or 13 < b < 32 for b in body[:2048]) or b"\x00" in body
    return load_word2vec_format(fname, binary=looks_binary)
