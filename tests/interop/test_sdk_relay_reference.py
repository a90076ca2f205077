"""The SDK as a relay harness against the REAL codex 0.169.0 executor.

`codex exec-server --remote ... --registration-bearer-stdin` registers with our dev
rendezvous; the SDK's `RelayConnector` fetches a bundle, completes the Noise hybridIK
handshake with it and drives it through the ordinary typed client: a process and a
128 KiB file read that spans several encrypted records.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from execwire_rendezvous import FrameKind, Rendezvous

from execwire import Executor

from ..integration.test_remote_support import ENV, TOKEN
from .test_remote_reference import WAIT, reference_executor

pytestmark = pytest.mark.interop


async def test_sdk_runs_a_process_and_reads_128_kib_through_the_reference_executor(tmp_path: Path) -> None:
    payload = os.urandom(128 * 1024)
    (tmp_path / "blob.bin").write_bytes(payload)
    async with Rendezvous(token=TOKEN, capture=True) as rendezvous:
        async with reference_executor(rendezvous.base_url, tmp_path):
            await rendezvous.wait_for(lambda: rendezvous.executor_connected(ENV), timeout=WAIT)
            async with await Executor.connect_relay(rendezvous.base_url, ENV, token=TOKEN) as executor:
                assert executor.client.environment is not None
                assert executor.client.environment.executor_version == "0.169.0"
                result = await executor.run(["sh", "-c", "printf hello; printf oops >&2; exit 3"])
                assert (result.exit_code, result.stdout, result.stderr) == (3, b"hello", b"oops")
                assert await executor.read_bytes(tmp_path / "blob.bin") == payload
        data = [frame for frame in rendezvous.captured if frame.kind is FrameKind.DATA]
        # The 128 KiB answer alone is three full 61456-byte records and a last one.
        assert sum(1 for frame in data if len(frame.data) > 61000) >= 2
        assert all(b"hello" not in frame.data and b"initialize" not in frame.data for frame in data)
