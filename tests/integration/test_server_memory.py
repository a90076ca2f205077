"""Memory is given back: after a burst of large transfers an idle server returns to a small
resident size (it trims its heap once quiet; the retention that speeds transfers up is
for busy times only)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from execwire import Executor
from tests.integration.rawclient import ServerProcess

IDLE_RSS_LIMIT_MIB = 64
TRIM_WITHIN_SECONDS = 30


def resident_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def test_an_idle_server_gives_back_what_large_transfers_took(
    server: ServerProcess, tmp_path: Path
) -> None:
    data = os.urandom(40 << 20)
    target = tmp_path / "big.bin"
    async with await Executor.connect_websocket(server.url) as executor:
        for _ in range(3):
            await executor.write_bytes(target, data)
            assert await executor.read_bytes(target) == data
    pid = server.process.pid
    busy = resident_mib(pid)
    assert busy > 2 * IDLE_RSS_LIMIT_MIB  # the transfers did take memory
    deadline = time.monotonic() + TRIM_WITHIN_SECONDS
    while (rss := resident_mib(pid)) >= IDLE_RSS_LIMIT_MIB and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    assert rss < IDLE_RSS_LIMIT_MIB, f"still {rss:.0f} MiB resident after {TRIM_WITHIN_SECONDS} s"
