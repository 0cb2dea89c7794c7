"""The translation-ceiling benchmark: what it changes in the budget, that its runs at the
comparison's own ceiling are the comparison's records (reused, not retrained), its errors, and
one tiny end-to-end run on the made-up cipher."""

from __future__ import annotations

import dataclasses
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lmbasics.encoders.budgets import get_budget
from lmbasics.encoders.runs import axis_budget

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT_ROOT / "benchmarks" / "encoders_ceiling.py"


def _module():
    if str(SCRIPT.parent) not in sys.path:
        sys.path.insert(0, str(SCRIPT.parent))
    return importlib.import_module("encoders_ceiling")


def test_scaled_multiplies_the_ceiling_and_nothing_else_that_a_run_sees():
    ceiling = _module()
    budget = get_budget("small")
    longer = ceiling.scaled(budget, 4.5e-3, 2, 2)
    train, base = longer.translation_train, budget.translation_train
    assert (train.max_tokens, train.eval_tokens, train.min_tokens) == (
        2 * base.max_tokens,
        2 * base.eval_tokens,
        2 * base.min_tokens,
    )
    assert dataclasses.replace(train, max_tokens=0, eval_tokens=0, min_tokens=0) == dataclasses.replace(
        base, max_tokens=0, eval_tokens=0, min_tokens=0
    )
    assert longer.grid.learning_rates == (4.5e-3,) and longer.seeds == 2
    assert dataclasses.replace(longer, translation_train=base, grid=budget.grid, seeds=budget.seeds) == budget
    # at factor 1 a run's fingerprint context is compare's, so the reference records are reused
    same = ceiling.scaled(budget, 4.5e-3, 2, 1)
    assert axis_budget(same, "translation") == axis_budget(budget, "translation")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_bad_input_is_one_line_and_a_nonzero_exit(tmp_path):
    for args, message in [
        (["--factor", "1"], "--factor must be at least 2"),
        (["--reference", str(tmp_path / "nowhere")], "translation.json not found"),
        (["--families", "rnn"], "rnn"),
    ]:
        done = _run(*args, "--out", str(tmp_path / "out"), cwd=tmp_path)
        assert done.returncode != 0
        assert message in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_reference_run_with_other_data_is_refused(tmp_path):
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref" / "translation.json").write_text("{}")
    config = {"budget": {"name": "tiny"}, "data": "synthetic"}
    (tmp_path / "ref" / "config.json").write_text(json.dumps(config))
    done = _run("--budget", "tiny", "--data", "data", "--reference", str(tmp_path / "ref"), cwd=tmp_path)
    assert done.returncode != 0 and "made-up data" in done.stderr
    done = _run("--budget", "small", "--reference", str(tmp_path / "ref"), cwd=tmp_path)
    assert done.returncode != 0 and "--budget tiny" in done.stderr


@pytest.mark.slow
def test_end_to_end_on_the_cipher_reuses_the_reference_runs(tmp_path):
    reference, out = tmp_path / "ref", tmp_path / "ceiling"
    compare = [sys.executable, "-m", "lmbasics", "encoders", "compare", "--axis", "translation"]
    compare += ["--budget", "tiny", "--families", "transformer", "--seeds", "1", "--threads", "1"]
    done = subprocess.run([*compare, "--out", str(reference)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    records = sorted((reference / "runs").rglob("*.json"))
    before = {path: path.read_bytes() for path in records}

    args = ["--budget", "tiny", "--families", "transformer", "--seeds", "1", "--factor", "2"]
    done = _run(*args, "--reference", str(reference), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted((reference / "runs").rglob("*.json")) == records  # nothing retrained there
    assert all(path.read_bytes() == before[path] for path in records)
    results = json.loads((out / "ceiling.json").read_text())
    one, two = results["families"]["transformer"]["1x"], results["families"]["transformer"]["2x"]
    assert (one["trained"], one["reused"], two["trained"]) == (0, 1, 1)
    assert two["max_tokens"] == 2 * one["max_tokens"]
    chosen = json.loads((reference / "translation.json").read_text())
    rate = chosen["tuning"]["translation"]["families"]["transformer"]["chosen"]["learning_rate"]
    assert one["learning_rate"] == two["learning_rate"] == rate
    assert one["bleu"]["values"] == chosen["families"]["transformer"]["bleu"]["values"]
    assert two["runs"][0]["tokens"] > one["runs"][0]["tokens"] or two["runs"][0]["stopped"] == "plateau"
    assert (out / "ceiling.png").read_bytes()[:4] == b"\x89PNG"
    assert "| transformer |" in (out / "report.md").read_text()


def _entry(values: list[float]) -> dict:
    from lmbasics.encoders.tasks.common import stats

    return {
        "learning_rate": 1e-3,
        "max_tokens": 1000,
        "bleu": stats(values),
        "validation_cross_entropy": stats([1.5] * len(values)),
        "runs": [{"test": v, "stopped": "ceiling", "best_tokens": 1000, "run_seconds": 600} for v in values],
    }


def test_parts_of_claim_3a_follow_the_declared_rule_at_each_ceiling():
    ceiling = _module()
    results = {
        "wall_seconds": 1.0,
        "reference": "ref",
        "families": {
            "lstm": {"1x": _entry([35.6, 35.7, 35.0]), "2x": _entry([37.0, 36.9, 37.2])},
            "transformer": {"1x": _entry([32.4, 32.4, 32.1]), "2x": _entry([38.5, 38.6, 38.4])},
        },
    }
    rows = ceiling.parts_of_3a(results)
    assert [other for other, _ in rows] == ["lstm"]
    (d1, _, v1), (d2, se2, v2) = rows[0][1]["1x"], rows[0][1]["2x"]
    assert d1 == pytest.approx(32.3 - 35.433333, abs=1e-4) and v1 == "refuted"
    assert d2 == pytest.approx(38.5 - 37.033333, abs=1e-4) and v2 == "confirmed"
    assert se2 == pytest.approx((0.1**2 / 3 + (0.152753**2) / 3) ** 0.5, rel=1e-3)
    text = ceiling.report(results, "cmd")
    assert "took 2.00 core-hours" in text  # 12 runs of 600 s
    assert "| lstm | d = -3.13 ± " in text and ": refuted | d = +1.47 ± " in text
    assert ceiling.parts_of_3a({"families": {"lstm": results["families"]["lstm"]}}) == []
    single = {"lstm": {"4x": _entry([36.5])}, "transformer": {"4x": _entry([34.7])}}
    rows = ceiling.parts_of_3a({"families": single})
    assert rows[0][1]["4x"][2] == ""  # one seed a side: no verdict
    text = ceiling.report({**results, "families": single}, "cmd")
    assert "d = -1.80 (one seed: no verdict)" in text and "36.50 (1 seed)" in text
