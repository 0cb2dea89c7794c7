"""The one stopwatch the reports use: the median wall time of a few calls, after a warm-up.

The median, not the mean or the minimum: one call delayed by another process on a shared
machine moves it least. Timing belongs to experiments and benchmarks, never to tests.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

__all__ = ["median_seconds"]


def median_seconds(work: Callable[[], object], repeats: int,
                   synchronize: Callable[[], object] | None = None) -> float:
    """Median seconds of ``repeats`` calls of ``work()``, after one untimed warm-up call.

    ``synchronize`` (e.g. ``torch.cuda.synchronize``) runs before the clock starts and before it
    stops, so work queued on a device is counted where it runs.
    """
    work()  # warm-up: caches, allocator, kernel selection
    times = []
    for _ in range(repeats):
        if synchronize is not None:
            synchronize()
        start = time.perf_counter()
        work()
        if synchronize is not None:
            synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
