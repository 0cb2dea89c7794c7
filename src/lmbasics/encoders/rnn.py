"""Recurrent encoder: PyTorch's fused ``nn.LSTM`` or ``nn.GRU``, optionally bidirectional.

LSTM: Hochreiter & Schmidhuber (1997) with a forget gate (Gers et al. 2000); GRU: Cho et al.
(2014). The output at position t is the top layer's hidden state h_t (``[h_t^fwd; h_t^bwd]`` when
bidirectional, each half ``hidden_size / 2`` wide). Rows are packed by length
(``pack_padded_sequence``) so the backward direction starts at the last real token and padding
never enters a state. Left-to-right only (``bidirectional=False``) is what a language model or
the agreement task needs. The time loop is inside the fused kernel: T sequential steps per layer,
which the speed axis measures. :meth:`RNNEncoder.final_state` reads the top layer's final
state from those outputs: what an attention decoder starts from (:mod:`lmbasics.encoders.seq2seq`).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lmbasics.encoders.base import Encoder, lengths_of
from lmbasics.encoders.config import RNNConfig


class RNNEncoder(Encoder):
    """``forward(ids, mask) -> (B, T, hidden_size)``; see the module docstring."""

    def __init__(self, config: RNNConfig) -> None:
        super().__init__(config)
        cell = nn.LSTM if config.cell == "lstm" else nn.GRU
        directions = 2 if config.bidirectional else 1
        self.rnn = cell(
            input_size=config.embedding_dim,
            hidden_size=config.hidden_size // directions,
            num_layers=config.num_layers,
            batch_first=True,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            bidirectional=config.bidirectional,
        )

    def encode(self, embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if bool(mask.all()):  # no padding: skip the packing bookkeeping
            output, _ = self.rnn(embedded)
            return output  # (B, T, C)
        lengths = lengths_of(mask).clamp(min=1).cpu()
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        output, _ = self.rnn(packed)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=embedded.shape[1])
        return output  # (B, T, C)

    def final_state(self, outputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Float[B, C]: the top layer's final hidden state, read from ``forward``'s outputs.

        Left-to-right: h at the last real token (not at padding). Bidirectional:
        ``[h_fwd at the last real token; h_bwd at the first]``, each direction's final state.
        """
        rows = torch.arange(outputs.shape[0], device=outputs.device)
        last = outputs[rows, (lengths_of(mask) - 1).clamp(min=0)]  # (B, C)
        if not self.config.bidirectional:  # type: ignore[attr-defined]
            return last
        half = outputs.shape[-1] // 2
        return torch.cat([last[:, :half], outputs[:, 0, half:]], dim=-1)
