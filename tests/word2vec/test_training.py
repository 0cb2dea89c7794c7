"""The epoch function and the loss: shards, the sampled loss against the exact one."""

from __future__ import annotations

import numpy as np
import pytest

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import Word2Vec, training
from tests.word2vec.helpers import zipf_corpus

MODES = {"sg-ns": dict(sg=1, negative=5), "cbow-ns": dict(sg=0, negative=5),
         "sg-hs": dict(sg=1, hs=1, negative=0), "cbow-hs": dict(sg=0, hs=1, negative=0)}


def _arrays(model):
    return [model.wv.vectors.copy(), model.syn1.copy(), model.syn1neg.copy()]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_sampled_loss_agrees_with_the_exact_loss_and_changes_no_bit(mode):
    """One worker: no loss, a sampled loss and the exact loss train the same numbers, and the
    sample's mean is within a few standard errors of the exact mean of the same predictions."""
    corpus = zipf_corpus(sentences=4000, vocab=300, seed=2)  # 48,000 words: a 21% sample
    runs = {}
    for name, settings in {"none": dict(loss_sample=0.0), "sampled": dict(loss_sample=0.01),
                           "exact": dict(compute_loss=True)}.items():
        runs[name] = Word2Vec(corpus, vector_size=16, min_count=1, workers=1, epochs=2, seed=5,
                              progress=False, **MODES[mode], **settings)
    for name in ("sampled", "exact"):
        for ours, theirs in zip(_arrays(runs[name]), _arrays(runs["none"])):
            assert np.array_equal(ours, theirs)
    assert runs["none"].loss_history == [] and runs["none"].get_latest_training_loss() == 0.0
    assert runs["exact"].loss_stderr_history == [0.0, 0.0]
    sampled, exact = runs["sampled"], runs["exact"]
    for mean, stderr, truth in zip(sampled.loss_history, sampled.loss_stderr_history,
                                   exact.loss_history):
        assert 0.0 < stderr < 0.02 * truth
        assert abs(mean - truth) < 4 * stderr
    assert sampled.loss_history != exact.loss_history  # a sample, not every prediction


def test_loss_sample_rate_covers_small_corpora():
    assert training.loss_sample_rate(0.01, 10**8) == 0.01
    assert training.loss_sample_rate(0.01, 100_000) == pytest.approx(0.1)
    assert training.loss_sample_rate(0.01, 5_000) == 1.0  # every prediction: exact
    assert training.loss_sample_rate(0.0, 5_000) == 0.0
    with pytest.raises(LmbasicsError, match="loss_sample"):
        Word2Vec(loss_sample=1.5)


def test_epoch_stats_standard_error():
    losses = np.array([1.0, 2.0, 4.0, 7.0])
    stats = training.EpochStats(losses.sum(), (losses**2).sum(), 4, 40, 0)
    expected = losses.std(ddof=1) / 2 * np.sqrt(1 - 4 / 40)
    assert stats.mean_loss == 3.5 and stats.loss_stderr == pytest.approx(expected)
    assert training.EpochStats(14.0, 70.0, 4, 4, 0).loss_stderr == 0.0  # every prediction
    assert np.isnan(training.EpochStats(1.0, 1.0, 1, 9, 0).loss_stderr)


@pytest.mark.parametrize("mode", ["sg-ns", "cbow-hs"])
def test_an_epoch_trained_in_shards_is_the_epoch_trained_whole(mode):
    """The epoch function on a part of the corpus, with the run's job indices and learning-rate
    schedule, draws what the whole epoch would: two halves in turn give the same numbers."""
    models, counts = [], []
    for shards in (1, 2):
        model = Word2Vec(vector_size=12, min_count=1, workers=1, seed=9, progress=False,
                         **MODES[mode])
        model.build_vocab(zipf_corpus(sentences=300))
        corpus = model._corpus
        jobs = list(enumerate(corpus.plan_chunks(100)))
        assert len(jobs) > 10
        longest = max(stop - start for _, (start, stop, _, _) in jobs)
        inputs = model._kernel_inputs(model.config, longest, corpus.total_words)
        rate = training.LearningRate(0.025, 0.001, corpus.total_words)
        half = len(jobs) // 2
        parts = [jobs] if shards == 1 else [jobs[:half], jobs[half:]]
        stats = [training.train_epoch(inputs, corpus, part, 0, rate) for part in parts]
        counts.append(training.EpochStats.from_arrays([np.array(part) for part in stats]))
        models.append(_arrays(model))
    for ours, theirs in zip(*models):
        assert np.array_equal(ours, theirs)
    assert counts[0][2:] == counts[1][2:] and counts[0].predictions > 0  # counts: exact
    assert counts[0][:2] == pytest.approx(counts[1][:2], rel=1e-12)  # sums: summed in parts


def test_jobs_longer_than_the_buffers_are_refused():
    model = Word2Vec(vector_size=8, min_count=1, workers=1, progress=False)
    model.build_vocab(zipf_corpus(sentences=50))
    corpus = model._corpus
    inputs = model._kernel_inputs(model.config, 5)
    jobs = list(enumerate(corpus.plan_chunks(1000)))
    with pytest.raises(LmbasicsError, match="does not fit"):
        training.train_epoch(inputs, corpus, jobs, 0, training.LearningRate(0.025, 0.0, 600))
