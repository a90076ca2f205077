"""What is reported: metrics, measurements, and the targets of the benchmark issue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "METRICS",
    "OURS",
    "TARGETS",
    "Measurement",
    "Metric",
    "Target",
    "TargetOutcome",
]

OURS = "execwire"
"""The back end the ratios and targets are about."""


@dataclass(frozen=True)
class Metric:
    """One row of the results table."""

    key: str
    group: str
    title: str
    unit: str
    higher_is_better: bool
    chart: bool = True
    """Shown in the README chart."""


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("exec.p50", "exec", "exec round trip p50", "ms", False),
        Metric("exec.p90", "exec", "exec round trip p90", "ms", False, chart=False),
        Metric("sandbox.p50", "sandbox", "sandboxed exec round trip p50", "ms", False),
        Metric("walk", "walk", "fs/walk 20 000 entries", "ms", False),
        Metric("blocks.read", "blocks", "read 256 MiB in 1 MiB blocks", "MB/s", True),
        Metric("blocks.write", "blocks", "write 256 MiB in 1 MiB blocks", "MB/s", True),
        Metric("streaming", "streaming", "stdout streaming 256 MiB", "MB/s", True),
        Metric("files.read", "files", "read file 64 MiB", "MB/s", True),
        Metric("files.write", "files", "write file 2 x 32 MiB", "MB/s", True),
        Metric("concurrency.p50", "concurrency", "128 concurrent exec p50", "ms", False, False),
        Metric("concurrency.p99", "concurrency", "128 concurrent exec p99", "ms", False),
        Metric("fanout.time", "fanout", "fan-out 200 sessions", "s", False),
        Metric("fanout.memory", "fanout", "fan-out peak server memory (PSS)", "MiB", False),
        Metric("wsecho.1", "wsecho", "ws echo 64 KiB, 1 in flight", "MB/s", True, False),
        Metric("wsecho.8", "wsecho", "ws echo 64 KiB, 8 in flight", "MB/s", True, False),
        Metric("keystroke.p50", "keystroke", "keystroke echo via execwire shell p50", "ms", False),
        Metric("keystroke.p95", "keystroke", "keystroke echo via execwire shell p95", "ms", False, False),
        Metric("transfer.put", "transfer", "CLI fs put 1 GiB", "MB/s", True),
        Metric("transfer.get", "transfer", "CLI fs get 1 GiB", "MB/s", True),
        Metric("transfer.client_rss", "transfer", "CLI put/get peak client RSS", "MiB", False, False),
        Metric("transfer.server_rss", "transfer", "CLI put/get peak server RSS", "MiB", False, False),
        Metric("stall.max", "stall", "exec beside 48 MiB transfers, worst", "ms", False, False),
        Metric("stall.p99", "stall", "exec beside 48 MiB transfers, p99", "ms", False, False),
    )
}


@dataclass
class Measurement:
    """The value of one metric on one back end: `value` is the headline statistic (a
    median or a percentile) of `samples`, both in the metric's unit."""

    metric: str
    backend: str
    value: float
    samples: list[float]
    details: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """`backend`'s `metric` compared with `versus`'s (a ratio) or with a fixed value."""

    metric: str
    op: Literal["<=", ">="]
    threshold: float
    versus: str | None = None
    backend: str = OURS

    def describe(self) -> str:
        sign = "≤" if self.op == "<=" else "≥"
        if self.versus is None:
            unit = METRICS[self.metric].unit
            return f"{self.backend} {sign} {self.threshold:g} {unit}"
        return f"{sign} {self.threshold:g}x {self.versus}"

    def evaluate(self, values: Mapping[tuple[str, str], float]) -> TargetOutcome:
        """Check the target against `values[(metric, backend)]`."""
        mine = values.get((self.metric, self.backend))
        if mine is None:
            return TargetOutcome(self, None, None, f"no {self.backend} result")
        if self.versus is None:
            observed = mine
        else:
            theirs = values.get((self.metric, self.versus))
            if theirs is None or theirs == 0:
                return TargetOutcome(self, None, None, f"no {self.versus} result")
            observed = mine / theirs
        passed = observed <= self.threshold if self.op == "<=" else observed >= self.threshold
        return TargetOutcome(self, observed, passed, None)


@dataclass(frozen=True)
class TargetOutcome:
    target: Target
    observed: float | None
    """The ratio (or the value, for an absolute target)."""
    passed: bool | None
    """None: could not be evaluated (`reason` says why)."""
    reason: str | None

    def mark(self) -> str:
        if self.passed is None:
            return "n/a"
        return "PASS" if self.passed else "FAIL"


TARGETS: tuple[Target, ...] = (
    Target("exec.p50", "<=", 0.5, versus="asyncssh"),
    Target("exec.p50", "<=", 0.2, versus="reference"),
    Target("sandbox.p50", "<=", 0.3, versus="reference"),
    Target("walk", "<=", 0.5, versus="reference"),
    Target("blocks.read", ">=", 2.0, versus="reference"),
    Target("blocks.write", ">=", 2.0, versus="reference"),
    Target("streaming", ">=", 2.0, versus="reference"),
    Target("files.read", ">=", 2.0, versus="reference"),
    Target("files.write", ">=", 1.1, versus="reference"),
    Target("fanout.time", "<=", 0.5, versus="reference"),
    Target("streaming", ">=", 150.0, backend="relay"),
    Target("keystroke.p50", "<=", 5.0),
    Target("transfer.put", ">=", 300.0),
    Target("transfer.get", ">=", 300.0),
    Target("transfer.client_rss", "<=", 150.0),
    Target("transfer.server_rss", "<=", 200.0),
    Target("stall.max", "<=", 100.0),
)
