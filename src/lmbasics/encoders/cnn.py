"""Convolutional encoder: stacked 1-D convolutions with skip connections and optional dilation.

Follows the "native CNN" of Kim (2014) stacked as in Gehring et al. (2017, ConvS2S) but with a
ReLU instead of the gated linear unit; dilation as in Kalchbrenner et al. (2016, ByteNet).
Each layer is::

    h <- LayerNorm(h + Dropout(ReLU(Conv1d(h))))     # residual=True

Padded positions are zeroed before every convolution, so a real position sees exactly what the
convolution's own zero padding would show it: outputs at real positions do not depend on the
amount of padding. Every position sees ``receptive_field`` tokens (centred, or ending at itself
when ``causal``); nothing further away can reach it — the property the long-range axis tests.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.base import Encoder
from lmbasics.encoders.config import CNNConfig


class CNNEncoder(Encoder):
    """``forward(ids, mask) -> (B, T, hidden_size)``; see the module docstring."""

    def __init__(self, config: CNNConfig) -> None:
        super().__init__(config)
        if config.kernel_size % 2 == 0 or config.kernel_size < 1:
            raise LmbasicsError(f"kernel_size must be odd, got {config.kernel_size}")
        self.input_projection = (
            nn.Linear(config.embedding_dim, config.hidden_size)
            if config.embedding_dim != config.hidden_size
            else nn.Identity()
        )
        self.dilations = [config.dilation_base**layer for layer in range(config.num_layers)]
        self.convolutions = nn.ModuleList(
            nn.Conv1d(config.hidden_size, config.hidden_size, config.kernel_size, dilation=d)
            for d in self.dilations
        )
        self.norms = nn.ModuleList(nn.LayerNorm(config.hidden_size) for _ in self.dilations)
        self.dropout = nn.Dropout(config.dropout)

    @property
    def receptive_field(self) -> int:
        """Tokens one output position can see: 1 + sum over layers of dilation * (k - 1)."""
        return 1 + sum(d * (self.config.kernel_size - 1) for d in self.dilations)

    def encode(self, embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        config: CNNConfig = self.config  # type: ignore[assignment]
        keep = mask.unsqueeze(1).to(embedded.dtype)  # (B, 1, T)
        hidden = self.input_projection(embedded).transpose(1, 2)  # (B, C, T)
        for conv, norm, dilation in zip(self.convolutions, self.norms, self.dilations):
            reach = dilation * (config.kernel_size - 1)
            left, right = (reach, 0) if config.causal else (reach // 2, reach - reach // 2)
            update = F.relu(conv(F.pad(hidden * keep, (left, right))))  # (B, C, T)
            update = self.dropout(update)
            hidden = hidden + update if config.residual else update
            hidden = norm(hidden.transpose(1, 2)).transpose(1, 2)
        return hidden.transpose(1, 2)  # (B, T, C)
