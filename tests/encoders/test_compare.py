"""Each axis end to end at the tiny budget (made-up data), reproducibility, the CLI's errors."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from lmbasics.encoders.budgets import BUDGETS
from lmbasics.encoders.compare import AXES, compare
from lmbasics.encoders.training import TrainConfig
from lmbasics.encoders.verdicts import CONFIRMED, INCONCLUSIVE, REFUTED

VERDICTS = {CONFIRMED, REFUTED, INCONCLUSIVE}


def quiet(_: str) -> None:
    pass


@pytest.mark.slow
@pytest.mark.parametrize("axis", AXES)
def test_each_axis_runs_end_to_end_at_tiny(tmp_path, axis: str) -> None:
    _results, errors = compare([axis], BUDGETS["tiny"], tmp_path, log=quiet)
    assert errors == {}
    for name in (f"{axis}.json", f"{axis}.png", "report.md", "claims.json", "config.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    written = json.loads((tmp_path / f"{axis}.json").read_text())
    assert set(written["families"]) == {"cnn", "lstm", "transformer"}
    claims = json.loads((tmp_path / "claims.json").read_text())["claims"]
    measured = [c for c in claims if c["axis"] == axis]
    assert measured and all(c["verdict"] in VERDICTS for c in measured)
    report = (tmp_path / "report.md").read_text()
    assert report.index("## The seed's claims") < report.index("| claim | verdict")
    assert report.index("| claim | verdict") < min(
        report.index(s) for s in ("## Long", "## Sem", "## Whole", "## Par") if s in report
    )
    if axis == "translation":  # whole encoder-decoders matched, not only the encoders
        counts = [e["seq2seq_parameters_without_embeddings_and_output"] for e in written["encoders"].values()]
        assert max(counts) <= 1.1 * min(counts)
    if axis != "speed":  # accuracies over >= 3 seeds, with their spread
        family = next(iter(written["families"].values()))
        stat = family.get("test", {}).get("accuracy") or family.get("mean") or family.get("bleu")
        assert stat["n"] == 3 and "std" in stat


def test_seeded_runs_are_reproducible(tmp_path) -> None:
    budget = dataclasses.replace(
        BUDGETS["tiny"],
        seeds=1,
        agreement_examples=200,
        agreement_train=TrainConfig(steps=15, batch_size=16, learning_rate=3e-3, warmup_steps=2),
    )
    first, _ = compare(["agreement"], budget, tmp_path / "a", families=["cnn", "gru"], log=quiet)
    second, _ = compare(["agreement"], budget, tmp_path / "b", families=["cnn", "gru"], log=quiet)
    for results in (first, second):
        results["agreement"].pop("wall_seconds")
        for key in ("training_seconds", "run_seconds"):  # what the runs cost: times
            results["agreement"]["cost"].pop(key)
        for family in results["agreement"]["tuning"]["agreement"]["families"].values():
            for run in family["runs"]:
                for point in run["curve"]:
                    point[1] = 0.0  # training seconds: the only thing that may differ
    assert first == second


@pytest.fixture
def main():
    """``lmbasics.cli.main``, the encoders verb registered."""
    import lmbasics.cli as cli

    assert cli.VERBS["encoders"][0] == "lmbasics.encoders.cli"
    return cli.main


def error_line(capsys) -> str:
    """The one error line on stderr (progress lines may precede it), and no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if "error" in line]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--axis", "bogus"], 2, "unknown axis 'bogus'"),
        (["--axis", "speed,nope"], 2, "unknown axis 'nope'"),
        (["--budget", "huge"], 2, "invalid choice: 'huge'"),
        (["--families", "cnn,rnn"], 1, "unknown encoder 'rnn'"),
        (["--data", "/no/such/dir"], 1, "no such data directory: /no/such/dir"),
        (["--budget", "small", "--axis", "agreement"], 1, "needs --data"),
        (["--word2vec", "/no/such/vectors.txt"], 1, "no such word-vector file"),
        (["--seeds", "0"], 1, "--seeds must be at least 1"),
        (["--width", "2"], 1, "unknown width 2 (choose from 1, 4)"),
        (["--width", "1,1"], 1, "give each width once"),
        (["--width", "x"], 2, "not a width list: 'x'"),
    ],
)
def test_cli_bad_input_is_one_line(main, capsys, tmp_path, argv, code, message) -> None:
    assert main(["encoders", "compare", "--out", str(tmp_path), *argv]) == code
    line = error_line(capsys)
    assert "error:" in line and message in line
    assert "Traceback" not in line


def test_cli_missing_data_files_keep_partial_results(main, capsys, tmp_path) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    out = tmp_path / "out"
    argv = [
        "encoders",
        "compare",
        "--axis",
        "translation,speed",
        "--data",
        str(empty),
        "--out",
        str(out),
        "--families",
        "cnn,gru,transformer",
    ]
    assert main(argv) == 1
    line = error_line(capsys)
    assert line.startswith("lmbasics: error: translation: no such Multi30k file")
    assert (out / "speed.json").is_file()  # the axis that could run kept its results
    report = (out / "report.md").read_text()
    assert "## Missing" in report and "`translation`" in report


def test_cli_build_agreement_missing_corpus(main, capsys, tmp_path) -> None:
    argv = [
        "encoders",
        "build-agreement",
        "--corpus",
        str(tmp_path / "none.txt.gz"),
        "--out",
        str(tmp_path / "x.jsonl"),
    ]
    assert main(argv) == 1
    assert "no such corpus file" in error_line(capsys)


def test_cli_compare_writes_a_report(main, capsys, tmp_path) -> None:
    threads = torch.get_num_threads()
    try:
        argv = ["encoders", "compare", "--axis", "speed", "--out", str(tmp_path), "--threads", "1"]
        assert main(argv) == 0
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)  # --threads is process-wide: leave other tests as found
    assert "report:" in capsys.readouterr().out
    assert (tmp_path / "report.md").read_text().startswith("# Encoder comparison, budget `tiny`")


def test_a_budget_that_does_not_fit_memory_is_refused(tmp_path) -> None:
    too_big = dataclasses.replace(BUDGETS["tiny"], speed_tokens=2**40)
    results, errors = compare(["speed"], too_big, tmp_path, log=quiet)
    assert results == {}
    assert "GiB" in errors["speed"] and "free" in errors["speed"]
    assert "## Missing" in (tmp_path / "report.md").read_text()


def test_word2vec_vectors_feed_every_trained_axis(tmp_path) -> None:
    dim = BUDGETS["tiny"].embedding_dim
    words = ["the", "of", "n1", "n1s", "p1", "q1", "s1", "s2"]
    lines = [" ".join([w, *(["0.25"] * dim)]) for w in words]
    vectors = tmp_path / "vectors.txt"
    vectors.write_text(f"{len(words)} {dim}\n" + "\n".join(lines) + "\n", encoding="utf-8")
    quick = TrainConfig(steps=3, batch_size=8, learning_rate=1e-3, warmup_steps=1)
    budget = dataclasses.replace(
        BUDGETS["tiny"],
        seeds=1,
        agreement_train=quick,
        semantic_train=quick,
        translation_train=quick,
        translation_test=5,
    )
    axes = ["agreement", "semantic", "translation"]
    _, errors = compare(axes, budget, tmp_path / "out", word2vec=vectors, log=quiet)
    assert errors == {}
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["word2vec"] == str(vectors)
