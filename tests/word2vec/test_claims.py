"""The word2vec claims report: the verdict rules on hand-made numbers, the crossover on made-up
curves, and the ``tiny`` budget end to end through the CLI on data this test writes."""

from __future__ import annotations

import gzip
import json
import math
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from lmbasics._util.verdicts import (
    CONFIRMED,
    INCONCLUSIVE,
    NOT_MEASURED,
    PARTLY,
    REFUTED,
    VERDICTS,
)
from lmbasics.cli import main
from lmbasics.word2vec.claims import analysis, runs, verdicts
from lmbasics.word2vec.claims.experiments import onehot_pairs, random_vectors

# ------------------------------------------------------------------------------ made-up data
GENDER = [("king", "queen"), ("man", "woman"), ("boy", "girl"), ("father", "mother"),
          ("brother", "sister"), ("prince", "princess"), ("husband", "wife"), ("son", "daughter")]
CAPITALS = [("paris", "france"), ("london", "england"), ("berlin", "germany"), ("rome", "italy"),
            ("madrid", "spain"), ("tokyo", "japan")]


def _sentences(tokens: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    fillers = [f"f{i}" for i in range(90)]
    weights = 1.0 / np.arange(1, len(fillers) + 1)
    weights /= weights.sum()
    lines, count = [], 0
    while count < tokens:
        kind = rng.integers(3)
        noise = list(rng.choice(fillers, size=4, p=weights))
        if kind == 0:
            male, female = GENDER[rng.integers(len(GENDER))]
            words = ["he", "is", "the", male, *noise, "she", "is", "the", female]
        elif kind == 1:
            capital, country = CAPITALS[rng.integers(len(CAPITALS))]
            words = [capital, "is", "the", "capital", "of", country, *noise]
        else:
            words = list(rng.choice(fillers, size=10, p=weights))
        lines.append(" ".join(words))
        count += len(words)
    return lines


def write_data(root: Path) -> Path:
    """A data directory shaped like ../shared/data, small enough for the tiny budget."""
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    for name, tokens, seed in (("enwiki-17M.txt.gz", 12_000, 1), ("enwiki-31M-more.txt.gz",
                                                                   10_000, 2)):
        with gzip.open(corpus / name, "wt", encoding="utf8") as handle:
            handle.write("\n".join(_sentences(tokens, seed)) + "\n")
    evaluation = root / "word-eval"
    evaluation.mkdir()
    lines = [": family"] + [f"{a} {b} {c} {d}" for a, b in GENDER for c, d in GENDER if a != c]
    lines += [": capital-common-countries"] + [
        f"{a} {b} {c} {d}" for a, b in CAPITALS for c, d in CAPITALS if a != c]
    lines += [": gram-fillers"] + [f"f{i} f{i + 1} f{i + 30} f{i + 31}" for i in range(0, 60, 2)]
    (evaluation / "questions-words.txt").write_text("\n".join(lines) + "\n", encoding="utf8")
    pairs = [("king", "queen", 8.6), ("man", "woman", 8.3), ("paris", "france", 7.5),
             ("king", "king", 10.0), ("boy", "girl", 8.0), ("london", "england", 7.9),
             ("king", "f3", 1.2), ("paris", "f10", 0.9), ("woman", "f50", 1.0),
             ("father", "mother", 8.1), ("rome", "italy", 7.7), ("son", "f40", 1.5),
             ("tokyo", "japan", 7.6), ("queen", "f7", 1.1), ("f1", "f2", 2.0),
             ("wife", "husband", 8.4), ("madrid", "f60", 0.8), ("girl", "princess", 6.5)]
    (evaluation / "wordsim353.tsv").write_text(
        "# made-up pairs\n# Word 1\tWord 2\tHuman (mean)\n"
        + "".join(f"{a}\t{b}\t{s}\n" for a, b, s in pairs), encoding="utf8")
    return root


def _fake_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand in for ``costs.py`` where this branch lacks it (made-up numbers in its format)."""
    try:
        import lmbasics.word2vec.claims.costs  # noqa: F401
        return
    except ImportError:
        pass
    module = types.ModuleType("lmbasics.word2vec.claims.costs")

    def measure_costs(budget="full", counts=None, progress=print):
        assert counts is not None and len(counts) > 10 and np.all(np.diff(counts) <= 0)
        return {"vocab_sizes": [100, 1000],
                "seconds_per_prediction": {"softmax": [1e-6, 1e-5], "hs": [1e-7, 2e-7],
                                           "ns": [5e-8, 5e-8]},
                "buckets": [{"label": "top 10", "token_share": 0.7, "hs_code_length": 3.0,
                             "hs_seconds": 5e-8, "hs_seconds_se": 1e-9, "ns_seconds": 4e-8,
                             "ns_seconds_se": 1e-9},
                            {"label": "rest", "token_share": 0.3, "hs_code_length": 9.0,
                             "hs_seconds": 1.5e-7, "hs_seconds_se": 1e-9, "ns_seconds": 4e-8,
                             "ns_seconds_se": 1e-9}]}

    def plot_costs(result, directory):
        path = Path(directory) / "costs.png"
        path.write_bytes(b"\x89PNG made up")
        return [path]

    module.measure_costs, module.plot_costs = measure_costs, plot_costs
    monkeypatch.setitem(sys.modules, module.__name__, module)


# ------------------------------------------------------------------------------ end to end
@pytest.mark.slow
def test_tiny_budget_end_to_end(tmp_path, monkeypatch, capsys):
    _fake_costs(monkeypatch)
    data = write_data(tmp_path / "data")
    out, cache = tmp_path / "docs" / "word2vec", tmp_path / "cache"
    argv = ["word2vec", "claims", "--data", str(data), "--out", str(out), "--cache", str(cache),
            "--budget", "tiny"]
    assert main(argv) == 0
    report = (tmp_path / "docs" / "word2vec.md").read_text()
    for name in verdicts.CLAIMS:
        row = next(line for line in report.splitlines() if line.startswith(f"| {name} |"))
        assert any(f"**{v}**" in row for v in VERDICTS), row
    assert "适用于较小的数据集" in report
    for png in ("onehot", "w3-accuracy", "w3-ws353", "w3-time", "w3-difference", "w2-sections",
                "w5-buckets"):
        assert (out / f"{png}.png").stat().st_size > 1000, png
        assert f"word2vec/{png}.png" in report
    results = json.loads((out / "results.json").read_text())
    assert [r["claim"] for r in results["claims"]] == list(verdicts.CLAIMS)
    assert results["w1_w2"]["onehot_distinct"]["max_abs_cosine"] == 0.0
    grid = runs.GRIDS["tiny"]
    assert [s["size"] for s in results["w3"]["sizes"]] == [s for s, _ in grid.sizes]
    records = sorted((cache / "runs").glob("*.json"))
    assert len(records) >= 4 * (len(grid.multipliers) * len(grid.tuned) + 1)
    stamps = {p: p.stat().st_mtime_ns for p in records}

    def no_training(*_args, **_kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(runs, "train_and_evaluate", no_training)
    capsys.readouterr()
    assert main(argv) == 0
    assert {p: p.stat().st_mtime_ns for p in sorted((cache / "runs").glob("*.json"))} == stamps
    assert main([*argv, "--report-only", "--report", str(tmp_path / "again.md")]) == 0
    again = (tmp_path / "again.md").read_text()
    assert again.split("\n", 3)[3].split("## Setup")[0] == report.split("\n", 3)[3].split(
        "## Setup")[0]  # the same claims table from the same records


def test_bad_data_is_one_line(tmp_path, capsys):
    code = main(["word2vec", "claims", "--data", str(tmp_path / "missing"), "--out",
                 str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--budget", "tiny"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "--data" in err and "Traceback" not in err


def test_report_only_needs_records(tmp_path, capsys):
    data = write_data(tmp_path / "data")
    code = main(["word2vec", "claims", "--data", str(data), "--out", str(tmp_path / "out"),
                 "--cache", str(tmp_path / "empty"), "--budget", "tiny", "--report-only"])
    assert code == 1 and "no runs/ records" in capsys.readouterr().err
    assert not (tmp_path / "empty").exists()


# ------------------------------------------------------------------------------ analysis
def test_crossover_on_made_up_curves():
    tokens = [1e5, 1e6, 1e7, 1e8]
    found = analysis.crossover(tokens, [-2.0, -1.0, 1.0, 3.0])
    assert found["status"] == "crosses"
    assert found["tokens"] == pytest.approx(math.sqrt(1e6 * 1e7))  # halfway in log space
    assert analysis.crossover(tokens, [-3.0, 0.0, 3.0, 4.0])["tokens"] == pytest.approx(1e6)
    # turns positive, dips back, turns positive for good: the last sign change counts
    assert analysis.crossover(tokens, [-1.0, 1.0, -1.0, 1.0])["tokens"] == pytest.approx(
        math.sqrt(1e7 * 1e8))
    assert analysis.crossover(tokens, [1.0, 2.0, 3.0, 4.0])["tokens"] is None
    assert analysis.crossover(tokens, [1.0, 2.0, 3.0, -1.0])["status"].startswith("cbow")


def test_bootstrap_crossover_brackets_a_clear_crossing():
    rng = np.random.default_rng(0)
    tokens = [1e5, 1e6, 1e7]
    sg = [(rng.random((3, 2000)) < p).astype(np.int8) for p in (0.2, 0.3, 0.6)]
    cbow = [(rng.random((3, 2000)) < p).astype(np.int8) for p in (0.4, 0.35, 0.3)]
    boot = analysis.bootstrap_crossover(tokens, sg, cbow, resamples=200)
    assert boot["share_crossing"] > 0.95
    low, high = boot["interval"]
    assert 1e6 < low < high < 1e7
    ahead = [(rng.random((2, 2000)) < 0.5).astype(np.int8) for _ in tokens]
    behind = [(rng.random((2, 2000)) < 0.2).astype(np.int8) for _ in tokens]
    never = analysis.bootstrap_crossover(tokens, ahead, behind, resamples=50)
    assert never["share_crossing"] == 0 and never["interval"] is None


def test_spearman_and_floors():
    assert analysis.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert math.isnan(analysis.spearman([0, 0, 0, 0], [1, 2, 3, 4]))
    assert analysis.binomial_floor(0.5, 200) == pytest.approx(0.05)
    assert analysis.difference({"mean": 0.5, "std": 0.0, "n": 1},
                               {"mean": 0.4, "std": 0.0, "n": 1}, 0.02)["se"] == 0.02


def test_bucket_masks_use_the_rarest_word():
    ranks = {"A": [1, 90], "B": [30, 9], "C": [60, 5]}
    masks = analysis.bucket_masks([("a", "a"), ("a", "b"), ("a", "c"), ("a", "zz")], ranks,
                                  frequent_below=20, rare_from=50)
    assert masks["frequent"].tolist() == [True, False, False, False]
    assert masks["rare"].tolist() == [False, False, True, False]


def test_onehot_cosines_and_random_start():
    kv = random_vectors(["the", "king", "queen", "tiger"], 8)
    assert np.abs(kv.vectors).max() <= 1 / 8
    cosines = onehot_pairs(kv, [("king", "queen", 8.0), ("tiger", "tiger", 10.0),
                                ("king", "absent", 1.0)])
    assert cosines == [0.0, 1.0, None]


# ------------------------------------------------------------------------------ verdict rules
def _summary(mean: float, asked: int = 1000, pairs: int = 300) -> dict:
    return {"accuracy": {"mean": mean, "std": 0.0, "n": 1}, "asked": asked,
            "ws353": {"mean": mean, "std": 0.0, "n": 1}, "pairs": pairs}


def _scaling(small_d: float, large_d: float, se: float = 0.005, level: float = 0.3) -> dict:
    sizes, differences = [], {}
    for loss in ("ns", "hs"):
        differences[loss] = {"accuracy": [
            {"size": "S", "tokens": 1e5, "d": small_d, "se": se},
            {"size": "L", "tokens": 1e7, "d": large_d, "se": se}]}
    for size, d in (("S", small_d), ("L", large_d)):
        sizes.append({"size": size, "models": {
            m: _summary(level + max(d if m.startswith("sg") else -d, 0.0)) for m in
            ("sg-ns", "cbow-ns", "sg-hs", "cbow-hs")}})
    return {"sizes": sizes, "differences": differences}


@pytest.mark.parametrize(("small_d", "large_d", "expected"), [
    (-0.02, 0.05, CONFIRMED),  # CBOW ahead on small, SG ahead on large
    (-0.001, 0.05, CONFIRMED),  # a tie on small counts as CBOW doing as well
    (0.05, -0.05, REFUTED),  # the opposite everywhere
    (-0.02, 0.004, PARTLY),  # holds on small, the large difference is in the noise
    (0.008, 0.004, INCONCLUSIVE),  # neither resolved
])
def test_w3_rule(small_d, large_d, expected):
    assert verdicts.w3(_scaling(small_d, large_d), ("S",), ("L",))["verdict"] == expected


def test_w3_not_learned_and_not_measured():
    assert verdicts.w3(_scaling(-0.005, 0.005, level=0.0), ("S",), ("L",))["verdict"] == INCONCLUSIVE
    assert verdicts.w3(_scaling(-0.02, 0.05), ("S",), ("X",))["verdict"] == NOT_MEASURED
    assert verdicts.w3(None, ("S",), ("L",))["verdict"] == NOT_MEASURED
    partial = _scaling(-0.02, 0.05)  # ns complete; hs has no large size yet
    partial["differences"]["hs"]["accuracy"] = partial["differences"]["hs"]["accuracy"][:1]
    row = verdicts.w3(partial, ("S",), ("L",))
    assert row["verdict"] == NOT_MEASURED and "hs: S -2.0" in row["evidence"]


def _vectors(trained_ci, random_ci=(-0.1, 0.1), onehot_max=0.0, trained=600, random=2) -> dict:
    outcomes = lambda right: "1" * right + "0" * (1000 - right) + "-" * 50  # noqa: E731
    return {
        "ws353": {"onehot": {"rho": 0.05, "pairs": 300, "interval": None},
                  "random": {"rho": 0.0, "pairs": 300, "interval": list(random_ci)},
                  **{m: {"rho": sum(trained_ci) / 2, "pairs": 300,
                         "interval": list(trained_ci)} for m in verdicts.VECTOR_MODELS}},
        "onehot_distinct": {"pairs": 299, "max_abs_cosine": onehot_max},
        "models": {m: {"test": outcomes(trained), "king": [["queen", 0.7]]}
                   for m in verdicts.VECTOR_MODELS},
        "random": {"test": outcomes(random)},
    }


def test_w1_rule():
    assert verdicts.w1(_vectors((0.5, 0.7)))["verdict"] == CONFIRMED
    assert verdicts.w1(_vectors((0.5, 0.7), onehot_max=0.3))["verdict"] == REFUTED
    assert verdicts.w1(_vectors((-0.2, 0.05)))["verdict"] == REFUTED
    assert verdicts.w1(_vectors((0.05, 0.3)))["verdict"] == INCONCLUSIVE  # overlaps random's
    assert verdicts.w1(None)["verdict"] == NOT_MEASURED
    half = _vectors((0.5, 0.7))
    del half["models"]["sg-ns"]
    assert verdicts.w1(half)["verdict"] == NOT_MEASURED
    assert verdicts.w2(half)["verdict"] == NOT_MEASURED


def test_w2_rule():
    assert verdicts.w2(_vectors((0.5, 0.7), trained=400))["verdict"] == CONFIRMED
    assert verdicts.w2(_vectors((0.5, 0.7), trained=30))["verdict"] == REFUTED
    assert verdicts.w2(_vectors((0.5, 0.7), trained=100))["verdict"] == INCONCLUSIVE


def _costs(softmax=1e-5, hs_rare=3e-7, ns=5e-8, se=1e-9, code=(3.0, 15.0)) -> dict:
    return {"vocab_sizes": [10_000, 100_000],
            "seconds_per_prediction": {"softmax": [1e-6, softmax], "hs": [1e-7, 1e-7],
                                       "ns": [ns, ns]},
            "buckets": [{"label": "top", "token_share": 0.8, "hs_code_length": code[0],
                         "hs_seconds": 1e-7, "hs_seconds_se": se, "ns_seconds": ns,
                         "ns_seconds_se": se},
                        {"label": "tail", "token_share": 0.2, "hs_code_length": code[1],
                         "hs_seconds": hs_rare, "hs_seconds_se": se, "ns_seconds": ns,
                         "ns_seconds_se": se}]}


def test_w4_rule():
    assert verdicts.w4(_costs())["verdict"] == CONFIRMED
    assert verdicts.w4(_costs(softmax=2e-7))["verdict"] == REFUTED  # only 2x
    assert verdicts.w4(_costs(softmax=5e-7))["verdict"] == INCONCLUSIVE  # 5x
    assert verdicts.w4(_costs(code=(9.0, 8.0)))["verdict"] == REFUTED
    assert verdicts.w4(_costs(hs_rare=1.01e-7, se=1e-8))["verdict"] == INCONCLUSIVE
    assert verdicts.w4(None)["verdict"] == NOT_MEASURED


def test_w5_rule():
    assert verdicts.w5(_costs())["verdict"] == CONFIRMED
    assert verdicts.w5(_costs(hs_rare=1.05e-7))["verdict"] == REFUTED  # rare barely dearer
    assert verdicts.w5(_costs(hs_rare=1.3e-7))["verdict"] == INCONCLUSIVE
    assert verdicts.w5(_costs(ns=5e-7))["verdict"] == REFUTED  # NS dearer than HS


def _bucket(accuracy: float, asked: int = 2000) -> dict:
    return {"accuracy": accuracy, "asked": asked,
            "se": math.sqrt(accuracy * (1 - accuracy) / asked)}


def _equal_time(ns_rare: float, asked: int = 2000) -> dict:
    return {"architectures": {arch: {
        "hs": {"train_seconds": 100.0, "frequent": _bucket(0.5), "rare": _bucket(0.3, asked)},
        "ns": {"train_seconds": 99.0, "epochs": 9, "frequent": _bucket(0.55),
               "rare": _bucket(ns_rare, asked)}} for arch in ("sg", "cbow")}}


def test_w5_quality_rule():
    assert verdicts.w5_quality(_equal_time(0.33))["verdict"] == CONFIRMED
    assert verdicts.w5_quality(_equal_time(0.2))["verdict"] == PARTLY  # rare clearly worse
    assert verdicts.w5_quality(_equal_time(0.28, asked=10))["verdict"] == PARTLY  # too few
    assert verdicts.not_worse(_bucket(0.2), _bucket(0.3)) == REFUTED
    assert verdicts.not_worse(_bucket(0.29, 3000), _bucket(0.3, 3000)) == INCONCLUSIVE
    assert verdicts.w5_quality(None)["verdict"] == NOT_MEASURED
    half = _equal_time(0.33)
    del half["architectures"]["sg"]
    assert verdicts.w5_quality(half)["verdict"] == NOT_MEASURED
