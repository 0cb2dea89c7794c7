"""Feature extractors: CNN, RNN (LSTM/GRU) and Transformer encoders behind one interface.

Every encoder is built from its config dataclass and maps ``ids: Long[B, T]`` and
``mask: Bool[B, T]`` (True at real tokens, right padding) to ``Float[B, T, C]``::

    from lmbasics.encoders import TransformerConfig, build_encoder
    encoder = build_encoder(TransformerConfig(vocab_size=1000, hidden_size=64))
    vectors = encoder(ids, mask)                        # (B, T, 64)

:func:`match_parameters` gives families the same parameter budget, and
``lmbasics encoders compare`` tests the seed's four claims (semantic features, long-range
agreement, translation, parallel efficiency); see ``docs/encoders.md``. Needs PyTorch
(``pip install 'lmbasics[torch]'``).
"""

from lmbasics._util.lazy import lazy_exports

_EXPORTS = {
    "body_parameters": "lmbasics.encoders.matching",
    "build_encoder": "lmbasics.encoders.families",
    "CNNConfig": "lmbasics.encoders.config",
    "CNNEncoder": "lmbasics.encoders.cnn",
    "config_for": "lmbasics.encoders.config",
    "config_from_dict": "lmbasics.encoders.config",
    "Encoder": "lmbasics.encoders.base",
    "EncoderConfig": "lmbasics.encoders.config",
    "match_parameters": "lmbasics.encoders.matching",
    "read_word_vectors": "lmbasics.encoders.embeddings",
    "RNNConfig": "lmbasics.encoders.config",
    "RNNEncoder": "lmbasics.encoders.rnn",
    "Seq2Seq": "lmbasics.encoders.seq2seq",
    "TransformerConfig": "lmbasics.encoders.config",
    "TransformerEncoder": "lmbasics.encoders.transformer",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
