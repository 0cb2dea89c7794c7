"""The word2vec verbs, in-process: the happy paths and every error path."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lmbasics.cli import main
from lmbasics.word2vec import KeyedVectors
from tests.word2vec.helpers import topic_corpus


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "topics.txt"
    path.write_text("\n".join(" ".join(s) for s in topic_corpus()) + "\n")
    return path


@pytest.fixture(scope="module")
def vectors(corpus_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("vectors") / "v.txt"
    code = main(["train", str(corpus_file), "-o", str(out), "--dim", "16", "--epochs", "3",
                 "--min-count", "1", "--threads", "1", "--sample", "0"])
    assert code == 0
    return out


def _one_line_error(capsys, code, expected_code=1, match=""):
    captured = capsys.readouterr()
    assert code == expected_code
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err and match in lines[0]


def test_train_writes_vectors_and_resolved_configuration(vectors):
    kv = KeyedVectors.load_word2vec_format(vectors)
    assert len(kv) == 32 and kv.vector_size == 16
    config = json.loads((vectors.parent / "v.txt.json").read_text())
    assert config["sg"] == 1 and config["negative"] == 5 and config["alpha"] == 0.025
    assert len(config["loss_per_epoch"]) == 3 and config["vocabulary"] == 32
    # by default the loss of a sample of predictions, with its standard error
    assert config["compute_loss"] is False and config["loss_sample"] > 0
    assert all(0 < se < loss / 10 for se, loss in zip(config["loss_stderr_per_epoch"],
                                                      config["loss_per_epoch"]))


def test_train_exact_loss(corpus_file, tmp_path):
    out = tmp_path / "v.txt"
    assert main(["train", str(corpus_file), "-o", str(out), "--dim", "8", "--epochs", "2",
                 "--min-count", "1", "--threads", "1", "--exact-loss"]) == 0
    config = json.loads((tmp_path / "v.txt.json").read_text())
    assert config["compute_loss"] is True and config["loss_stderr_per_epoch"] == [0.0, 0.0]


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
def test_train_every_mode_binary(corpus_file, tmp_path, model, loss):
    out = tmp_path / "v.bin"
    assert main(["train", str(corpus_file), "-o", str(out), "--model", model, "--loss", loss,
                 "--dim", "8", "--epochs", "1", "--min-count", "1", "--binary"]) == 0
    assert len(KeyedVectors.load_word2vec_format(out, binary=True)) == 32


def test_query_verbs(vectors, capsys):
    assert main(["similar", str(vectors), "t0w1", "-n", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all(line.split("\t")[1].startswith("t0") for line in lines)
    assert main(["analogy", str(vectors), "t0w1", "t0w2", "t1w1"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 5


def test_evaluate_verb(vectors, tmp_path, capsys):
    questions = tmp_path / "q.txt"
    questions.write_text(": topics\nt0w1 t0w2 t1w1 t1w2\nt0w3 t0w4 t2w3 t2w4\n")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("t0w1\tt0w2\t9\nt0w1\tt1w1\t1\nt2w1\tt2w5\t8\nt3w1\tt1w5\t2\n")
    assert main(["evaluate", str(vectors), "--analogies", str(questions), "--pairs",
                 str(pairs)]) == 0
    out = capsys.readouterr().out
    assert "analogy accuracy" in out and "spearman" in out


def test_train_error_paths(tmp_path, capsys):
    out = tmp_path / "out.txt"
    _one_line_error(capsys, main(["train", str(tmp_path / "missing.txt"), "-o", str(out)]),
                    match="not found")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    _one_line_error(capsys, main(["train", str(empty), "-o", str(out)]), match="no words")
    rare = tmp_path / "rare.txt"
    rare.write_text("every word here is unique\n")
    _one_line_error(capsys, main(["train", str(rare), "-o", str(out)]), match="min_count")
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(np.random.default_rng(0).bytes(5000) + b"\x00")
    _one_line_error(capsys, main(["train", str(garbage), "-o", str(out)]), match="binary")
    _one_line_error(capsys, main(["train", str(rare), "-o", str(tmp_path)]), match="directory")
    for flags in (["--dim", "0"], ["--window", "0"], ["--epochs", "-1"], ["--model", "glove"],
                  ["--sample", "x"]):
        _one_line_error(capsys, main(["train", str(rare), "-o", str(out), *flags]),
                        expected_code=2)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.txt", "garbage.bin", "rare.txt"]


def test_query_error_paths(vectors, tmp_path, capsys):
    _one_line_error(capsys, main(["similar", str(tmp_path / "none.txt"), "x"]), match="not found")
    _one_line_error(capsys, main(["similar", str(vectors), "unknownword"]), match="unknownword")
    _one_line_error(capsys, main(["analogy", str(vectors), "t0w1", "nope", "t1w1"]), match="nope")
    truncated = tmp_path / "cut.txt"
    truncated.write_bytes(vectors.read_bytes()[:300])
    _one_line_error(capsys, main(["similar", str(truncated), "t0w1"]))
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"\x00\x01garbage")
    _one_line_error(capsys, main(["similar", str(garbage), "t0w1"]))
    _one_line_error(capsys, main(["evaluate", str(vectors)]), match="nothing to evaluate")
    _one_line_error(capsys, main(["evaluate", str(vectors), "--pairs", str(tmp_path / "no")]),
                    match="not found")
    _one_line_error(capsys, main(["similar", str(vectors), "t0w1", "-n", "0"]), expected_code=2)
    _one_line_error(capsys, main(["nonsense-verb"]), expected_code=2)


def test_train_segments_raw_chinese_with_jieba(tmp_path):
    pytest.importorskip("jieba")
    raw = tmp_path / "raw.txt"
    raw.write_text("我爱北京天安门\n北京是中国的首都\n" * 50, encoding="utf-8")
    out = tmp_path / "zh.txt"
    assert main(["train", str(raw), "-o", str(out), "--tokenizer", "jieba", "--min-count", "2",
                 "--dim", "8", "--epochs", "1", "--threads", "1"]) == 0
    kv = KeyedVectors.load_word2vec_format(out)
    assert "北京" in kv and "天安门" in kv and "我爱北京天安门" not in kv
