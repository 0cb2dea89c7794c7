"""`lmbasics activations ...` in-process: bad input is one line and a non-zero exit.

The top-level parser imports every wing; these tests load only the activations wing, so they
check this wing's verbs whatever state the other wings are in.
"""

from __future__ import annotations

import json

import pytest

from lmbasics import cli


@pytest.fixture
def main():
    return cli.main


def test_activations_wing_is_registered():
    assert cli.VERBS["activations"][0] == "lmbasics.activations.cli"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "nosuch", "1"], "unknown activation 'nosuch'"),
        (["eval", "relu", "1", "nan"], "relu: input has 1 non-finite value"),
        (["eval", "sigmoid", "inf"], "non-finite"),
        (["eval", "glu", "1", "2"], "glu is not element-wise"),
        (["plot", "-o", "functions.txt"], "must be a .png"),
        (["gradflow", "--activation", "relux"], "did you mean 'relu'"),
        (["experiments", "--out", "OUT", "--set", "nosuch=1"], "unknown config field 'nosuch'"),
        (["experiments", "--out", "OUT", "--set", "steps"], "--set needs name=value"),
        (["experiments", "--out", "OUT", "--set", 'activations=["relu","swishy"]'],
         "unknown activation"),
        (["experiments", "--out", "OUT", "--sst2", "/nonexistent/sst2"], "SST-2 directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(main, tmp_path, capsys, argv, message):
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert main(["activations", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lmbasics: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_usage_errors_exit_2(main, capsys):
    assert main(["activations"]) == 2
    assert main(["activations", "eval", "relu", "abc"]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lr", "-1"], "argument --lr: must be a finite number > 0, got -1"),
        (["--lr", "nan"], "argument --lr: must be a finite number > 0, got nan"),
        (["--clip", "0"], "argument --clip: must be a finite number > 0, got 0"),
        (["--depth", "0"], "argument --depth: must be > 0, got 0"),
        (["--threads", "two"], "argument --threads: expected an integer, got 'two'"),
    ],
)
def test_gradflow_numbers_must_be_positive(main, capsys, argv, message):
    assert main(["activations", "gradflow", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_list_eval_and_plot(main, tmp_path, capsys):
    assert main(["activations", "list"]) == 0
    assert "gelu_tanh" in capsys.readouterr().out
    assert main(["activations", "eval", "sigmoid", "0", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "x=0\tf=0.5\tf'=0.25"
    out = tmp_path / "sub" / "activations.png"
    assert main(["activations", "plot", "-o", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_gradflow_writes_plot_and_json(main, tmp_path):
    out = tmp_path / "flow.png"
    argv = ["activations", "gradflow", "--activation", "tanh", "--depth", "3", "--width", "8",
            "--steps", "4", "--clip", "1.0", "-o", str(out)]
    assert main(argv) == 0
    summary = json.loads(out.with_suffix(".json").read_text())
    assert len(summary["grad_norm"]) == 4 and len(summary["layers"]) == 4  # 3 hidden + output
    assert summary["config"]["activation"] == "tanh"
    assert out.read_bytes()[:4] == b"\x89PNG"
