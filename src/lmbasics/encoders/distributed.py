"""Data parallelism across processes: ``torch.distributed`` and DistributedDataParallel.

``torchrun --nproc_per_node=N -m lmbasics encoders compare ...`` starts N copies of the command;
torchrun (or Slurm running torchrun once per node) sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR`` and ``MASTER_PORT``, and :func:`process_group` joins them: gloo on CPU, NCCL with
one GPU per process (``cuda:LOCAL_RANK``). Without those variables nothing here does anything and
the single-process path runs exactly as before.

Every process draws the same global batch of example indices (same seed, same order as one
process) and trains on its contiguous slice of it (:func:`shard`); DDP averages the gradients.
Averaging per-process means equals the global mean only when every process's loss averages over
the same number of terms, which padding breaks (a token-level loss over sentences of different
lengths), so :func:`loss_scale` reweights each process's mean by its share of the global batch's
loss terms: ``sum_r (W n_r / n) mean_r / W = (1 / n) sum_r n_r mean_r``, the single-process mean.
Each process counts the global terms from the global indices it already holds, so this costs
no communication. With dropout off, weights after training equal the single-process run's to
float rounding (the order of the sums differs); with dropout on, each process draws its own
masks, so the runs agree in distribution, not in value.

Not done here: model or pipeline parallelism, gradient accumulation, elastic resizing (a failed
process stops the run; torchrun ends the others).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from lmbasics._util.errors import LmbasicsError

# how long a collective waits for a process that stopped answering before the run fails
TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class World:
    """This process's place among the processes of one run."""

    rank: int = 0  # 0 .. size - 1 across all nodes; rank 0 writes the outputs
    size: int = 1  # number of processes
    local_rank: int = 0  # index on this node: which GPU this process drives
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched() -> bool:
    """Started by torchrun (or anything that sets its variables)?"""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def world() -> World:
    """The current process group's view; one process on the CPU when none is set up."""
    if not (dist.is_available() and dist.is_initialized()):
        return World()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local_rank) if dist.get_backend() == "nccl" else torch.device("cpu")
    return World(dist.get_rank(), dist.get_world_size(), local_rank, device)


@contextmanager
def process_group() -> Iterator[World]:
    """Join the run torchrun started (NCCL with CUDA, gloo otherwise); leave it on exit.

    Outside torchrun this yields the one-process :class:`World` and touches nothing.
    """
    if not launched():
        yield World()
        return
    if not dist.is_available():
        raise LmbasicsError("this PyTorch build has no torch.distributed")
    for name in ("MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK"):
        if name not in os.environ:
            raise LmbasicsError(f"RANK is set but {name} is not: start the command with torchrun")
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        local_rank = int(os.environ["LOCAL_RANK"])
        if local_rank >= torch.cuda.device_count():
            raise LmbasicsError(
                f"process {local_rank} on this node has no GPU ({torch.cuda.device_count()} visible): "
                "give --nproc_per_node at most the number of GPUs"
            )
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend, timeout=TIMEOUT)
    try:
        yield world()
    finally:
        dist.destroy_process_group()


def check_batch(batch_size: int, num_examples: int, current: World) -> None:
    """A global batch must split evenly, and every process needs an example."""
    if batch_size % current.size:
        raise LmbasicsError(
            f"the batch of {batch_size} does not split over {current.size} processes: "
            "choose a process count that divides it"
        )
    if num_examples < current.size:
        raise LmbasicsError(f"{num_examples} training examples cannot feed {current.size} processes")


def shard(index: np.ndarray, current: World) -> np.ndarray:
    """This process's contiguous slice of a global batch (the whole batch for one process)."""
    if current.size == 1:
        return index
    return np.array_split(index, current.size)[current.rank]


def loss_scale(local_terms: float, global_terms: float, current: World) -> float:
    """Factor that turns this process's mean loss into its share of the global mean once DDP
    averages the gradients over processes (see the module docstring)."""
    return current.size * local_terms / global_terms


def global_mean(local_mean: torch.Tensor, local_terms: float, global_terms: float) -> float:
    """The single-process mean loss of the global batch, from every process's mean."""
    total = local_mean.detach().double() * local_terms
    dist.all_reduce(total)
    return float(total) / global_terms


def wrap(model: nn.Module, current: World, group: dist.ProcessGroup | None = None) -> nn.Module:
    """``model`` under DistributedDataParallel (rank 0's weights are broadcast to the others).

    Buffers are not broadcast each step: no encoder has running statistics, and the positional
    table (the Transformer's one buffer) is the same on every process.
    """
    device_ids = [current.device.index] if current.device.type == "cuda" else None
    ddp = nn.parallel.DistributedDataParallel
    # PyTorch 2.13 renamed the switch; both versions still sync the buffers once at the start
    if "forward_sync_buffers" in inspect.signature(ddp).parameters:
        no_buffer_sync = {"forward_sync_buffers": False}
    else:
        no_buffer_sync = {"broadcast_buffers": False}
    return ddp(model, device_ids=device_ids, process_group=group, **no_buffer_sync)


def reseed_dropout(current: World) -> None:
    """Give processes after the first their own torch random stream (dropout masks), derived
    from the seed all processes share; the first keeps the single-process stream."""
    if current.rank == 0:
        return
    seed = np.random.SeedSequence([torch.initial_seed(), current.rank]).generate_state(1)[0]
    torch.manual_seed(int(seed))


@contextmanager
def node_main_first(current: World) -> Iterator[None]:
    """Run the body on each node's first process before the others (building a shared cache
    once per node instead of racing); the rest wait, at most :data:`TIMEOUT`."""
    if current.size == 1:
        yield
        return
    if current.local_rank != 0:
        dist.barrier()
    yield
    if current.local_rank == 0:
        dist.barrier()


def process_counts(size: int) -> list[int]:
    """The process counts the speed axis times: 1, 2, 4, ... below ``size``, and ``size``."""
    counts, count = [], 1
    while count < size:
        counts.append(count)
        count *= 2
    return [*counts, size]
