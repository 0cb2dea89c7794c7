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

from lmbasics.encoders.base import Encoder
from lmbasics.encoders.cnn import CNNEncoder
from lmbasics.encoders.config import (
    CNNConfig,
    EncoderConfig,
    RNNConfig,
    TransformerConfig,
    config_for,
    config_from_dict,
)
from lmbasics.encoders.embeddings import read_word_vectors
from lmbasics.encoders.families import build_encoder
from lmbasics.encoders.matching import body_parameters, match_parameters
from lmbasics.encoders.rnn import RNNEncoder
from lmbasics.encoders.seq2seq import Seq2Seq
from lmbasics.encoders.transformer import TransformerEncoder

__all__ = [
    "CNNConfig",
    "CNNEncoder",
    "Encoder",
    "EncoderConfig",
    "RNNConfig",
    "RNNEncoder",
    "Seq2Seq",
    "TransformerConfig",
    "TransformerEncoder",
    "body_parameters",
    "build_encoder",
    "config_for",
    "config_from_dict",
    "match_parameters",
    "read_word_vectors",
]
