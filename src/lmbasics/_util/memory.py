"""Give freed heap memory back to the operating system."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.cache
def _malloc_trim():  # pragma: no cover - depends on the C library
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the free pages of the C heap to the OS (glibc ``malloc_trim``); ``False`` where
    the C library has no such call.

    After a pass that builds and drops many objects (a vocabulary scan), glibc keeps the freed
    heap mapped: the process's resident size stays at its high-water mark and later allocations
    (the weight matrices, training) stack on top of it.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
