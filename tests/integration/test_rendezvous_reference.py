"""The rendezvous against the real reference executor (`codex exec-server --remote`, 0.169.0).

Checks that codex registers with our registry, dials our rendezvous with the returned URL,
answers a garbage Handshake with a Reset through it, completes a real Noise handshake
(calling ``/validate`` with the stream id header), serves ``initialize`` over it, and detaches
the JSON-RPC session when the rendezvous synthesizes a Reset for a harness that dropped its
socket: ``initialize{resumeSessionId}`` from a new stream then succeeds, where codex would
otherwise answer -32010 "already attached". Run with ``-m interop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType
from execwire_rendezvous import Direction, FrameKind, Rendezvous
from yarl import URL

from execwire.protocol.codex.exec_server.relay.v1 import relay_pb2 as pb
from execwire.relay.framing import MessageAssembler, encode_message
from execwire.relay.noise import (
    HandshakeInitiator,
    NoiseIdentity,
    NoisePublicKey,
    TransportKeys,
    relay_prologue,
)

pytestmark = pytest.mark.interop

REPO = Path(__file__).resolve().parents[2]
CODEX = (
    REPO
    / ".cache/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"
)
TOKEN = "interop-bearer-4b1d"
ENV = "env-1"
TIMEOUT = 30.0
PLAINTEXT_MARKERS = (b"initialize", b"clientName", b"sessionId", b"rendezvous-interop", b"jsonrpc")


def frame(stream: str, **body: Any) -> bytes:
    return pb.RelayMessageFrame(version=1, stream_id=stream, **body).SerializeToString()


async def recv_frame(ws: aiohttp.ClientWebSocketResponse, stream: str) -> pb.RelayMessageFrame:
    """The next frame of `stream` (others are ignored, as the codex harness does)."""
    while True:
        message = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert message.type is WSMsgType.BINARY, message
        decoded = pb.RelayMessageFrame.FromString(message.data)
        if decoded.stream_id == stream:
            return decoded


class NoiseHarness:
    """A minimal harness: one physical socket, one stream, JSON-RPC over Noise records."""

    def __init__(
        self, ws: aiohttp.ClientWebSocketResponse, stream: str, keys: TransportKeys
    ) -> None:
        self.ws = ws
        self.stream = stream
        self.keys = keys
        self.send_seq = 0
        self.assembler = MessageAssembler()
        self.next_id = 1

    @classmethod
    async def open(
        cls, http: aiohttp.ClientSession, rv: Rendezvous, identity: NoiseIdentity
    ) -> NoiseHarness:
        async with http.post(
            f"{rv.base_url}/cloud/environment/{ENV}/connect",
            json={"harness_public_key": identity.public_key.to_json()},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as response:
            assert response.status == 200
            bundle = await response.json()
        stream = str(uuid.uuid4())
        initiator = HandshakeInitiator(
            identity,
            NoisePublicKey.from_json(bundle["executor_public_key"]),
            relay_prologue(ENV, bundle["executor_registration_id"], stream),
        )
        msg1 = initiator.write_message1(bundle["harness_key_authorization"].encode())
        ws = await http.ws_connect(URL(bundle["url"], encoded=True), max_msg_size=256 * 1024 + 1)
        await ws.send_bytes(frame(stream, resume=pb.RelayResume()))
        await ws.send_bytes(frame(stream, handshake=pb.RelayHandshake(payload=msg1)))
        reply = await recv_frame(ws, stream)
        assert reply.WhichOneof("body") == "handshake", reply
        return cls(ws, stream, initiator.read_message2(reply.handshake.payload))

    async def send(self, message: dict[str, Any]) -> None:
        for record in encode_message(json.dumps(message, separators=(",", ":")).encode()):
            payload = self.keys.send.encrypt(record)
            data = pb.RelayData(seq=self.send_seq, segment_count=1, payload=payload)
            await self.ws.send_bytes(frame(self.stream, data=data))
            self.send_seq += 1

    async def receive(self) -> dict[str, Any]:
        # Loopback, no faults: records arrive in order, so no reorder buffer is needed.
        while True:
            got = await recv_frame(self.ws, self.stream)
            assert got.WhichOneof("body") == "data", got
            for message in self.assembler.feed(self.keys.receive.decrypt(got.data.payload)):
                decoded: dict[str, Any] = json.loads(message)
                return decoded

    async def request(self, method: str, params: Any) -> dict[str, Any]:
        request_id = self.next_id
        self.next_id += 1
        await self.send({"id": request_id, "method": method, "params": params})
        while True:
            message = await self.receive()
            if message.get("id") == request_id:
                return message


@pytest.fixture
async def rv() -> AsyncIterator[Rendezvous]:
    async with Rendezvous(token=TOKEN, capture=True) as server:
        yield server


@pytest.fixture
async def executor(rv: Rendezvous) -> AsyncIterator[asyncio.subprocess.Process]:
    if not CODEX.exists():
        pytest.skip(f"reference binary not installed at {CODEX}")
    # CODEX_HOME must not live under /tmp (the reference warns and cannot set up helpers).
    (REPO / ".cache").mkdir(exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="rendezvous-interop-", dir=REPO / ".cache"))
    process = await asyncio.create_subprocess_exec(
        str(CODEX), "exec-server", "--remote", rv.base_url,
        "--environment-id", ENV, "--registration-bearer-stdin",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "CODEX_HOME": str(home)},
        start_new_session=True,
    )  # fmt: skip
    assert process.stdin is not None
    process.stdin.write(TOKEN.encode() + b"\n")
    await process.stdin.drain()
    process.stdin.close()
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        shutil.rmtree(home, ignore_errors=True)


async def test_reference_executor_through_the_rendezvous(
    rv: Rendezvous, executor: asyncio.subprocess.Process
) -> None:
    await rv.wait_for(lambda: rv.executor_connected(ENV), TIMEOUT)

    # What codex sent: one register with our bearer, then the upgrade to the returned URL.
    register, upgrade = list(rv.requests)[:2]
    assert (register.method, register.path) == ("POST", f"/cloud/environment/{ENV}/register")
    assert register.headers["authorization"] == "Bearer <redacted>"
    assert register.headers["content-type"].startswith("application/json")
    assert set(register.body_keys or ()) == {"security_profile", "executor_public_key"}
    assert (upgrade.method, upgrade.path) == ("GET", "/rendezvous")
    assert set(upgrade.query_keys) == {
        "role", "environment_id", "registration_id", "expires", "nonce", "sig",
    }  # fmt: skip
    assert upgrade.headers["upgrade"].lower() == "websocket"
    assert upgrade.headers["x-request-id"].startswith("req_")
    assert "sec-websocket-extensions" not in upgrade.headers  # no permessage-deflate offered
    assert rv.counters.registrations == 1

    async with aiohttp.ClientSession() as http:
        # 1. A garbage Handshake is answered with a Reset, through the rendezvous.
        async with http.post(
            f"{rv.base_url}/cloud/environment/{ENV}/connect",
            json={"harness_public_key": NoiseIdentity.generate().public_key.to_json()},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as response:
            bundle = await response.json()
        garbage = await http.ws_connect(URL(bundle["url"], encoded=True))
        await garbage.send_bytes(frame("garbage", resume=pb.RelayResume()))
        await garbage.send_bytes(
            frame("garbage", handshake=pb.RelayHandshake(payload=b"\x00" * 64))
        )
        answer = await recv_frame(garbage, "garbage")
        assert answer.WhichOneof("body") == "reset"
        assert answer.reset.reason == "noise_relay_protocol_error"
        assert rv.counters.validations == 0  # refused before any registry call
        await garbage.close()
        # The claim outlives the executor's Reset (codex keeps a stream alive after some
        # Resets), so the departure is still announced; codex ignores it for a dead stream.
        await rv.wait_for(lambda: rv.counters.resets_synthesized == 1, TIMEOUT)

        # 2. A real handshake: codex validates the authorization once, with the stream id.
        identity = NoiseIdentity.generate()
        first = await NoiseHarness.open(http, rv, identity)
        assert [(v.stream_id, v.valid) for v in rv.validations] == [(first.stream, True)]
        validate = next(r for r in rv.requests if r.path.endswith("/validate"))
        assert validate.headers["authorization"] == "Bearer <redacted>"
        assert validate.headers["x-codex-noise-stream-id"] == first.stream
        assert set(validate.body_keys or ()) == {
            "executor_registration_id", "harness_public_key", "harness_key_authorization",
        }  # fmt: skip
        params = {"clientName": "rendezvous-interop", "resumeSessionId": None}
        result = await first.request("initialize", params)
        session_id = result["result"]["sessionId"]
        await first.send({"method": "initialized", "params": {}})

        # 3. The harness drops its socket without a Reset, like the codex harness at exit.
        await first.ws.close()
        await rv.wait_for(lambda: rv.counters.resets_synthesized == 2, TIMEOUT)
        synthesized = [c for c in rv.captured if c.synthesized]
        assert [(c.direction, c.stream_id, c.kind) for c in synthesized] == [
            (Direction.HARNESS_TO_EXECUTOR, "garbage", FrameKind.RESET),
            (Direction.HARNESS_TO_EXECUTOR, first.stream, FrameKind.RESET),
        ]

        # 4. That Reset detached the session: a new stream resumes it.
        second = await NoiseHarness.open(http, rv, identity)
        resumed: dict[str, Any] = {}
        for _ in range(20):
            resumed = await second.request("initialize", {**params, "resumeSessionId": session_id})
            if "result" in resumed:
                break
            # Detaching may trail the Reset inside codex; a failed initialize may be retried.
            assert resumed["error"]["code"] == -32010, resumed
            await asyncio.sleep(0.1)
        assert "result" in resumed, resumed
        assert resumed["result"]["sessionId"] == session_id
        assert rv.counters.validations_valid == 2

    # Nothing in clear crossed the rendezvous: every Data payload is ciphertext.
    data_frames = [c for c in rv.captured if c.kind is FrameKind.DATA]
    assert len(data_frames) >= 4
    for captured in data_frames:
        for marker in PLAINTEXT_MARKERS:
            assert marker not in captured.data
    executor_resets = [
        c
        for c in rv.captured
        if c.kind is FrameKind.RESET and c.direction is Direction.EXECUTOR_TO_HARNESS
    ]
    assert [c.stream_id for c in executor_resets][:1] == ["garbage"]


async def test_reference_executor_reconnects_and_reregisters_after_401(
    rv: Rendezvous, executor: asyncio.subprocess.Process
) -> None:
    await rv.wait_for(lambda: rv.executor_connected(ENV), TIMEOUT)
    # A dropped socket: codex redials the same signed URL, which is still valid.
    await rv.disconnect_executor(ENV)
    await rv.wait_for(lambda: rv.counters.executor_sockets == 2, 60)
    assert (rv.counters.registrations, rv.counters.refused_upgrades) == (1, 0)

    # Someone else registers the environment: codex's socket is closed, its URL now gets
    # 401, and it registers again (a new registration id) before dialing.
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{rv.base_url}/cloud/environment/{ENV}/register",
            json={
                "security_profile": "noise_hybrid_ik_v1",
                "executor_public_key": NoiseIdentity.generate().public_key.to_json(),
            },
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as response:
            assert response.status == 200
            ours = (await response.json())["executor_registration_id"]
    await rv.wait_for(lambda: rv.counters.executor_sockets == 3, 60)
    assert rv.counters.refused_upgrades >= 1
    assert rv.counters.registrations >= 3
    registration = rv.registration(ENV)
    assert registration is not None
    assert registration.registration_id != ours
    paths = [(r.method, r.path) for r in rv.requests]
    assert paths[-2:] == [("POST", f"/cloud/environment/{ENV}/register"), ("GET", "/rendezvous")]
