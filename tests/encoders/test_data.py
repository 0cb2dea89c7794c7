"""Data tests (``pytest -m data``): the real readers and the spaCy agreement builder on samples."""

from __future__ import annotations

import dataclasses

import pytest

from lmbasics.encoders.budgets import BUDGETS
from lmbasics.encoders.compare import compare
from lmbasics.encoders.tasks.agreement_data import (
    build_agreement_data,
    build_agreement_shards,
    build_gulordava_test,
    build_linzen_test,
    read_examples,
)

pytestmark = pytest.mark.data
TINY_REAL = dataclasses.replace(BUDGETS["tiny"], seeds=1)


def quiet(_: str) -> None:
    pass


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    """One agreement cache for the session: the Linzen set is parsed once."""
    return tmp_path_factory.mktemp("agreement-cache")


def test_agreement_builder_on_a_corpus_sample(shared_data, tmp_path) -> None:
    pytest.importorskip("spacy")
    out = tmp_path / "sample.jsonl"
    corpus = shared_data / "corpus" / "enwiki-1M.txt.gz"
    count = build_agreement_data(corpus, out, max_tokens=20_000)
    examples = read_examples(out)
    assert count == len(examples) > 50
    for example in examples:
        assert example.label in (0, 1)
        assert 1 <= example.distance <= len(example.prefix)
        assert 0 <= example.attractors <= example.distance - 1
    assert {e.label for e in examples} == {0, 1}
    assert build_agreement_data(corpus, out, max_tokens=20_000) == count  # deterministic


def test_a_parse_in_pieces_equals_one_parse(shared_data, tmp_path, monkeypatch) -> None:
    pytest.importorskip("spacy")
    from lmbasics.encoders.tasks import agreement_data

    corpus = shared_data / "corpus" / "enwiki-1M.txt.gz"
    whole = tmp_path / "whole.jsonl"
    build_agreement_data(corpus, whole, max_tokens=12_000)
    monkeypatch.setattr(agreement_data, "SHARD_TOKENS", 5_000)
    lines: list[str] = []
    pieces = build_agreement_shards(corpus, tmp_path / "pieces", 12_000, processes=2, log=lines.append)
    assert [p.name for p in pieces] == [
        f"agreement-enwiki-1M-{a}-{b}.jsonl" for a, b in ((0, 5000), (5000, 10000), (10000, 12000))
    ]
    assert [e for p in pieces for e in read_examples(p)] == read_examples(whole)
    assert lines[0].startswith("parsing 3 of 3 pieces")
    pieces[1].unlink()  # a stopped build: only the missing piece is parsed again
    lines.clear()
    build_agreement_shards(corpus, tmp_path / "pieces", 12_000, log=lines.append)
    assert lines[0].startswith("parsing 1 of 3 pieces")
    assert [e for p in pieces for e in read_examples(p)] == read_examples(whole)


def test_gulordava_set(shared_data, tmp_path) -> None:
    out = tmp_path / "gulordava.jsonl"
    assert build_gulordava_test(shared_data / "agreement" / "gulordava2018", out) == 410
    examples = read_examples(out)
    assert sum(e.kind == "original" for e in examples) == 41
    assert sum(e.kind == "generated" for e in examples) == 369
    assert all(1 <= e.distance <= len(e.prefix) for e in examples)  # subject first: = len
    assert {e.label for e in examples} == {0, 1}


def test_linzen_test_set_with_parser_distances(shared_data, cache) -> None:
    pytest.importorskip("spacy")
    directory = shared_data / "agreement" / "linzen2016"
    out = cache / "linzen2016.jsonl"
    assert build_linzen_test(directory, out) == 7489
    examples = read_examples(out)
    gold = (directory / "subj_agr_filtered.gold").read_text().splitlines()
    assert [len(e.prefix) for e in examples] == [int(line.split("\t")[0]) for line in gold]
    assert [e.attractors for e in examples] == [int(line.split("\t")[3]) for line in gold]
    found = [e.distance for e in examples if e.distance > 0]
    assert len(found) > 0.8 * len(examples)  # the parser finds most subjects
    assert max(found) > 13
    assert 0.2 < sum(e.label for e in examples) / len(examples) < 0.8


@pytest.mark.parametrize("axis", ["agreement", "semantic", "translation"])
def test_axis_on_real_data_at_tiny(shared_data, cache, tmp_path, axis: str) -> None:
    if axis == "agreement":
        pytest.importorskip("spacy")
    results, errors = compare([axis], TINY_REAL, tmp_path, data_dir=shared_data, cache_dir=cache, log=quiet)
    assert errors == {}
    data = results[axis]["data"]
    assert "synthetic" not in data["source"]
    if axis == "agreement":
        assert data["linzen"] == 7489 and data["gulordava"] == 410
        lstm = results[axis]["families"]["lstm"]
        assert lstm["linzen"]["by_attractors"]
        assert lstm["gulordava_original"]["accuracy"]["count"] == 41
        assert lstm["gulordava_generated"]["accuracy"]["count"] == 369
        shares = data["bin_shares"]
        assert sum(shares.values()) == pytest.approx(1.0)
        per_bin = lstm["test"]["by_distance"]
        assert all(v["count"] <= TINY_REAL.agreement_test_per_bin for v in per_bin.values())
        assert all(v["ci95"] > 0 for v in per_bin.values())
    if axis == "semantic":
        assert (data["wic_test"], data["sst2_test"]) == (1400, 1821)
    if axis == "translation":
        assert data["test"] == TINY_REAL.translation_test
    assert (tmp_path / "report.md").is_file()
