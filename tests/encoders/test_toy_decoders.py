"""Every family's encoder-decoder solves toy copy and reverse tasks; the RNN decoder's parts.

A decoder whose attention cannot find the right source position fails the toy tasks: random
sequences over 10 symbols, 5-8 long, far too many to memorise in a model of this size, so
greedy decoding of held-out sequences reaches >= 99 % token accuracy only through attention.
Checked by hand with the same seeds and steps: with the RNN decoder's attention made uniform
(every real source position weighted equally) the LSTM reaches 50 % on copy and on reverse;
with the positions taken out of the CNN decoder's attention the CNN reaches 85 % on copy
(a repeated word pair makes two source positions look alike to a 5-word window). Without input
feeding or the bridge the LSTM still solves these tasks, only more slowly, so those parts are
checked directly below: the final state is the last real token's, and greedy decoding's
step-by-step path gives the teacher-forced logits. Seeded, one thread: deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.config import config_for
from lmbasics.encoders.data import BOS, EOS, PAD, pad
from lmbasics.encoders.families import build_encoder
from lmbasics.encoders.seq2seq import RNNDecoder, Seq2Seq
from lmbasics.encoders.training import TrainConfig, seed_everything, train

SYMBOLS = 10  # ids 4 .. 13 after the four specials
VOCAB = 4 + SYMBOLS
TOY = {"vocab_size": VOCAB, "embedding_dim": 32, "hidden_size": 32, "dropout": 0.0, "max_length": 32}
EXTRA = {"cnn": {"kernel_size": 3}, "lstm": {}, "gru": {}, "transformer": {"num_heads": 2}}
CASES = [
    ("copy", "cnn"),
    ("copy", "lstm"),
    ("copy", "transformer"),
    ("reverse", "lstm"),
    ("reverse", "transformer"),
]
# no reverse for the CNN: the next source position is the one before where the last word came
# from, two look-ups for its one attention (ConvS2S attends in every layer); it stays near 89 %
SCHEDULE = TrainConfig(steps=300, batch_size=32, learning_rate=1e-2, warmup_steps=20)


@pytest.fixture(autouse=True)
def one_thread() -> object:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def toy_pairs(task: str, count: int, seed: int) -> list[tuple[list[int], list[int]]]:
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(count):
        source = [int(t) for t in rng.integers(4, VOCAB, size=int(rng.integers(5, 9)))]
        pairs.append((source, source[::-1] if task == "reverse" else list(source)))
    return pairs


def toy_model(family: str, num_layers: int) -> Seq2Seq:
    shared = {**TOY, "num_layers": num_layers, **EXTRA[family]}
    source = config_for(family, **shared, **({"bidirectional": True} if family == "lstm" else {}))
    target = config_for(family, **shared, **({} if family in ("lstm", "gru") else {"causal": True}))
    return Seq2Seq(source, target)


def teacher_forcing_loss(model: torch.nn.Module, pairs: list[tuple[list[int], list[int]]]) -> torch.Tensor:
    src, src_mask = pad([s for s, _ in pairs])
    tgt_in, tgt_mask = pad([[BOS, *t] for _, t in pairs])
    tgt_out, _ = pad([[*t, EOS] for _, t in pairs])
    logits = model(src, src_mask, tgt_in, tgt_mask)
    return F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=PAD)


def token_accuracy(model: Seq2Seq, pairs: list[tuple[list[int], list[int]]]) -> float:
    """Greedy output against the reference, position by position, the end mark included."""
    src, src_mask = pad([s for s, _ in pairs])
    right = total = 0
    for output, (_, reference) in zip(model.greedy(src, src_mask, 12), pairs):
        output, reference = [*output, EOS], [*reference, EOS]
        right += sum(a == b for a, b in zip(output, reference))
        total += len(reference)
    return right / total


@pytest.mark.slow
@pytest.mark.parametrize(("task", "family"), CASES, ids=[f"{t}-{f}" for t, f in CASES])
def test_every_decoder_solves_the_toy_task(task: str, family: str) -> None:
    rng = seed_everything(0)
    model = toy_model(family, num_layers=1 if family == "lstm" else 2)
    pairs = toy_pairs(task, 2000, seed=1)

    def batch_loss(module: torch.nn.Module, index: np.ndarray) -> torch.Tensor:
        return teacher_forcing_loss(module, [pairs[i] for i in index])

    train(model, batch_loss, len(pairs), SCHEDULE, rng)
    held_out = toy_pairs(task, 200, seed=2)
    assert token_accuracy(model, held_out) >= 0.99


def test_rnn_final_state_is_the_last_real_token_of_each_direction() -> None:
    torch.manual_seed(0)
    encoder = build_encoder(config_for("lstm", **TOY, num_layers=2, bidirectional=True)).eval()
    ids, mask = pad([[5, 6, 7, 8, 9], [10, 11], [4, 12, 13]])
    final = encoder.final_state(encoder(ids, mask), mask)  # (B, C)
    for row in range(3):
        alone = ids[row, : int(mask[row].sum())][None]
        _, (h_n, _) = encoder.rnn(encoder.embedding(alone))  # h_n: (layers * 2, 1, C / 2)
        torch.testing.assert_close(final[row], torch.cat([h_n[-2, 0], h_n[-1, 0]]))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_rnn_decoder_steps_give_the_teacher_forced_logits(cell: str) -> None:
    torch.manual_seed(0)
    model = Seq2Seq(
        config_for(cell, **TOY, num_layers=2, bidirectional=True), config_for(cell, **TOY, num_layers=2)
    ).eval()
    src, src_mask = pad([[5, 6, 7, 8], [9, 10]])
    tgt, tgt_mask = pad([[BOS, 11, 12, 13], [BOS, 4, 5, 6]])
    with torch.no_grad():
        forced = model(src, src_mask, tgt, tgt_mask)  # (B, U, V)
        memory = model.encode(src, src_mask)
        decoder: RNNDecoder = model.decoder  # type: ignore[assignment]
        state = decoder.start(memory)
        for t in range(tgt.shape[1]):
            logits, state = decoder.step(tgt[:, t], state, memory)
            torch.testing.assert_close(logits, forced[:, t])


@pytest.mark.parametrize("family", ["cnn", "lstm", "transformer"])
def test_greedy_output_is_the_argmax_of_teacher_forcing(family: str) -> None:
    torch.manual_seed(0)
    model = toy_model(family, num_layers=2).eval()
    src, src_mask = pad([[5, 6, 7, 8, 9], [10, 11, 12]])
    rows = model.greedy(src, src_mask, 6)
    for row, source, source_mask in zip(rows, src, src_mask):
        prefix = torch.tensor([[BOS, *row]])
        with torch.no_grad():
            logits = model(source[None], source_mask[None], prefix, torch.ones_like(prefix, dtype=torch.bool))
        logits[..., [PAD, BOS]] = float("-inf")
        expected = logits[0].argmax(-1).tolist()  # the word after each prefix
        assert row == expected[: len(row)]
        assert len(row) == 6 or expected[len(row)] == EOS


def test_output_bias_starts_at_the_log_frequencies() -> None:
    model = toy_model("lstm", num_layers=1)
    counts = torch.arange(VOCAB, dtype=torch.float32)  # <pad> never seen: count 0, smoothed to 1
    model.start_output_from_counts(counts)
    probabilities = torch.softmax(model.decoder.output.bias, dim=0)
    torch.testing.assert_close(probabilities, (counts + 1) / (counts + 1).sum())
    with pytest.raises(LmbasicsError, match="counts for a vocabulary of 14"):
        model.start_output_from_counts(torch.ones(VOCAB + 1))


@pytest.mark.parametrize("family", ["cnn", "lstm", "gru", "transformer"])
def test_logits_at_selected_positions_are_the_full_logits_there(family: str) -> None:
    """The training loss computes logits only at real target positions: same loss, same
    gradients as the full (B, U, V) logits with padding ignored."""
    torch.manual_seed(0)
    model = toy_model(family, num_layers=2).eval()
    pairs = [([5, 6, 7, 8, 9], [9, 8, 7]), ([10, 11], [11, 10, 4, 5, 6]), ([4], [4])]
    src, src_mask = pad([s for s, _ in pairs])
    tgt_in, tgt_mask = pad([[BOS, *t] for _, t in pairs])
    tgt_out, _ = pad([[*t, EOS] for _, t in pairs])
    real = tgt_out != PAD
    full = model(src, src_mask, tgt_in, tgt_mask)
    selected = model(src, src_mask, tgt_in, tgt_mask, real)
    assert selected.shape == (int(real.sum()), full.shape[-1])
    torch.testing.assert_close(selected, full[real])
    reference = F.cross_entropy(full.flatten(0, 1), tgt_out.flatten(), ignore_index=PAD)
    loss = F.cross_entropy(selected, tgt_out[real])
    torch.testing.assert_close(loss, reference)
    grads = torch.autograd.grad(reference, list(model.parameters()), allow_unused=True)
    again = torch.autograd.grad(loss, list(model.parameters()), allow_unused=True)
    for expected, got in zip(grads, again, strict=True):
        if expected is not None:
            torch.testing.assert_close(got, expected)
