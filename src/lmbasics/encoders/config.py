"""Encoder configurations: one typed dataclass per family, with a comment per field.

Every family shares :class:`EncoderConfig` (vocabulary, embedding size, output width, depth,
dropout) so that a comparison can hold those equal and vary only what makes a family itself.
``config_from_dict`` rebuilds a config from JSON and rejects unknown keys. This module does not
import PyTorch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from lmbasics._util.errors import LmbasicsError

FAMILIES = ("cnn", "lstm", "gru", "transformer")


@dataclass
class EncoderConfig:
    """Fields every encoder has; ``hidden_size`` is the output width C of ``forward``."""

    family: ClassVar[str] = ""
    vocab_size: int = 10_000  # rows of the embedding table, specials included
    embedding_dim: int = 128  # word-vector size (same across families in a comparison)
    hidden_size: int = 128  # C: width of every layer and of the output
    num_layers: int = 2  # stacked layers
    dropout: float = 0.1  # on embeddings and between layers
    padding_idx: int = 0  # id of <pad>; its embedding row stays zero
    max_length: int = 1024  # longest sequence accepted (learned positions are this long)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with the family name, for JSON."""
        return {"family": family_of(self), **dataclasses.asdict(self)}

    def replace(self, **changes: Any) -> EncoderConfig:
        """A copy with ``changes`` applied (unknown fields are an error)."""
        return dataclasses.replace(self, **changes)


@dataclass
class CNNConfig(EncoderConfig):
    """Stacked 1-D convolutions (Kim 2014; Gehring et al. 2017 without gating)."""

    family: ClassVar[str] = "cnn"
    kernel_size: int = 3  # odd width of every convolution
    dilation_base: int = 1  # layer l (from 0) has dilation dilation_base**l; 1 = no dilation
    residual: bool = True  # skip connection around every layer (He et al. 2016)
    causal: bool = False  # pad on the left only, so position t sees t and before


@dataclass
class RNNConfig(EncoderConfig):
    """LSTM (Hochreiter & Schmidhuber 1997) or GRU (Cho et al. 2014) via ``nn.LSTM``/``nn.GRU``."""

    family: ClassVar[str] = "lstm"
    cell: str = "lstm"  # "lstm" or "gru"
    bidirectional: bool = False  # output is [forward; backward]; hidden_size is the sum

    def __post_init__(self) -> None:
        if self.cell not in ("lstm", "gru"):
            raise LmbasicsError(f"unknown RNN cell {self.cell!r} (choose lstm or gru)")
        if self.bidirectional and self.hidden_size % 2:
            raise LmbasicsError("a bidirectional RNN needs an even hidden_size")


@dataclass
class TransformerConfig(EncoderConfig):
    """Pre-LayerNorm Transformer encoder (Vaswani et al. 2017; Xiong et al. 2020)."""

    family: ClassVar[str] = "transformer"
    num_heads: int = 4  # attention heads; hidden_size must be a multiple
    ff_size: int = 0  # inner width of the feed-forward block; 0 = 4 * hidden_size
    positions: str = "sinusoidal"  # "sinusoidal" (fixed) or "learned"
    causal: bool = False  # position t attends to t and before only

    def __post_init__(self) -> None:
        if self.positions not in ("sinusoidal", "learned"):
            raise LmbasicsError(f"unknown positions {self.positions!r} (sinusoidal or learned)")
        if self.hidden_size % self.num_heads:
            raise LmbasicsError(
                f"hidden_size {self.hidden_size} is not a multiple of num_heads {self.num_heads}"
            )

    @property
    def feedforward_size(self) -> int:
        return self.ff_size or 4 * self.hidden_size


_CLASSES: dict[str, type[EncoderConfig]] = {
    "cnn": CNNConfig,
    "lstm": RNNConfig,
    "gru": RNNConfig,
    "transformer": TransformerConfig,
}


def family_of(config: EncoderConfig) -> str:
    """The family name: ``cnn``, ``lstm``, ``gru`` or ``transformer``."""
    return config.cell if isinstance(config, RNNConfig) else config.family


def config_for(family: str, **fields: Any) -> EncoderConfig:
    """The config of ``family`` with ``fields`` set; unknown family or field is an error."""
    if family not in _CLASSES:
        raise LmbasicsError(f"unknown encoder {family!r} (choose from {', '.join(FAMILIES)})")
    cls = _CLASSES[family]
    if cls is RNNConfig:
        fields = {**fields, "cell": family}
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise LmbasicsError(f"unknown {family} config field(s): {', '.join(unknown)}")
    return cls(**fields)


def config_from_dict(data: dict[str, Any]) -> EncoderConfig:
    """Inverse of :meth:`EncoderConfig.to_dict` (``family`` selects the class)."""
    data = dict(data)
    family = data.pop("family", None)
    if family is None:
        raise LmbasicsError("encoder config has no 'family'")
    data.pop("cell", None)
    return config_for(family, **data)
