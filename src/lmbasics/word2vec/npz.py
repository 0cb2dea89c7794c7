"""The native vector and model file: one NumPy ``.npz`` of arrays plus JSON metadata, no pickle.

``KeyedVectors.save`` writes ``vectors`` and ``counts``, ``Word2Vec.save`` ``syn0``, ``syn1``,
``syn1neg`` and ``counts``; both add a ``meta`` array of UTF-8 JSON (a ``format`` tag, the
vocabulary, the configuration). Reading never goes through ``np.load``'s pickle path: each
member's ``.npy`` header is parsed with NumPy's own parser, only numeric arrays are accepted,
their declared size is checked against the archive before anything is allocated, and every
failure of a damaged archive is one :class:`LmbasicsError` naming the file.

Not here: the word2vec.c formats and sniffing a file's format (:mod:`.io`), building
``KeyedVectors`` or ``Word2Vec`` from what is read (they do).
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from lmbasics._util.atomic import atomic_path
from lmbasics._util.errors import LmbasicsError

NATIVE_MAGIC = "lmbasics.keyedvectors/1"  # KeyedVectors.save: vectors, counts; meta: keys
MODEL_MAGIC = "lmbasics.word2vec/1"  # Word2Vec.save: syn0, syn1, syn1neg, counts; meta: keys, config


class Vectors(NamedTuple):
    """What a vector file holds: ``keys``, ``vectors`` (len(keys) x dim), ``counts`` or None."""

    keys: list[str]
    vectors: np.ndarray
    counts: np.ndarray | None


def save_npz(fname: str | os.PathLike[str], meta: dict[str, Any], arrays: dict[str, Any]) -> None:
    """Atomically write ``arrays`` plus ``meta`` (JSON) into one uncompressed ``.npz``."""
    payload = {name: np.asarray(value) for name, value in arrays.items()}
    payload["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)
    with atomic_path(fname, suffix=".npz") as tmp, open(tmp, "wb") as out:
        np.savez(out, **payload)


# Everything a damaged zip or .npy header can raise from zipfile, zlib and numpy's format module.
_DAMAGED = (
    zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError,
    EOFError, ValueError, KeyError, TypeError, OverflowError, IndexError, zlib.error,
    UnicodeDecodeError, SyntaxError,
)


def _read_member(archive: zipfile.ZipFile, name: str, archive_size: int, fname: Any) -> np.ndarray:
    """One numeric array of an ``.npz``, its declared size checked before allocating it."""
    try:
        info = archive.getinfo(f"{name}.npy")
    except KeyError:
        raise LmbasicsError(f"{fname}: incomplete lmbasics file: no {name!r} array") from None
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
        raise LmbasicsError(f"{fname}: {name!r} is stored in a way lmbasics never writes")
    # deflate expands at most ~1032:1, and no entry can be larger than the archive itself
    limit = min(info.file_size, 1032 * min(info.compress_size, archive_size) + 1024)
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise LmbasicsError(f"{fname}: {name!r} has an unsupported .npy version {version}")
        if dtype.hasobject or dtype.kind not in "biuf" or dtype.subdtype is not None:
            raise LmbasicsError(f"{fname}: {name!r} is not a numeric array ({dtype})")
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > limit:
            raise LmbasicsError(
                f"{fname}: {name!r} claims {nbytes:,} bytes, more than its archive entry holds"
            )
        array = np.empty(math.prod(shape), dtype)
        buffer = memoryview(array).cast("B")
        filled = 0
        while filled < nbytes:
            got = member.readinto(buffer[filled:])
            if not got:
                raise LmbasicsError(f"{fname}: {name!r} is truncated")
            filled += got
        if member.read(1):  # also runs zipfile's CRC check, which needs the end of the entry
            raise LmbasicsError(f"{fname}: {name!r} has data after its array")
    return array.reshape(shape, order="F" if fortran else "C")


def load_npz(
    fname: str | os.PathLike[str],
    magic: str | dict[str, Sequence[str] | None],
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a file written by :func:`save_npz`: its metadata and its arrays.

    The metadata's ``format`` field must equal ``magic``; or ``magic`` maps each accepted format
    to the names of the arrays to read (None: all), so that a part of a big file can be read.
    """
    wanted = {magic: None} if isinstance(magic, str) else dict(magic)
    magics = tuple(wanted)
    try:
        archive_size = os.path.getsize(fname)
        with zipfile.ZipFile(fname) as archive:
            raw = _read_member(archive, "meta", archive_size, fname)
            try:
                meta = json.loads(raw.tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                raise LmbasicsError(f"{fname}: damaged metadata (not JSON)") from None
            if not isinstance(meta, dict):
                raise LmbasicsError(f"{fname}: damaged metadata (not a JSON object)")
            if meta.get("format") not in magics:
                raise LmbasicsError(
                    f"{fname}: expected an {' or '.join(magics)} file, found {meta.get('format')!r}"
                )
            names = wanted[meta["format"]]
            if names is None:
                names = [n[:-4] for n in archive.namelist() if n.endswith(".npy") and n != "meta.npy"]
            arrays = {name: _read_member(archive, name, archive_size, fname) for name in names}
    except (LmbasicsError, FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except _DAMAGED as error:
        detail = f"{type(error).__name__}: {error}".splitlines()[0][:200]
        raise LmbasicsError(f"{fname}: damaged or not an lmbasics .npz file ({detail})") from None
    return meta, arrays


def check_vocabulary(
    fname: Any, keys: Any, vectors: np.ndarray, counts: np.ndarray | None
) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Check a native file's keys, vectors and counts agree; raise naming ``fname`` if not."""
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise LmbasicsError(f"{fname}: damaged vocabulary (keys are not a list of strings)")
    if vectors.ndim != 2 or vectors.shape[1] < 1 or vectors.dtype.kind != "f":
        raise LmbasicsError(f"{fname}: vectors are not a matrix of floats ({vectors.shape})")
    if len(keys) != len(vectors):
        raise LmbasicsError(f"{fname}: vocabulary and vectors disagree in size")
    if counts is not None and (
        counts.ndim != 1 or len(counts) != len(vectors) or counts.dtype.kind not in "iu"
        or (len(counts) and counts.min() < 0)
    ):
        raise LmbasicsError(f"{fname}: word counts are damaged or disagree with the vocabulary")
    if len(set(keys)) != len(keys):
        raise LmbasicsError(f"{fname}: the same word appears twice")
    return keys, vectors, counts


def write_native_vectors(
    fname: str | os.PathLike[str], keys: Sequence[str], vectors: np.ndarray, counts: np.ndarray
) -> None:
    meta = {"format": NATIVE_MAGIC, "keys": list(keys), "vector_size": int(vectors.shape[1])}
    save_npz(fname, meta, {"vectors": vectors, "counts": counts})


def read_native_vectors(fname: str | os.PathLike[str]) -> Vectors:
    """Keys, vectors and counts of a native vectors file, or of a model file (its input vectors,
    read without its output layers)."""
    meta, arrays = load_npz(
        fname, {NATIVE_MAGIC: ("vectors", "counts"), MODEL_MAGIC: ("syn0", "counts")}
    )
    matrix = "vectors" if meta["format"] == NATIVE_MAGIC else "syn0"
    return Vectors(*check_vocabulary(fname, meta.get("keys"), arrays[matrix], arrays["counts"]))
