"""Data tests (``pytest -m data``): the real readers and the spaCy agreement builder on samples."""

from __future__ import annotations

import dataclasses

import pytest

from lmbasics.encoders.budgets import BUDGETS
from lmbasics.encoders.compare import compare
from lmbasics.encoders.tasks.agreement_data import (
    build_agreement_data,
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
        assert data["linzen"] == 7489
        assert results[axis]["families"]["lstm"]["linzen"]["by_attractors"]
    if axis == "semantic":
        assert (data["wic_test"], data["sst2_test"]) == (1400, 1821)
    if axis == "translation":
        assert data["test"] == TINY_REAL.translation_test
    assert (tmp_path / "report.md").is_file()
