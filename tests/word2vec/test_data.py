"""Data tests (``-m data``): train on ../shared/data/corpus/enwiki-1M.txt.gz, check quality.

Floors calibrated on this machine (2026-11-29): Skip-gram + negative sampling, 100 dimensions,
5 epochs, sample 1e-4 reached analogy accuracy 0.030 (gensim 4.4, same settings: 0.030) and
WordSim-353 Spearman 0.26 (gensim: 0.26). A 1M-token corpus is small, so the floors sit at about
half of that, well above an untrained model (accuracy 0.000, Spearman ~0).
"""

from __future__ import annotations

import pytest

from lmbasics.word2vec import Word2Vec

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def trained(shared_data):
    return Word2Vec(corpus_file=shared_data / "corpus" / "enwiki-1M.txt.gz", vector_size=100,
                    window=5, min_count=5, sample=1e-4, sg=1, negative=5, epochs=5, workers=2,
                    seed=1)


def test_vocabulary_of_the_1m_slice(trained):
    assert trained.corpus_total_words == 1_001_580
    assert trained.wv.index_to_key[:3] == ["the", "of", "and"]
    assert 10_000 < len(trained.wv) < 20_000


def test_neighbours_make_sense(trained):
    numbers = {w for w, _ in trained.wv.most_similar("three", topn=5)}
    assert len(numbers & {"two", "four", "five", "six", "seven", "eight", "nine"}) >= 2
    countries = {w for w, _ in trained.wv.most_similar("france", topn=10)}
    assert countries & {"spain", "italy", "germany", "england", "britain"}


def test_analogy_and_similarity_floors(trained, shared_data):
    accuracy, _ = trained.wv.evaluate_word_analogies(
        shared_data / "word-eval" / "questions-words.txt", restrict_vocab=30000)
    _, spearman, _ = trained.wv.evaluate_word_pairs(shared_data / "word-eval" / "wordsim353.tsv")
    assert accuracy >= 0.015
    assert spearman.statistic >= 0.15
    assert trained.loss_history[-1] < trained.loss_history[0]
