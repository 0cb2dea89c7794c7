"""numba's start in the ``lmbasics`` command: without ``scipy.linalg``, which it does not need.

When numba first compiles or loads a cached function it imports ``numba.np.arraymath``, which
imports ``scipy.linalg`` only to learn whether ``np.dot`` and friends can be compiled (numba's
BLAS comes from SciPy's ``cython_blas``). The word2vec kernels and scanners use no BLAS, and in
``lmbasics train`` that import costs about 0.3 s and 16 MB of peak memory (docs/benchmarks.md).

So the command, and only the command, loads ``numba.np.arraymath`` with ``scipy.linalg``
hidden: numba then reports no BLAS for the rest of that process, and ``scipy.linalg`` itself
still imports normally afterwards (``evaluate``'s Spearman loads it). A library user's process
is never touched: their own numba code may need ``np.dot``.
"""

from __future__ import annotations

import sys

_command_process = False


def this_process_is_the_command() -> None:
    """Called by the ``lmbasics`` entry point (and the tests' stand-in for it), nowhere else."""
    global _command_process
    _command_process = True


def start_numba() -> None:
    """In the command's process, import ``numba.np.arraymath`` with ``scipy.linalg`` hidden.

    Call before any compiled function runs. Does nothing in a library user's process, or when
    ``scipy.linalg`` or ``numba.np.arraymath`` is already loaded.
    """
    if (not _command_process or "scipy.linalg" in sys.modules
            or "numba.np.arraymath" in sys.modules):
        return
    sys.modules["scipy.linalg"] = None  # type: ignore[assignment]  # importing it: ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules["scipy.linalg"]
