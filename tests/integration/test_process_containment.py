"""No process outlives its owner: descendants that left their process group (`setsid`, a
double fork) die with their process's termination, their session's expiry, and the
server's SIGTERM or SIGKILL; while the session lives, a daemon a command left keeps
running. Checked in the process table."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from execwire import ExecSession, Executor

# Starts a detached grandchild (its own session, reparented away from the command), prints
# its pid, then waits or exits as told.
ESCAPE = "setsid sh -c 'echo $$; exec sleep 1000' & wait_for_pid=$!; sleep 0.2; {then}"


def alive(pid: int) -> bool:
    """The pid runs (a zombie counts as dead: it only waits for its reaper)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def wait_dead(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not alive(pid), f"pid {pid} outlived its owner"


def start_server(tmp_path: Path, *arguments: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    log = tmp_path / "server.log"
    with open(log, "wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "execwire_server", "--listen", "ws://127.0.0.1:0", "--log-level", "INFO", *arguments],
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    assert server.stdout is not None
    return server, server.stdout.readline().decode().strip(), log


def contained(log: Path) -> bool:
    return "process containment: cgroup v2" in log.read_text()


async def escapee(executor: Executor, then: str) -> tuple[int, ExecSession]:
    session = await executor.spawn(["sh", "-c", ESCAPE.format(then=then)])
    first = b""
    async for chunk in session.output():
        first += chunk.data
        if b"\n" in first:
            break
    pid = int(first.split()[0])
    assert alive(pid)
    return pid, session


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    process, url, log = start_server(tmp_path, "--detached-session-ttl", "1", "--process-retention", "0.5")
    yield url, log
    if process.poll() is None:
        process.terminate()
        process.wait(10)


async def test_terminate_kills_what_left_the_process_group(server: tuple[str, Path]) -> None:
    url, log = server
    if not contained(log):
        pytest.skip("no usable cgroup v2 here: process groups only")
    async with await Executor.connect_websocket(url) as executor:
        pid, session = await escapee(executor, "sleep 1000")
        assert await session.terminate()
        await wait_dead(pid)


async def test_a_daemon_lives_with_its_session_and_dies_at_its_expiry(server: tuple[str, Path]) -> None:
    url, log = server
    if not contained(log):
        pytest.skip("no usable cgroup v2 here: process groups only")
    executor = await Executor.connect_websocket(url)
    pid, session = await escapee(executor, "exit 0")
    assert await session.wait() == 0
    await asyncio.sleep(1.5)  # past the process retention: the command is forgotten
    assert alive(pid)  # its daemon is not: the session still lives
    await executor.close(terminate_processes=False)
    await wait_dead(pid)  # the detached session expired after 1 s


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_stopping_the_server_kills_every_descendant(tmp_path: Path, stop: signal.Signals) -> None:
    server, url, log = start_server(tmp_path)
    try:
        if not contained(log) and stop is signal.SIGKILL:
            pytest.skip("no usable cgroup v2 here: nothing outlives a SIGKILL-ed server's cleanup")
        executor = await Executor.connect_websocket(url)
        pid, _ = await escapee(executor, "sleep 1000")
        server.send_signal(stop)
        server.wait(10)
        await wait_dead(pid)
        await executor.close(terminate_processes=False)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    def left_behind() -> bool:
        return any(entry.name.startswith(f"execwire-{server.pid}-") for entry in _cgroup_entries())

    deadline = time.monotonic() + 10  # after a SIGKILL the guardian removes them
    while left_behind() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not left_behind(), "the server's cgroups were left behind"


def _cgroup_entries() -> list[os.DirEntry[str]]:
    from execwire_server.containment import _cgroup2_mount, _own_cgroup

    mount, own = _cgroup2_mount(), _own_cgroup()
    if mount is None or own is None:
        return []
    home = os.path.normpath(mount + own)
    with os.scandir(home) as entries:
        return list(entries)


async def test_a_closed_process_leaves_no_cgroup_behind(tmp_path: Path) -> None:
    from execwire_server.containment import READY_CAGES

    server, url, log = start_server(tmp_path)
    try:
        if not contained(log):
            pytest.skip("no usable cgroup v2 here: process groups only")
        async with await Executor.connect_websocket(url) as executor:
            for _ in range(3 * READY_CAGES):
                assert (await executor.run(["true"])).exit_code == 0
            (root,) = [e.path for e in _cgroup_entries() if e.name.startswith(f"execwire-{server.pid}-")]
            cages = [name for name in os.listdir(root) if name.startswith("p-")]
            # What is left is the pool made ahead of spawns, not one per closed process
            # (closed processes stay readable for 80 s: their cgroups would still be there).
            assert len(cages) <= READY_CAGES + 1
    finally:
        server.terminate()
        server.wait(10)
