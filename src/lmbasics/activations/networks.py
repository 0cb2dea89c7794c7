"""The small networks the experiments train: a deep MLP, an Elman RNN, a bag-of-words MLP.

- :class:`DeepMLP` — ``depth`` blocks of Linear (+ BatchNorm) + activation, optionally residual
  (``h + block(h)``, He et al. 2016), then a linear classifier. Initialisation is explicit:
  ``"default"`` (PyTorch's U(±1/√fan_in)), ``"lecun"`` (N(0, 1/fan_in)) or ``"he"``
  (N(0, 2/fan_in), He et al. 2015), times ``init_scale``; biases start at 0 except for
  ``"default"``.
- :class:`ElmanRNN` — h_t = f(W_x x_t + W_h h_{t-1} + b) in a Python loop, so every h_t can
  keep its gradient; W_h is orthogonal times ``recurrent_gain`` (Saxe et al. 2014), which sets
  whether gradients through time shrink or grow.
- :class:`BagOfWordsMLP` — mean of word embeddings (``nn.EmbeddingBag``) into a DeepMLP.

It does not do: dropout, attention, or anything the experiments do not need.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from lmbasics._util.errors import LmbasicsError
from lmbasics.activations.modules import make

__all__ = ["BagOfWordsMLP", "DeepMLP", "ElmanRNN"]

INITS = ("default", "lecun", "he")


def _init_linear(layer: nn.Linear, init: str, scale: float) -> None:
    if init not in INITS:
        raise LmbasicsError(f"unknown init {init!r}; known: {', '.join(INITS)}")
    fan_in = layer.weight.shape[1]
    if init == "default":
        layer.reset_parameters()
        with torch.no_grad():
            layer.weight.mul_(scale)
        return
    variance = (2.0 if init == "he" else 1.0) / fan_in
    nn.init.normal_(layer.weight, 0.0, scale * math.sqrt(variance))
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


class DeepMLP(nn.Module):
    """``depth`` activation layers of width ``width`` and a linear classifier.

    Args:
        in_features, out_features: input size and number of classes.
        width: hidden size (every hidden layer).
        depth: number of hidden Linear + activation blocks (>= 1).
        activation: a registry name (``glu`` doubles the Linear's output, then halves it).
        residual: blocks after the first compute ``h + block(h)``.
        batchnorm: Linear (no bias) -> BatchNorm1d -> activation in every block.
        init, init_scale: weight initialisation (see the module docstring).

    Shape: (B, in_features) -> (B, out_features) logits.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        width: int = 64,
        depth: int = 10,
        activation: str = "relu",
        *,
        residual: bool = False,
        batchnorm: bool = False,
        init: str = "he",
        init_scale: float = 1.0,
    ) -> None:
        super().__init__()
        if depth < 1 or width < 1:
            raise LmbasicsError(f"depth and width must be >= 1, got depth={depth}, width={width}")
        self.residual = residual
        blocks = []
        for index in range(depth):
            fan_in = in_features if index == 0 else width
            linear_out = 2 * width if activation == "glu" else width
            layers: list[nn.Module] = [nn.Linear(fan_in, linear_out, bias=not batchnorm)]
            if batchnorm:
                layers.append(nn.BatchNorm1d(linear_out))
            layers.append(make(activation))
            blocks.append(nn.Sequential(*layers))
        self.blocks = nn.ModuleList(blocks)
        self.classifier = nn.Linear(width, out_features)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                _init_linear(module, init, init_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks[0](x)
        for block in self.blocks[1:]:
            h = h + block(h) if self.residual else block(h)
        return self.classifier(h)


class ElmanRNN(nn.Module):
    """A vanilla recurrent network read out from its last state.

    Shape: (B, T, input_size) -> (B, out_features). ``states`` keeps h_1..h_T after a
    forward with ``keep_states=True`` (each with ``retain_grad``) for ∂L/∂h_t.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        out_features: int,
        activation: str = "tanh",
        recurrent_gain: float = 1.0,
    ) -> None:
        super().__init__()
        if activation == "glu":
            raise LmbasicsError("glu halves its input, so it cannot be a recurrent activation")
        self.input = nn.Linear(input_size, hidden_size)
        self.recurrent = nn.Linear(hidden_size, hidden_size, bias=False)
        nn.init.orthogonal_(self.recurrent.weight, gain=recurrent_gain)
        self.act = make(activation)
        self.output = nn.Linear(hidden_size, out_features)
        self.states: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor, keep_states: bool = False) -> torch.Tensor:
        projected = self.input(x)  # (B, T, H), all time steps at once
        h = torch.zeros(x.shape[0], self.recurrent.weight.shape[0], dtype=x.dtype)
        self.states = []
        for t in range(x.shape[1]):
            h = self.act(projected[:, t] + self.recurrent(h))
            if keep_states:
                h.retain_grad()
                self.states.append(h)
        return self.output(h)


class BagOfWordsMLP(nn.Module):
    """Mean word embedding -> DeepMLP (for SST-2).

    Shape: ids (N_tokens,) int64 with offsets (B,) -> (B, out_features).
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        out_features: int,
        width: int = 64,
        depth: int = 4,
        activation: str = "relu",
        init: str = "he",
    ) -> None:
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embedding_dim, mode="mean")
        self.mlp = DeepMLP(embedding_dim, out_features, width, depth, activation, init=init)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.embedding(ids, offsets))
