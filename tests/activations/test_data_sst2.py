"""SST-2 from ../shared/data (marker ``data``): the reader, and experiment 5 at a small size."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from lmbasics import cli
from lmbasics._util.errors import LmbasicsError
from lmbasics.activations.config import ExperimentConfig
from lmbasics.activations.data import load_digits, load_sst2
from lmbasics.activations.units import run_smooth

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def sst2_dir(shared_data):
    path = shared_data / "classification" / "sst2"
    if not (path / "stsa.binary.train").is_file():
        pytest.skip(f"SST-2 not found under {path}")
    return path


def test_reader_sizes_labels_and_vocabulary(sst2_dir):
    data = load_sst2(sst2_dir, min_count=2)
    assert (len(data.train), len(data.test)) == (6920, 1821)
    assert set(data.y_train.tolist()) == {0, 1} and set(data.y_test.tolist()) == {0, 1}
    assert data.vocab["<unk>"] == 0 and data.vocab["the"] < 5  # frequency order
    assert 5_000 < len(data.vocab) < len(load_sst2(sst2_dir, min_count=1).vocab)
    assert all(len(ids) and ids.dtype == np.int64 for ids in data.train)
    rare = load_sst2(sst2_dir, max_train=100, max_test=10)
    assert len(rare.train) == 100 and len(rare.test) == 10


def test_reader_rejects_a_bad_file(tmp_path):
    (tmp_path / "stsa.binary.train").write_text("1 fine sentence\nx broken\n", encoding="utf-8")
    (tmp_path / "stsa.binary.test").write_text("0 ok\n", encoding="utf-8")
    with pytest.raises(LmbasicsError, match=r"stsa.binary.train:2: expected 'label sentence'"):
        load_sst2(tmp_path)


def test_smooth_experiment_learns_sst2_above_chance(sst2_dir):
    # calibrated: 2,000 sentences and 150 Adam steps reach 0.61-0.69 over seeds 0-2
    config = dataclasses.replace(
        ExperimentConfig.quick(), sst2_dir=str(sst2_dir), sst2_max_train=2000,
        sst2_steps=150, smooth_activations=("relu", "gelu"),
    )
    results = run_smooth(config, load_digits(), progress=lambda _: None)
    assert results["sst2_sizes"]["train"] == 2000
    for name in ("relu", "gelu"):
        accuracies = [run["test_accuracy"] for run in results["sst2"][name]]
        assert len(accuracies) == 3 and np.mean(accuracies) > 0.57


def test_quick_cli_run_with_sst2_reports_it(sst2_dir, tmp_path):
    out = tmp_path / "out"
    argv = ["activations", "experiments", "--out", str(out), "--quick", "--silent",
            "--sst2", str(sst2_dir)]
    assert cli.main(argv) == 0
    results = json.loads((out / "results.json").read_text())
    assert set(results["smooth"]["sst2"]) == {"relu", "elu", "gelu", "swish"}
    report = (out / "activations.md").read_text()
    assert "sst2: gelu" in report and "SST-2 (experiment 5)" in report
