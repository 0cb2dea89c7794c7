"""Axis 4, parallel efficiency: tokens/s and memory against sequence length at matched size.

For each family and length T, a batch of ``budget.speed_tokens // T`` random sequences is timed:
inference (forward under ``inference_mode``) and training (forward, a squared-output loss,
backward, AdamW step), each the median of ``budget.speed_repeats`` runs after one warm-up, with
dropout off and no padding.
Memory is the peak allocated on a GPU; on a CPU it is the bytes autograd saves for the backward
pass (activation memory, measured with ``saved_tensors_hooks``), since PyTorch keeps no CPU
allocator statistics. ``sequential_steps_per_layer`` is the length of the longest chain of
dependent operations inside one layer: T for an RNN, 1 for a convolution or attention.
The thread count is PyTorch's (all cores unless set); timings are not reproducible to the digit.

Under torchrun with N processes, the first process times everything above alone while the others
wait, then training is timed again data-parallel on 2, 4, ... and N processes (the first k ranks,
DDP over their own group), the same global batch split k ways:
``train_tokens_per_s_by_processes`` maps the process count to global tokens/s (1: the figure
above). torchrun gives each CPU process one thread unless ``OMP_NUM_THREADS`` says otherwise.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from lmbasics._util.errors import LmbasicsError
from lmbasics._util.timing import median_seconds
from lmbasics.encoders import distributed
from lmbasics.encoders.base import Encoder
from lmbasics.encoders.budgets import Budget
from lmbasics.encoders.config import EncoderConfig, TransformerConfig
from lmbasics.encoders.families import build_encoder
from lmbasics.encoders.tasks.common import describe, family_configs
from lmbasics.encoders.training import seed_everything


def available_memory() -> int:
    """Bytes of free physical memory (a GPU's when CUDA is used)."""
    if torch.cuda.is_available():
        free, _ = torch.cuda.mem_get_info()
        return int(free)
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def estimate_training_bytes(config: EncoderConfig, batch: int, length: int) -> int:
    """Rough upper estimate of training activations: ~16 float tensors of (B, T, C) per layer,
    plus the (B, H, T, T) attention weights for a Transformer."""
    per_layer = 16 * batch * length * config.hidden_size * 4
    if isinstance(config, TransformerConfig):
        per_layer += 3 * batch * config.num_heads * length * length * 4
    return config.num_layers * per_layer


def sequential_steps_per_layer(family: str, length: int) -> int:
    return length if family in ("lstm", "gru") else 1


def _synchronize(device: torch.device) -> Callable[[], None] | None:
    """What waits for ``device``'s queued work (nothing to wait for on the CPU)."""
    return torch.cuda.synchronize if device.type == "cuda" else None


def time_inference(encoder: Encoder, ids: torch.Tensor, mask: torch.Tensor, repeats: int) -> float:
    """Median seconds of one forward pass under ``inference_mode``."""
    encoder.eval()

    def work() -> None:
        with torch.inference_mode():
            encoder(ids, mask)

    return median_seconds(work, repeats, _synchronize(ids.device))


def time_training(
    encoder: Encoder,
    ids: torch.Tensor,
    mask: torch.Tensor,
    repeats: int,
    module: torch.nn.Module | None = None,
) -> float:
    """Median seconds of forward + backward + AdamW step (through ``module``, e.g. the encoder
    under DDP, when given)."""
    encoder.train()
    optimizer = torch.optim.AdamW(encoder.parameters(), lr=1e-4)
    step = module or encoder

    def work() -> None:
        loss = step(ids, mask).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return median_seconds(work, repeats, _synchronize(ids.device))


def activation_bytes(encoder: Encoder, ids: torch.Tensor, mask: torch.Tensor) -> int:
    """Peak GPU bytes of a training step, or on CPU the bytes saved for backward."""
    encoder.train()
    if ids.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
        encoder(ids, mask).pow(2).mean().backward()
        return int(torch.cuda.max_memory_allocated())
    seen: dict[tuple[int, int], int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        seen[(storage.data_ptr(), storage.nbytes())] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = encoder(ids, mask).pow(2).mean()
    loss.backward()
    parameters = {p.untyped_storage().data_ptr() for p in encoder.parameters()}
    return sum(n for (pointer, _), n in seen.items() if pointer not in parameters)


def time_data_parallel(
    config: EncoderConfig,
    batch: int,
    length: int,
    repeats: int,
    device: torch.device,
    group: dist.ProcessGroup,
) -> float:
    """Median seconds of one DDP training step of a ``batch``-row global batch split over the
    processes of ``group`` (call it on each of them; every one draws the same batch)."""
    seed_everything(0)
    encoder = build_encoder(config).to(device)
    ids = torch.randint(4, config.vocab_size, (batch, length), device=device)
    rows = torch.as_tensor(
        np.array_split(np.arange(batch), dist.get_world_size(group))[dist.get_rank(group)], device=device
    )
    local = ids[rows]
    mask = torch.ones_like(local, dtype=torch.bool)
    module = distributed.wrap(encoder, distributed.world(), group)
    return time_training(encoder, local, mask, repeats, module)


def run_speed(
    budget: Budget,
    families: Sequence[str],
    device: str | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Throughput and memory of every family at every length of ``budget.speed_lengths``
    (and training throughput by process count under torchrun, see the module docstring)."""
    current = distributed.world()
    default = current.device if current.size > 1 else ("cuda" if torch.cuda.is_available() else "cpu")
    target = torch.device(device or default)
    vocab_size = 1000
    # dropout off: this measures the architectures, not the regulariser (and dropout on the
    # attention weights would force PyTorch's unfused attention on a CPU)
    configs = family_configs(
        dataclasses.replace(budget, dropout=0.0),
        families,
        vocab_size,
        max_length=max(budget.speed_lengths),
    )
    for family in families:
        for length in budget.speed_lengths:
            batch = max(budget.speed_tokens // length, 1)
            need = estimate_training_bytes(configs[family], batch, length)
            if need > 0.8 * available_memory():
                raise LmbasicsError(
                    f"the {budget.name} speed budget needs about {need / 2**30:.1f} GiB for "
                    f"{family} at length {length}; {available_memory() / 2**30:.1f} GiB is free"
                )
    # every process creates every group, in the same order; ranks 0..k-1 form group k
    groups = {k: dist.new_group(list(range(k))) for k in distributed.process_counts(current.size)[1:]}
    results: dict[str, Any] = {
        "device": str(target),
        "threads": torch.get_num_threads(),
        "processes": current.size,
        "encoders": describe(configs, families),
        "families": {},
    }
    for family in families:
        rows = {}
        for length in budget.speed_lengths:
            batch = max(budget.speed_tokens // length, 1)
            row: dict[str, Any] = {"batch": batch}
            if current.is_main:
                row.update(_time_alone(configs[family], batch, length, budget.speed_repeats, target))
                row["sequential_steps_per_layer"] = sequential_steps_per_layer(family, length)
            if groups:
                by_processes = {"1": row.get("train_tokens_per_s")}
                for count, group in groups.items():
                    if current.rank < count and batch >= count:
                        seconds = time_data_parallel(
                            configs[family], batch, length, budget.speed_repeats, target, group
                        )
                        by_processes[str(count)] = batch * length / seconds
                row["train_tokens_per_s_by_processes"] = by_processes
            rows[str(length)] = row
            if current.is_main:
                log(
                    f"speed {family} T={length}: train {row['train_tokens_per_s']:.0f} "
                    f"tok/s, inference {row['inference_tokens_per_s']:.0f} tok/s"
                    + (f", by processes {_format(row['train_tokens_per_s_by_processes'])}" if groups else "")
                )
        results["families"][family] = rows
    return results


def _time_alone(
    config: EncoderConfig, batch: int, length: int, repeats: int, device: torch.device
) -> dict[str, float]:
    """Inference, training and memory of one process on the whole batch."""
    seed_everything(0)
    encoder = build_encoder(config).to(device)
    ids = torch.randint(4, config.vocab_size, (batch, length), device=device)
    mask = torch.ones_like(ids, dtype=torch.bool)
    infer = time_inference(encoder, ids, mask, repeats)
    fit = time_training(encoder, ids, mask, repeats)
    return {
        "inference_tokens_per_s": batch * length / infer,
        "train_tokens_per_s": batch * length / fit,
        "memory_bytes": activation_bytes(encoder, ids, mask),
    }


def _format(by_processes: dict[str, float | None]) -> str:
    return ", ".join(f"{k}: {v:.0f}" for k, v in by_processes.items() if v is not None)
