"""The encoder interface: shapes, padding invariance, causality, overfitting, word2vec start."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders import (
    CNNConfig,
    TransformerConfig,
    build_encoder,
    config_for,
    config_from_dict,
    read_word_vectors,
)
from lmbasics.encoders.tasks.common import SequenceClassifier

VOCAB = 50
SMALL = {
    "vocab_size": VOCAB,
    "embedding_dim": 12,
    "hidden_size": 16,
    "num_layers": 2,
    "dropout": 0.0,
    "max_length": 64,
}

# (id, family, extra config fields)
VARIANTS = [
    ("cnn", "cnn", {}),
    ("cnn-causal-dilated", "cnn", {"causal": True, "dilation_base": 2, "residual": False}),
    ("lstm", "lstm", {}),
    ("gru-bidirectional", "gru", {"bidirectional": True}),
    ("transformer", "transformer", {"num_heads": 2}),
    (
        "transformer-learned-causal",
        "transformer",
        {"num_heads": 4, "positions": "learned", "causal": True},
    ),
]
CAUSAL = [
    v for v in VARIANTS if v[2].get("causal") or (v[1] in ("lstm", "gru") and not v[2].get("bidirectional"))
]


def make(family: str, extra: dict, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_encoder(config_for(family, **SMALL, **extra)).eval()


def batch(lengths: list[int], total: int, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, VOCAB, (len(lengths), total), generator=generator)
    mask = torch.arange(total)[None, :] < torch.tensor(lengths)[:, None]
    return ids.masked_fill(~mask, 0), mask


@pytest.mark.parametrize(("name", "family", "extra"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_shapes_and_zero_padding(name: str, family: str, extra: dict) -> None:
    encoder = make(family, extra)
    ids, mask = batch([5, 3, 7], 7)
    out = encoder(ids, mask)
    assert out.shape == (3, 7, encoder.output_size) == (3, 7, 16)
    assert out.dtype == torch.float32
    assert torch.all(out[~mask] == 0)
    assert encoder.num_parameters() == sum(p.numel() for p in encoder.parameters())
    assert encoder.num_parameters(include_embedding=False) == encoder.num_parameters() - VOCAB * 12


@pytest.mark.parametrize(("name", "family", "extra"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_padding_does_not_change_real_positions(name: str, family: str, extra: dict) -> None:
    encoder = make(family, extra)
    ids, mask = batch([6, 2, 4], 6)
    longer_ids, longer_mask = batch([6, 2, 4], 15)
    longer_ids[:, :6] = ids
    # junk ids under the padding must not matter either: the mask alone says what is real
    longer_ids[~longer_mask] = torch.randint(4, VOCAB, (int((~longer_mask).sum()),))
    short = encoder(ids, mask)
    long = encoder(longer_ids, longer_mask)
    torch.testing.assert_close(long[:, :6][mask], short[mask], atol=1e-5, rtol=1e-5)
    # a row alone gives the same vectors as in a batch
    alone = encoder(ids[1:2, :2], mask[1:2, :2])
    torch.testing.assert_close(alone[0], short[1, :2], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(("name", "family", "extra"), CAUSAL, ids=[v[0] for v in CAUSAL])
def test_causal_encoders_never_look_ahead(name: str, family: str, extra: dict) -> None:
    encoder = make(family, extra)
    ids, mask = batch([10, 10], 10)
    changed = ids.clone()
    changed[:, 6:] = torch.randint(4, VOCAB, (2, 4))
    torch.testing.assert_close(encoder(ids, mask)[:, :6], encoder(changed, mask)[:, :6])


@pytest.mark.parametrize(("name", "family", "extra"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_encoder_overfits_one_batch(name: str, family: str, extra: dict) -> None:
    torch.manual_seed(0)
    model = SequenceClassifier(build_encoder(config_for(family, **SMALL, **extra)), 2)
    ids, mask = batch([8, 5, 8, 3, 6, 8, 7, 4], 8, seed=3)
    labels = torch.tensor([0, 1, 1, 0, 1, 0, 0, 1])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss = F.cross_entropy(model(ids, mask), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05


def test_cnn_receptive_field() -> None:
    assert build_encoder(CNNConfig(**SMALL, kernel_size=3)).receptive_field == 5
    dilated = build_encoder(CNNConfig(**{**SMALL, "num_layers": 3}, kernel_size=3, dilation_base=2))
    assert dilated.receptive_field == 1 + 2 * (1 + 2 + 4)


def test_cnn_cannot_see_beyond_its_receptive_field() -> None:
    encoder = make("cnn", {"causal": True})  # receptive field 5: position t sees t-4 .. t
    ids, mask = batch([12, 12], 12)
    changed = ids.clone()
    changed[:, 2] = (changed[:, 2] + 1 - 4) % (VOCAB - 4) + 4
    before, after = encoder(ids, mask), encoder(changed, mask)
    torch.testing.assert_close(before[:, 7:], after[:, 7:])
    assert not torch.allclose(before[:, 6], after[:, 6])


def test_every_family_has_one_encoder_class() -> None:
    from lmbasics.encoders.config import FAMILIES
    from lmbasics.encoders.families import ENCODERS

    assert tuple(ENCODERS) == FAMILIES
    for family in FAMILIES:
        heads = {"num_heads": 2} if family == "transformer" else {}
        encoder = build_encoder(config_for(family, **SMALL, **heads))
        assert type(encoder) is ENCODERS[family] and encoder.family == family


def test_bad_configs_are_one_clear_error() -> None:
    with pytest.raises(LmbasicsError, match="unknown encoder"):
        config_for("rnn")
    with pytest.raises(LmbasicsError, match="unknown cnn config field"):
        config_for("cnn", heads=2)
    with pytest.raises(LmbasicsError, match="multiple of num_heads"):
        TransformerConfig(hidden_size=10, num_heads=4)
    with pytest.raises(LmbasicsError, match="odd"):
        build_encoder(CNNConfig(kernel_size=4))
    encoder = make("lstm", {})
    with pytest.raises(LmbasicsError, match="max_length"):
        encoder(*batch([65], 65))


@pytest.mark.parametrize("family", ["cnn", "gru", "transformer"])
def test_config_round_trip(family: str) -> None:
    config = config_for(family, **SMALL)
    assert config_from_dict(config.to_dict()) == config


@pytest.mark.parametrize("binary", [False, True])
def test_embeddings_start_from_word2vec_vectors(tmp_path, binary: bool) -> None:
    words = ["cat", "dog", "naïve"]
    vectors = np.arange(3 * 12, dtype=np.float32).reshape(3, 12) / 10
    path = tmp_path / ("vectors.bin" if binary else "vectors.txt")
    if binary:
        body = b"".join(w.encode() + b" " + v.astype("<f4").tobytes() + b"\n" for w, v in zip(words, vectors))
        path.write_bytes(b"3 12\n" + body)
    else:
        lines = [" ".join([w, *(f"{x:.6f}" for x in v)]) for w, v in zip(words, vectors)]
        path.write_text("3 12\n" + "\n".join(lines) + "\n", encoding="utf-8")
    read_words, read_vectors = read_word_vectors(path)
    assert read_words == words
    np.testing.assert_allclose(read_vectors, vectors, rtol=1e-6)

    vocabulary = ["<pad>", "<unk>", "<bos>", "<eos>", "dog", "bird", "naïve", *map(str, range(43))]
    encoder = make("transformer", {"num_heads": 2})
    before = encoder.embedding.weight.detach().clone()
    assert encoder.load_word_vectors(vocabulary, path) == 2
    weight = encoder.embedding.weight.detach()
    np.testing.assert_allclose(weight[4].numpy(), vectors[1], rtol=1e-6)
    np.testing.assert_allclose(weight[6].numpy(), vectors[2], rtol=1e-6)
    torch.testing.assert_close(weight[5], before[5])  # unknown to the file: unchanged
    assert torch.all(weight[0] == 0)  # padding stays zero

    with pytest.raises(LmbasicsError, match="dimensions"):
        build_encoder(config_for("cnn", **{**SMALL, "embedding_dim": 8})).load_word_vectors(vocabulary, path)


@pytest.mark.parametrize("binary", [False, True])
def test_reads_what_lmbasics_word2vec_writes(tmp_path, binary: bool) -> None:
    keyedvectors = pytest.importorskip("lmbasics.word2vec.keyedvectors")
    kv = keyedvectors.KeyedVectors(12)
    vectors = np.random.default_rng(0).standard_normal((3, 12)).astype(np.float32)
    kv.add_vectors(["the", "cat", "über"], vectors)
    path = tmp_path / "wv.bin"
    kv.save_word2vec_format(path, binary=binary)
    words, read = read_word_vectors(path)
    assert words == ["the", "cat", "über"]
    np.testing.assert_array_equal(read, vectors)
