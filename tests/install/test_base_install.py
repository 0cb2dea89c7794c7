"""The base install (``pip install lmbasics``, no extras) runs word2vec on its own.

A fresh virtual environment without system site packages gets ``pip install <this project>``
and nothing else; then the word2vec verbs run on a tiny corpus, the optional packages are
absent, and a verb that needs one says which extra to install. Slow (it installs numpy,
numba and scipy from the package index or pip's cache), and the closest a test gets to a new
user's machine; CI additionally runs the README's first command in a fresh environment.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def _run(command: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_base_install_trains_and_queries_without_any_extra(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    lmbasics = env_dir / "bin" / "lmbasics"
    install = _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    str(PROJECT)], tmp_path, timeout=1200)
    assert install.returncode == 0, install.stderr[-2000:]

    absent = _run([str(python), "-c", "import importlib.util as u; print([n for n in "
                   "('torch', 'matplotlib', 'sklearn', 'fastapi', 'snownlp') if u.find_spec(n)])"],
                  tmp_path)
    assert absent.stdout.strip() == "[]", absent.stdout + absent.stderr
    imports = _run([str(python), "-c", "import lmbasics, lmbasics.word2vec; "
                    "from lmbasics import Word2Vec, KeyedVectors; print(lmbasics.__version__)"],
                   tmp_path)
    assert imports.returncode == 0, imports.stderr

    words = [f"w{i}" for i in range(30)]
    lines = [" ".join(words[(i * 5 + j * 7) % 30] for j in range(9)) for i in range(200)]
    (tmp_path / "corpus.txt").write_text("\n".join(lines) + "\n")
    for argv in (["--help"],
                 ["train", "corpus.txt", "-o", "v.txt", "--dim", "8", "--epochs", "1",
                  "--min-count", "1", "--threads", "1"],
                 ["similar", "v.txt", "w1", "-n", "3"]):
        result = _run([str(lmbasics), *argv], tmp_path)
        assert result.returncode == 0, (argv, result.stderr)
        assert "Traceback" not in result.stderr
    assert len(_run([str(lmbasics), "similar", "v.txt", "w1", "-n", "3"],
                    tmp_path).stdout.splitlines()) == 3

    missing = _run([str(lmbasics), "plot", "v.txt", "-o", "map.png"], tmp_path)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.strip() == (
        "lmbasics: error: 'plot' needs matplotlib, which is not installed: "
        "pip install 'lmbasics[explore]'"), missing.stderr
    assert sys.executable != str(python)
