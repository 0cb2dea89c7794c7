"""Encoder-decoder wrappers for translation, one per family.

- ``lstm``/``gru``: Luong et al. (2015)'s attention decoder: a left-to-right RNN fed the previous
  word and the previous attentional vector (input feeding), "general" global attention over the
  encoder's vectors, ``h~ = tanh(W_c [context; h])``; its initial state is bridged from the
  encoder's final state (``tanh(W_b s)``; both directions of a bidirectional encoder).
- ``cnn``: a causal convolution stack over the target prefix, then one attention on top, with
  sinusoidal positions added to its queries and keys (Gehring et al. 2017 add learned positions
  to the inputs, attend in every layer and gate with GLUs; we attend once).
- ``transformer``: pre-LN decoder blocks with causal self-attention and cross-attention in every
  layer (Vaswani et al. 2017).

Teacher forcing throughout: the CNN and Transformer decoders run every target position at once
(their target side is the family's own causal encoder, :mod:`lmbasics.encoders`); the RNN decoder
steps through the target, since input feeding makes step t depend on step t-1's attention.
Greedy decoding steps the RNN decoder word by word and reruns the others on the growing prefix
(no cache: simple, quadratic, fine at Multi30k lengths). No beam search.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.base import Encoder
from lmbasics.encoders.config import EncoderConfig, RNNConfig, TransformerConfig
from lmbasics.encoders.data import BOS, EOS, PAD
from lmbasics.encoders.families import build_encoder
from lmbasics.encoders.rnn import RNNEncoder
from lmbasics.encoders.transformer import (
    FeedForward,
    MultiHeadAttention,
    attention_mask,
    sinusoidal_positions,
)


class Memory(NamedTuple):
    """What the encoder hands the decoder."""

    vectors: torch.Tensor  # Float[B, T, Cm]: one vector per source position, zero at padding
    mask: torch.Tensor  # Bool[B, T]: True at real source tokens
    final: torch.Tensor  # Float[B, Cm]: the source as one vector (an RNN's final state)


RNNState = tuple[torch.Tensor | tuple[torch.Tensor, torch.Tensor], torch.Tensor, torch.Tensor]


class RNNDecoder(nn.Module):
    """Luong et al. (2015), global "general" attention with input feeding. At step t::

        h_t  = RNN([E y_{t-1}; h~_{t-1}], state_{t-1})          # input feeding; h~_0 = 0
        a_t  = softmax_s(h_t . W_a m_s)                          # real source positions only
        h~_t = tanh(W_c [sum_s a_ts m_s; h_t])
        p(y_t | y_<t, x) = softmax(W_o Dropout(h~_t))

    with every layer's initial state bridged from the encoder's final state s:
    ``h_0 = tanh(W_h s)`` (and the LSTM's ``c_0 = W_c' s``). Dropout on the embeddings, between
    layers and before the output layer. PyTorch's default initialisation (uniform within
    ``1/sqrt(width)`` for the RNN, close to Luong's +-0.1).
    """

    def __init__(self, config: RNNConfig, memory_size: int) -> None:
        super().__init__()
        self.config = config
        width = config.hidden_size
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=config.padding_idx)
        nn.init.normal_(self.embedding.weight, std=config.embedding_dim**-0.5)  # as the encoders
        with torch.no_grad():
            self.embedding.weight[config.padding_idx].zero_()
        cell = nn.LSTM if config.cell == "lstm" else nn.GRU
        self.rnn = cell(
            input_size=config.embedding_dim + width,
            hidden_size=width,
            num_layers=config.num_layers,
            batch_first=True,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        states = 2 if config.cell == "lstm" else 1  # (h, c) or h
        self.bridge = nn.Linear(memory_size, states * config.num_layers * width)
        self.score = nn.Linear(memory_size, width, bias=False)  # W_a
        self.combine = nn.Linear(memory_size + width, width, bias=False)  # W_c
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(width, config.vocab_size)

    def start(self, memory: Memory) -> RNNState:
        """(RNN state, h~_0 = 0, attention keys W_a m) before the first word."""
        config = self.config
        batch, width, layers = memory.final.shape[0], config.hidden_size, config.num_layers
        bridged = self.bridge(memory.final).view(batch, -1, layers, width).transpose(0, 2)  # (L, S, B, C)
        hidden = torch.tanh(bridged[:, 0]).contiguous()
        state = (hidden, bridged[:, 1].contiguous()) if config.cell == "lstm" else hidden
        return state, memory.vectors.new_zeros(batch, width), self.score(memory.vectors)

    def advance(self, embedded: torch.Tensor, state: RNNState, memory: Memory) -> RNNState:
        """One step: embedded previous words Float[B, E] -> the next (RNN state, h~_t, keys)."""
        rnn_state, feed, keys = state
        output, rnn_state = self.rnn(torch.cat([embedded, feed], dim=-1)[:, None], rnn_state)
        hidden = output[:, 0]  # (B, C)
        scores = torch.bmm(keys, hidden[:, :, None])[:, :, 0]  # (B, T)
        weights = torch.softmax(scores.masked_fill(~memory.mask, float("-inf")), dim=-1)
        context = torch.bmm(weights[:, None], memory.vectors)[:, 0]  # (B, Cm)
        attentional = torch.tanh(self.combine(torch.cat([context, hidden], dim=-1)))  # (B, C)
        return rnn_state, attentional, keys

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, memory: Memory, select: torch.Tensor | None = None
    ) -> torch.Tensor:
        """(B, U) target prefix -> (B, U, V) next-word logits (positions after a row's end are
        computed but meaningless), or (N, V) at the N positions where ``select`` is True."""
        embedded = self.dropout(self.embedding(ids))  # (B, U, E)
        state = self.start(memory)
        attentional = []
        for t in range(ids.shape[1]):
            state = self.advance(embedded[:, t], state, memory)
            attentional.append(state[1])
        return self.output(self.dropout(_selected(torch.stack(attentional, dim=1), select)))

    def step(self, words: torch.Tensor, state: RNNState, memory: Memory) -> tuple[torch.Tensor, RNNState]:
        """Greedy decoding's step: Long[B] previous words -> (Float[B, V] logits, new state)."""
        state = self.advance(self.dropout(self.embedding(words)), state, memory)
        return self.output(self.dropout(state[1])), state


class AttentionDecoder(nn.Module):
    """Causal target encoder + one attention over the source + output layer (CNN)::

        q_t = h_t + P_t,   k_s = W m_s + P_s                      # P: sinusoidal positions
        logits_t = W_o tanh(W_c [q_t; Attention(q_t, k)])

    The convolutions see a few words and no positions, so the positions are added where the
    decoder attends (ConvS2S adds them to every input): without them a query cannot tell two
    source positions with the same neighbourhood apart, and copying fails on repeated word pairs.
    """

    def __init__(self, config: EncoderConfig, memory_size: int) -> None:
        super().__init__()
        self.target = build_encoder(config)
        width = self.target.output_size
        self.memory_projection = nn.Linear(memory_size, width)
        self.attention = MultiHeadAttention(width, 1, config.dropout)
        self.combine = nn.Linear(2 * width, width)
        self.output = nn.Linear(width, config.vocab_size)

    @property
    def embedding(self) -> nn.Embedding:
        return self.target.embedding

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, memory: Memory, select: torch.Tensor | None = None
    ) -> torch.Tensor:
        """(B, U) target prefix, (B, T, Cm) source vectors -> (B, U, V) next-word logits, or
        (N, V) at the N positions where ``select`` is True."""
        hidden = self.target(ids, mask)  # (B, U, C)
        keys = self.memory_projection(memory.vectors)  # (B, T, C)
        length = max(ids.shape[1], keys.shape[1])
        positions = sinusoidal_positions(length, hidden.shape[-1]).to(hidden)  # (max(U, T), C)
        query = hidden + positions[: ids.shape[1]]  # (B, U, C)
        keys = keys + positions[: keys.shape[1]]
        context = self.attention(query, keys, attention_mask(memory.mask, ids.shape[1], False))
        return self.output(torch.tanh(self.combine(_selected(torch.cat([query, context], dim=-1), select))))


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

    @property
    def embedding(self) -> nn.Embedding:
        return self.target.embedding

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, memory: Memory, select: torch.Tensor | None = None
    ) -> torch.Tensor:
        """As :meth:`AttentionDecoder.forward`."""
        hidden = self.target(ids, mask)  # (B, U, C): embeddings + positions, final-normed
        vectors = self.memory_projection(memory.vectors)
        allowed = attention_mask(mask, ids.shape[1], causal=True)
        memory_allowed = attention_mask(memory.mask, ids.shape[1], causal=False)
        for block in self.blocks:
            hidden = block(hidden, allowed, vectors, memory_allowed)
        return self.output(self.final_norm(_selected(hidden, select)))


def _selected(hidden: torch.Tensor, select: torch.Tensor | None) -> torch.Tensor:
    """Float[B, U, C] -> the (N, C) vectors where ``select`` (Bool[B, U]) is True; all if None."""
    return hidden if select is None else hidden[select]


class Seq2Seq(nn.Module):
    """Source encoder of one family + that family's decoder."""

    def __init__(self, source: EncoderConfig, target: EncoderConfig) -> None:
        super().__init__()
        self.encoder: Encoder = build_encoder(source)
        memory = self.encoder.output_size
        if isinstance(target, TransformerConfig):
            self.decoder: nn.Module = TransformerDecoder(target, memory)
        elif isinstance(target, RNNConfig):
            self.decoder = RNNDecoder(target, memory)
        else:
            self.decoder = AttentionDecoder(target, memory)

    def encode(self, source: torch.Tensor, source_mask: torch.Tensor) -> Memory:
        """The source's vectors, mask and final state (an RNN's, else the mean vector)."""
        vectors = self.encoder(source, source_mask)  # (B, T, Cm)
        if isinstance(self.encoder, RNNEncoder):
            final = self.encoder.final_state(vectors, source_mask)
        else:
            weights = source_mask.unsqueeze(-1).to(vectors.dtype)
            final = (vectors * weights).sum(1) / weights.sum(1).clamp(min=1)
        return Memory(vectors, source_mask, final)

    def forward(
        self,
        source: torch.Tensor,
        source_mask: torch.Tensor,
        target: torch.Tensor,
        target_mask: torch.Tensor,
        select: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Teacher forcing: (B, U) target prefix ids -> (B, U, V) logits; with ``select``
        (Bool[B, U]) only the (N, V) logits at its True positions: the output layer and softmax,
        most of a step's work at Multi30k's 7.5k words, skip the padding (about half a batch)."""
        return self.decoder(target, target_mask, self.encode(source, source_mask), select)

    def num_parameters(self, include_embeddings: bool = True) -> int:
        total = sum(p.numel() for p in self.parameters())
        if not include_embeddings:
            total -= self.encoder.embedding.weight.numel()
            total -= self.decoder.embedding.weight.numel()
            total -= sum(p.numel() for p in self.decoder.output.parameters())
        return total

    @torch.no_grad()
    def start_output_from_counts(self, counts: torch.Tensor) -> None:
        """Set the output layer's bias to log p(word), from ``counts``: Float[V] target-word counts
        (the end mark included), plus one.

        A decoder started from a zero bias first learns the unigram distribution, and the fastest
        way there is through its hidden units: in the LSTM decoder Adam's first updates drive the
        RNN and ``tanh(W_c [c; h])`` units to +-1, where gradients vanish, and training stalls at
        the unigram loss (Multi30k, ``small``: 5.6 for hundreds of steps). With the prior in the
        bias the hidden units only have to learn what the context adds. Harmless for the others.
        """
        output: nn.Linear = self.decoder.output
        if counts.shape != output.bias.shape:
            raise LmbasicsError(f"{tuple(counts.shape)} counts for a vocabulary of {output.bias.shape[0]}")
        smoothed = counts.to(torch.float64) + 1.0
        output.bias.copy_((smoothed / smoothed.sum()).log().to(output.bias))

    @torch.no_grad()
    def greedy(self, source: torch.Tensor, source_mask: torch.Tensor, max_length: int) -> list[list[int]]:
        """Greedy decoding; each row's ids up to (not including) ``<eos>``."""
        self.eval()
        memory = self.encode(source, source_mask)
        batch = source.shape[0]
        prefix = torch.full((batch, 1), BOS, dtype=torch.long, device=source.device)
        done = torch.zeros(batch, dtype=torch.bool, device=source.device)
        stepwise = isinstance(self.decoder, RNNDecoder)
        state = self.decoder.start(memory) if stepwise else None
        for _ in range(max_length):
            if stepwise:
                logits, state = self.decoder.step(prefix[:, -1], state, memory)  # (B, V)
            else:
                mask = torch.ones_like(prefix, dtype=torch.bool)
                logits = self.decoder(prefix, mask, memory)[:, -1]  # (B, V)
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
