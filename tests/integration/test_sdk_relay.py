"""The SDK as a relay harness: registry + rendezvous + `execwire-server --remote`, end to end.

Everything is real: the dev registry/rendezvous (`execwire_rendezvous`), the executor
as a child process, and the SDK's `RelayConnector` (Noise hybridIK initiator) underneath the
ordinary typed client.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from execwire_rendezvous import DirectionFaults, FaultConfig, Rendezvous
from execwire_rendezvous.frames import FrameKind

from execwire import ClientOptions, ExecServerClient, Executor, RelayConnector, TransportError
from execwire.client import ReconnectPolicy
from execwire.errors import ServerInternalError
from execwire.protocol import models
from execwire.testing import FaultInjectingConnector

from .test_remote_support import ENV, TOKEN, remote_executor

FAST_RECONNECT = ReconnectPolicy(timeout=30, initial_delay=0.05, max_delay=0.5)


@pytest.fixture
async def relay(tmp_path: Path) -> AsyncIterator[Rendezvous]:
    async with Rendezvous(token=TOKEN, capture=True) as rendezvous:
        async with remote_executor(rendezvous.base_url, tmp_path / "executor.log"):
            await rendezvous.wait_for(lambda: rendezvous.executor_connected(ENV), timeout=30)
            yield rendezvous


async def test_commands_files_and_no_plaintext_on_the_rendezvous(relay: Rendezvous, tmp_path: Path) -> None:
    async with await Executor.connect_relay(relay.base_url, ENV, token=TOKEN) as executor:
        result = await executor.run(["sh", "-c", "printf secret-output; printf oops >&2; exit 3"])
        assert (result.exit_code, result.stdout, result.stderr) == (3, b"secret-output", b"oops")
        payload = os.urandom(128 * 1024)
        await executor.write_bytes(tmp_path / "blob.bin", payload)
        assert await executor.read_bytes(tmp_path / "blob.bin") == payload
    data_frames = [frame for frame in relay.captured if frame.kind is FrameKind.DATA]
    assert len(data_frames) >= 4
    markers = [b"secret-output", b"initialize", b"process/start", b"fs/readFile", b"clientName"]
    markers.append(base64.b64encode(payload[:48]))
    for frame in data_frames:
        for marker in markers:
            assert marker not in frame.data, f"{marker!r} crossed the rendezvous in cleartext"


async def test_two_clients_share_the_executor_socket_without_cross_talk(relay: Rendezvous) -> None:
    first = await ExecServerClient.connect_relay(relay.base_url, ENV, token=TOKEN)
    second = await ExecServerClient.connect_relay(relay.base_url, ENV, token=TOKEN)
    try:
        assert first.session_id != second.session_id
        for client, word in ((first, "one"), (second, "two")):
            await client.process_start(
                models.ExecParams(
                    process_id="same-id",
                    argv=["sh", "-c", f"echo {word}"],
                    cwd="file:///tmp",
                    env={"PATH": "/usr/bin:/bin"},
                    tty=False,
                )
            )
        outputs = []
        for client in (first, second):
            chunks = []
            async for event in client.process_events("same-id"):
                if isinstance(event, models.ProcessOutputNotification):
                    chunks.append(event.chunk)
            outputs.append(b"".join(chunks))
        assert outputs == [b"one\n", b"two\n"]
        # Ending one stream (the client sends a Reset) leaves the other one working.
        await first.close()
        status = await second.environment_status()
        assert status.status == "ready"
    finally:
        await first.close()
        await second.close()


async def test_a_lost_connection_reconnects_with_a_fresh_stream_and_resumes(relay: Rendezvous) -> None:
    faults = FaultInjectingConnector(RelayConnector(relay.base_url, ENV, token=TOKEN))
    client = await ExecServerClient.open(faults, options=ClientOptions(reconnect=FAST_RECONNECT))
    async with client, Executor(client) as executor:
        session = await executor.spawn(
            ["sh", "-c", "for i in $(seq 1 30); do echo line-$i; sleep 0.02; done"]
        )
        received = b""
        async for chunk in session.output():
            received += chunk.data
            if b"line-5\n" in received and client.reconnects == 0:
                faults.cut()
        assert received == b"".join(f"line-{i}\n".encode() for i in range(1, 31))
        assert await session.wait() == 0
        assert client.reconnects >= 1
    assert relay.counters.validations_valid >= 2  # one Noise handshake per physical connection


async def test_requests_survive_loss_duplication_and_reordering(tmp_path: Path) -> None:
    lossy = DirectionFaults(drop=0.1, duplicate=0.1, reorder=0.1)
    faults = FaultConfig(harness_to_executor=lossy, executor_to_harness=lossy, seed=7)
    async with Rendezvous(token=TOKEN, faults=faults) as rendezvous:
        async with remote_executor(rendezvous.base_url, tmp_path / "executor.log"):
            await rendezvous.wait_for(lambda: rendezvous.executor_connected(ENV), timeout=30)
            async with await ExecServerClient.connect_relay(rendezvous.base_url, ENV, token=TOKEN, options=ClientOptions(reconnect=None)) as client:
                target = tmp_path / "numbers"
                target.mkdir()
                for index in range(20):
                    (target / f"{index}.txt").write_text(f"{index * index}\n")
                answers = await asyncio.gather(
                    *[
                        client.fs_read_file(
                            models.FsReadFileParams(path=(target / f"{index % 20}.txt").as_uri())
                        )
                        for index in range(1000)
                    ]
                )
                got = [base64.b64decode(answer.data_base64) for answer in answers]
                assert got == [f"{(index % 20) ** 2}\n".encode() for index in range(1000)]
                assert client.reconnects == 0
            counters = rendezvous.counters
            assert counters.faults_dropped > 0 and counters.faults_duplicated > 0
            assert counters.faults_reordered > 0


def _open_http_sessions() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession) and not o.closed)


async def test_an_answer_too_large_for_the_relay_fails_once_without_leaks(
    relay: Rendezvous, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.bin"
    huge.write_bytes(bytes(65 << 20))  # its base64 is over the relay's 64 MiB message limit
    before = _open_http_sessions()
    async with await Executor.connect_relay(relay.base_url, ENV, token=TOKEN) as executor:
        # Our executor answers with an error in place of the reply (the reference resets
        # the stream instead; the SDK's re-send cap for that is tested in test_sdk_client).
        with pytest.raises(ServerInternalError, match="too large for the relay"):
            await executor.read_bytes(huge)
        assert executor.client.reconnects == 0
        assert (await executor.run(["echo", "still here"])).stdout == b"still here\n"
    assert _open_http_sessions() == before


async def test_many_harnesses_connecting_at_once_all_get_in(relay: Rendezvous) -> None:
    # More than the 32 handshakes an executor socket validates at once: the refused ones
    # retry with backoff instead of failing.
    clients = await asyncio.gather(
        *(ExecServerClient.connect_relay(relay.base_url, ENV, token=TOKEN) for _ in range(80)),
        return_exceptions=True,
    )
    try:
        failures = [c for c in clients if isinstance(c, BaseException)]
        assert failures == []
        opened = [c for c in clients if isinstance(c, ExecServerClient)]
        statuses = await asyncio.gather(*(c.environment_status() for c in opened))
        assert {status.status for status in statuses} == {"ready"}
    finally:
        await asyncio.gather(
            *(c.close() for c in clients if isinstance(c, ExecServerClient)),
            return_exceptions=True,
        )


async def test_a_closed_connector_does_not_connect_again(relay: Rendezvous) -> None:
    before = _open_http_sessions()
    connector = RelayConnector(relay.base_url, ENV, token=TOKEN)
    transport = await connector.connect()
    await transport.close()
    await connector.aclose()
    with pytest.raises(TransportError):
        await connector.connect()
    assert _open_http_sessions() == before


async def test_our_executor_sends_the_larger_chunks_the_client_asks_for(relay: Rendezvous) -> None:
    async with await Executor.connect_relay(relay.base_url, ENV, token=TOKEN) as executor:
        extensions = executor.client.server_extensions
        assert extensions is not None and extensions.output_chunk_bytes == 65536
        session = await executor.spawn(["head", "-c", str(1 << 20), "/dev/zero"])
        sizes = [len(chunk.data) async for chunk in session.output()]
        assert sum(sizes) == 1 << 20 and max(sizes) > 8192
