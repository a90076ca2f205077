"""`make soak`: one server under sustained load, side by side with the reference.

    python -m bench.soak [--seconds 60] [--sessions 500] [--streams 50] [--only execwire]

Each back end gets a fresh server and the same load from this process: `--sessions`
concurrent sessions, each running `/bin/true` over and over, beside `--streams` sessions
each streaming a process's stdout (64 KiB every 100 ms) for the whole run. Reported per
back end: completed runs, errors (any exception, a non-zero exit, a stream that lost or
changed a byte), round-trip percentiles, the bytes streamed, and the server's peak resident
memory (VmHWM). Not part of `make test` or `make bench`: it takes minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from execwire import ClientOptions, Executor

from .processes import peak_rss, start_server

STREAM_SCRIPT = "i=0; while [ $i -lt {rounds} ]; do head -c 65536 /dev/zero; sleep 0.1; i=$((i+1)); done"
"""About 640 KB/s for `rounds` tenths of a second: a build log, not a flood."""
CONNECT_CONCURRENCY = 50


@dataclass
class Result:
    """What one back end did under the load."""

    backend: str
    runs: int = 0
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    streamed_bytes: int = 0
    peak_rss_mib: float = 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else float("nan")


async def _connect_all(url: str, count: int, result: Result) -> list[Executor]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    options = ClientOptions(request_timeout=120)

    async def one() -> Executor | None:
        async with gate:
            try:
                return await Executor.connect_websocket(url, options=options)
            except Exception as error:
                result.errors.append(f"connect: {error!r}")
                return None

    connected = await asyncio.gather(*(one() for _ in range(count)))
    return [executor for executor in connected if executor is not None]


async def _exec_loop(executor: Executor, deadline: float, result: Result) -> None:
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            completed = await executor.run(["/bin/true"])
        except Exception as error:
            result.errors.append(f"run: {error!r}")
            continue
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        result.runs += 1
        if completed.exit_code != 0:
            result.errors.append(f"exit {completed.exit_code}")


async def _stream(executor: Executor, rounds: int, result: Result) -> None:
    try:
        completed = await executor.run(["sh", "-c", STREAM_SCRIPT.format(rounds=rounds)])
    except Exception as error:
        result.errors.append(f"stream: {error!r}")
        return
    expected = 65536 * rounds
    if completed.exit_code != 0 or len(completed.stdout) != expected or completed.stdout.count(0) != expected:
        result.errors.append(f"stream: exit {completed.exit_code}, {len(completed.stdout)} of {expected} bytes")
    result.streamed_bytes += len(completed.stdout)


async def soak(backend: str, argv: list[str], seconds: float, sessions: int, streams: int, work: Path) -> Result:
    """Run the load against one server started from `argv`."""
    result = Result(backend)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path.home()), "LANG": "C.UTF-8"}
    env["CODEX_HOME"] = tempfile.mkdtemp(prefix=f"codex-home-{backend}-", dir=work)
    async with start_server(backend, argv, log_path=work / f"soak-{backend}.log", env=env, cwd=work) as server:
        executors = await _connect_all(server.url, sessions + streams, result)
        runners, streamers = executors[:sessions], executors[sessions:]
        deadline = time.monotonic() + seconds
        rounds = int(seconds * 10)
        try:
            await asyncio.gather(
                *(_exec_loop(executor, deadline, result) for executor in runners),
                *(_stream(executor, rounds, result) for executor in streamers),
            )
        finally:
            result.peak_rss_mib = peak_rss(server.pid or 0) / (1 << 20)
            await asyncio.gather(*(executor.close() for executor in executors), return_exceptions=True)
    return result


def _report(results: list[Result], seconds: float) -> str:
    lines = [
        "| back end | runs | errors | p50 ms | p99 ms | streamed MB | server peak RSS MiB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.runs} | {len(r.errors)} | {r.percentile(50):.1f} | {r.percentile(99):.1f} "
            f"| {r.streamed_bytes / 1e6:.0f} | {r.peak_rss_mib:.0f} |"
        )
    for r in results:
        for error in sorted(set(r.errors))[:5]:
            lines.append(f"{r.backend}: {error}")
    return "\n".join(lines) + f"\n({seconds:g} s of load each)"


async def _main(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="execwire-soak-"))
    backends: list[tuple[str, list[str]]] = []
    if args.only in (None, "execwire"):
        backends.append(("execwire", [sys.executable, "-m", "execwire_server", "--listen", "ws://127.0.0.1:0"]))
    if args.only in (None, "reference"):
        from tests.interop.servers import native_reference_binary

        binary = await asyncio.to_thread(native_reference_binary)
        backends.append(("reference", [str(binary), "exec-server", "--listen", "ws://127.0.0.1:0"]))
    results = []
    for name, argv in backends:
        print(f"soak: {name} ...", file=sys.stderr, flush=True)
        results.append(await soak(name, argv, args.seconds, args.sessions, args.streams, work))
    print(_report(results, args.seconds))
    return 1 if any(r.errors for r in results if r.backend == "execwire") else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--only", choices=("execwire", "reference"))
    return asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
