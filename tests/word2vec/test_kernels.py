"""The numba kernels against the NumPy reference, and the reference against finite differences."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from lmbasics.word2vec import kernels, reference, training
from lmbasics.word2vec.config import Word2VecConfig
from tests.word2vec.helpers import model_arrays

MODES = {
    "ns": dict(negative=3),
    "hs": dict(hs=True),
    "softmax": dict(softmax=True),
    "hs+ns": dict(hs=True, negative=2),
}


def _chunk(vocab_size: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(-1, vocab_size, size=60).astype(np.int32)  # -1: out of vocabulary
    ends = np.array([7, 8, 25, 40, 60], np.int64)  # includes a one-token sentence
    return tokens, ends


def _inputs(model, tokens, sg, window, cbow_mean=True, shared=False, capacity=1, hot=None,
            loss_sample=None):
    """The kernels' arguments for ``model`` as the first of two workers (one worker makes no
    copies): ``capacity``: inner nodes cached (1: one path's worth of the nodes nearest the
    root, the deeper ones updated in place; 0: none); ``hot``: output rows copied per chunk
    (default: half the vocabulary's); ``loss_sample``: the fraction of predictions whose loss
    is measured (default: all)."""
    config = Word2VecConfig(sg=int(sg), hs=int(model["hs"]), negative=model["negative"],
                            softmax=int(model["softmax"]), window=window, workers=2,
                            cbow_mean=int(cbow_mean), shared_negatives=shared,
                            compute_loss=loss_sample is None, loss_sample=loss_sample or 0.0)
    tables = training.Tables(*(model[name] for name in training.Tables._fields))
    weights = training.Weights(model["syn0"], model["syn1"], model["output"])
    vocab_size = len(model["output"])
    return training.kernel_inputs(config, weights, tables, len(tokens), words_per_epoch=10**9,
                                  node_cache=capacity,
                                  hot_rows=vocab_size // 2 if hot is None else hot)


def _run_kernel(model, tokens, ends, sg, window, seed, cbow_mean=True, shared=False,
                capacity=1, hot=None, loss_sample=None):
    """Train ``model``'s arrays on one chunk with the kernel (see :func:`_inputs`); returns
    the kernel's ``stats``."""
    inputs = _inputs(model, tokens, sg, window, cbow_mean, shared, capacity, hot, loss_sample)
    training.run_chunk(inputs, training.Chunk(tokens, ends, 0.05, 0.01, np.uint64(seed)))
    model["syn1"][:], model["output"][:] = inputs.model_matrices()
    assert (inputs.threads[0].node_slot == -1).all()  # the cache is flushed and empty
    return inputs.threads[0].stats


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("architecture", ["sg", "sg_shared", "cbow_mean", "cbow_sum"])
@pytest.mark.parametrize("sample", [0.0, 0.05])
def test_kernel_matches_reference(mode, architecture, sample):
    model = model_arrays(sample=sample, **MODES[mode])
    twin = copy.deepcopy(model)
    tokens, ends = _chunk(len(model["syn0"]))
    sg, cbow_mean = architecture.startswith("sg"), architecture != "cbow_sum"
    shared = architecture == "sg_shared"
    stats = _run_kernel(model, tokens, ends, sg, window=3, seed=12345, cbow_mean=cbow_mean,
                        shared=shared)
    loss, squares, measured, predictions, kept = reference.train_chunk(
        twin, tokens, ends, sg=sg, window=3, alpha_start=0.05, alpha_end=0.01, seed=12345,
        cbow_mean=cbow_mean, shared_negatives=shared,
    )
    assert stats[3] == predictions == measured and stats[2] == measured and stats[4] == kept
    assert predictions > 10
    for name in ("syn0", "syn1", "output"):
        np.testing.assert_allclose(model[name], twin[name], rtol=1e-9, atol=1e-12, err_msg=name)
    assert np.abs(model["syn0"] - model_arrays(sample=sample, **MODES[mode])["syn0"]).max() > 1e-3
    np.testing.assert_allclose(stats[:2], [loss, squares], rtol=1e-9)


@pytest.mark.parametrize("sg", [True, False])
def test_sampled_loss_matches_reference_and_changes_no_update(sg):
    """The loss of a sample of predictions: the same ones, and the same sums, as the reference
    picks; the updates are bit for bit those of the exact loss and of none."""
    runs = []
    for loss_sample in (None, 0.3, 0.0):  # every prediction, about 30% of them, none
        model = model_arrays(hs=True, negative=3, sample=0.05)
        tokens, ends = _chunk(len(model["syn0"]))
        stats = _run_kernel(model, tokens, ends, sg, 3, 4321, loss_sample=loss_sample)
        runs.append((model, stats.copy()))
    twin = model_arrays(hs=True, negative=3, sample=0.05)
    threshold = int(_inputs(twin, tokens, sg, 3, loss_sample=0.3).settings.loss_threshold)
    assert threshold == int(0.3 * 2.0**64)
    loss, squares, measured, predictions, _ = reference.train_chunk(
        twin, tokens, ends, sg, 3, 0.05, 0.01, 4321, loss_threshold=threshold)
    exact, sampled, none = (stats for _, stats in runs)
    assert 0 < measured < predictions and sampled[2:4].tolist() == [measured, predictions]
    np.testing.assert_allclose(sampled[:2], [loss, squares], rtol=1e-9)
    assert exact[2] == exact[3] == predictions and none[2] == 0 and none[0] == 0.0
    for model, _ in runs[1:]:
        for name in ("syn0", "syn1", "output"):
            assert np.array_equal(runs[0][0][name], model[name]), name


def test_kernel_float32_close_to_float64_reference():
    model = model_arrays(negative=3, dtype=np.float32)
    twin = {k: (v.astype(np.float64) if k in ("syn0", "syn1", "output") else v)
            for k, v in copy.deepcopy(model).items()}
    tokens, ends = _chunk(len(model["syn0"]))
    _run_kernel(model, tokens, ends, True, 3, 99)
    reference.train_chunk(twin, tokens, ends, True, 3, 0.05, 0.01, 99)
    np.testing.assert_allclose(model["syn0"], twin["syn0"], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("sg", [True, False])
def test_inner_node_cache_changes_no_bit_with_one_thread(sg):
    """No node cache, one flushing after every path or once per chunk: the same float32
    numbers."""
    runs = []
    for capacity in (0, 1, training.NODE_CACHE):
        model = model_arrays(hs=True, negative=2, sample=0.05, dtype=np.float32)
        tokens, ends = _chunk(len(model["syn0"]), seed=5)
        _run_kernel(model, tokens, ends, sg, 4, 21, capacity=capacity)
        runs.append(model)
    for run in runs[1:]:
        for name in ("syn0", "syn1", "output"):
            assert np.array_equal(runs[0][name], run[name]), name


@pytest.mark.parametrize("sg", [True, False])
def test_kernel_matches_reference_when_only_some_nodes_are_cached(sg):
    """With more inner nodes than the cache holds (here one path's worth), the kernels update
    the deeper nodes in place."""
    vocab_size = 300
    model = model_arrays(vocab_size=vocab_size, hs=True, sample=0.05)
    twin = copy.deepcopy(model)
    rng = np.random.default_rng(8)
    tokens = rng.integers(0, vocab_size, size=400).astype(np.int32)
    ends = np.array([100, 250, 400], np.int64)
    stats = _run_kernel(model, tokens, ends, sg, 3, 77)
    predictions = reference.train_chunk(twin, tokens, ends, sg, 3, 0.05, 0.01, 77)[3]
    assert stats[3] == predictions > 100
    for name in ("syn0", "syn1"):
        np.testing.assert_allclose(model[name], twin[name], rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("architecture", ["sg", "sg_shared", "cbow"])
def test_hot_output_rows_change_no_bit_with_one_thread(architecture):
    """Negative sampling through the thread's copies of the frequent words' output rows, for
    none, some or all of the words: the same float32 numbers."""
    runs = []
    for hot in (0, 7, 10_000):
        model = model_arrays(negative=4, sample=0.05, dtype=np.float32)
        tokens, ends = _chunk(len(model["syn0"]), seed=6)
        _run_kernel(model, tokens, ends, architecture.startswith("sg"), 4, 31,
                    shared=architecture == "sg_shared", hot=hot)
        runs.append(model)
    for run in runs[1:]:
        for name in ("syn0", "output"):
            assert np.array_equal(runs[0][name], run[name]), name


def test_hot_rows_flush_keeps_another_threads_writes():
    output = np.zeros((3 + 4, 2), np.float32)
    output[:3] = [[1, 2], [3, 4], [5, 6]]
    kernels._load_hot(output, 2, 3)
    np.testing.assert_array_equal(output[3:7], [[1, 2], [3, 4], [1, 2], [3, 4]])
    output[3] += 0.5  # this thread's update of word 0
    output[1, 0] += 100.0  # another thread's write to word 1 meanwhile
    output[2] = 9.0  # word 2 is not hot: written in place
    kernels._flush_hot(output, 2, 3)
    np.testing.assert_array_equal(output[:3], [[1.5, 2.5], [103, 4], [9, 9]])


def test_hot_rows_that_do_not_fit_are_refused():
    model = model_arrays(negative=2)
    tokens, ends = _chunk(len(model["syn0"]))
    vocab_size = len(model["output"])
    inputs = _inputs(model, tokens, sg=False, window=3, hot=4)
    chunk = training.Chunk(tokens, ends, 0.05, 0.01, np.uint64(1))
    for hot, base in ((4, vocab_size), (-1, vocab_size), (2, vocab_size - 1)):
        # no rows after the words'
        state = inputs.threads[0]._replace(hot=hot, hot_base=base)
        weights = inputs.weights._replace(output=model["output"])
        with pytest.raises(ValueError, match="hot output rows"):
            kernels.train_cbow_chunk(weights, inputs.tables, chunk, inputs.settings, state)


def test_a_chunk_longer_than_the_buffers_is_refused():
    model = model_arrays(negative=2)
    tokens, ends = _chunk(len(model["syn0"]))
    inputs = _inputs(model, tokens[:10], sg=True, window=3)
    chunk = training.Chunk(tokens, ends, 0.05, 0.01, np.uint64(1))
    with pytest.raises(ValueError, match="chunk longer"):
        training.run_chunk(inputs, chunk)


def test_node_cache_flush_keeps_another_threads_writes():
    syn1 = np.zeros((3 + 4, 2), np.float32)
    syn1[:3] = [[1, 2], [3, 4], [5, 6]]
    slot, ids = np.full(3, -1, np.int32), np.zeros(2, np.int32)
    used = kernels._cache_range(syn1, 1, 3, slot, ids, 3, 2)
    assert used == 2 and slot.tolist() == [-1, 0, 1] and ids.tolist() == [1, 2]
    np.testing.assert_array_equal(syn1[3:5], [[3, 4], [5, 6]])  # the copies
    np.testing.assert_array_equal(syn1[5:7], [[3, 4], [5, 6]])  # their original values
    syn1[4] += 0.5  # this thread's update of node 2
    syn1[2, 1] += 100.0  # another thread's write to node 2 meanwhile
    assert kernels._flush_nodes(syn1, slot, ids, 3, 2, used) == 0
    np.testing.assert_array_equal(syn1[:3], [[1, 2], [3, 4], [5.5, 106.5]])
    assert (slot == -1).all()


def test_a_node_cache_too_small_is_refused():
    model = model_arrays(hs=True)
    tokens, ends = _chunk(len(model["syn0"]))
    inputs = _inputs(model, tokens, sg=True, window=3, capacity=8)
    weights = inputs.weights._replace(syn1=model["syn1"])  # no cache rows after the nodes
    with pytest.raises(ValueError, match="node cache"):
        kernels.train_sg_chunk(weights, inputs.tables,
                               training.Chunk(tokens, ends, 0.05, 0.01, np.uint64(1)),
                               inputs.settings, inputs.threads[0])


def test_same_seed_same_result_and_different_seed_differs():
    runs = []
    for seed in (7, 7, 8):
        model = model_arrays(negative=3, sample=0.05)
        tokens, ends = _chunk(len(model["syn0"]))
        _run_kernel(model, tokens, ends, True, 3, seed)
        runs.append(model["syn0"])
    assert np.array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


@pytest.mark.parametrize("mode", ["ns", "hs", "softmax"])
def test_reference_step_is_gradient_descent_on_the_loss(mode):
    """One prediction's update = -alpha x the central finite-difference gradient of its loss."""
    model = model_arrays(**MODES[mode] if mode != "ns" else dict(negative=1))
    rng = np.random.default_rng(3)
    h = rng.standard_normal(model["syn0"].shape[1]) * 0.5
    word, noise = 4, 9
    alpha, eps = 1e-3, 1e-6

    def loss_of(h_vec, out_name=None, out_value=None):
        probe = dict(model)
        if out_name is not None:
            probe[out_name] = out_value
        return reference.prediction_loss(h_vec, word, probe, noise_words=[noise])

    numeric_h = np.array([
        (loss_of(h + eps * e) - loss_of(h - eps * e)) / (2 * eps) for e in np.eye(len(h))
    ])
    out_name = "syn1" if mode == "hs" else "output"
    before = model[out_name].copy()
    numeric_out = np.zeros_like(before)
    for index in np.ndindex(before.shape):
        plus, minus = before.copy(), before.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric_out[index] = (loss_of(h, out_name, plus) - loss_of(h, out_name, minus)) / (2 * eps)

    grad = np.zeros_like(h)
    updated = copy.deepcopy(model)
    if mode == "ns":  # the reference draws its noise word; replay the step with a fixed one
        reference.logistic_step(h, updated["output"][word], 1.0, alpha, grad)
        reference.logistic_step(h, updated["output"][noise], 0.0, alpha, grad)
    else:
        updated["negative"] = 0
        reference.predict(h, word, updated, alpha, grad, noise=[])
    # first order: the steps on h and on the output rows are -alpha * dL/d(.)
    np.testing.assert_allclose(grad, -alpha * numeric_h, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(updated[out_name] - before, -alpha * numeric_out, rtol=1e-5,
                               atol=1e-9)


def test_softplus_is_exact_and_stable():
    x = np.linspace(-50, 50, 2001)
    np.testing.assert_allclose([kernels._softplus(v) for v in x], np.logaddexp(0, x), rtol=1e-12)


def test_random_generator_matches_reference():
    state = np.uint64(0x1234567)
    twin = reference.ReferenceRandom(0x1234567)
    for _ in range(100):
        state, bits = kernels.rng_next(state)
        state = np.uint64(state)  # numba hands uint64 back as a Python int
        assert int(bits) == twin.bits()
