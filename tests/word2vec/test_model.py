"""Word2Vec: determinism, threads, loss, learning, save/load, parameter validation."""

from __future__ import annotations

import numpy as np
import pytest

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import Word2Vec
from tests.word2vec.helpers import topic_corpus, zipf_corpus

ALL_MODES = [
    dict(sg=1, negative=5), dict(sg=0, negative=5), dict(sg=1, hs=1, negative=0),
    dict(sg=0, hs=1, negative=0), dict(sg=1, softmax=1, negative=0),
    dict(sg=0, softmax=1, negative=0), dict(sg=1, hs=1, negative=3),
    dict(sg=1, negative=5, shared_negatives=False),  # word2vec.c's fresh noise per pair
]


@pytest.mark.parametrize("mode", ALL_MODES, ids=lambda m: "-".join(f"{k}{v}" for k, v in m.items()))
def test_seeded_single_worker_runs_are_bit_identical(mode):
    corpus = zipf_corpus()
    a = Word2Vec(corpus, vector_size=16, min_count=1, workers=1, epochs=2, seed=3, **mode)
    b = Word2Vec(corpus, vector_size=16, min_count=1, workers=1, epochs=2, seed=3, **mode)
    c = Word2Vec(corpus, vector_size=16, min_count=1, workers=1, epochs=2, seed=4, **mode)
    assert np.array_equal(a.wv.vectors, b.wv.vectors)
    assert np.array_equal(a.syn1neg, b.syn1neg) and np.array_equal(a.syn1, b.syn1)
    assert a.loss_history == b.loss_history
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)


@pytest.mark.parametrize("mode", [*ALL_MODES[:4], ALL_MODES[-1]],
                         ids=["sg-ns", "cbow-ns", "sg-hs", "cbow-hs", "sg-ns-per-pair"])
def test_loss_falls_and_topics_separate(mode):
    corpus = topic_corpus()
    model = Word2Vec(corpus, vector_size=24, window=4, min_count=1, sample=0, epochs=8,
                     workers=2, seed=1, **mode)
    assert model.loss_history[-1] < model.loss_history[0]
    kv = model.wv
    hits = [kv.most_similar(w, topn=3) for w in ("t0w0", "t1w1", "t2w2", "t3w3")]
    same_topic = sum(n.split("w")[0] == q.split("w")[0]
                     for q, res in zip(("t0w0", "t1w1", "t2w2", "t3w3"), hits) for n, _ in res)
    assert same_topic >= 11  # of 12 neighbours; a random map gets ~2


def test_initial_loss_is_the_untrained_value():
    """Before learning, every logistic term is -log σ(≈0) = log 2."""
    corpus = zipf_corpus()
    model = Word2Vec(corpus, vector_size=8, min_count=1, sg=1, negative=5, sample=0, workers=1,
                     epochs=1, alpha=1e-9, min_alpha=1e-9)
    # one positive + up to 5 noise words (a draw equal to the target is skipped)
    assert 5.0 * np.log(2) < model.loss_history[0] <= 6 * np.log(2) + 1e-6


@pytest.mark.parametrize("mode", ALL_MODES[:6], ids=["sg-ns", "cbow-ns", "sg-hs", "cbow-hs",
                                                    "sg-softmax", "cbow-softmax"])
def test_build_vocab_loads_the_kernel_training_calls(mode, monkeypatch):
    """build_vocab ends by calling the kernel on an empty chunk with the argument types training
    uses, so numba's first-call load (~0.4 s) is not part of the first epoch."""
    from numba import typeof

    from lmbasics.word2vec import kernels

    name = "train_sg_chunk" if mode["sg"] else "train_cbow_chunk"
    kernel, calls = getattr(kernels, name), []

    def recording(*args):
        calls.append((tuple(typeof(a) for a in args), len(args[2].tokens)))
        return kernel(*args)

    monkeypatch.setattr(kernels, name, recording)
    model = Word2Vec(vector_size=8, min_count=1, workers=2, epochs=1, **mode)
    model.build_vocab(zipf_corpus(sentences=50))
    assert len(calls) == 1 and calls[0][1] == 0  # one call, no tokens
    model.train()
    assert len(calls) > 1 and all(c[1] > 0 for c in calls[1:])
    assert {types for types, _ in calls[1:]} == {calls[0][0]}


def test_multi_worker_training_uses_all_words():
    corpus = zipf_corpus(sentences=400)
    model = Word2Vec(corpus, vector_size=8, min_count=1, workers=3, epochs=2, sample=0)
    kept, raw = model.train(corpus, epochs=1)
    assert raw == 400 * 12 and kept == raw
    assert model.training_stats["raw_words"] == raw


def test_learning_rate_defaults_follow_word2vec_c():
    assert Word2Vec(sg=1).alpha == 0.025
    assert Word2Vec(sg=0).alpha == 0.05
    assert Word2Vec(sg=0, alpha=0.01).alpha == 0.01


def test_save_load_round_trip_and_continue_training(tmp_path):
    corpus = zipf_corpus()
    model = Word2Vec(corpus, vector_size=8, min_count=1, hs=1, negative=2, workers=1, epochs=1)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert loaded.wv.index_to_key == model.wv.index_to_key
    assert np.array_equal(loaded.wv.vectors, model.wv.vectors)
    assert np.array_equal(loaded.syn1, model.syn1) and loaded.config == model.config
    loaded.train(corpus, epochs=1)
    model.train(corpus, epochs=1)
    assert np.array_equal(loaded.wv.vectors, model.wv.vectors)  # same state, same seed


def test_loading_is_safe_and_validated(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(LmbasicsError):
        Word2Vec.load(bad)
    corpus = zipf_corpus()
    model = Word2Vec(corpus, vector_size=8, min_count=1, workers=1, epochs=1)
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["syn1neg"] = arrays["syn1neg"][:3]  # would index out of bounds in a kernel
    np.savez(tmp_path / "broken.npz", **arrays)
    with pytest.raises(LmbasicsError, match="disagree"):
        Word2Vec.load(tmp_path / "broken.npz")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (dict(vector_size=0), "vector_size"), (dict(window=0), "window"),
        (dict(hs=0, negative=0), "no output layer"), (dict(softmax=1), "softmax=1"),
        (dict(min_count=0), "min_count"), (dict(sample=-1), "sample"),
        (dict(alpha=-0.1), "alpha"), (dict(epochs=0), "epochs"), (dict(workers=0), "workers"),
        (dict(bogus=1), "unknown"),
    ],
)
def test_invalid_parameters_are_one_clear_error(settings, message):
    with pytest.raises(LmbasicsError, match=message):
        Word2Vec(**settings)


def test_training_errors():
    with pytest.raises(LmbasicsError, match="vocabulary first"):
        Word2Vec().train()
    with pytest.raises(LmbasicsError, match="min_count"):
        Word2Vec([["a", "b"]])
    with pytest.raises(LmbasicsError, match="both"):
        Word2Vec([["a"]], corpus_file="x")
