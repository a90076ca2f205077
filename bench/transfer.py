"""The `transfer` group: 1 GiB through the `execwire` CLI, `fs put` and `fs get`.

Each sample is one `python -m execwire.cli fs put|get` subprocess against the server under
test on loopback, timed from its start to its exit (interpreter start-up, connection,
transfer, the SHA-256 check and the final rename: what a user waits for). Memory is the
peak resident set of each side: the client's from `wait4` (`ru_maxrss`, in a small launcher
process, see `_LAUNCHER`), the server's from its `VmHWM`, reset before each sample
(`/proc/PID/clear_refs`) where the kernel lets us.
The target file is removed before each sample, untimed (replacing a 1 GiB file frees its
blocks in the rename, a cost of the file system, not of the transfer).

The files (3 GiB: source, uploaded copy, downloaded copy) live in the system's temporary
directory, or in /dev/shm when that is too small, and are removed afterwards; the bytes
that went each way are checked (SHA-256) once at the end, untimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .backends.execserver import SdkServer
from .metrics import Measurement
from .processes import peak_rss
from .stats import Budget, Summary, repeat

if TYPE_CHECKING:
    from .workloads import WorkloadContext

__all__ = ["TRANSFER_BUDGET", "TRANSFER_BYTES", "cli_transfer"]

MB = 1e6
MIB = 1 << 20
TRANSFER_BYTES = 1 << 30
TRANSFER_BUDGET = Budget(warmup=1, min_reps=3, max_reps=5, max_seconds=20.0)
ROOM = 3 * TRANSFER_BYTES + 256 * MIB
"""Free space the files need."""


@dataclass(frozen=True)
class _Sample:
    seconds: float
    client_rss: int
    """Bytes."""
    server_rss: int
    """Bytes (0: unknown)."""


def _scratch_root() -> Path:
    for candidate in (Path(tempfile.gettempdir()), Path("/dev/shm")):
        if candidate.is_dir() and shutil.disk_usage(candidate).free >= ROOM:
            return candidate
    raise RuntimeError(f"transfer needs {ROOM / MIB:.0f} MiB free in /tmp or /dev/shm")


def _make_source(path: Path) -> None:
    with open(path, "wb") as file:
        for _ in range(TRANSFER_BYTES // (16 * MIB)):
            file.write(os.urandom(16 * MIB))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as file:
        while block := file.read(4 * MIB):
            digest.update(block)
    return digest.hexdigest()


def _reset_peak(pid: int) -> None:
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS


_LAUNCHER = """
import os, sys, time
log, argv = sys.argv[1], sys.argv[2:]
output = [(os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644),
          (os.POSIX_SPAWN_DUP2, 1, 2), (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=output)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""
"""Runs the CLI and reports its wall time, peak RSS (KiB) and exit code. A small process of
its own starts it: a child's `ru_maxrss` counts the memory of the process it was forked
from until it executes, and the bench's own process is large (the other groups' data)."""


def _run_cli(argv: list[str], log: Path) -> tuple[float, int]:
    """Run the CLI to completion: (seconds, peak RSS bytes); raises on a failure."""
    launcher = [sys.executable, "-c", _LAUNCHER, str(log), *argv]
    report = subprocess.run(launcher, check=True, capture_output=True, text=True).stdout
    seconds, max_rss_kib, code = report.split()
    if int(code) != 0:
        tail = log.read_text(errors="replace")[-600:]
        raise RuntimeError(f"{' '.join(argv[3:6])} exited with {code}: {tail!r}")
    return float(seconds), int(max_rss_kib) * 1024


async def cli_transfer(ctx: WorkloadContext) -> list[Measurement]:
    """1 GiB `fs put` and `fs get` through the CLI: MB/s, and peak RSS of both sides."""
    server = ctx.server
    if not isinstance(server, SdkServer) or not server.process.url.startswith("ws://"):
        raise RuntimeError("transfer runs against a websocket exec-server only")
    pid = server.process.pid
    cli = [sys.executable, "-m", "execwire.cli", "fs"]
    log = ctx.run.log_dir / f"transfer-cli-{ctx.backend}.log"
    directory = Path(tempfile.mkdtemp(prefix="execwire-bench-transfer-", dir=_scratch_root()))
    source, remote, back = directory / "source.bin", directory / "remote.bin", directory / "back.bin"
    try:
        await asyncio.to_thread(_make_source, source)

        async def once(verb: str, origin: Path, target: Path) -> _Sample:
            target.unlink(missing_ok=True)
            _reset_peak(pid)
            argv = [*cli, verb, "--url", server.process.url, "-q", str(origin), str(target)]
            seconds, client_rss = await asyncio.to_thread(_run_cli, argv, log)
            return _Sample(seconds, client_rss, peak_rss(pid))

        samples: dict[str, list[_Sample]] = {"put": [], "get": []}

        async def put() -> float:
            samples["put"].append(await once("put", source, remote))
            return TRANSFER_BYTES / MB / samples["put"][-1].seconds

        async def get() -> float:
            samples["get"].append(await once("get", remote, back))
            return TRANSFER_BYTES / MB / samples["get"][-1].seconds

        budget = ctx.budget(TRANSFER_BUDGET)
        puts = await repeat(budget, put)
        gets = await repeat(budget, get)
        started = time.perf_counter()
        await asyncio.to_thread(_run_cli, [*cli, "stat", "--url", server.process.url, str(back)], log)
        startup = time.perf_counter() - started
        expected = await asyncio.to_thread(_sha256, source)
        for copy in (remote, back):
            if await asyncio.to_thread(_sha256, copy) != expected:
                raise RuntimeError(f"{copy.name} differs from the source")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    on_tmpfs = float(directory.is_relative_to("/dev/shm"))
    result: list[Measurement] = []
    for verb, values in (("put", puts), ("get", gets)):
        summary = Summary.of(values)
        measured = samples[verb][-len(values) :]
        result.append(
            ctx.measurement(
                f"transfer.{verb}",
                summary.median,
                values,
                n=summary.n,
                median=summary.median,
                min=summary.min,
                max=summary.max,
                client_peak_rss_mib=max(s.client_rss for s in measured) / MIB,
                server_peak_rss_mib=max(s.server_rss for s in measured) / MIB,
                cli_startup_s=startup,
                tmpfs=on_tmpfs,
            )
        )
    for side in ("client", "server"):
        peaks = {
            verb: [(s.client_rss if side == "client" else s.server_rss) / MIB for s in runs]
            for verb, runs in samples.items()
        }
        every = peaks["put"] + peaks["get"]
        result.append(
            ctx.measurement(
                f"transfer.{side}_rss",
                max(every),
                every,
                put_mib=max(peaks["put"]),
                get_mib=max(peaks["get"]),
            )
        )
    return result
