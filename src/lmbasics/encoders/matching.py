"""Parameter matching: give every family the same number of body parameters (within 10 %).

The embedding table is the same for every family (same vocabulary and ``embedding_dim``), so the
budget is the *body*: everything but the embedding. One family's config is the reference;
for each other family ``hidden_size`` (the only width knob) is searched by bisection for the
body count closest to the reference. Counting builds the module on PyTorch's ``meta`` device,
so no memory is allocated. Depth, dropout and family options are left as given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch

from lmbasics._util.errors import LmbasicsError
from lmbasics.encoders.config import EncoderConfig, RNNConfig, TransformerConfig
from lmbasics.encoders.families import build_encoder


def body_parameters(config: EncoderConfig) -> int:
    """Trainable parameters of the encoder for ``config``, without the embedding table."""
    with torch.device("meta"):
        return build_encoder(config).num_parameters(include_embedding=False)


def _width_step(config: EncoderConfig) -> int:
    if isinstance(config, TransformerConfig):
        return config.num_heads
    if isinstance(config, RNNConfig) and config.bidirectional:
        return 2
    return 1


def match_width(
    config: EncoderConfig,
    target: int,
    max_width: int = 8192,
    count: Callable[[EncoderConfig], int] = body_parameters,
) -> EncoderConfig:
    """``config`` with the ``hidden_size`` whose ``count`` (default: body parameters) is
    closest to ``target``; ``count`` must grow with the width."""
    step = _width_step(config)
    low, high = 1, max_width // step  # widths are multiples of step: low*step .. high*step
    while low < high:  # smallest multiple whose count reaches the target
        middle = (low + high) // 2
        if count(config.replace(hidden_size=middle * step)) < target:
            low = middle + 1
        else:
            high = middle
    candidates = [config.replace(hidden_size=w * step) for w in {max(low - 1, 1), low}]
    return min(candidates, key=lambda c: abs(count(c) - target))


def match_parameters(
    configs: Mapping[str, EncoderConfig],
    reference: str = "transformer",
    tolerance: float = 0.10,
) -> dict[str, EncoderConfig]:
    """Configs whose body counts match ``configs[reference]``'s within ``tolerance``.

    Raises :class:`LmbasicsError` when a family cannot get within the tolerance (for example a
    reference so small that one unit of width is more than 10 %).
    """
    if reference not in configs:
        reference = next(iter(configs))
    target = body_parameters(configs[reference])
    matched: dict[str, EncoderConfig] = {}
    for name, config in configs.items():
        matched[name] = config if name == reference else match_width(config, target)
        count = body_parameters(matched[name])
        if abs(count - target) > tolerance * target:
            raise LmbasicsError(
                f"cannot match {name} to {target} body parameters within {tolerance:.0%} (closest: {count})"
            )
    return matched
