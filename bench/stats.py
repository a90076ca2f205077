"""Repetition budgets and summary statistics (medians and percentiles)."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

__all__ = ["Budget", "Summary", "percentile", "repeat"]


@dataclass(frozen=True)
class Budget:
    """How often to repeat one measurement.

    `warmup` runs are made first and discarded; then at least `min_reps` and at most
    `max_reps` measured runs, stopping early once `max_seconds` have passed (after
    `min_reps`).
    """

    warmup: int
    min_reps: int
    max_reps: int
    max_seconds: float

    def quick(self) -> Budget:
        """A smoke-test version: one warm-up, few repetitions, a quarter of the time."""
        return replace(
            self,
            warmup=min(self.warmup, 1),
            min_reps=max(1, min(self.min_reps, 3)),
            max_reps=max(1, min(self.max_reps, 10)),
            max_seconds=self.max_seconds / 4,
        )


async def repeat(budget: Budget, measure: Callable[[], Awaitable[float]]) -> list[float]:
    """Run `measure` per `budget` and return the measured (non-warm-up) samples."""
    for _ in range(budget.warmup):
        await measure()
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < budget.max_reps:
        if len(samples) >= budget.min_reps and time.perf_counter() - started > budget.max_seconds:
            break
        samples.append(await measure())
    return samples


def percentile(samples: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0..100) with linear interpolation between closest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """Order statistics of a list of samples (all in the samples' unit)."""

    n: int
    median: float
    p90: float
    p99: float
    min: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        return cls(
            n=len(samples),
            median=percentile(samples, 50),
            p90=percentile(samples, 90),
            p99=percentile(samples, 99),
            min=min(samples),
            max=max(samples),
        )
