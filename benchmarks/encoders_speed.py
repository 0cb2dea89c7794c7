"""The speed axis adds no tax: each encoder timed by the harness vs. the same module timed bare.

For every family at matched parameters (the ``small`` budget's sizes) and a few lengths:

1. check first that the encoder computes what its bare PyTorch core computes (the LSTM/GRU
   encoder equals ``nn.LSTM``/``nn.GRU`` on the same embeddings; every encoder's harness run
   equals a direct call);
2. time inference with the harness (:func:`lmbasics.encoders.tasks.speed.time_inference`) and
   with a bare ``perf_counter`` loop around the module's forward, interleaved five times in
   alternating order, and report the time ratio harness / bare (target: within 10 %), plus, for
   RNNs, bare ``nn.LSTM``/``nn.GRU`` time / encoder time (the interface's own cost).

Usage: ``python benchmarks/encoders_speed.py [--threads 1] [--lengths 64,256] [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from lmbasics.encoders.budgets import BUDGETS
from lmbasics.encoders.families import build_encoder
from lmbasics.encoders.tasks.common import family_configs
from lmbasics.encoders.tasks.speed import time_inference


def bare_seconds(module: torch.nn.Module, args: tuple, repeats: int) -> float:
    with torch.inference_mode():
        module(*args)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            module(*args)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lengths", default="64,256")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=8192)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    families = ["cnn", "lstm", "gru", "transformer"]
    configs = family_configs(BUDGETS["small"], families, 1000, max_length=4096)
    print(f"threads {torch.get_num_threads()}, {args.tokens} tokens per batch, median of {args.repeats}")
    print(
        "| family | T | harness tok/s | bare tok/s | harness time / bare time "
        "| nn.LSTM or nn.GRU time / encoder time |"
    )
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for family in families:
        torch.manual_seed(0)
        encoder = build_encoder(configs[family]).eval()
        for length in (int(n) for n in args.lengths.split(",")):
            batch = max(args.tokens // length, 1)
            ids = torch.randint(4, 1000, (batch, length))
            mask = torch.ones_like(ids, dtype=torch.bool)
            with torch.inference_mode():  # 1. correctness before timing
                reference = encoder(ids, mask)
                if family in ("lstm", "gru"):
                    core, _ = encoder.rnn(encoder.embedding(ids))
                    torch.testing.assert_close(reference, core)
            # 2. interleave the two timings five times, alternating which goes first, and keep
            # each one's best median (the machine is shared: the best is the least disturbed)
            harness, bare = [], []
            for round_ in range(5):
                if round_ % 2:
                    bare.append(bare_seconds(encoder, (ids, mask), args.repeats))
                harness.append(time_inference(encoder, ids, mask, args.repeats))
                if not round_ % 2:
                    bare.append(bare_seconds(encoder, (ids, mask), args.repeats))
            ratio = min(bare) / min(harness)
            worst = max(worst, abs(1 - ratio))
            core_ratio = ""
            if family in ("lstm", "gru"):
                embedded = encoder.embedding(ids).detach()
                core_ratio = f"{bare_seconds(encoder.rnn, (embedded,), args.repeats) / min(bare):.2f}"
            tokens = batch * length
            print(
                f"| {family} | {length} | {tokens / min(harness):,.0f} | {tokens / min(bare):,.0f} "
                f"| {1 / ratio:.3f} | {core_ratio} |"
            )
    verdict = "within" if worst <= 0.10 else "NOT within"
    print(f"\nharness vs bare: largest difference {100 * worst:.1f} % ({verdict} 10 %)")


if __name__ == "__main__":
    main()
