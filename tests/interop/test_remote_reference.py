"""Our relay harness (the initiator core) against the REAL codex 0.169.0 executor.

`codex exec-server --remote http://127.0.0.1:P --environment-id env-1
--registration-bearer-stdin` registers with ``execwire_rendezvous`` and our harness
reaches it through the rendezvous: the hybrid Noise handshake, framing and ordering are
checked bit for bit against the reference. Also pinned here: what the reference does with
our ack-capable markers (ignores them), with a record that is JSON but not JSON-RPC (Reset),
and how its failed-handshake budget counts (successes do not refund it).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from execwire_rendezvous import Direction, FrameKind, Rendezvous
from websockets.asyncio.client import connect

from execwire.relay.frames import FrameKind as RelayFrameKind
from execwire.relay.frames import data_frame, decode_frame, handshake_frame
from execwire.relay.noise import NoiseIdentity
from execwire.relay.reliable import ACK_CAPABLE

from ..integration.test_remote_support import (
    ENV,
    TOKEN,
    HarnessError,
    RelayHarness,
    fetch_bundle,
)
from .servers import BASE_ENV, native_reference_binary, scratch_dir

pytestmark = pytest.mark.interop

WAIT = 30.0


@contextlib.asynccontextmanager
async def reference_executor(base_url: str, workdir: Path) -> AsyncIterator[Path]:
    """Run the reference executor in remote mode; yields its stderr log path."""
    codex = native_reference_binary()
    # CODEX_HOME must not live under /tmp, or the reference refuses to sandbox and warns.
    scratch = Path(tempfile.mkdtemp(prefix="remote-reference-", dir=scratch_dir()))
    home = scratch / "codex-home"
    home.mkdir()
    log = scratch / "stderr.log"
    env = dict(BASE_ENV, HOME=str(home), CODEX_HOME=str(home))
    with open(log, "wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            str(codex),
            "exec-server",
            "--remote",
            base_url,
            "--environment-id",
            ENV,
            "--registration-bearer-stdin",
            cwd=workdir,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    assert process.stdin is not None
    process.stdin.write(TOKEN.encode() + b"\n")
    await process.stdin.drain()
    process.stdin.close()
    try:
        yield log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
async def rendezvous(tmp_path: Path) -> AsyncIterator[Rendezvous]:
    async with Rendezvous(token=TOKEN, capture=True) as rv:
        async with reference_executor(rv.base_url, tmp_path):
            await rv.wait_for(lambda: rv.executor_connected(ENV), WAIT)
            yield rv


async def open_harness(rv: Rendezvous, **kwargs: object) -> RelayHarness:
    return await RelayHarness.open(rv.base_url, ENV, token=TOKEN, timeout=WAIT, **kwargs)  # type: ignore[arg-type]


async def test_harness_core_runs_a_session_on_the_reference_executor(
    rendezvous: Rendezvous, tmp_path: Path
) -> None:
    harness = await open_harness(rendezvous)
    # The reference answered a msg1 (and Resume) carrying our ack-capable marker...
    opening = [
        decode_frame(f.data)
        for f in rendezvous.captured
        if f.direction is Direction.HARNESS_TO_EXECUTOR
    ][:2]
    assert [f.kind for f in opening] == [RelayFrameKind.RESUME, RelayFrameKind.HANDSHAKE]
    assert all(f.ack_bits == ACK_CAPABLE for f in opening)
    # ...with an unmarked msg2, so our harness falls back to plain reference behaviour.
    assert not harness.stream.peer_acks
    result = await harness.request(
        "process/start",
        {
            "processId": "p1",
            "argv": ["/bin/sh", "-c", "printf hello; printf oops >&2; exit 3"],
            "cwd": f"file://{tmp_path}",
            "env": {"PATH": "/usr/bin:/bin"},
            "tty": False,
        },
    )
    assert result == {"processId": "p1", "sandboxType": "none"}
    output: dict[str, bytes] = {}
    while True:
        note = await asyncio.wait_for(harness.notifications.get(), WAIT)
        params = note["params"]
        if note["method"] == "process/output":
            output[params["stream"]] = output.get(params["stream"], b"") + base64.b64decode(
                params["chunk"]
            )
        elif note["method"] == "process/exited":
            assert params["exitCode"] == 3
        elif note["method"] == "process/closed":
            break
    assert output == {"stdout": b"hello", "stderr": b"oops"}
    blob = os.urandom(128 * 1024)
    (tmp_path / "blob.bin").write_bytes(blob)
    read = await harness.request("fs/readFile", {"path": f"file://{tmp_path / 'blob.bin'}"})
    assert base64.b64decode(read["dataBase64"]) == blob
    to_harness = [
        decode_frame(f.data)
        for f in rendezvous.captured
        if f.direction is Direction.EXECUTOR_TO_HARNESS and f.kind is FrameKind.DATA
    ]
    # MAIN generation: seq from 0, no ack fields; the 128 KiB answer spans several records.
    assert [f.seq for f in to_harness] == list(range(len(to_harness)))
    assert all(f.ack == f.ack_bits == 0 for f in to_harness)
    assert max(len(f.payload) for f in to_harness) == 61440 + 16
    # Plain mode: our Data frames carry no ack fields either.
    to_executor = [
        decode_frame(f.data)
        for f in rendezvous.captured
        if f.direction is Direction.HARNESS_TO_EXECUTOR and f.kind is FrameKind.DATA
    ]
    assert to_executor and all(f.ack_bits == 0 for f in to_executor)
    await harness.close()


async def test_reference_ignores_ack_fields_on_data_frames(rendezvous: Rendezvous) -> None:
    # Against the reference our harness leaves the fields at 0; put them on, as a proven
    # stream would (cumulative ack, marker and selective bits).
    harness = await open_harness(rendezvous)

    def with_acks(raw: bytes) -> bytes:
        frame = decode_frame(raw)
        return data_frame(frame.stream_id, frame.seq, frame.payload, 5, ACK_CAPABLE | 0b110).encode()

    harness.rewrite = with_acks
    assert "result" in await harness.call("environment/info", {})
    assert "result" in await harness.call("environment/info", {})
    await harness.close()


async def test_reference_resets_records_that_are_not_json_rpc(rendezvous: Rendezvous) -> None:
    for payload in (b"[1, 2]", b'{"foo": 1}', b"{not json"):
        harness = await open_harness(rendezvous)
        await harness.send_raw(payload)
        await asyncio.wait_for(harness.closed.wait(), WAIT)
        assert harness.close_reason == "reset", payload
        await harness.close()


async def test_reference_failure_budget_is_not_refunded_by_success(
    rendezvous: Rendezvous,
) -> None:
    async def garbage(count: int) -> None:
        bundle = await fetch_bundle(rendezvous.base_url, ENV, NoiseIdentity.generate(), TOKEN)
        async with connect(bundle.url) as ws:
            for _ in range(count):
                stream_id = str(uuid.uuid4())
                await ws.send(handshake_frame(stream_id, os.urandom(3700)).encode())
                frame = decode_frame(await asyncio.wait_for(ws.recv(), WAIT))  # type: ignore[arg-type]
                assert (frame.stream_id, frame.kind) == (stream_id, RelayFrameKind.RESET)
                assert frame.reason == "noise_relay_protocol_error"

    await garbage(7)
    ok = await open_harness(rendezvous)
    await ok.close()
    await garbage(1)  # the 8th failure on this socket starts the cooldown
    with pytest.raises(HarnessError, match="reset"):
        await open_harness(rendezvous)
    # The socket stays open; the cooldown (about 10 s) is not waited for here.
    assert rendezvous.executor_connected(ENV)
    assert rendezvous.counters.executor_sockets == 1
