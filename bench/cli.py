"""`python -m bench`: run the workload groups against the back ends and report.

    python -m bench                               everything (what `make bench` runs)
    python -m bench --only exec,streaming         some workload groups
    python -m bench --backends execwire,reference some back ends
    python -m bench --quick                       few repetitions (a smoke test)
    python -m bench --publish                     also copy the chart to docs/bench.png

Each (group, back end) pair gets a fresh server; a back end that cannot be set up, or a
pair that fails, is reported and the run goes on. The exit status is 1 if anything failed
(targets missed are results, not failures).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from .backends import Backend, BackendUnavailable, RunContext, all_backends
from .report import (
    BackendStatus,
    Failure,
    Results,
    render_markdown,
    render_table,
    write_chart,
    write_json,
)
from .workloads import GROUPS, WORKLOADS, WorkloadContext

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "bench" / "results"
WORK_DIR = REPO / ".cache" / "bench"
PUBLISHED_CHART = REPO / "docs" / "bench.png"
GROUP_TIMEOUT = 240.0
"""Seconds one (group, back end) pair may take before it is reported as failed."""


def _csv(choices: tuple[str, ...]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        items = [item.strip() for item in text.split(",") if item.strip()]
        unknown = [item for item in items if item not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(unknown)} (choose from {', '.join(choices)})"
            )
        return items

    return parse


def _parser() -> argparse.ArgumentParser:
    backend_names = tuple(b.name for b in all_backends())
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="execwire benchmark: the same workloads against several back ends.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(
            [
                "groups:",
                *(f"  {w.group:<12} {w.title}" for w in WORKLOADS.values()),
                "back ends:",
                *(f"  {b.name:<12} {b.label}" for b in all_backends()),
            ]
        ),
    )
    parser.add_argument(
        "--only",
        type=_csv(GROUPS),
        default=list(GROUPS),
        metavar="GROUP[,GROUP]",
        help="workload groups to run (default: all)",
    )
    parser.add_argument(
        "--backends",
        type=_csv(backend_names),
        default=list(backend_names),
        metavar="NAME[,NAME]",
        help="back ends to run (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke test")
    parser.add_argument(
        "--publish",
        action="store_true",
        help=f"also write the chart to {PUBLISHED_CHART.relative_to(REPO)}",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR, help="results directory (default: %(default)s)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return asyncio.run(_run(args))


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _git_commit() -> str:
    def git(*arguments: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(REPO), *arguments], capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _meta(args: argparse.Namespace) -> dict[str, object]:
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "cpu": _cpu_model(),
        "cores": len(os.sched_getaffinity(0)),
        "kernel": platform.release(),
        "loadavg_before": os.getloadavg()[0],
        "python": platform.python_version(),
        "packages": {
            name: metadata.version(name)
            for name in ("websockets", "orjson", "pybase64", "pydantic")
        },
        "groups": args.only,
        "backends": args.backends,
        "quick": args.quick,
    }


async def _setup(backend: Backend, context: RunContext) -> BackendStatus:
    status = BackendStatus(backend.name, backend.label)
    _log(f"bench: {backend.name}: setting up")
    try:
        await backend.setup(context)
    except BackendUnavailable as error:
        status.status, status.reason = "unavailable", str(error)
        _log(f"bench: {backend.name}: UNAVAILABLE: {error}")
        return status
    status.versions = backend.versions()
    return status


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return f"timed out after {GROUP_TIMEOUT:.0f} s"
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}" if not isinstance(error, RuntimeError) else text


async def _run_group(
    results: Results, backend: Backend, group: str, context: RunContext, quick: bool
) -> None:
    started = time.perf_counter()
    _log(f"bench: [{group}] {backend.name} ...")
    try:
        async with asyncio.timeout(GROUP_TIMEOUT), backend.serving(context, group) as server:
            workload_context = WorkloadContext(backend.name, server, context, quick)
            measurements = await WORKLOADS[group].run(workload_context)
    except Exception as error:
        detail = traceback.format_exc(limit=-3)
        (context.log_dir / f"error-{backend.name}-{group}.txt").write_text(detail)
        results.failures.append(Failure(backend.name, group, _describe(error)))
        _log(f"bench: [{group}] {backend.name} FAILED: {_describe(error)}")
        return
    results.measurements.extend(measurements)
    summary = ", ".join(f"{m.metric} {m.value:.3g}" for m in measurements)
    _log(f"bench: [{group}] {backend.name}: {summary} ({time.perf_counter() - started:.1f} s)")


async def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    output: Path = args.output
    context = RunContext(repo=REPO, work_dir=WORK_DIR, log_dir=output / "logs")
    for directory in (context.work_dir, context.log_dir):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    groups = [g for g in GROUPS if g in args.only]
    backends = [
        b for b in all_backends() if b.name in args.backends and b.groups.intersection(groups)
    ]
    results = Results(meta=_meta(args), backends=[])
    try:
        await _measure(results, backends, groups, context, args.quick)
    finally:
        shutil.rmtree(WORK_DIR, ignore_errors=True)
    results.meta["seconds"] = round(time.perf_counter() - started, 1)
    results.meta["loadavg_after"] = os.getloadavg()[0]

    print()
    print(render_table(results))
    written = _write_outputs(results, output, args.publish)
    print(f"\nwritten: {', '.join(_shown(path) for path in written)}")
    print(f"total {results.meta['seconds']} s")
    unavailable = [b for b in results.backends if b.status == "unavailable"]
    return 1 if results.failures or unavailable else 0


async def _measure(
    results: Results,
    backends: list[Backend],
    groups: list[str],
    context: RunContext,
    quick: bool,
) -> None:
    """Set up every back end, then run each group on each back end (a fresh server each)."""
    ready: list[Backend] = []
    for backend in backends:
        status = await _setup(backend, context)
        results.backends.append(status)
        if status.status == "ok":
            ready.append(backend)
    for group in groups:
        for backend in ready:
            if group in backend.groups:
                await _run_group(results, backend, group, context, quick)


def _write_outputs(results: Results, output: Path, publish: bool) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    written = [output / "latest.json", output / "latest.md", output / "latest.png"]
    write_json(results, written[0])
    written[1].write_text(render_markdown(results))
    write_chart(results, written[2])
    if publish:
        PUBLISHED_CHART.parent.mkdir(exist_ok=True)
        shutil.copyfile(written[2], PUBLISHED_CHART)
        written.append(PUBLISHED_CHART)
    return written


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
