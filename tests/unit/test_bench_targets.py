"""The benchmark's verdicts: target ratios, pass/fail/n-a, and the percentiles behind them."""

from __future__ import annotations

import pytest

from bench.metrics import TARGETS, Target
from bench.stats import percentile


def test_ratio_targets_compare_ours_with_the_other_back_end() -> None:
    faster = Target("exec.p50", "<=", 0.5, versus="asyncssh")
    values = {("exec.p50", "execwire"): 1.5, ("exec.p50", "asyncssh"): 3.0}
    outcome = faster.evaluate(values)
    assert (outcome.observed, outcome.passed, outcome.mark()) == (0.5, True, "PASS")
    values[("exec.p50", "execwire")] = 1.6
    assert faster.evaluate(values).mark() == "FAIL"
    more = Target("streaming", ">=", 2.0, versus="reference")
    assert more.evaluate({("streaming", "execwire"): 500, ("streaming", "reference"): 250}).passed
    assert not more.evaluate({("streaming", "execwire"): 499, ("streaming", "reference"): 250}).passed


def test_absolute_targets_and_missing_results() -> None:
    relay = Target("streaming", ">=", 150.0, backend="relay")
    assert relay.evaluate({("streaming", "relay"): 150.0}).mark() == "PASS"
    assert relay.evaluate({("streaming", "relay"): 149.9}).mark() == "FAIL"
    missing = relay.evaluate({})
    assert (missing.mark(), missing.reason) == ("n/a", "no relay result")
    versus_zero = Target("exec.p50", "<=", 0.2, versus="reference").evaluate(
        {("exec.p50", "execwire"): 1.0, ("exec.p50", "reference"): 0.0}
    )
    assert versus_zero.mark() == "n/a"


def test_the_issue_targets_are_all_there() -> None:
    assert {(target.metric, target.describe()) for target in TARGETS} >= {
        ("sandbox.p50", "≤ 0.3x reference"),
    }
    assert {(target.metric, target.describe()) for target in TARGETS} >= {
        ("walk", "≤ 0.5x reference"),
        ("blocks.read", "≥ 2x reference"),
        ("blocks.write", "≥ 2x reference"),
    }
    assert {target.describe() for target in TARGETS} == {
        "≤ 0.5x asyncssh",
        "≤ 0.2x reference",
        "≤ 0.3x reference",
        "≥ 2x reference",
        "≥ 1.1x reference",
        "≤ 0.5x reference",
        "relay ≥ 150 MB/s",
        "execwire ≤ 5 ms",
        "execwire ≥ 300 MB/s",
        "execwire ≤ 150 MiB",
        "execwire ≤ 200 MiB",
        "execwire ≤ 100 ms",
    }


@pytest.mark.parametrize(
    ("q", "expected"), [(0, 1.0), (50, 2.5), (90, 3.7), (100, 4.0)]
)
def test_percentiles_interpolate_between_ranks(q: float, expected: float) -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], q) == pytest.approx(expected)
