"""Transformer encoder: pre-LayerNorm blocks over ``scaled_dot_product_attention``.

Vaswani et al. (2017) with the LayerNorm moved before each sub-layer (Xiong et al. 2020), which
trains without a warm-up-sensitive post-norm. Each block is::

    h <- h + Dropout(MultiHeadAttention(LN(h)))          # keys masked at padding (and causal)
    h <- h + Dropout(W2 GELU(W1 LN(h)))

followed by a final LayerNorm. Positions are sinusoidal (fixed) or learned, up to
``max_length``. Attention is one fused call; every position of a layer is computed at once
(one sequential step per layer). No relative positions, no key-value cache.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from lmbasics.encoders.base import Encoder
from lmbasics.encoders.config import TransformerConfig


def sinusoidal_positions(length: int, width: int) -> torch.Tensor:
    """Float[length, width]: PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(...)."""
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(1e4) / width))
    table = torch.zeros(length, width)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)[:, : width // 2]
    return table


def attention_mask(key_mask: torch.Tensor, query_length: int, causal: bool) -> torch.Tensor:
    """Bool[B, 1, Tq, Tk], True where a query may attend: real keys (and not the future)."""
    allowed = key_mask[:, None, None, :]  # (B, 1, 1, Tk)
    if causal:
        key_length = key_mask.shape[1]
        future = torch.ones(query_length, key_length, dtype=torch.bool, device=key_mask.device)
        allowed = allowed & torch.tril(future)
    return allowed


class MultiHeadAttention(nn.Module):
    """Queries from ``x``, keys and values from ``memory`` (self-attention when it is ``x``)."""

    def __init__(self, width: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.query = nn.Linear(width, width)
        self.key_value = nn.Linear(width, 2 * width)
        self.output = nn.Linear(width, width)
        self.dropout = dropout

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        allowed: torch.Tensor | None,
        is_causal: bool = False,
    ) -> torch.Tensor:
        """``allowed``: Bool[B, 1, Tq, Tk] or None (attend everywhere, or causally)."""
        batch, length, width = x.shape
        heads = self.num_heads

        def split(t: torch.Tensor) -> torch.Tensor:  # (B, T, C) -> (B, H, T, C/H)
            return t.view(batch, -1, heads, width // heads).transpose(1, 2)

        key, value = self.key_value(memory).chunk(2, dim=-1)
        out = F.scaled_dot_product_attention(
            split(self.query(x)),
            split(key),
            split(value),
            attn_mask=allowed,
            dropout_p=self.dropout if self.training else 0.0,
            is_causal=is_causal,
        )  # (B, H, T, C/H)
        return self.output(out.transpose(1, 2).reshape(batch, length, width))


class FeedForward(nn.Sequential):
    """W2 Dropout(GELU(W1 x)): the position-wise block."""

    def __init__(self, width: int, inner: int, dropout: float) -> None:
        super().__init__(nn.Linear(width, inner), nn.GELU(), nn.Dropout(dropout), nn.Linear(inner, width))


class EncoderBlock(nn.Module):
    """One pre-LN block: self-attention then feed-forward, each with a residual."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        width = config.hidden_size
        self.attention_norm = nn.LayerNorm(width)
        self.attention = MultiHeadAttention(width, config.num_heads, config.dropout)
        self.feedforward_norm = nn.LayerNorm(width)
        self.feedforward = FeedForward(width, config.feedforward_size, config.dropout)
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self, hidden: torch.Tensor, allowed: torch.Tensor | None, is_causal: bool = False
    ) -> torch.Tensor:
        normed = self.attention_norm(hidden)
        hidden = hidden + self.dropout(self.attention(normed, normed, allowed, is_causal))
        return hidden + self.dropout(self.feedforward(self.feedforward_norm(hidden)))


class TransformerEncoder(Encoder):
    """``forward(ids, mask) -> (B, T, hidden_size)``; see the module docstring."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__(config)
        width = config.hidden_size
        self.input_projection = (
            nn.Linear(config.embedding_dim, width) if config.embedding_dim != width else nn.Identity()
        )
        if config.positions == "learned":
            self.positions = nn.Parameter(torch.randn(config.max_length, width) * 0.02)
        else:
            self.register_buffer(
                "positions", sinusoidal_positions(config.max_length, width), persistent=False
            )
        self.blocks = nn.ModuleList(EncoderBlock(config) for _ in range(config.num_layers))
        self.final_norm = nn.LayerNorm(width)

    def encode(self, embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        config: TransformerConfig = self.config  # type: ignore[assignment]
        length = embedded.shape[1]
        hidden = self.input_projection(embedded) + self.positions[:length]  # (B, T, C)
        if bool(mask.all()):  # no padding: no mask tensor, so PyTorch can pick a fused kernel
            allowed, is_causal = None, config.causal
        else:
            allowed, is_causal = attention_mask(mask, length, config.causal), False
        for block in self.blocks:
            hidden = block(hidden, allowed, is_causal)
        return self.final_norm(hidden)
