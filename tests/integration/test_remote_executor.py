"""`execwire-server --remote` through the registry + rendezvous, driven by a relay harness.

The executor is a real child process; the rendezvous (``execwire_rendezvous``) runs
in-process so tests can watch frames, inject faults and drop sockets. Waits are bounded
safety nets, never timing assertions.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from execwire_rendezvous import (
    Direction,
    DirectionFaults,
    FaultConfig,
    FrameKind,
    Rendezvous,
)

from execwire.relay.frames import FrameKind as RelayFrameKind
from execwire.relay.frames import decode_frame, handshake_frame
from execwire.relay.noise import NoiseIdentity
from execwire.relay.stream import StreamConfig

from .test_remote_support import ENV, TOKEN, HarnessError, RelayHarness, remote_executor

WAIT = 30.0


def start_params(process_id: str, script: str) -> dict[str, Any]:
    return {
        "processId": process_id,
        "argv": ["/bin/sh", "-c", script],
        "cwd": "file:///tmp",
        "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        "tty": False,
    }


async def run_process(harness: RelayHarness, process_id: str, script: str) -> bytes:
    """Start a process and collect its output until `process/closed`."""
    await harness.request("process/start", start_params(process_id, script))
    output = b""
    while True:
        note = await asyncio.wait_for(harness.notifications.get(), WAIT)
        params = note["params"]
        if params.get("processId") != process_id:
            continue
        if note["method"] == "process/output":
            output += base64.b64decode(params["chunk"])
        elif note["method"] == "process/closed":
            return output


@pytest.fixture
async def rendezvous() -> AsyncIterator[Rendezvous]:
    async with Rendezvous(token=TOKEN, capture=True) as rv:
        yield rv


@pytest.fixture
async def executor(rendezvous: Rendezvous, tmp_path: Path) -> AsyncIterator[Path]:
    """A running `execwire-server --remote` attached to ``rendezvous``; yields its log path."""
    log = tmp_path / "executor.log"
    async with remote_executor(rendezvous.base_url, log):
        await rendezvous.wait_for(lambda: rendezvous.executor_connected(ENV), WAIT)
        yield log


async def open_harness(rv: Rendezvous, **kwargs: Any) -> RelayHarness:
    return await RelayHarness.open(rv.base_url, ENV, token=TOKEN, **kwargs)


# --------------------------------------------------------------------------- streams


async def test_two_concurrent_streams_share_one_socket_without_cross_talk(
    rendezvous: Rendezvous, executor: Path
) -> None:
    a, b = await asyncio.gather(open_harness(rendezvous), open_harness(rendezvous))
    assert a.session_id != b.session_id
    assert a.stream.peer_acks and b.stream.peer_acks  # both ends are execwire: acks on
    # The same process id on both streams: each session has its own process table.
    out_a, out_b = await asyncio.gather(
        run_process(a, "p", "printf from-a"), run_process(b, "p", "printf from-b")
    )
    assert (out_a, out_b) == (b"from-a", b"from-b")
    assert rendezvous.counters.executor_sockets == 1
    # A Reset from A ends A only.
    await a.close(reset=True)
    assert await run_process(b, "q", "printf still-b") == b"still-b"
    await b.close()


async def test_protocol_violation_resets_only_its_stream(
    rendezvous: Rendezvous, executor: Path
) -> None:
    bad, good = await asyncio.gather(open_harness(rendezvous), open_harness(rendezvous))
    await bad.send_raw(b"[1, 2]")  # valid JSON, not JSON-RPC: the reference resets
    await asyncio.wait_for(bad.closed.wait(), WAIT)
    assert bad.close_reason == "reset"
    response = await good.call("environment/info", {})
    assert "result" in response
    # A client sending a response aborts its session: best-effort Reset as well.
    await good.send_raw(b'{"id": 99, "result": {}}')
    await asyncio.wait_for(good.closed.wait(), WAIT)
    assert good.close_reason == "reset"
    resets = [
        f
        for f in rendezvous.captured
        if f.direction is Direction.EXECUTOR_TO_HARNESS and f.kind is FrameKind.RESET
    ]
    assert {decode_frame(f.data).reason for f in resets} == {"noise_relay_protocol_error"}
    await bad.close()
    await good.close()


async def test_data_frames_carry_no_plaintext(rendezvous: Rendezvous, executor: Path) -> None:
    harness = await open_harness(rendezvous)
    await run_process(harness, "marker-process", "printf marker-output-text")
    data = [f.data for f in rendezvous.captured if f.kind is FrameKind.DATA]
    assert len(data) >= 4
    for raw in data:
        payload = decode_frame(raw).payload
        for marker in (b"initialize", b"process/start", b"marker-output", b"sessionId", b"relay-test"):
            assert marker not in payload
    await harness.close()


async def test_large_messages_in_both_directions(
    rendezvous: Rendezvous, executor: Path, tmp_path: Path
) -> None:
    harness = await open_harness(rendezvous)
    blob = os.urandom(128 * 1024)
    target = tmp_path / "blob.bin"
    await harness.request(
        "fs/writeFile",
        {"path": f"file://{target}", "dataBase64": base64.b64encode(blob).decode()},
    )
    result = await harness.request("fs/readFile", {"path": f"file://{target}"})
    assert base64.b64decode(result["dataBase64"]) == blob
    await harness.close()


async def test_a_reply_too_large_for_the_relay_is_an_error_not_a_lost_stream(
    rendezvous: Rendezvous, executor: Path, tmp_path: Path
) -> None:
    harness = await open_harness(rendezvous)
    target = tmp_path / "huge.bin"
    target.write_bytes(b"\0" * (50 << 20))  # 50 MiB: its base64 answer exceeds 64 MiB
    answer = await harness.call("fs/readFile", {"path": f"file://{target}"}, timeout=60)
    assert answer["error"]["code"] == -32603
    assert answer["error"]["message"].startswith("response is too large for the relay: ")
    # The stream is still usable.
    assert await harness.request("environment/status", None) == {"status": "ready"}
    await harness.close()


# --------------------------------------------------------------------------- vanished harness


async def test_vanished_harness_detaches_its_session_for_resume(
    rendezvous: Rendezvous, executor: Path
) -> None:
    first = await open_harness(rendezvous)
    await first.request("process/start", start_params("sleeper", "sleep 300"))
    first.abort()  # codex just drops its socket; the rendezvous tells the executor
    await rendezvous.wait_for(lambda: rendezvous.counters.resets_synthesized >= 1, WAIT)
    second = await open_harness(rendezvous, resume_session_id=first.session_id)
    assert second.session_id == first.session_id
    # The resumed session still owns the process started before the disconnect.
    assert await second.request("process/terminate", {"processId": "sleeper"}) == {"running": True}
    await second.close()


async def test_idle_stream_is_reset_when_the_rendezvous_says_nothing(
    rendezvous: Rendezvous, tmp_path: Path
) -> None:
    async with remote_executor(
        rendezvous.base_url, tmp_path / "executor.log", "--stream-idle-timeout", "1"
    ):
        await rendezvous.wait_for(lambda: rendezvous.executor_connected(ENV), WAIT)
        silent = await open_harness(rendezvous)
        # No frame from the harness: the executor gives up on the stream and says so.
        await asyncio.wait_for(silent.closed.wait(), WAIT)
        assert silent.close_reason == "reset"
        again = await open_harness(rendezvous, resume_session_id=silent.session_id)
        assert again.session_id == silent.session_id
        # A harness that keeps its stream alive with heartbeats is not reset.
        lively = await open_harness(rendezvous, config=StreamConfig(heartbeat_interval=0.1))
        await asyncio.sleep(2)
        assert not lively.closed.is_set()
        await lively.close()
        await again.close()
        await silent.close()


# --------------------------------------------------------------------------- handshakes


async def test_refused_and_duplicate_handshakes(rendezvous: Rendezvous, executor: Path) -> None:
    harness = await open_harness(rendezvous)
    assert [v.stream_id for v in rendezvous.validations] == [harness.stream.stream_id]
    # A replayed msg1 on the active stream id: Reset, but the stream keeps working (codex
    # does the same; the routing claim keeps the replay on this harness's socket).
    replay = [
        f.data
        for f in rendezvous.captured
        if f.direction is Direction.HARNESS_TO_EXECUTOR and f.kind is FrameKind.HANDSHAKE
    ]
    harness.expected_resets = 1
    await harness.send_frame(replay[0])
    await rendezvous.wait_for(
        lambda: any(
            f.kind is FrameKind.RESET and f.direction is Direction.EXECUTOR_TO_HARNESS
            for f in rendezvous.captured
        ),
        WAIT,
    )
    assert "result" in await harness.call("environment/info", {})
    assert not harness.closed.is_set()
    await harness.close()
    # A garbage msg1 is reset without a registry call.
    garbage = await open_harness(rendezvous, initialize=False)
    validations = len(rendezvous.validations)
    await garbage.send_frame(handshake_frame("garbage-stream", os.urandom(3700)).encode())
    await rendezvous.wait_for(
        lambda: any(
            f.stream_id == "garbage-stream" and f.kind is FrameKind.RESET
            for f in rendezvous.captured
        ),
        WAIT,
    )
    assert len(rendezvous.validations) == validations
    await garbage.close()


async def test_wrong_executor_key_is_reset(rendezvous: Rendezvous, executor: Path) -> None:
    from .test_remote_support import fetch_bundle

    identity = NoiseIdentity.generate()
    bundle = await fetch_bundle(rendezvous.base_url, ENV, identity, TOKEN)
    bundle.executor_public_key = NoiseIdentity.generate().public_key
    with pytest.raises(HarnessError, match="reset"):
        await RelayHarness.open(rendezvous.base_url, ENV, identity=identity, bundle=bundle)
    assert len(rendezvous.validations) == 0


# --------------------------------------------------------------------------- reliability


async def test_session_survives_loss_duplication_and_reordering(tmp_path: Path) -> None:
    lossy = DirectionFaults(drop=0.15, duplicate=0.1, reorder=0.1)
    faults = FaultConfig(harness_to_executor=lossy, executor_to_harness=lossy, seed=7)
    async with Rendezvous(token=TOKEN, faults=faults) as rv:
        async with remote_executor(rv.base_url, tmp_path / "executor.log"):
            await rv.wait_for(lambda: rv.executor_connected(ENV), WAIT)
            harness = await open_harness(rv, timeout=WAIT)
            blob = os.urandom(200 * 1024)
            target = tmp_path / "blob.bin"
            target.write_bytes(blob)
            for index in range(5):
                result = await harness.request(
                    "fs/readFile", {"path": f"file://{target}"}, timeout=WAIT
                )
                assert base64.b64decode(result["dataBase64"]) == blob, index
            assert await run_process(harness, "p", "printf survived") == b"survived"
            assert rv.counters.faults_dropped > 0 and rv.counters.faults_duplicated > 0
            await harness.close()


# --------------------------------------------------------------------------- reconnects


async def test_executor_reconnects_after_the_rendezvous_drops_it(
    rendezvous: Rendezvous, executor: Path
) -> None:
    before = await open_harness(rendezvous)
    await rendezvous.disconnect_executor(ENV)
    await asyncio.wait_for(before.closed.wait(), WAIT)
    await rendezvous.wait_for(lambda: rendezvous.counters.executor_sockets == 2, WAIT)
    await rendezvous.wait_for(lambda: rendezvous.executor_connected(ENV), WAIT)
    assert rendezvous.counters.registrations == 1  # same registration, same identity
    after = await open_harness(rendezvous, resume_session_id=before.session_id)
    assert after.session_id == before.session_id
    await after.close()
    await before.close()


async def test_executor_reregisters_when_its_registration_is_replaced(
    rendezvous: Rendezvous, executor: Path
) -> None:
    # Another executor takes the environment: ours loses its socket, and its old
    # rendezvous credential is refused (401), so it must register again.
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{rendezvous.base_url}/cloud/environment/{ENV}/register",
            json={
                "security_profile": "noise_hybrid_ik_v1",
                "executor_public_key": NoiseIdentity.generate().public_key.to_json(),
            },
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as response:
            assert response.status == 200
    await rendezvous.wait_for(lambda: rendezvous.counters.registrations >= 3, WAIT)
    await rendezvous.wait_for(lambda: rendezvous.executor_connected(ENV), WAIT)
    assert rendezvous.counters.refused_upgrades >= 1
    harness = await open_harness(rendezvous)
    assert "result" in await harness.call("environment/info", {})
    await harness.close()


# --------------------------------------------------------------------------- registry


async def test_registry_calls_and_secret_hygiene(rendezvous: Rendezvous, tmp_path: Path) -> None:
    # `/`, `?`, `#`, `%` and a space: the id must travel as one percent-encoded segment.
    environment_id = "team/name? #%"
    log = tmp_path / "executor.log"
    async with remote_executor(rendezvous.base_url, log, environment_id=environment_id):
        await rendezvous.wait_for(lambda: rendezvous.executor_connected(environment_id), WAIT)
    (register,) = [r for r in rendezvous.requests if r.path.endswith("/register")]
    assert register.path == f"/cloud/environment/{environment_id}/register"
    assert register.query_keys == ()
    assert register.headers["authorization"] == "Bearer <redacted>"
    assert register.body_keys == ("security_profile", "executor_public_key")
    text = log.read_text()
    assert "connected to rendezvous" in text  # the log was written at debug level...
    assert TOKEN not in text  # ...without the bearer
    assert "/rendezvous?" not in text  # ...or the signed rendezvous credential


async def test_validation_carries_the_stream_id_header(
    rendezvous: Rendezvous, executor: Path
) -> None:
    harness = await open_harness(rendezvous)
    validate = [r for r in rendezvous.requests if r.path.endswith("/validate")]
    assert validate[0].headers["x-codex-noise-stream-id"] == harness.stream.stream_id
    assert validate[0].body_keys == (
        "executor_registration_id",
        "harness_public_key",
        "harness_key_authorization",
    )
    await harness.close()


async def test_unacking_harness_sees_reference_frames(
    rendezvous: Rendezvous, executor: Path
) -> None:
    harness = await open_harness(rendezvous, config=StreamConfig(reliable=False))
    assert not harness.stream.peer_acks
    await run_process(harness, "p", "printf plain")
    to_harness = [
        decode_frame(f.data)
        for f in rendezvous.captured
        if f.direction is Direction.EXECUTOR_TO_HARNESS and f.stream_id == harness.stream.stream_id
    ]
    assert to_harness and all(f.ack == f.ack_bits == 0 for f in to_harness)
    assert {f.kind for f in to_harness} <= {RelayFrameKind.HANDSHAKE, RelayFrameKind.DATA}
    seqs = [f.seq for f in to_harness if f.kind is RelayFrameKind.DATA]
    assert seqs == list(range(len(seqs)))  # from 0, never resent
    await harness.close()


async def test_sigterm_stops_a_serving_executor(rendezvous: Rendezvous, tmp_path: Path) -> None:
    async with remote_executor(rendezvous.base_url, tmp_path / "executor.log") as process:
        await rendezvous.wait_for(lambda: rendezvous.executor_connected(ENV), WAIT)
        harness = await open_harness(rendezvous)
        await harness.request("process/start", start_params("sleeper", "sleep 300"))
        os.killpg(process.pid, signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), WAIT) == 0
        await asyncio.wait_for(harness.closed.wait(), WAIT)
        await harness.close()
