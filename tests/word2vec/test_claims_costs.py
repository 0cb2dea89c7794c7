"""The cost measurements of the word2vec claims (W4, W5): the timing loops against the NumPy
reference, the bucket statistics against the Huffman tree, the result's shape, bad input.
No timing is asserted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lmbasics._util.errors import LmbasicsError
from lmbasics.word2vec import reference
from lmbasics.word2vec.claims import costs
from lmbasics.word2vec.huffman import build_huffman_tree
from tests.word2vec.helpers import model_arrays

ALPHA = 0.05


def _pairs(vocab_size: int, count: int = 40, seed: int = 3):
    rng = np.random.default_rng(seed)  # few words: inputs repeat, so update order matters
    return (rng.integers(0, vocab_size, count).astype(np.int32),
            rng.integers(0, vocab_size, count).astype(np.int32))


def _replay(model: dict, inputs, targets, noise_seed: int | None = None) -> int:
    """The reference's Skip-gram predictions over the pairs, in order; returns the output rows
    updated (NS: target + kept noise draws)."""
    rng = reference.ReferenceRandom(noise_seed or 1)
    rows = 0
    for context, word in zip(inputs.tolist(), targets.tolist()):
        noise = reference.draw_noise(word, model, rng) if model["negative"] else []
        rows += 1 + len(noise)
        grad = np.zeros(model["syn0"].shape[1])
        reference.predict(model["syn0"][context].copy(), word, model, ALPHA, grad, noise)
        model["syn0"][context] += grad
    return rows


@pytest.mark.parametrize("layer", ["softmax", "hs", "ns"])
def test_timing_loops_update_the_weights_as_the_reference(layer):
    model = model_arrays(vocab_size=13, size=6, hs=layer == "hs", negative=4 * (layer == "ns"),
                         softmax=layer == "softmax")
    twin = {name: value.copy() if isinstance(value, np.ndarray) else value
            for name, value in model.items()}
    inputs, targets = _pairs(13)
    grad = np.zeros(6)
    seed = 0x1234567
    if layer == "softmax":
        costs._softmax_loop(model["syn0"], model["output"], inputs, targets, ALPHA, grad,
                            np.empty(13))
    elif layer == "hs":
        costs._hs_loop(model["syn0"], model["syn1"], model["codes"], model["points"],
                       model["code_lengths"], np.full(12, -1, np.int32), inputs, targets, ALPHA,
                       grad)
    else:
        rows = costs._ns_loop(model["syn0"], model["output"], model["alias_probability"],
                              model["alias_index"], 4, inputs, targets, ALPHA, grad,
                              np.empty(4, np.int64), np.empty(5), np.uint64(seed))
    twin_rows = _replay(twin, inputs, targets, seed)
    if layer == "ns":
        assert rows == twin_rows
    for name in ("syn0", "syn1", "output"):
        np.testing.assert_allclose(model[name], twin[name], rtol=1e-9, atol=1e-12, err_msg=name)
    moved = "syn1" if layer == "hs" else "output"
    assert not np.allclose(model[moved], model_arrays(vocab_size=13, size=6)[moved])


@pytest.fixture(scope="module")
def tiny():
    counts = np.random.default_rng(5).integers(1, 500, 300)  # unsorted: ranked by the module
    messages: list[str] = []
    return costs.measure_costs("tiny", counts=counts, progress=messages.append), counts, messages


def test_bucket_code_lengths_are_the_huffman_code_lengths(tiny):
    result, counts, _ = tiny
    ranked = np.sort(counts)[::-1]
    lengths = build_huffman_tree(ranked).code_lengths
    part = result["by_frequency"]
    assert part["vocab_size"] == len(counts) and part["counts"] == "given"
    assert [b["ranks"] for b in part["buckets"]] == [[0, 10], [10, 100], [100, 300]]
    for bucket in [*part["buckets"], part["all"]]:
        first, stop = bucket["ranks"]
        assert bucket["words"] == stop - first
        assert bucket["code_length_mean"] == pytest.approx(lengths[first:stop].mean())
        assert bucket["code_length_min"] == lengths[first:stop].min()
        assert bucket["code_length_max"] == lengths[first:stop].max()
        weights = ranked[first:stop]
        assert bucket["code_length_token_weighted_mean"] == pytest.approx(
            weights @ lengths[first:stop] / weights.sum())
        assert bucket["token_fraction"] == pytest.approx(weights.sum() / ranked.sum())
    probability = ranked / ranked.sum()
    assert part["expected_code_length"] == pytest.approx(probability @ lengths)
    entropy = -(probability @ np.log2(probability))
    assert part["entropy_bits"] <= part["expected_code_length"] < part["entropy_bits"] + 1
    assert part["entropy_bits"] == pytest.approx(entropy)
    assert part["log2_vocab_size"] == pytest.approx(np.log2(300))


def test_result_has_every_measurement(tiny):
    result, _, messages = tiny
    json.dumps(result)  # serialisable as is
    assert messages
    assert result["machine"]["threads"] == 1
    assert result["settings"]["vector_size"] == 100 and result["settings"]["negative"] == 5
    assert [row["vocab_size"] for row in result["by_vocab_size"]] == [100, 1000]
    timings = []
    for row in result["by_vocab_size"]:
        assert row["softmax"]["output_rows_per_prediction"] == row["vocab_size"]
        assert row["log2_vocab_size"] == pytest.approx(np.log2(row["vocab_size"]))
        timings += [row[layer] for layer in ("softmax", "hs", "ns")]
    for bucket in [*result["by_frequency"]["buckets"], result["by_frequency"]["all"]]:
        assert 1 <= bucket["ns"]["output_rows_per_prediction"] <= 1 + costs.NEGATIVE
        lengths = (bucket["code_length_min"], bucket["code_length_max"])
        assert lengths[0] <= bucket["hs"]["output_rows_per_prediction"] <= lengths[1]
        timings += [bucket["hs"], bucket["ns"]]
    repeats = result["settings"]["repeats"]
    for timing in timings:
        each = timing["seconds_per_prediction_each"]
        assert len(each) == repeats and all(x > 0 for x in each)
        assert timing["seconds_per_prediction"] == pytest.approx(np.median(each))
        assert (timing["seconds_per_prediction_min"] <= timing["seconds_per_prediction"]
                <= timing["seconds_per_prediction_max"])
        assert timing["cpu_seconds_per_prediction"] >= 0
    assert result["seconds"] > 0 and result["cpu_seconds"] > 0


def test_plots_are_written(tiny, tmp_path):
    paths = costs.plot_costs(tiny[0], tmp_path / "figures")
    assert [p.name for p in paths] == ["costs-vocab-size.png", "costs-frequency.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == sorted(p.name for p in paths)


def test_zipf_counts_follow_the_rank():
    counts = costs.zipf_counts(1000)
    assert counts[-1] == costs.RAREST_COUNT and np.all(np.diff(counts) <= 0)
    assert counts[0] == 1000 * costs.RAREST_COUNT and counts[9] == 500


@pytest.mark.parametrize("counts", [np.array([7]), np.array([]), np.array([[3, 2], [2, 1]]),
                                    np.array([5, 0, 3]), np.array([5.5, 2.0]),
                                    np.array([4.0, np.nan])])
def test_bad_counts_are_refused(counts):
    with pytest.raises(LmbasicsError):
        costs.measure_costs("tiny", counts=counts, progress=lambda _: None)


def test_empty_buckets_and_tiny_vocabularies_are_refused():
    with pytest.raises(LmbasicsError, match="empty"):  # ranks [100, 50)
        costs.measure_costs("tiny", counts=np.arange(50, 0, -1), progress=lambda _: None)
    with pytest.raises(LmbasicsError, match="empty"):
        costs.bucket_ranges(100, (0, 10, 10))
    with pytest.raises(LmbasicsError, match="rank 0"):
        costs.bucket_ranges(100, (5, 10))
    with pytest.raises(LmbasicsError):
        costs.zipf_counts(1)
    with pytest.raises(LmbasicsError, match="budget"):
        costs.measure_costs("huge")
