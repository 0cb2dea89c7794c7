"""``lmbasics plot / onehot / serve`` in-process: outputs, and one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmbasics.cli import main
from lmbasics.explore.server import bind_socket


def one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith("lmbasics: error: "), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def test_plot_top_words(tmp_path: Path, toy_vectors_file: Path, capsys) -> None:
    out = tmp_path / "map.png"
    assert main(["plot", str(toy_vectors_file), "-o", str(out), "--top", "20"]) == 0
    assert out.stat().st_size > 0
    assert "20 words, PCA" in capsys.readouterr().out


def test_plot_words_and_arrows(tmp_path: Path, toy_vectors_file: Path, capsys) -> None:
    out = tmp_path / "map.png"
    argv = ["plot", str(toy_vectors_file), "-o", str(out), "--words", "king, queen,apple",
            "--arrows", "man:woman,france:paris", "--method", "tsne"]
    assert main(argv) == 0
    assert "7 words, t-SNE" in capsys.readouterr().out


def test_onehot_prints_memory(tmp_path: Path, toy_vectors_file: Path, capsys) -> None:
    out = tmp_path / "onehot.png"
    assert main(["onehot", str(toy_vectors_file), "king", "queen", "apple", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "one-hot: 38 words x 38 dims" in printed and "dense:   38 words x 32 dims" in printed
    assert out.stat().st_size > 0


@pytest.fixture
def corrupt_file(tmp_path: Path) -> Path:
    path = tmp_path / "corrupt.txt"
    path.write_text("3 4\nking 0.1 0.2 0.3 0.4\nqueen 0.1 oops\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["plot", "{missing}", "-o", "{out}"], ["not found", "missing.txt"]),
        (["plot", "{tmp}", "-o", "{out}"], ["is a directory"]),
        (["plot", "{corrupt}", "-o", "{out}"], ["corrupt.txt", "line 3"]),
        (["plot", "{binary}", "-o", "{out}"], ["random.bin"]),
        (["plot", "{empty}", "-o", "{out}"], ["empty.txt", "empty"]),
        (["plot", "{vectors}", "-o", "{out}", "--words", "king,kingdom"], ["'kingdom'"]),
        (["plot", "{vectors}", "-o", "{out}", "--words", "king"], ["at least 2"]),
        (["plot", "{vectors}", "-o", "{out}", "--top", "1"], ["at least 2"]),
        (["plot", "{vectors}", "-o", "{out}", "--words", " , "], ["--words is empty"]),
        (["plot", "{vectors}", "-o", "{out}", "--arrows", "king-queen"], ["--arrows"]),
        (["plot", "{vectors}", "-o", "{out}", "--arrows", "king:wizard"], ["'wizard'"]),
        (["plot", "{vectors}", "-o", "{out}", "--words", "king,queen", "--method", "tsne"],
         ["t-SNE needs at least 3"]),
        (["onehot", "{vectors}", "king", "-o", "{out}"], ["at least 2"]),
        (["onehot", "{vectors}", "king", "unicorn", "-o", "{out}"], ["'unicorn'"]),
        (["onehot", "{missing}", "king", "queen", "-o", "{out}"], ["not found"]),
        (["serve", "{missing}", "--port", "0"], ["not found"]),
        (["serve", "{corrupt}", "--port", "0"], ["corrupt.txt", "line 3"]),
        (["serve", "{vectors}", "--host", "no-such-host.invalid", "--port", "0"], ["cannot"]),
    ],
)
def test_bad_input_is_one_line(argv, needles, tmp_path: Path, toy_vectors_file: Path,
                               corrupt_file: Path, capsys) -> None:
    binary = tmp_path / "random.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    paths = {"missing": tmp_path / "missing.txt", "tmp": tmp_path, "corrupt": corrupt_file,
             "binary": binary, "empty": empty, "vectors": toy_vectors_file,
             "out": tmp_path / "out.png"}
    assert main([arg.format(**paths) for arg in argv]) == 1
    one_line_error(capsys, *needles)
    assert not (tmp_path / "out.png").exists()
    assert not list(tmp_path.glob(".out.png*"))  # no temporary file left behind


def test_serve_on_a_busy_port(toy_vectors_file: Path, capsys) -> None:
    busy = bind_socket("127.0.0.1", 0)
    try:
        port = busy.getsockname()[1]
        assert main(["serve", str(toy_vectors_file), "--port", str(port)]) == 1
    finally:
        busy.close()
    one_line_error(capsys, f"port {port}", "already in use")


@pytest.mark.parametrize(
    "argv",
    [["plot", "v.txt"], ["plot", "v.txt", "-o", "m.png", "--top", "0"],
     ["plot", "v.txt", "-o", "m.png", "--words", "a,b", "--top", "3"],
     ["plot", "v.txt", "-o", "m.png", "--method", "umap"], ["onehot", "v.txt"],
     ["serve", "v.txt", "--port", "70000"], ["serve", "v.txt", "--tokenizer", "spacy"]],
)
def test_usage_errors(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err
