"""Encoder-decoder wrappers for translation, one per family.

- ``lstm``/``gru``: a left-to-right RNN over the target prefix, then dot-product attention over
  the encoder's vectors and ``tanh(W [h; context])`` (Luong et al. 2015, without input feeding).
- ``cnn``: a causal convolution stack over the target prefix, then the same attention on top
  (Gehring et al. 2017 attend in every layer and gate with GLUs; we attend once).
- ``transformer``: pre-LN decoder blocks with causal self-attention and cross-attention in every
  layer (Vaswani et al. 2017).

The target side of each decoder is the family's own causal encoder (:mod:`lmbasics.encoders`),
so training runs every target position at once (teacher forcing). Greedy decoding reruns the
decoder on the growing prefix (no cache: simple, quadratic, fine at Multi30k lengths).
"""

from __future__ import annotations

import torch
from torch import nn

from lmbasics.encoders.base import Encoder
from lmbasics.encoders.config import EncoderConfig, TransformerConfig
from lmbasics.encoders.data import BOS, EOS, PAD
from lmbasics.encoders.families import build_encoder
from lmbasics.encoders.transformer import (
    FeedForward,
    MultiHeadAttention,
    attention_mask,
)


class AttentionDecoder(nn.Module):
    """Causal target encoder + one attention over the source + output layer (RNN, CNN)."""

    def __init__(self, config: EncoderConfig, memory_size: int) -> None:
        super().__init__()
        self.target = build_encoder(config)
        width = self.target.output_size
        self.memory_projection = nn.Linear(memory_size, width)
        self.attention = MultiHeadAttention(width, 1, config.dropout)
        self.combine = nn.Linear(2 * width, width)
        self.output = nn.Linear(width, config.vocab_size)

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, memory: torch.Tensor, memory_mask: torch.Tensor
    ) -> torch.Tensor:
        """(B, U) target prefix, (B, T, Cm) source vectors -> (B, U, V) next-word logits."""
        hidden = self.target(ids, mask)  # (B, U, C)
        keys = self.memory_projection(memory)  # (B, T, C)
        context = self.attention(hidden, keys, attention_mask(memory_mask, ids.shape[1], False))
        return self.output(torch.tanh(self.combine(torch.cat([hidden, context], dim=-1))))


class TransformerDecoderBlock(nn.Module):
    """Pre-LN: causal self-attention, cross-attention, feed-forward; each with a residual."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        width = config.hidden_size
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(3))
        self.self_attention = MultiHeadAttention(width, config.num_heads, config.dropout)
        self.cross_attention = MultiHeadAttention(width, config.num_heads, config.dropout)
        self.feedforward = FeedForward(width, config.feedforward_size, config.dropout)
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self,
        hidden: torch.Tensor,
        allowed: torch.Tensor,
        memory: torch.Tensor,
        memory_allowed: torch.Tensor,
    ) -> torch.Tensor:
        normed = self.norms[0](hidden)
        hidden = hidden + self.dropout(self.self_attention(normed, normed, allowed))
        hidden = hidden + self.dropout(self.cross_attention(self.norms[1](hidden), memory, memory_allowed))
        return hidden + self.dropout(self.feedforward(self.norms[2](hidden)))


class TransformerDecoder(nn.Module):
    """Target embedding + positions, decoder blocks, final LayerNorm, output layer."""

    def __init__(self, config: TransformerConfig, memory_size: int) -> None:
        super().__init__()
        # the embedding/positions half of a causal encoder, without its encoder blocks
        self.target = build_encoder(config.replace(num_layers=0, causal=True))
        width = config.hidden_size
        self.memory_projection = nn.Linear(memory_size, width) if memory_size != width else nn.Identity()
        self.blocks = nn.ModuleList(TransformerDecoderBlock(config) for _ in range(config.num_layers))
        self.final_norm = nn.LayerNorm(width)
        self.output = nn.Linear(width, config.vocab_size)

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, memory: torch.Tensor, memory_mask: torch.Tensor
    ) -> torch.Tensor:
        hidden = self.target(ids, mask)  # (B, U, C): embeddings + positions, final-normed
        memory = self.memory_projection(memory)
        allowed = attention_mask(mask, ids.shape[1], causal=True)
        memory_allowed = attention_mask(memory_mask, ids.shape[1], causal=False)
        for block in self.blocks:
            hidden = block(hidden, allowed, memory, memory_allowed)
        return self.output(self.final_norm(hidden))


class Seq2Seq(nn.Module):
    """Source encoder of one family + that family's decoder."""

    def __init__(self, source: EncoderConfig, target: EncoderConfig) -> None:
        super().__init__()
        self.encoder: Encoder = build_encoder(source)
        memory = self.encoder.output_size
        if isinstance(target, TransformerConfig):
            self.decoder: nn.Module = TransformerDecoder(target, memory)
        else:
            self.decoder = AttentionDecoder(target, memory)

    def forward(
        self,
        source: torch.Tensor,
        source_mask: torch.Tensor,
        target: torch.Tensor,
        target_mask: torch.Tensor,
    ) -> torch.Tensor:
        """Teacher forcing: (B, U) target prefix ids -> (B, U, V) logits."""
        memory = self.encoder(source, source_mask)
        return self.decoder(target, target_mask, memory, source_mask)

    def num_parameters(self, include_embeddings: bool = True) -> int:
        total = sum(p.numel() for p in self.parameters())
        if not include_embeddings:
            total -= self.encoder.embedding.weight.numel()
            total -= self.decoder.target.embedding.weight.numel()
            total -= sum(p.numel() for p in self.decoder.output.parameters())
        return total

    @torch.no_grad()
    def greedy(self, source: torch.Tensor, source_mask: torch.Tensor, max_length: int) -> list[list[int]]:
        """Greedy decoding; each row's ids up to (not including) ``<eos>``."""
        self.eval()
        memory = self.encoder(source, source_mask)
        batch = source.shape[0]
        prefix = torch.full((batch, 1), BOS, dtype=torch.long, device=source.device)
        done = torch.zeros(batch, dtype=torch.bool, device=source.device)
        for _ in range(max_length):
            mask = torch.ones_like(prefix, dtype=torch.bool)
            logits = self.decoder(prefix, mask, memory, source_mask)[:, -1]  # (B, V)
            logits[:, PAD] = float("-inf")
            logits[:, BOS] = float("-inf")
            word = torch.where(done, torch.full_like(done, EOS, dtype=torch.long), logits.argmax(-1))
            prefix = torch.cat([prefix, word[:, None]], dim=1)
            done |= word == EOS
            if bool(done.all()):
                break
        rows = []
        for row in prefix[:, 1:].tolist():
            rows.append(row[: row.index(EOS)] if EOS in row else row)
        return rows
