"""The encoder families by name, and :func:`build_encoder`, which dispatches on a config.

The one place that knows every family: ``base.py`` defines the interface, ``cnn.py``,
``rnn.py`` and ``transformer.py`` implement it, and this table wires them (as minbpe's
``__init__`` wires its tokenizers), so imports run one way: base <- family <- families.
"""

from __future__ import annotations

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.base import Encoder
from lmbasics.encoders.cnn import CNNEncoder
from lmbasics.encoders.config import EncoderConfig, family_of
from lmbasics.encoders.rnn import RNNEncoder
from lmbasics.encoders.transformer import TransformerEncoder

ENCODERS: dict[str, type[Encoder]] = {
    "cnn": CNNEncoder,
    "lstm": RNNEncoder,
    "gru": RNNEncoder,
    "transformer": TransformerEncoder,
}


def build_encoder(config: EncoderConfig) -> Encoder:
    """The encoder module for ``config`` (dispatch on its family)."""
    family = family_of(config)
    if family not in ENCODERS:
        raise LmbasicsError(f"unknown encoder family {family!r} (choose from {', '.join(ENCODERS)})")
    return ENCODERS[family](config)
