"""Training to a plateau, per-family tuning on validation data, resuming a stopped comparison.

The loop's stopping rule and checkpoint restore are tested with a scripted validation score on a
linear model (what the loop does is then known exactly); tuning with a made-up run (which setting
wins is known); resuming and the second width with the tiny budget on made-up data.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lmbasics.encoders.budgets import BUDGETS
from lmbasics.encoders.compare import compare
from lmbasics.encoders.runs import RunCache, axis_budget
from lmbasics.encoders.training import TrainConfig, fit, learning_rate_at, seed_everything, train
from lmbasics.encoders.tuning import Grid, tune, validation_split

# 25 batches of 4 one-token examples; scored every 2 batches (8 tokens), and at the ceiling
PLATEAU = TrainConfig(
    steps=0, batch_size=4, learning_rate=1e-2, warmup_steps=2, max_tokens=100, eval_tokens=8
)


def quiet(_: str) -> None:
    pass


def _linear_run(config: TrainConfig, scores: list[float]):
    """Fit a linear regression with ``validate`` returning ``scores`` in turn; return the fit
    and the weights seen at each validation."""
    rng = seed_everything(0)
    inputs, targets = torch.randn(40, 3), torch.randn(40, 1)
    model = nn.Linear(3, 1)
    seen: list[dict[str, torch.Tensor]] = []

    def batch_loss(module: nn.Module, index: np.ndarray) -> torch.Tensor:
        return F.mse_loss(module(inputs[index]), targets[index])

    def validate(module: nn.Module) -> float:
        assert not module.training and not torch.is_grad_enabled()
        seen.append({k: v.clone() for k, v in module.state_dict().items()})
        return scores[len(seen) - 1]

    result = fit(model, batch_loss, 40, config, rng, validate, np.ones(40, dtype=np.int64))
    return model, result, seen


def test_a_run_that_stops_improving_stops_early_and_keeps_its_best_weights() -> None:
    scores = [0.1, 0.5, 0.9, 0.3, 0.2, 0.4, *([0.0] * 20)]
    model, result, seen = _linear_run(dataclasses.replace(PLATEAU, patience=3), scores)
    assert result.stopped == "plateau"
    assert [point[0] for point in result.curve] == [8, 16, 24, 32, 40, 48]
    assert result.tokens == 48 < PLATEAU.max_tokens
    assert (result.best_score, result.best_tokens) == (0.9, 24)
    assert len(result.losses) == result.steps == 12
    for name, tensor in model.state_dict().items():  # the weights scored 0.9, not the last ones
        assert torch.equal(tensor, seen[2][name])
        assert not torch.equal(tensor, seen[-1][name])


def test_a_run_that_keeps_improving_runs_to_the_ceiling() -> None:
    scores = [0.01 * k for k in range(30)]
    model, result, seen = _linear_run(dataclasses.replace(PLATEAU, patience=3), scores)
    assert result.stopped == "ceiling"
    assert result.tokens == PLATEAU.max_tokens and result.steps == 25
    # every 8 tokens, then the last weights at the ceiling
    assert [point[0] for point in result.curve] == [*range(8, 100, 8), 100]
    assert result.best_tokens == 100
    assert all(b[1] >= a[1] for a, b in zip(result.curve, result.curve[1:]))  # seconds grow
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, seen[-1][name])


def test_a_slow_start_is_not_a_plateau() -> None:
    flat = dataclasses.replace(PLATEAU, patience=2, min_tokens=60)
    _, result, _ = _linear_run(flat, [0.5] * 30)
    assert result.stopped == "plateau"
    assert result.tokens == 64  # the first score at or past min_tokens with patience spent
    _, eager, _ = _linear_run(dataclasses.replace(flat, min_tokens=0), [0.5] * 30)
    assert eager.tokens == 24


def test_a_diverged_score_is_never_the_best() -> None:
    _, result, _ = _linear_run(dataclasses.replace(PLATEAU, patience=2), [0.3, math.nan, 0.2, 0.1])
    assert result.best_score == 0.3 and result.stopped == "plateau"


def test_the_token_schedule_decays_to_zero_at_the_ceiling() -> None:
    config = dataclasses.replace(PLATEAU, learning_rate=1.0, warmup_steps=4)
    assert learning_rate_at(0, config) == pytest.approx(0.25)
    assert learning_rate_at(4, config, tokens=20, warm_tokens=20) == pytest.approx(1.0)
    assert learning_rate_at(9, config, tokens=60, warm_tokens=20) == pytest.approx(0.5)
    assert learning_rate_at(12, config, tokens=100, warm_tokens=20) == 0.0


def test_train_without_a_ceiling_in_tokens_keeps_its_fixed_step_count() -> None:
    rng = seed_everything(0)
    inputs = torch.randn(20, 3)
    model = nn.Linear(3, 1)
    losses = train(
        model, lambda m, i: m(inputs[i]).pow(2).mean(), 20, TrainConfig(steps=7, batch_size=4), rng
    )
    assert len(losses) == 7 and not model.training


def test_validation_split_is_fixed_disjoint_and_capped() -> None:
    train_part, held = validation_split(100, 0.1, 1000)
    assert len(held) == 10 and len(train_part) == 90
    assert sorted({*train_part, *held}) == list(range(100))
    assert np.array_equal(held, validation_split(100, 0.1, 1000)[1])
    assert len(validation_split(100, 0.5, 7)[1]) == 7
    assert len(validation_split(3, 0.1, 10)[1]) == 1


def _fake_run(calls: list[tuple[str, int, float]]):
    scores = {"cnn": {1e-3: 0.6, 3e-3: 0.8, 1e-2: 0.7}, "lstm": {1e-3: 0.5, 3e-3: 0.5, 1e-2: math.nan}}

    def run(family: str, seed: int, config: TrainConfig) -> dict:
        calls.append((family, seed, config.learning_rate))
        score = scores[family][config.learning_rate] + 0.01 * seed
        return {
            "validation": score,
            "stopped": "ceiling",
            "tokens": 10,
            "best_tokens": 10,
            "curve": [[10, 0.1, score]],
            "test": 0.5 + seed,
        }

    return run


def test_tuning_chooses_on_validation_and_reuses_the_tuning_run_as_seed_0() -> None:
    calls: list[tuple[str, int, float]] = []
    grid = Grid(learning_rates=(1e-3, 3e-3, 1e-2))
    encoders = {"cnn": {"width": 1}, "lstm": {"width": 2}}
    block, records = tune(
        "task",
        ["cnn", "lstm"],
        3,
        grid,
        TrainConfig(warmup_steps=5),
        encoders,
        _fake_run(calls),
        RunCache(None, {}),
        quiet,
    )
    assert block["grid"] == [{"learning_rate": r, "warmup_steps": 5} for r in grid.learning_rates]
    assert block["families"]["cnn"]["scores"] == [0.6, 0.8, 0.7]
    assert block["families"]["cnn"]["chosen"] == {"learning_rate": 3e-3, "warmup_steps": 5}
    # a tie goes to the first setting; a diverged (NaN) one is never chosen
    assert block["families"]["lstm"]["chosen"]["learning_rate"] == 1e-3
    assert [r["seed"] for r in records["cnn"]] == [0, 1, 2]
    assert [r["test"] for r in records["cnn"]] == [0.5, 1.5, 2.5]
    # the grid once (seed 0), then seeds 1 and 2 at the choice: seed 0 is not trained twice
    assert calls == [
        *(("cnn", 0, r) for r in grid.learning_rates),
        ("cnn", 1, 3e-3),
        ("cnn", 2, 3e-3),
        *(("lstm", 0, r) for r in grid.learning_rates),
        ("lstm", 1, 1e-3),
        ("lstm", 2, 1e-3),
    ]
    assert [run["seed"] for run in block["families"]["lstm"]["runs"]] == [0, 1, 2]


def test_a_grid_with_warmups_tries_every_pair() -> None:
    settings = Grid(learning_rates=(1e-3, 2e-3), warmup_steps=(0, 10)).settings(TrainConfig())
    assert [(s.learning_rate, s.warmup_steps) for s in settings] == [
        (1e-3, 0),
        (1e-3, 10),
        (2e-3, 0),
        (2e-3, 10),
    ]


def test_the_run_cache_reads_back_only_records_of_the_same_run(tmp_path) -> None:
    calls: list[tuple[str, int, float]] = []
    run = _fake_run(calls)
    config = TrainConfig(learning_rate=3e-3)

    def one(cache: RunCache, encoder: dict) -> dict:
        return cache.run("task", "cnn", 0, config, encoder, lambda: run("cnn", 0, config), quiet)

    first = one(RunCache(tmp_path, {"data": 1}), {"width": 1})
    (path,) = tmp_path.rglob("*.json")
    assert json.loads(path.read_text())["validation"] == first["validation"]
    again = RunCache(tmp_path, {"data": 1})
    assert one(again, {"width": 1}) == first and (again.trained, again.reused) == (0, 1)
    assert len(calls) == 1
    for changed in (RunCache(tmp_path, {"data": 2}), RunCache(tmp_path, {"data": 1})):
        encoder = {"width": 1} if changed.context["data"] == 2 else {"width": 3}
        one(changed, encoder)  # other data, another encoder: stale, done again
        assert changed.trained == 1
    path.write_text("{not json")
    assert one(RunCache(tmp_path, {"data": 1}), {"width": 1})["validation"] == first["validation"]
    assert len(calls) == 4


def test_a_record_depends_on_its_own_axis_code_and_budget_fields_only(tmp_path) -> None:
    import shutil

    from lmbasics.encoders import runs as runs_module

    wing = tmp_path / "encoders"
    shutil.copytree(Path(runs_module.__file__).parent, wing, ignore=shutil.ignore_patterns("__pycache__"))

    def digests() -> dict[str, str]:
        runs_module._code_digest.cache_clear()
        return {axis: runs_module._code_digest(axis, wing) for axis in ("agreement", "translation", "")}

    before = digests()
    with (wing / "tasks" / "agreement_data.py").open("a") as handle:
        handle.write("# edited\n")
    after = digests()
    assert after["translation"] == before["translation"]
    assert after["agreement"] != before["agreement"] and after[""] != before[""]
    with (wing / "tasks" / "common.py").open("a") as handle:
        handle.write("# edited\n")
    edited = digests()
    assert edited["translation"] != after["translation"]
    with (wing / "seq2seq.py").open("a") as handle:
        handle.write("# edited\n")
    seq2seq_edited = digests()
    assert seq2seq_edited["agreement"] == edited["agreement"]
    assert seq2seq_edited["translation"] != edited["translation"]
    with (wing / "runs.py").open("a") as handle:
        handle.write("# edited\n")
    assert digests() == seq2seq_edited
    runs_module._code_digest.cache_clear()

    small = BUDGETS["small"]
    fields = axis_budget(small, "translation")
    assert fields["translation_train"] == small.translation_train.to_dict()
    assert "validation_max" in fields and "hidden_size" in fields
    assert not any(key.startswith(("agreement", "semantic")) for key in fields)
    assert axis_budget(dataclasses.replace(small, agreement_corpus_tokens=1), "translation") == fields
    assert axis_budget(dataclasses.replace(small, translation_test=1), "translation") != fields


def _budget(seeds: int = 2):
    quick = TrainConfig(steps=0, batch_size=16, warmup_steps=2, max_tokens=1500, eval_tokens=300, patience=2)
    return dataclasses.replace(
        BUDGETS["tiny"],
        seeds=seeds,
        agreement_examples=300,
        agreement_train=quick,
        semantic_examples=160,
        semantic_train=dataclasses.replace(quick, max_tokens=800, eval_tokens=200),
    )


def _without_times(results: dict) -> dict:
    results = copy.deepcopy(results)
    for result in results.values():
        result.pop("wall_seconds")
        for key in ("training_seconds", "run_seconds"):
            result["cost"].pop(key)
        for block in result.get("tuning", {}).values():
            for family in block["families"].values():
                for run in family["runs"]:
                    for point in run["curve"]:
                        point[1] = 0.0
    return results


class Interrupted(Exception):
    pass


def test_a_stopped_comparison_resumes_with_the_same_results(tmp_path) -> None:
    finished: list[str] = []

    def stop_after_four_runs(line: str) -> None:
        if ": validation " in line:
            finished.append(line)
            if len(finished) == 4:
                raise Interrupted

    families = ["cnn", "lstm"]
    with pytest.raises(Interrupted):
        compare(["agreement"], _budget(), tmp_path / "out", families=families, log=stop_after_four_runs)
    assert len(list((tmp_path / "out" / "runs").rglob("*.json"))) == 4
    resumed, errors = compare(["agreement"], _budget(), tmp_path / "out", families=families, log=quiet)
    assert errors == {}
    runs = json.loads((tmp_path / "out" / "claims.json").read_text())["meta"]["runs"]
    assert runs == {"trained": 2, "reused": 4}  # 2 families x (2 settings + seed 1)
    whole, _ = compare(["agreement"], _budget(), tmp_path / "whole", families=families, log=quiet)
    assert _without_times(resumed) == _without_times(whole)
    # the cost counts every run behind the results, trained now or read back, and each is timed
    cost = resumed["agreement"]["cost"]
    assert (cost["runs"], cost["timed_runs"]) == (6, 6)
    assert 0 < cost["training_seconds"] <= cost["run_seconds"]
    assert "## What the runs cost" in (tmp_path / "out" / "report.md").read_text()
    compare(["agreement"], _budget(), tmp_path / "out", families=families, log=quiet)
    assert json.loads((tmp_path / "out" / "claims.json").read_text())["meta"]["runs"]["trained"] == 0
    # more seeds later: the finished ones are kept, only the new seed is trained
    compare(["agreement"], _budget(seeds=3), tmp_path / "out", families=families, log=quiet)
    assert json.loads((tmp_path / "out" / "claims.json").read_text())["meta"]["runs"] == {
        "trained": 2,
        "reused": 6,
    }

    written = json.loads((tmp_path / "out" / "agreement.json").read_text())
    block = written["tuning"]["agreement"]
    grid = [g["learning_rate"] for g in block["grid"]]
    assert grid == list(BUDGETS["tiny"].grid.learning_rates)
    for family in families:
        tuned = block["families"][family]
        assert len(tuned["scores"]) == len(grid)
        best = grid[int(np.argmax(tuned["scores"]))]
        assert tuned["chosen"]["learning_rate"] == best
        assert tuned["runs"][0]["validation"] == max(tuned["scores"])  # seed 0 is the tuning run
        assert all(run["curve"] and run["stopped"] in ("plateau", "ceiling") for run in tuned["runs"])
    report = (tmp_path / "out" / "report.md").read_text()
    assert "Tuning, agreement: validation accuracy" in report and "**" in report
    assert (tmp_path / "out" / "agreement-curves.png").stat().st_size > 0


@pytest.mark.slow
def test_a_second_width_runs_beside_the_first(tmp_path) -> None:
    results, errors = compare(
        ["semantic"], _budget(seeds=1), tmp_path, families=["cnn", "transformer"], log=quiet, widths=[1, 4]
    )
    assert errors == {}
    for family in ("cnn", "transformer"):
        ratio = (
            results["semantic-4x"]["encoders"][family]["body_parameters"]
            / results["semantic"]["encoders"][family]["body_parameters"]
        )
        assert 3.5 < ratio < 4.5
    for name in ("semantic-4x.json", "semantic-4x.png", "semantic-4x-curves.png"):
        assert (tmp_path / name).stat().st_size > 0
    report = (tmp_path / "report.md").read_text()
    assert "(4x body parameters)" in report and "## Two sizes" in report
    assert "4x: mean of WiC, SST-2 %" in report


def test_the_report_names_choices_at_the_grids_edge() -> None:
    from lmbasics.encoders.report import _edge_choices

    grid = [{"learning_rate": rate, "warmup_steps": 10} for rate in (1e-3, 3e-3, 1e-2)]
    block = {
        "grid": grid,
        "families": {
            "cnn": {"chosen": grid[1]},
            "lstm": {"chosen": grid[2]},
            "transformer": {"chosen": grid[0]},
        },
    }
    (line,) = [text for text in _edge_choices(block) if text]
    assert "lstm (highest)" in line and "transformer (lowest)" in line and "cnn" not in line
    block["families"] = {"cnn": {"chosen": grid[1]}}
    assert not any(_edge_choices(block))
