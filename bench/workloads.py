"""The workload groups. Each runs against one fresh `Server` through `Client` operations only.

| group        | what                                                             | metrics              |
|--------------|------------------------------------------------------------------|----------------------|
| exec         | start `/bin/true`, wait until it closed; one session, sequential | p50, p90 (ms)        |
| sandbox      | the same under the Codex agent's workspace-write sandbox intent  | p50 (ms)             |
| walk         | `fs/walk` of a 20 000-entry tree (200 directories of 99 files)   | median (ms)          |
| blocks       | 256 MiB through `fs/open` + 1 MiB `fs/readBlock` / `fs/writeBlock` | median MB/s        |
| streaming    | `head -c 256MiB /dev/zero`, stdout consumed as it comes          | median MB/s          |
| files        | read a 64 MiB file; write 64 MiB as 2 files of 32 MiB (the       | median MB/s          |
|              | reference drops messages over 64 MiB, base64 of 64 MiB is more;  |                      |
|              | for the same reason the relay reads 2 files of 32 MiB)           |                      |
| concurrency  | 128 sessions, each running `/bin/true` 8 times in a row          | p50, p99 (ms)        |
| fanout       | 200 sessions at once: connect, `/bin/echo hi`, close             | median s, peak PSS   |
| wsecho       | websockets loopback echo of 64 KiB messages, 1 and 8 in flight   | median MB/s          |
| keystroke    | one key through `execwire shell` to a remote raw `cat` and back  | p50, p95 (ms)        |
|              | (`bench/keystroke.py`)                                           |                      |
| transfer     | 1 GiB `execwire fs put` and `fs get` (CLI subprocesses; execwire | MB/s, peak RSS of    |
|              | only; `bench/transfer.py`)                                       | client and server    |
| stall        | `/bin/true` round trips on one connection while another writes   | max, p99 (ms)        |
|              | and reads 48 MiB files (messages near the 64 MiB limit)          |                      |

MB is 10^6 bytes. Warm-up runs are discarded (`bench.stats.Budget`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from .backends import Client, ExecServerSession, RunContext, Server
from .backends.execserver import SdkServer
from .keystroke import keystroke_echo
from .metrics import Measurement
from .processes import PeakMemory, peak_rss, start_server, tree_pss
from .stats import Budget, Summary, repeat
from .transfer import cli_transfer

__all__ = ["GROUPS", "WORKLOADS", "Workload", "WorkloadContext"]

MB = 1e6
MIB = 1 << 20
TRUE = ["/bin/true"]

EXEC_BUDGET = Budget(warmup=5, min_reps=30, max_reps=400, max_seconds=8.0)
SANDBOX_BUDGET = Budget(warmup=3, min_reps=20, max_reps=200, max_seconds=10.0)
WALK_DIRECTORIES = 200
WALK_FILES_PER_DIRECTORY = 99
WALK_BUDGET = Budget(warmup=1, min_reps=5, max_reps=30, max_seconds=10.0)
BLOCK_FILE_BYTES = 256 * MIB
BLOCK_BUDGET = Budget(warmup=1, min_reps=3, max_reps=7, max_seconds=25.0)

STREAM_BYTES = 256 * MIB
STREAM_BUDGET = Budget(warmup=1, min_reps=3, max_reps=7, max_seconds=25.0)

FILE_BYTES = 64 * MIB
WRITE_PIECES = 2
MESSAGE_SLACK = 64 * 1024
"""Room for the JSON envelope around a base64 payload."""
FILE_BUDGET = Budget(warmup=1, min_reps=3, max_reps=9, max_seconds=12.0)

CONCURRENT_STREAMS = 128
CONCURRENT_ROUNDS = 8
CONNECT_PARALLEL = 16

FANOUT_SESSIONS = 200
FANOUT_BUDGET = Budget(warmup=1, min_reps=3, max_reps=7, max_seconds=20.0)

ECHO_BYTES = 64 * 1024
ECHO_MESSAGES = 512
ECHO_BUDGET = Budget(warmup=1, min_reps=5, max_reps=15, max_seconds=6.0)


@dataclass
class WorkloadContext:
    """What a workload gets: a fresh server of one back end, and the run's settings."""

    backend: str
    server: Server
    run: RunContext
    quick: bool

    def budget(self, budget: Budget) -> Budget:
        return budget.quick() if self.quick else budget

    def measurement(
        self, metric: str, value: float, samples: Sequence[float], **details: float
    ) -> Measurement:
        return Measurement(metric, self.backend, value, list(samples), dict(details))


@dataclass(frozen=True)
class Workload:
    group: str
    title: str
    run: Callable[[WorkloadContext], Awaitable[list[Measurement]]]


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1e3


async def _gather_all(coroutines: Sequence[Coroutine[Any, Any, Any]]) -> list[Any]:
    """Like `gather`, but lets every coroutine finish before raising the first error."""
    results = await asyncio.gather(*coroutines, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def _summary_details(summary: Summary) -> dict[str, float]:
    return {
        "n": summary.n,
        "median": summary.median,
        "p90": summary.p90,
        "p99": summary.p99,
        "min": summary.min,
        "max": summary.max,
    }


# ----------------------------------------------------------------------------- exec


async def exec_round_trip(ctx: WorkloadContext) -> list[Measurement]:
    client = await ctx.server.connect()
    try:

        async def once() -> float:
            started = time.perf_counter()
            await client.run(TRUE)
            return _elapsed_ms(started)

        samples = await repeat(ctx.budget(EXEC_BUDGET), once)
    finally:
        await client.close()
    summary = Summary.of(samples)
    details = _summary_details(summary)
    return [
        ctx.measurement("exec.p50", summary.median, samples, **details),
        ctx.measurement("exec.p90", summary.p90, samples, **details),
    ]


async def sandboxed_exec_round_trip(ctx: WorkloadContext) -> list[Measurement]:
    root = ctx.run.work_dir / "sandbox-root"
    root.mkdir(exist_ok=True)
    client = await ctx.server.connect()
    assert isinstance(client, ExecServerSession), "sandbox runs on exec-server back ends only"
    try:

        async def once() -> float:
            started = time.perf_counter()
            await client.run_sandboxed(TRUE, str(root))
            return _elapsed_ms(started)

        samples = await repeat(ctx.budget(SANDBOX_BUDGET), once)
    finally:
        await client.close()
    summary = Summary.of(samples)
    return [ctx.measurement("sandbox.p50", summary.median, samples, **_summary_details(summary))]


def _walk_tree(run: RunContext) -> Path:
    """200 directories of 99 empty files: 20 000 entries (made once per run)."""
    root = run.work_dir / "walk-tree"
    if not (root / "done").exists():
        for directory in range(WALK_DIRECTORIES):
            folder = root / f"d{directory:03}"
            folder.mkdir(parents=True, exist_ok=True)
            for file in range(WALK_FILES_PER_DIRECTORY):
                (folder / f"f{file:02}").touch()
        (root / "done").touch()
    return root


async def tree_walk(ctx: WorkloadContext) -> list[Measurement]:
    root = str(_walk_tree(ctx.run))
    expected = WALK_DIRECTORIES * (WALK_FILES_PER_DIRECTORY + 1) + 1
    client = await ctx.server.connect()
    assert isinstance(client, ExecServerSession), "walk runs on exec-server back ends only"
    try:

        async def once() -> float:
            started = time.perf_counter()
            found = await client.walk(root)
            if found != expected:
                raise RuntimeError(f"walk found {found} entries, expected {expected}")
            return _elapsed_ms(started)

        samples = await repeat(ctx.budget(WALK_BUDGET), once)
    finally:
        await client.close()
    summary = Summary.of(samples)
    return [ctx.measurement("walk", summary.median, samples, **_summary_details(summary))]


async def file_blocks(ctx: WorkloadContext) -> list[Measurement]:
    content = os.urandom(BLOCK_FILE_BYTES)
    source = ctx.run.work_dir / "blocks-source.bin"
    if not source.exists() or source.stat().st_size != BLOCK_FILE_BYTES:
        source.write_bytes(content)
    target = str(ctx.run.work_dir / "blocks-target.bin")
    client = await ctx.server.connect()
    assert isinstance(client, ExecServerSession), "blocks run on exec-server back ends only"
    try:

        async def read_once() -> float:
            started = time.perf_counter()
            if await client.read_blocks(str(source)) != BLOCK_FILE_BYTES:
                raise RuntimeError("short block read")
            return BLOCK_FILE_BYTES / MB / (time.perf_counter() - started)

        async def write_once() -> float:
            started = time.perf_counter()
            await client.write_blocks(target, content)
            return BLOCK_FILE_BYTES / MB / (time.perf_counter() - started)

        reads = await repeat(ctx.budget(BLOCK_BUDGET), read_once)
        writes = await repeat(ctx.budget(BLOCK_BUDGET), write_once)
    finally:
        await client.close()
    if os.path.getsize(target) != BLOCK_FILE_BYTES:
        raise RuntimeError("the replaced file has the wrong size")
    read_summary, write_summary = Summary.of(reads), Summary.of(writes)
    return [
        ctx.measurement("blocks.read", read_summary.median, reads, **_summary_details(read_summary)),
        ctx.measurement("blocks.write", write_summary.median, writes, **_summary_details(write_summary)),
    ]


# ----------------------------------------------------------------------------- streaming


async def streaming(ctx: WorkloadContext) -> list[Measurement]:
    argv = ["head", "-c", str(STREAM_BYTES), "/dev/zero"]
    client = await ctx.server.connect()
    try:

        async def once() -> float:
            started = time.perf_counter()
            received = await client.stream(argv)
            elapsed = time.perf_counter() - started
            if received != STREAM_BYTES:
                raise RuntimeError(f"streamed {received} bytes, expected {STREAM_BYTES}")
            return STREAM_BYTES / MB / elapsed

        samples = await repeat(ctx.budget(STREAM_BUDGET), once)
    finally:
        await client.close()
    summary = Summary.of(samples)
    return [ctx.measurement("streaming", summary.median, samples, **_summary_details(summary))]


# ----------------------------------------------------------------------------- files


def _pieces(total: int, message_limit: int | None) -> int:
    """Into how many equal files `total` bytes must be cut so that each one's base64 JSON
    message stays within `message_limit`."""
    pieces = 1
    while message_limit is not None:
        encoded = 4 * math.ceil(total / pieces / 3)
        if encoded + MESSAGE_SLACK <= message_limit:
            break
        pieces *= 2
    return pieces


def _write_pieces(directory: Path, stem: str, content: bytes, pieces: int) -> list[Path]:
    size = len(content) // pieces
    paths = [directory / f"{stem}-{i}-of-{pieces}.bin" for i in range(pieces)]
    for i, path in enumerate(paths):
        if not path.exists() or path.stat().st_size != size:
            path.write_bytes(content[i * size : (i + 1) * size])
    return paths


async def files(ctx: WorkloadContext) -> list[Measurement]:
    content = _file_content(ctx.run)
    read_pieces = _pieces(FILE_BYTES, ctx.server.message_limit)
    sources = _write_pieces(ctx.run.work_dir, "read", content, read_pieces)
    piece_bytes = FILE_BYTES // WRITE_PIECES
    pieces = [content[i * piece_bytes : (i + 1) * piece_bytes] for i in range(WRITE_PIECES)]
    targets = [ctx.run.work_dir / f"write-{ctx.backend}-{i}.bin" for i in range(WRITE_PIECES)]
    client = await ctx.server.connect()
    try:

        async def read_once() -> float:
            started = time.perf_counter()
            parts = [await client.read_file(str(source)) for source in sources]
            elapsed = time.perf_counter() - started
            if b"".join(parts) != content:
                raise RuntimeError("the bytes read differ from the file")
            return FILE_BYTES / MB / elapsed

        async def write_once() -> float:
            for target in targets:
                target.unlink(missing_ok=True)
            started = time.perf_counter()
            for target, piece in zip(targets, pieces, strict=True):
                await client.write_file(str(target), piece)
            elapsed = time.perf_counter() - started
            if any(target.stat().st_size != piece_bytes for target in targets):
                raise RuntimeError("a written file has the wrong size")
            return FILE_BYTES / MB / elapsed

        reads = await repeat(ctx.budget(FILE_BUDGET), read_once)
        writes = await repeat(ctx.budget(FILE_BUDGET), write_once)
    finally:
        await client.close()
        for target in targets:
            target.unlink(missing_ok=True)
    read_summary, write_summary = Summary.of(reads), Summary.of(writes)
    return [
        ctx.measurement(
            "files.read",
            read_summary.median,
            reads,
            **_summary_details(read_summary),
            files=read_pieces,
        ),
        ctx.measurement(
            "files.write",
            write_summary.median,
            writes,
            **_summary_details(write_summary),
            files=WRITE_PIECES,
        ),
    ]


def _file_content(run: RunContext) -> bytes:
    """The 64 MiB every back end reads and writes (random bytes, made once per run)."""
    path = run.work_dir / "content.bin"
    if not path.exists() or path.stat().st_size != FILE_BYTES:
        path.write_bytes(os.urandom(FILE_BYTES))
    return path.read_bytes()


# ----------------------------------------------------------------------------- concurrency


async def _connect_many(server: Server, count: int) -> list[Client]:
    """`count` sessions, opened at most CONNECT_PARALLEL at a time (untimed setup; an
    executor socket validates at most 32 relay handshakes at once)."""
    gate = asyncio.Semaphore(CONNECT_PARALLEL)

    async def one() -> Client:
        async with gate:
            return await server.connect()

    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    clients = [r for r in results if not isinstance(r, BaseException)]
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        raise errors[0]
    return clients


async def concurrency(ctx: WorkloadContext) -> list[Measurement]:
    rounds = 3 if ctx.quick else CONCURRENT_ROUNDS
    clients = await _connect_many(ctx.server, CONCURRENT_STREAMS)
    try:

        async def worker(client: Client, count: int, latencies: list[float]) -> None:
            for _ in range(count):
                started = time.perf_counter()
                await client.run(TRUE)
                latencies.append(_elapsed_ms(started))

        await _gather_all([worker(client, 1, []) for client in clients])  # warm-up
        samples: list[float] = []
        started = time.perf_counter()
        await _gather_all([worker(client, rounds, samples) for client in clients])
        wall = time.perf_counter() - started
    finally:
        await _gather_all([client.close() for client in clients])
    summary = Summary.of(samples)
    details = _summary_details(summary) | {"execs_per_second": len(samples) / wall}
    return [
        ctx.measurement("concurrency.p50", summary.median, samples, **details),
        ctx.measurement("concurrency.p99", summary.p99, samples, **details),
    ]


# ----------------------------------------------------------------------------- fan-out


async def fanout(ctx: WorkloadContext) -> list[Measurement]:
    async def session() -> None:
        client = await ctx.server.connect()
        try:
            output = await client.run(["/bin/echo", "hi"])
        finally:
            await client.close()
        if output != b"hi\n":
            raise RuntimeError(f"/bin/echo hi printed {output!r}")

    async def once() -> float:
        started = time.perf_counter()
        await _gather_all([session() for _ in range(FANOUT_SESSIONS)])
        return time.perf_counter() - started

    samples = await repeat(ctx.budget(FANOUT_BUDGET), once)
    summary = Summary.of(samples)
    result = [ctx.measurement("fanout.time", summary.median, samples, **_summary_details(summary))]
    pid = ctx.server.pid
    if pid is not None:
        # Memory is sampled in one more, untimed run: sampling takes CPU from the client.
        idle = tree_pss(pid)
        with PeakMemory(pid) as memory:
            await once()
        result.append(
            ctx.measurement(
                "fanout.memory",
                memory.peak / MIB,
                [memory.peak / MIB],
                idle_mib=idle / MIB,
                server_process_peak_rss_mib=peak_rss(pid) / MIB,
            )
        )
    return result


# ----------------------------------------------------------------------------- wsecho


async def _echo_round(connection: ClientConnection, payload: bytes, in_flight: int) -> float:
    """Echo ECHO_MESSAGES messages with at most `in_flight` outstanding; MB/s one way."""
    window = asyncio.Semaphore(in_flight)

    async def send_all() -> None:
        for _ in range(ECHO_MESSAGES):
            await window.acquire()
            await connection.send(payload)

    started = time.perf_counter()
    sender = asyncio.create_task(send_all())
    try:
        for _ in range(ECHO_MESSAGES):
            echoed = await connection.recv(decode=False)
            if len(echoed) != len(payload):
                raise RuntimeError(f"echo returned {len(echoed)} bytes, expected {len(payload)}")
            window.release()
        await sender
    finally:
        sender.cancel()
    return ECHO_MESSAGES * len(payload) / MB / (time.perf_counter() - started)


async def websocket_echo(ctx: WorkloadContext) -> list[Measurement]:
    payload = os.urandom(ECHO_BYTES)
    result: list[Measurement] = []
    async with start_server(
        "websocket echo",
        [sys.executable, "-m", "bench.echo_server"],
        log_path=ctx.run.log_dir / "wsecho.log",
        cwd=ctx.run.repo,
    ) as echo:
        for in_flight in (1, 8):
            async with connect(echo.url, compression=None, max_size=None) as connection:

                async def once(
                    connection: ClientConnection = connection, n: int = in_flight
                ) -> float:
                    return await _echo_round(connection, payload, n)

                samples = await repeat(ctx.budget(ECHO_BUDGET), once)
            summary = Summary.of(samples)
            result.append(
                ctx.measurement(
                    f"wsecho.{in_flight}", summary.median, samples, **_summary_details(summary)
                )
            )
    return result


STALL_FILE_BYTES = 48 * MIB - 4096
"""Its `fs/writeFile` (base64) stays within the 64 MiB message limit of both servers."""
STALL_ROUNDS = 3
# The large transfers run in a process of their own, so that only the server (not this
# process's event loop encoding them) can hold the probe up.
_STALL_MOVER = """
import asyncio, os, sys
from execwire import Executor

async def main(url, path, size, rounds):
    content = os.urandom(size)
    async with await Executor.connect_websocket(url) as executor:
        print("ready", flush=True)
        for _ in range(rounds):
            await executor.write_bytes(path, content)
            assert len(await executor.read_bytes(path)) == size

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
"""


async def stall(ctx: WorkloadContext) -> list[Measurement]:
    """How long a small request waits while another client moves messages near the size
    limit: decoding or encoding one must not hold the other connections up."""
    server = ctx.server
    if not isinstance(server, SdkServer) or not server.process.url.startswith("ws://"):
        raise RuntimeError("stall runs against a websocket exec-server only")
    target = ctx.run.work_dir / f"stall-{ctx.backend}.bin"
    probe = await server.connect()
    latencies: list[float] = []
    try:
        mover = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _STALL_MOVER, server.process.url, str(target),
            str(STALL_FILE_BYTES), str(STALL_ROUNDS), stdout=asyncio.subprocess.PIPE,
        )
        assert mover.stdout is not None
        await mover.stdout.readline()  # connected: the transfers start now
        while mover.returncode is None:
            started = time.perf_counter()
            await probe.run(TRUE)
            latencies.append(_elapsed_ms(started))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(mover.wait(), 0.002)
        if mover.returncode != 0:
            raise RuntimeError(f"the transfer process failed ({mover.returncode})")
    finally:
        await probe.close()
        target.unlink(missing_ok=True)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, math.ceil(0.99 * len(latencies)) - 1)]
    return [
        ctx.measurement("stall.max", latencies[-1], latencies, probes=len(latencies)),
        ctx.measurement("stall.p99", p99, latencies, probes=len(latencies)),
    ]


WORKLOADS: dict[str, Workload] = {
    w.group: w
    for w in (
        Workload("exec", "exec round trip (/bin/true)", exec_round_trip),
        Workload("sandbox", "sandboxed exec round trip (/bin/true)", sandboxed_exec_round_trip),
        Workload("walk", "fs/walk of a 20 000-entry tree", tree_walk),
        Workload("blocks", "256 MiB through fs/open blocks", file_blocks),
        Workload("streaming", "stdout streaming, 256 MiB", streaming),
        Workload("files", "file read/write, 64 MiB", files),
        Workload("concurrency", f"{CONCURRENT_STREAMS} concurrent sessions", concurrency),
        Workload("fanout", f"fan-out, {FANOUT_SESSIONS} sessions", fanout),
        Workload("wsecho", "websocket loopback echo (floor)", websocket_echo),
        Workload("keystroke", "keystroke echo through execwire shell", keystroke_echo),
        Workload("transfer", "1 GiB fs put / fs get through the CLI", cli_transfer),
        Workload("stall", "small requests beside 48 MiB transfers", stall),
    )
}
GROUPS: tuple[str, ...] = tuple(WORKLOADS)
