"""Chinese end to end: segment raw text with jieba, train, query, plot with CJK labels, serve.

Glyphs missing from the label fonts make matplotlib warn, and warnings are errors here: a plot
test that passes drew every character with a real glyph, not a box.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lmbasics._util.tokenizers import get_tokenizer, tokenize_lines
from lmbasics.cli import main
from lmbasics.explore.fonts import cjk_font_family, font_families, has_cjk
from lmbasics.explore.plots import plot_map, plot_onehot
from tests.explore.explore_corpora import people_sentences, train_vectors

PAIRS = [("国王", "王后"), ("男人", "女人"), ("王子", "公主"), ("男孩", "女孩")]


@pytest.fixture(scope="module")
def cjk_font() -> str:
    family = cjk_font_family()
    if family is None:
        message = "no CJK font installed (Debian: apt-get install fonts-wqy-microhei)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return family


@pytest.fixture(scope="module")
def jieba_tokenizer():
    pytest.importorskip("jieba")
    return get_tokenizer("jieba")


@pytest.fixture(scope="module")
def chinese_kv(jieba_tokenizer):
    """Vectors trained on raw (unsegmented) Chinese, segmented by jieba on the way in."""
    raw = ["".join(sentence) for sentence in people_sentences("zh", seed=5)]
    return train_vectors(list(tokenize_lines(raw, jieba_tokenizer)))


@pytest.fixture(scope="module")
def chinese_file(tmp_path_factory: pytest.TempPathFactory, chinese_kv) -> Path:
    path = tmp_path_factory.mktemp("zh") / "人物.txt"
    chinese_kv.save_word2vec_format(path)
    return path


def test_jieba_recovers_most_of_the_segmentation(jieba_tokenizer) -> None:
    sentences = people_sentences("zh", count=400, seed=5)
    raw = ["".join(sentence) for sentence in sentences] + ["", "  "]
    segmented = list(tokenize_lines(raw, jieba_tokenizer))
    assert len(segmented) == len(sentences)  # blank lines are skipped
    same = sum(ours == theirs for ours, theirs in zip(segmented, sentences))
    assert same >= 0.9 * len(sentences)  # jieba joins some neighbours, e.g. 大人 + 先生
    assert {word for word, _ in PAIRS} <= {token for tokens in segmented for token in tokens}


def test_whitespace_tokenizer_reads_presegmented_text() -> None:
    assert get_tokenizer("whitespace")("国王  住在\t宫殿 ") == ["国王", "住在", "宫殿"]


def test_trained_chinese_vectors_answer_queries(chinese_kv) -> None:
    best = chinese_kv.most_similar(positive=["国王", "女人"], negative=["男人"], topn=1)
    assert best[0][0] == "王后"
    assert {word for word, _ in chinese_kv.most_similar("国王", topn=3)} <= {
        "王后", "男人", "王子", "公主", "女人", "男孩"}


def test_font_choice() -> None:
    assert has_cjk("国王") and has_cjk("カタカナ") and not has_cjk("king")
    assert font_families(["king"]) == ["DejaVu Sans"]


def test_map_and_onehot_render_cjk_labels(tmp_path: Path, chinese_kv, cjk_font: str) -> None:
    assert font_families(["国王"])[1] == cjk_font
    words = [word for pair in PAIRS for word in pair] + ["宫殿", "农场"]
    plot_map(chinese_kv, words, tmp_path / "map.png", arrows=PAIRS, source="人物")
    plot_onehot(chinese_kv, words[:6], tmp_path / "onehot.png", source="人物")
    for name in ("map.png", "onehot.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_cli_plots_chinese(tmp_path: Path, chinese_file: Path, cjk_font: str, capsys) -> None:
    out = tmp_path / "地图.png"
    arrows = "国王:王后,男人:女人"
    argv = ["plot", str(chinese_file), "-o", str(out), "--top", "30", "--arrows", arrows]
    assert main(argv) == 0
    assert out.stat().st_size > 0
    onehot = tmp_path / "o.png"
    assert main(["onehot", str(chinese_file), "国王", "王后", "农场", "-o", str(onehot)]) == 0
    assert main(["plot", str(chinese_file), "-o", str(out), "--words", "国王,皇帝"]) == 1
    assert "'皇帝'" in capsys.readouterr().err


def test_server_segments_chinese_queries(chinese_kv, jieba_tokenizer) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from lmbasics.explore.server import create_app

    client = TestClient(create_app(chinese_kv, jieba_tokenizer, tokenizer_name="jieba"))
    answer = client.post("/api/analogy", json={"a": "男人", "b": "国王", "c": "女人"})
    assert answer.json()["answers"][0]["word"] == "王后"
    phrase = client.post("/api/neighbours", json={"word": "王后宫殿", "topn": 3})
    assert phrase.status_code == 200 and phrase.json()["query"] == ["王后", "宫殿"]
    unknown = client.post("/api/neighbours", json={"word": "皇帝"})
    assert unknown.status_code == 404 and "皇帝" in unknown.json()["error"]
    assert "国王" in client.get("/api/map?words=40").json()["words"]


def test_font_installed_after_matplotlib_cache_is_found(monkeypatch, cjk_font: str) -> None:
    """A font installed after matplotlib built its cache (as in CI) is found on disk."""
    from matplotlib import font_manager

    from lmbasics.explore.fonts import CJK_FAMILIES

    manager = font_manager.fontManager
    stale = [entry for entry in manager.ttflist if entry.name not in CJK_FAMILIES]
    monkeypatch.setattr(manager, "ttflist", stale)
    cjk_font_family.cache_clear()
    try:
        assert cjk_font_family() is not None
    finally:
        cjk_font_family.cache_clear()
