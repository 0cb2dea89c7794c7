"""Fixtures for the explore tests: small vector sets we build by hand, and their files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmbasics.word2vec.keyedvectors import KeyedVectors

# Pairs that differ by one shared offset each: "gender" for the first group, "capital-of" for
# the second, so king - man + woman lands next to queen by construction.
GENDER_PAIRS = [("king", "queen"), ("man", "woman"), ("prince", "princess"), ("boy", "girl"),
                ("father", "mother"), ("uncle", "aunt")]
CAPITAL_PAIRS = [("france", "paris"), ("germany", "berlin"), ("italy", "rome"),
                 ("spain", "madrid"), ("japan", "tokyo")]
FILLER = ["apple", "banana", "cherry", "grape", "river", "mountain", "ocean", "forest",
          "run", "walk", "swim", "jump", "red", "green", "blue", "yellow"]


def toy_vectors(dim: int = 32, seed: int = 0) -> KeyedVectors:
    """~40 words whose analogies hold by construction (with a little noise)."""
    rng = np.random.default_rng(seed)
    gender, capital = rng.normal(size=dim), rng.normal(size=dim)
    royal = rng.normal(size=dim)
    keys, rows = [], []
    for number, (male, female) in enumerate(GENDER_PAIRS):
        base = rng.normal(size=dim) * 0.6 + (royal if number in (0, 2) else 0)
        keys += [male, female]
        rows += [base, base + gender]
    for country, city in CAPITAL_PAIRS:
        base = rng.normal(size=dim) * 0.6
        keys += [country, city]
        rows += [base, base + capital]
    for word in FILLER:
        keys.append(word)
        rows.append(rng.normal(size=dim))
    vectors = np.asarray(rows) + rng.normal(scale=0.05, size=(len(rows), dim))
    counts = np.arange(len(keys), 0, -1) * 10
    return KeyedVectors.from_arrays(keys, vectors.astype(np.float32), counts)


@pytest.fixture(scope="session")
def toy_kv() -> KeyedVectors:
    return toy_vectors()


@pytest.fixture(scope="session")
def toy_vectors_file(tmp_path_factory: pytest.TempPathFactory, toy_kv: KeyedVectors) -> Path:
    """The toy vectors in word2vec text format."""
    path = tmp_path_factory.mktemp("vectors") / "toy.txt"
    toy_kv.save_word2vec_format(path)
    return path


@pytest.fixture(scope="session")
def english_kv() -> KeyedVectors:
    """Word2Vec trained on the generated English people corpus (see ``explore_corpora.py``)."""
    from tests.explore.explore_corpora import people_sentences, train_vectors

    return train_vectors(people_sentences("en"))


@pytest.fixture(scope="session")
def english_vectors_file(tmp_path_factory: pytest.TempPathFactory, english_kv) -> Path:
    path = tmp_path_factory.mktemp("vectors") / "people.txt"
    english_kv.save_word2vec_format(path)
    return path
