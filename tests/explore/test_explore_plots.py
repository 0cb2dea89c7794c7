"""The map and one-hot PNGs: written, readable, atomic; the memory arithmetic; word checks."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure

from lmbasics._util.errors import LmbasicsError, UnknownWordError
from lmbasics.explore.plots import OnehotMemory, check_words, format_bytes, plot_map, plot_onehot


def read_png(path: Path) -> np.ndarray:
    assert path.stat().st_size > 0
    image = matplotlib.image.imread(path, format="png")
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 200
    assert image.std() > 0.01  # not a blank canvas
    return image


def test_map_with_arrows(tmp_path: Path, toy_kv) -> None:
    out = tmp_path / "nested" / "map.png"
    projection = plot_map(toy_kv, ["king", "queen", "apple"], out,
                          arrows=[("man", "woman"), ("king", "queen")], source="toy")
    read_png(out)
    assert projection.points.shape == (5, 2)  # arrow words are added, duplicates are not
    assert list(tmp_path.joinpath("nested").iterdir()) == [out]  # no temporary files left


def test_map_by_tsne(tmp_path: Path, toy_kv) -> None:
    pytest.importorskip("sklearn")
    projection = plot_map(toy_kv, toy_kv.index_to_key[:20], tmp_path / "tsne.png", method="tsne")
    read_png(tmp_path / "tsne.png")
    assert projection.method == "tsne"


def test_gender_arrows_are_parallel(english_kv, tmp_path: Path) -> None:
    """The picture the map is for: after training, king→queen points the way man→woman does."""
    pairs = [("king", "queen"), ("man", "woman"), ("boy", "girl"), ("prince", "princess")]
    projection = plot_map(english_kv, [w for pair in pairs for w in pair], tmp_path / "g.png",
                          arrows=pairs)
    points = projection.points
    arrows = np.array([points[2 * i + 1] - points[2 * i] for i in range(len(pairs))])
    unit = arrows / np.linalg.norm(arrows, axis=1, keepdims=True)
    assert (unit @ unit.T).min() > 0.9  # 0.998 or more for seeds 1-3


def test_failed_write_leaves_old_file(tmp_path: Path, toy_kv, monkeypatch) -> None:
    out = tmp_path / "map.png"
    out.write_bytes(b"old")

    def broken_savefig(self, fname, **kwargs) -> None:
        Path(fname).write_bytes(b"half a png")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        plot_map(toy_kv, ["king", "queen"], out)
    with pytest.raises(OSError, match="disk full"):
        plot_onehot(toy_kv, ["king", "queen"], tmp_path / "onehot.png")
    assert out.read_bytes() == b"old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["map.png"]


def test_onehot_figure(tmp_path: Path, toy_kv) -> None:
    memory = plot_onehot(toy_kv, ["king", "queen", "man", "woman", "paris"], tmp_path / "o.png")
    read_png(tmp_path / "o.png")
    assert memory == OnehotMemory(len(toy_kv), toy_kv.vector_size)


def test_onehot_memory_arithmetic() -> None:
    memory = OnehotMemory(vocab_size=50_000, vector_size=100)
    assert memory.onehot_bytes == 50_000 * 50_000 * 4
    assert memory.dense_bytes == 50_000 * 100 * 4
    lines = memory.lines()
    assert "9.3 GiB" in lines[0] and "19.1 MiB" in lines[1] and "500.0x" in lines[2]


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 bytes"), (1023, "1,023 bytes"), (1536, "1.5 KiB"), (3 * 1024**3, "3.0 GiB")],
)
def test_format_bytes(count: int, text: str) -> None:
    assert format_bytes(count) == text


def test_too_many_words_for_one_map(tmp_path: Path) -> None:
    from lmbasics.explore.plots import MAX_MAP_WORDS
    from lmbasics.word2vec.keyedvectors import KeyedVectors

    count = MAX_MAP_WORDS + 1
    kv = KeyedVectors.from_arrays([f"w{i}" for i in range(count)], np.eye(count, 8) + 0.1)
    with pytest.raises(LmbasicsError, match="too many for one map"):
        plot_map(kv, kv.index_to_key, tmp_path / "map.png")
    assert not (tmp_path / "map.png").exists()


def test_word_checks(toy_kv) -> None:
    assert check_words(toy_kv, ["king", "queen", "king", ""]) == ["king", "queen"]
    with pytest.raises(UnknownWordError, match="'kingdom', 'castle'"):
        check_words(toy_kv, ["king", "kingdom", "castle"])
    with pytest.raises(LmbasicsError, match="at least 2 different words"):
        check_words(toy_kv, ["king", "king"])
