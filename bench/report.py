"""Results of a run, and their forms: console table, markdown table, JSON and PNG chart."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from .metrics import METRICS, OURS, TARGETS, Measurement, TargetOutcome

__all__ = [
    "BackendStatus",
    "Failure",
    "Results",
    "render_markdown",
    "render_table",
    "write_chart",
    "write_json",
]

RATIO_AGAINST = ("reference", "asyncssh")
"""Columns of ratios: ours / theirs."""

COLORS = {
    "execwire": "#1f77b4",
    "reference": "#ff7f0e",
    "relay": "#9467bd",
    "asyncssh": "#2ca02c",
    "local": "#7f7f7f",
}


@dataclass
class BackendStatus:
    name: str
    label: str
    status: Literal["ok", "unavailable"] = "ok"
    reason: str | None = None
    versions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    backend: str
    group: str
    error: str


@dataclass
class Results:
    meta: dict[str, Any]
    backends: list[BackendStatus]
    measurements: list[Measurement] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def values(self) -> dict[tuple[str, str], float]:
        return {(m.metric, m.backend): m.value for m in self.measurements}

    def targets(self) -> list[TargetOutcome]:
        """The targets this run's selection of groups and back ends can speak to."""
        values = self.values()
        groups = set(self.meta.get("groups", ()))
        backends = set(self.columns())
        return [
            target.evaluate(values)
            for target in TARGETS
            if METRICS[target.metric].group in groups
            and target.backend in backends
            and (target.versus is None or target.versus in backends)
        ]

    def ratio(self, metric: str, versus: str) -> float | None:
        values = self.values()
        mine, theirs = values.get((metric, OURS)), values.get((metric, versus))
        if mine is None or not theirs:
            return None
        return mine / theirs

    def rows(self) -> list[str]:
        """The metrics that have at least one value, in definition order."""
        present = {m.metric for m in self.measurements}
        return [key for key in METRICS if key in present]

    def columns(self) -> list[str]:
        return [b.name for b in self.backends]


def fmt(value: float) -> str:
    """About three significant digits, never in exponent notation."""
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(results: Results, metric: str, backend: str) -> str:
    value = results.values().get((metric, backend))
    if value is not None:
        return fmt(value)
    status = next(b for b in results.backends if b.name == backend)
    group = METRICS[metric].group
    if status.status == "unavailable" or any(
        f.backend == backend and f.group == group for f in results.failures
    ):
        return "ERR"
    return "-"


def _target_notes(results: Results, metric: str) -> str:
    notes = []
    for outcome in results.targets():
        if outcome.target.metric != metric:
            continue
        observed = "" if outcome.observed is None else f" ({fmt(outcome.observed)})"
        if outcome.target.versus is not None:
            observed = "" if outcome.observed is None else f" ({outcome.observed:.2f}x)"
        notes.append(f"{outcome.mark()} {outcome.target.describe()}{observed}")
    return "; ".join(notes)


def _table(results: Results) -> tuple[list[str], list[list[str]]]:
    header = [
        "metric",
        "unit",
        *results.columns(),
        *(f"{OURS}/{versus}" for versus in RATIO_AGAINST),
        "targets",
    ]
    body = []
    for key in results.rows():
        metric = METRICS[key]
        ratios = [results.ratio(key, versus) for versus in RATIO_AGAINST]
        body.append(
            [
                metric.title,
                metric.unit,
                *(_cell(results, key, backend) for backend in results.columns()),
                *("" if r is None else f"{r:.2f}x" for r in ratios),
                _target_notes(results, key),
            ]
        )
    return header, body


def render_table(results: Results) -> str:
    """The console table, followed by target and failure summaries."""
    header, body = _table(results)
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    numeric = range(2, len(header) - 1)

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    lines = [line(header), line(["-" * w for w in widths]), *(line(row) for row in body)]
    outcomes = results.targets()
    evaluated = [o for o in outcomes if o.passed is not None]
    lines.append("")
    if outcomes:
        met = sum(bool(o.passed) for o in evaluated)
        missing = len(outcomes) - len(evaluated)
        lines.append(
            f"targets: {met}/{len(evaluated)} met"
            + (f", {missing} not evaluated" if missing else "")
        )
    for outcome in outcomes:
        if outcome.passed is None:
            lines.append(
                f"  n/a  {METRICS[outcome.target.metric].title}: "
                f"{outcome.target.describe()}: {outcome.reason}"
            )
    load, cores = results.meta.get("loadavg_before"), results.meta.get("cores")
    if isinstance(load, float) and isinstance(cores, int) and load > cores / 2:
        lines.append(
            f"note: the machine was busy before the run (load average {load:.1f} on {cores} "
            "cores): expect noisier numbers"
        )
    for backend in results.backends:
        if backend.status != "ok":
            lines.append(f"{backend.status}: {backend.name}: {backend.reason}")
    for failure in results.failures:
        lines.append(f"FAILED: {failure.backend} / {failure.group}: {failure.error}")
    return "\n".join(lines)


def render_markdown(results: Results) -> str:
    """The table as markdown (for the README's performance section)."""
    header, body = _table(results)
    rows = [header, ["---"] * len(header), *body]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows) + "\n"


def write_json(results: Results, path: Path) -> None:
    document = {
        "meta": results.meta,
        "backends": [asdict(b) for b in results.backends],
        "metrics": {key: asdict(metric) for key, metric in METRICS.items()},
        "results": [asdict(m) for m in results.measurements],
        "ratios": [
            {"metric": key, "backend": OURS, "versus": versus, "ratio": ratio}
            for key in results.rows()
            for versus in RATIO_AGAINST
            if (ratio := results.ratio(key, versus)) is not None
        ],
        "targets": [
            {
                "description": f"{METRICS[o.target.metric].title}: {o.target.describe()}",
                **asdict(o.target),
                "observed": o.observed,
                "passed": o.passed,
                "reason": o.reason,
            }
            for o in results.targets()
        ],
        "failures": [asdict(f) for f in results.failures],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


FLOOR = "local"


def write_chart(results: Results, path: Path) -> None:
    """One bar panel per charted metric, one bar per back end; the floor is a dashed line
    and each target a red dotted one (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = results.values()
    keys = [key for key in results.rows() if METRICS[key].chart]
    if not keys:
        return
    columns = 4
    rows = -(-(len(keys) + 1) // columns)  # one spare panel for the notes
    figure, axes_grid = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows))
    axes = list(axes_grid.flat)
    for axis, key in zip(axes, keys, strict=False):
        metric = METRICS[key]
        names = [b for b in results.columns() if (key, b) in values and b != FLOOR]
        heights = [values[(key, b)] for b in names]
        bars = axis.bar(names, heights, color=[COLORS.get(n, "#333333") for n in names])
        axis.bar_label(bars, labels=[fmt(h) for h in heights], fontsize=8, padding=2)
        top = max(heights, default=0.0)
        floor = values.get((key, FLOOR))
        if floor is not None:
            if floor <= 1.5 * top:
                axis.axhline(floor, color=COLORS[FLOOR], linestyle="--", linewidth=1)
            axis.text(
                0.99,
                0.98,
                f"floor (local): {fmt(floor)}",
                transform=axis.transAxes,
                ha="right",
                va="top",
                fontsize=7,
                color=COLORS[FLOOR],
            )
        for outcome in results.targets():
            level = _target_level(outcome, values)
            if outcome.target.metric == key and level is not None and level <= 1.5 * max(top, 1e-9):
                axis.axhline(level, color="#d62728", linestyle=":", linewidth=1.2)
                axis.text(
                    -0.4,
                    level,
                    f" target {outcome.target.describe()}",
                    fontsize=6.5,
                    color="#d62728",
                    va="bottom",
                )
        better = "higher is better" if metric.higher_is_better else "lower is better"
        axis.set_title(f"{metric.title}\n{metric.unit}, {better}", fontsize=9)
        axis.tick_params(axis="x", labelsize=8, rotation=20)
        axis.tick_params(axis="y", labelsize=8)
        axis.margins(y=0.18)
        axis.spines[["top", "right"]].set_visible(False)
    for axis in axes[len(keys) :]:
        axis.axis("off")
    meta = results.meta
    notes = [
        f"{meta.get('cpu', '?')}, {meta.get('cores', '?')} cores, {meta.get('date', '')[:10]}",
        f"python {meta.get('python', '?')}, execwire {meta.get('commit', '?')}",
        "",
        *(f"{b.name}: {b.label}" for b in results.backends if b.status == "ok"),
        "",
        "dashed: floor (local asyncio subprocess); dotted red: target",
    ]
    axes[-1].text(0, 1, "\n".join(notes), va="top", fontsize=7.5, wrap=True)
    figure.suptitle("execwire benchmark (make bench): medians of one run", fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _target_level(outcome: TargetOutcome, values: dict[tuple[str, str], float]) -> float | None:
    """Where the target's threshold lies in the metric's unit."""
    target = outcome.target
    if target.versus is None:
        return target.threshold
    theirs = values.get((target.metric, target.versus))
    return None if theirs is None else target.threshold * theirs
