"""numba starts without ``scipy.linalg`` in the ``lmbasics`` command only (``_util/numba_start.py``).

Each case is a fresh interpreter, so ``sys.modules`` starts empty.
"""

from __future__ import annotations

import json
import subprocess
import sys

TRAIN_TINY = """
import json, sys
import numpy as np
{setup}
from lmbasics.word2vec import Word2Vec
sentences = [[f"w{{(i * 7 + j) % 30}}" for j in range(8)] for i in range(200)]
Word2Vec(sentences, vector_size=8, min_count=1, epochs=1, workers=1, seed=1)
trained = "scipy.linalg" in sys.modules
{after}
print(json.dumps({{"linalg_while_training": trained, "after": result}}))
"""

DOT_IN_NUMBA = """
import numba
result = float(numba.njit(lambda a: np.dot(a, a))(np.arange(3.0)))  # a user's own BLAS call
"""

SCIPY_AFTER = """
from scipy.stats import spearmanr
result = float(spearmanr([1, 2, 3, 4], [1, 3, 2, 4]).statistic)
"""


def run(setup: str, after: str) -> dict:
    code = TRAIN_TINY.format(setup=setup, after=after)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_command_trains_without_scipy_linalg_and_can_still_import_it():
    setup = ("from lmbasics._util.numba_start import this_process_is_the_command\n"
             "this_process_is_the_command()")
    report = run(setup, SCIPY_AFTER)
    assert report["linalg_while_training"] is False, report
    assert abs(report["after"] - 0.8) < 1e-12, report


def test_a_library_user_keeps_numba_blas():
    """Without the command's flag nothing is hidden: the user's own ``np.dot`` compiles."""
    report = run("", DOT_IN_NUMBA)
    assert report["after"] == 5.0, report
