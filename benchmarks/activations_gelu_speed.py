"""GELU exact (x·Φ(x)) against its tanh approximation: error first, then time on one thread.

Checks every implementation against the float64 NumPy reference before timing it (so a fast
wrong answer is never reported), then prints the median time of each and the exact/approximate
ratio measured in the same run. Usage::

    python benchmarks/activations_gelu_speed.py [--size 1000000] [--repeats 30] [--threads 1]
"""

from __future__ import annotations

import argparse
import dataclasses

import torch

from lmbasics.activations.config import ExperimentConfig
from lmbasics.activations.units import gelu_approximation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = dataclasses.replace(ExperimentConfig(), speed_size=args.size,
                                 speed_repeats=args.repeats)
    result = gelu_approximation(config)
    print(f"max |exact - tanh approximation| = {result['max_abs_error']:.3e} "
          f"at x = {result['at_x']:.4f} (float64, {config.gelu_grid:,} points on [-10, 10])")
    seconds = result["seconds"]
    for label, value in seconds.items():
        print(f"{label:20s} {value * 1e3:8.3f} ms  ({args.size:,} float32, {args.threads} thread)")
    for library in ("torch", "numpy"):
        ratio = seconds[f"{library} exact (erf)"] / seconds[f"{library} tanh"]
        print(f"{library}: exact / approximate time = {ratio:.2f}x")


if __name__ == "__main__":
    main()
