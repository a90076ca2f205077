"""The registry + rendezvous server over real sockets, with small fake endpoints.

The fake executor and harnesses are aiohttp websocket clients that send hand-made
``RelayMessageFrame``s with dummy payloads: the rendezvous never looks inside them, so no
Noise is needed here (test_rendezvous_reference.py drives the real executor).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import WSMsgType
from execwire_rendezvous import (
    CapturedFrame,
    Direction,
    DirectionFaults,
    FaultConfig,
    FaultInjector,
    FrameKind,
    Rendezvous,
)
from yarl import URL

from execwire.protocol.codex.exec_server.relay.v1 import relay_pb2 as pb
from execwire.relay.noise import NoiseIdentity

TOKEN = "rendezvous-test-token-5f2c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENV = "env-1"
TIMEOUT = 10.0
MAX_MESSAGE = 256 * 1024

H2E = Direction.HARNESS_TO_EXECUTOR
E2H = Direction.EXECUTOR_TO_HARNESS

Socket = aiohttp.ClientWebSocketResponse


# ---------------------------------------------------------------------- frames


def resume(stream: str) -> bytes:
    return pb.RelayMessageFrame(
        version=1, stream_id=stream, resume=pb.RelayResume()
    ).SerializeToString()


def handshake(stream: str, payload: bytes = b"opaque-msg") -> bytes:
    return pb.RelayMessageFrame(
        version=1, stream_id=stream, handshake=pb.RelayHandshake(payload=payload)
    ).SerializeToString()


def data(stream: str, seq: int, payload: bytes | None = None) -> bytes:
    body = pb.RelayData(seq=seq, segment_count=1, payload=payload or f"{stream}#{seq}".encode())
    return pb.RelayMessageFrame(version=1, stream_id=stream, data=body).SerializeToString()


def reset(stream: str, reason: str = "noise_relay_protocol_error") -> bytes:
    return pb.RelayMessageFrame(
        version=1, stream_id=stream, reset=pb.RelayReset(reason=reason)
    ).SerializeToString()


def decode(frame: bytes) -> pb.RelayMessageFrame:
    return pb.RelayMessageFrame.FromString(frame)


# ---------------------------------------------------------------------- registry helpers


def public_key() -> dict[str, str]:
    return NoiseIdentity.generate().public_key.to_json()


async def post(
    http: aiohttp.ClientSession,
    rv: Rendezvous,
    env: str,
    action: str,
    body: Any,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    url = URL(f"{rv.base_url}/cloud/environment/{env}/{action}", encoded=True)
    async with http.post(url, json=body, headers=AUTH if headers is None else headers) as response:
        return response.status, await response.json(content_type=None)


async def register(http: aiohttp.ClientSession, rv: Rendezvous, env: str = ENV) -> dict[str, Any]:
    status, body = await post(
        http,
        rv,
        env,
        "register",
        {"security_profile": "noise_hybrid_ik_v1", "executor_public_key": public_key()},
    )
    assert status == 200, body
    return dict(body)


async def connect(
    http: aiohttp.ClientSession, rv: Rendezvous, env: str = ENV, key: dict[str, str] | None = None
) -> dict[str, Any]:
    status, body = await post(http, rv, env, "connect", {"harness_public_key": key or public_key()})
    assert status == 200, body
    return dict(body)


async def dial(http: aiohttp.ClientSession, url: str) -> Socket:
    # The URL is used exactly as the registry returned it (encoded=True: no re-quoting).
    # aiohttp refuses messages >= max_msg_size, hence the + 1 to accept exactly 256 KiB.
    return await http.ws_connect(
        URL(url, encoded=True), max_msg_size=MAX_MESSAGE + 1, autoping=True
    )


async def recv(ws: Socket) -> bytes:
    message = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert message.type is WSMsgType.BINARY, message
    assert isinstance(message.data, bytes)
    return message.data


async def recv_close(ws: Socket) -> int | None:
    """Read until the socket closes; return the code of the server's close frame.

    Binary frames are skipped. The code is taken from the close frame itself: aiohttp drops the
    TCP connection right after a close it initiates from another task, so the client's own
    `close_code` may turn into 1006 while it echoes the close.
    """
    while True:
        message = await asyncio.wait_for(ws.receive(), TIMEOUT)
        if message.type is WSMsgType.CLOSE:
            return int(message.data)
        if message.type in (WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR):
            return ws.close_code


# ---------------------------------------------------------------------- fixtures


@pytest.fixture
async def rv() -> AsyncIterator[Rendezvous]:
    async with Rendezvous(token=TOKEN, capture=True) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@dataclass
class Environment:
    registration: dict[str, Any]
    executor: Socket


@pytest.fixture
async def environment(rv: Rendezvous, http: aiohttp.ClientSession) -> Environment:
    registration = await register(http, rv)
    executor = await dial(http, registration["url"])
    await rv.wait_for(lambda: rv.executor_connected(ENV))
    return Environment(registration, executor)


async def harness(http: aiohttp.ClientSession, rv: Rendezvous, env: str = ENV) -> Socket:
    return await dial(http, (await connect(http, rv, env))["url"])


# ---------------------------------------------------------------------- registry


async def test_register_connect_validate(rv: Rendezvous, http: aiohttp.ClientSession) -> None:
    executor_key = public_key()
    status, registration = await post(
        http,
        rv,
        ENV,
        "register",
        {"security_profile": "noise_hybrid_ik_v1", "executor_public_key": executor_key},
    )
    assert status == 200
    assert set(registration) == {
        "environment_id",
        "url",
        "security_profile",
        "executor_registration_id",
    }
    assert registration["environment_id"] == ENV
    assert registration["security_profile"] == "noise_hybrid_ik_v1"
    url = urlsplit(registration["url"])
    assert (url.scheme, url.netloc, url.path) == ("ws", urlsplit(rv.base_url).netloc, "/rendezvous")
    assert parse_qs(url.query)["role"] == ["environment"]

    harness_key = public_key()
    bundle = await connect(http, rv, key=harness_key)
    assert set(bundle) == {
        "environment_id", "url", "security_profile", "executor_registration_id",
        "executor_public_key", "harness_key_authorization",
    }  # fmt: skip
    assert bundle["executor_public_key"] == executor_key
    assert bundle["executor_registration_id"] == registration["executor_registration_id"]
    assert parse_qs(urlsplit(bundle["url"]).query)["role"] == ["harness"]

    body = {
        "executor_registration_id": registration["executor_registration_id"],
        "harness_public_key": harness_key,
        "harness_key_authorization": bundle["harness_key_authorization"],
    }
    headers = {**AUTH, "x-codex-noise-stream-id": "stream-1"}
    assert await post(http, rv, ENV, "validate", body, headers) == (200, {"valid": True})
    assert await post(http, rv, ENV, "validate", body, headers) == (200, {"valid": False})
    assert [(v.environment_id, v.stream_id, v.valid) for v in rv.validations] == [
        (ENV, "stream-1", True),
        (ENV, "stream-1", False),
    ]
    counters = rv.counters
    assert (counters.registrations, counters.connects, counters.validations) == (1, 1, 2)
    assert counters.validations_valid == 1


async def test_validate_is_bound_to_key_and_registration(
    rv: Rendezvous, http: aiohttp.ClientSession
) -> None:
    registration = await register(http, rv)
    harness_key = public_key()

    async def attempt(key: dict[str, str], registration_id: str) -> Any:
        bundle = await connect(http, rv, key=harness_key)
        body = {
            "executor_registration_id": registration_id,
            "harness_public_key": key,
            "harness_key_authorization": bundle["harness_key_authorization"],
        }
        return await post(http, rv, ENV, "validate", body)

    assert await attempt(public_key(), registration["executor_registration_id"]) == (
        200,
        {"valid": False},
    )
    assert await attempt(harness_key, "another-registration") == (200, {"valid": False})
    assert await attempt(harness_key, registration["executor_registration_id"]) == (
        200,
        {"valid": True},
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-xyz"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
)
@pytest.mark.parametrize("action", ["register", "connect", "validate"])
async def test_registry_requires_the_bearer_token(
    rv: Rendezvous, http: aiohttp.ClientSession, headers: dict[str, str], action: str
) -> None:
    status, body = await post(http, rv, ENV, action, {}, headers)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    assert TOKEN not in str(body)
    assert "wrong-token-xyz" not in str(body)


async def test_registry_errors(rv: Rendezvous, http: aiohttp.ClientSession) -> None:
    async with http.post(
        f"{rv.base_url}/cloud/environment/{ENV}/register", data=b"{nope", headers=AUTH
    ) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "invalid_request"
    status, body = await post(
        http,
        rv,
        ENV,
        "register",
        {"security_profile": "other", "executor_public_key": public_key()},
    )
    assert (status, body["error"]["code"]) == (400, "invalid_request")
    bad_suite = {**public_key(), "suite": "other"}
    status, body = await post(
        http,
        rv,
        ENV,
        "register",
        {"security_profile": "noise_hybrid_ik_v1", "executor_public_key": bad_suite},
    )
    assert status == 400
    assert bad_suite["x25519_public_key"] not in str(body)  # inputs are never echoed
    short_key = {**public_key(), "x25519_public_key": "AAAA"}
    status, body = await post(
        http,
        rv,
        ENV,
        "register",
        {"security_profile": "noise_hybrid_ik_v1", "executor_public_key": short_key},
    )
    assert (status, body["error"]["code"]) == (400, "invalid_public_key")
    status, body = await post(http, rv, "nobody", "connect", {"harness_public_key": public_key()})
    assert (status, body["error"]["code"]) == (404, "environment_not_found")
    for dots in ("%2E", "%2E%2E"):
        status, body = await post(http, rv, dots, "connect", {"harness_public_key": public_key()})
        assert (status, body["error"]["code"]) == (400, "invalid_environment_id")
    async with http.get(
        f"{rv.base_url}/cloud/environment/{ENV}/register", headers=AUTH
    ) as response:
        assert response.status == 405
        assert "error" in await response.json()
    async with http.post(f"{rv.base_url}/cloud/nothing", headers=AUTH) as response:
        assert response.status == 404
        assert "error" in await response.json()
    async with http.get(f"{rv.base_url}/rendezvous") as response:
        assert response.status == 401  # no credential


async def test_percent_encoded_environment_ids(rv: Rendezvous, http: aiohttp.ClientSession) -> None:
    decoded = "team/name?# %"
    registration = await register(http, rv, "team%2Fname%3F%23%20%25")
    assert registration["environment_id"] == decoded
    executor = await dial(http, registration["url"])
    await rv.wait_for(lambda: rv.executor_connected(decoded))
    bundle = await connect(http, rv, "team%2Fname%3F%23%20%25")
    assert bundle["environment_id"] == decoded
    peer = await dial(http, bundle["url"])
    await peer.send_bytes(handshake("s"))
    assert await recv(executor) == handshake("s")


async def test_reregistration_replaces_the_executor(
    rv: Rendezvous, http: aiohttp.ClientSession, environment: Environment
) -> None:
    peer = await harness(http, rv)
    await peer.send_bytes(handshake("s"))
    assert await recv(environment.executor) == handshake("s")
    second = await register(http, rv)
    assert (
        second["executor_registration_id"] != environment.registration["executor_registration_id"]
    )
    assert await recv_close(environment.executor) == 1001
    assert await recv_close(peer) == 1001
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await dial(http, environment.registration["url"])
    assert refused.value.status == 401
    executor = await dial(http, second["url"])
    await rv.wait_for(lambda: rv.executor_connected(ENV))
    peer = await harness(http, rv)
    await peer.send_bytes(handshake("s"))
    assert await recv(executor) == handshake("s")


async def test_public_url_and_readiness(http: aiohttp.ClientSession) -> None:
    async with Rendezvous(token=TOKEN, public_url="https://rv.example:8443/") as rv:
        registration = await register(http, rv)
        assert registration["url"].startswith("wss://rv.example:8443/rendezvous?role=environment&")
        async with http.get(f"{rv.base_url}/readyz") as response:
            assert response.status == 200


# ---------------------------------------------------------------------- upgrade credentials


async def test_garbled_or_missing_credentials_get_401(
    rv: Rendezvous, http: aiohttp.ClientSession
) -> None:
    registration = await register(http, rv)
    url = registration["url"]
    garbled = url.replace("sig=", "sig=x")
    no_role = url.replace("role=environment&", "")
    other_role = url.replace("role=environment", "role=harness")
    for bad in (garbled, no_role, other_role, f"{rv.base_url}/rendezvous".replace("http", "ws")):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await dial(http, bad)
        assert refused.value.status == 401
    assert rv.counters.refused_upgrades == 4
    async with http.get(URL(url.replace("ws://", "http://"), encoded=True)) as response:
        assert response.status == 400  # a valid credential but no upgrade


async def test_harness_credentials_are_single_use(
    rv: Rendezvous, http: aiohttp.ClientSession, environment: Environment
) -> None:
    bundle = await connect(http, rv)
    first = await dial(http, bundle["url"])
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await dial(http, bundle["url"])
    assert refused.value.status == 401
    await first.close()
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await dial(http, bundle["url"])
    # Executor URLs are reusable: the executor reconnects with the same one.
    await environment.executor.close()
    await rv.wait_for(lambda: not rv.executor_connected(ENV))
    await dial(http, environment.registration["url"])
    await rv.wait_for(lambda: rv.executor_connected(ENV))


async def test_expired_credentials_get_401(http: aiohttp.ClientSession) -> None:
    async with Rendezvous(token=TOKEN, harness_credential_ttl=0, executor_credential_ttl=0) as rv:
        registration = await register(http, rv)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await dial(http, registration["url"])
        assert refused.value.status == 401
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await dial(http, (await connect(http, rv))["url"])


async def test_credentials_do_not_survive_a_restart(http: aiohttp.ClientSession) -> None:
    async with Rendezvous(token=TOKEN) as first:
        url = (await register(http, first))["url"]
        port = urlsplit(first.base_url).port
    assert port is not None
    async with Rendezvous(token=TOKEN, port=port) as second:
        await register(http, second)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await dial(http, url)
        assert refused.value.status == 401


# ---------------------------------------------------------------------- routing


async def test_two_harness_sockets_share_one_executor(
    rv: Rendezvous, http: aiohttp.ClientSession, environment: Environment
) -> None:
    executor = environment.executor
    one = await harness(http, rv)
    two = await harness(http, rv)
    sent: dict[str, list[bytes]] = {"a": [], "b1": [], "b2": []}
    for ws, stream in ((one, "a"), (two, "b1"), (two, "b2")):
        frames = [resume(stream), handshake(stream), data(stream, 0), data(stream, 1)]
        sent[stream] = frames
        for frame in frames:
            await ws.send_bytes(frame)
    received: dict[str, list[bytes]] = {"a": [], "b1": [], "b2": []}
    for _ in range(12):
        frame = await recv(executor)
        received[decode(frame).stream_id].append(frame)
    assert received == sent  # bytes in == bytes out, in order per stream

    # Executor replies: each harness sees only its own streams; unclaimed ids vanish.
    replies = {
        stream: [handshake(stream, b"msg2"), data(stream, 0, f"to-{stream}".encode())]
        for stream in sent
    }
    await executor.send_bytes(data("unclaimed", 0))
    for stream in ("b2", "a", "b1"):
        for frame in replies[stream]:
            await executor.send_bytes(frame)
    assert [await recv(one) for _ in range(2)] == replies["a"]
    got_two = [await recv(two) for _ in range(4)]
    assert got_two == replies["b2"] + replies["b1"]
    assert rv.counters.frames_dropped == 1


async def test_a_stream_id_cannot_be_taken_over(
    rv: Rendezvous, http: aiohttp.ClientSession, environment: Environment
) -> None:
    owner = await harness(http, rv)
    intruder = await harness(http, rv)
    await owner.send_bytes(handshake("s"))
    assert await recv(environment.executor) == handshake("s")
    await intruder.send_bytes(handshake("s"))
    refusal = decode(await recv(intruder))
    assert (refusal.stream_id, refusal.reset.reason) == ("s", "stream_id_in_use")
    await intruder.send_bytes(data("s", 0))  # dropped
    await owner.send_bytes(data("s", 0, b"owner"))
    assert await recv(environment.executor) == data("s", 0, b"owner")
    await environment.executor.send_bytes(data("s", 0, b"reply"))
    assert await recv(owner) == data("s", 0, b"reply")


@pytest.mark.parametrize("how", ["close", "drop"])
async def test_reset_is_synthesized_when_a_harness_goes_away(
    rv: Rendezvous, http: aiohttp.ClientSession, environment: Environment, how: str
) -> None:
    executor = environment.executor
    session = aiohttp.ClientSession()
    peer = await harness(session, rv)
    for stream in ("s-1", "s-2", "s-3"):
        await peer.send_bytes(resume(stream))
        await peer.send_bytes(handshake(stream))
    await peer.send_bytes(reset("s-2", "harness done"))
    for _ in range(7):
        await recv(executor)
    if how == "close":
        await peer.close()
        await session.close()
    else:
        # Like the real codex harness at exit: the TCP connection just ends, no close frame.
        await session.close()
    resets = [decode(await recv(executor)) for _ in range(2)]
    assert [(f.stream_id, f.reset.reason, f.version) for f in resets] == [
        ("s-1", "harness_disconnected", 1),
        ("s-3", "harness_disconnected", 1),
    ]
    assert all(f.WhichOneof("body") == "reset" for f in resets)
    await rv.wait_for(lambda: rv.counters.resets_synthesized == 2)
    synthesized = [c for c in rv.captured if c.synthesized]
    assert [(c.direction, c.stream_id, c.kind) for c in synthesized] == [
        (H2E, "s-1", FrameKind.RESET),
        (H2E, "s-3", FrameKind.RESET),
    ]


async def test_executor_loss_closes_its_harnesses(
    rv: Rendezvous, http: aiohttp.ClientSession, environment: Environment
) -> None:
    one = await harness(http, rv)
    two = await harness(http, rv)
    await one.send_bytes(handshake("a"))
    await recv(environment.executor)
    await rv.wait_for(lambda: rv.counters.harness_sockets == 2)
    await rv.disconnect_executor(ENV)
    assert await recv_close(one) == 1001
    assert await recv_close(two) == 1001
    # The executor reconnects with its URL and new harnesses work again.
    executor = await dial(http, environment.registration["url"])
    peer = await harness(http, rv)
    await peer.send_bytes(handshake("a"))
    assert await recv(executor) == handshake("a")


async def test_harness_frames_wait_for_the_executor_socket(
    rv: Rendezvous, http: aiohttp.ClientSession
) -> None:
    registration = await register(http, rv)
    peer = await harness(http, rv)
    frames = [resume("s"), handshake("s"), data("s", 0)]
    for frame in frames:
        await peer.send_bytes(frame)
    await rv.wait_for(lambda: rv.routing.held_count(ENV) == 3)
    executor = await dial(http, registration["url"])
    assert [await recv(executor) for _ in frames] == frames
    await executor.send_bytes(data("s", 0, b"back"))
    assert await recv(peer) == data("s", 0, b"back")


async def test_text_and_unroutable_messages_are_dropped(
    rv: Rendezvous, http: aiohttp.ClientSession, environment: Environment
) -> None:
    peer = await harness(http, rv)
    await peer.send_str("not a frame")
    await peer.send_bytes(b"\x00garbage")
    await peer.send_bytes(data("unclaimed", 0))
    await peer.send_bytes(handshake("s"))
    assert await recv(environment.executor) == handshake("s")
    await environment.executor.send_str("text")
    await environment.executor.send_bytes(data("s", 0))
    assert await recv(peer) == data("s", 0)


async def test_message_size_limit(
    rv: Rendezvous, http: aiohttp.ClientSession, environment: Environment
) -> None:
    peer = await harness(http, rv)
    await peer.send_bytes(handshake("s"))
    assert await recv(environment.executor) == handshake("s")
    overhead = len(data("s", 0, b"x" * 200_000)) - 200_000
    largest = data("s", 0, b"x" * (MAX_MESSAGE - overhead))
    assert len(largest) == MAX_MESSAGE
    await peer.send_bytes(largest)
    assert await recv(environment.executor) == largest
    await peer.send_bytes(largest + b"\x00")
    assert await recv_close(peer) == 1009


# ---------------------------------------------------------------------- faults and capture


async def run_stream(
    http: aiohttp.ClientSession, rv: Rendezvous, count: int
) -> tuple[Socket, Socket, list[bytes], list[bytes]]:
    """Open stream "s", send `count` Data frames and a Reset; return what the executor got."""
    registration = await register(http, rv)
    executor = await dial(http, registration["url"])
    peer = await harness(http, rv)
    await peer.send_bytes(resume("s"))
    await peer.send_bytes(handshake("s"))
    frames = [data("s", n) for n in range(count)]
    for frame in frames:
        await peer.send_bytes(frame)
    await peer.send_bytes(reset("s", "end"))
    received: list[bytes] = []
    while True:
        frame = await recv(executor)
        if decode(frame).WhichOneof("body") == "reset":
            break
        received.append(frame)
    assert received[:2] == [resume("s"), handshake("s")]  # control frames are never faulted
    return executor, peer, frames, received[2:]


def expected(config: FaultConfig, frames: list[bytes], direction: Direction = H2E) -> list[bytes]:
    """The same faults computed offline (per-stream generators ignore the destination)."""
    injector = FaultInjector(config)
    out: list[bytes] = []
    for frame in frames:
        out.extend(injector.apply(direction, "any", "s", frame).send)
    return out


async def test_seeded_drops_and_duplicates_are_reproducible(http: aiohttp.ClientSession) -> None:
    config = FaultConfig(harness_to_executor=DirectionFaults(drop=0.4, duplicate=0.3), seed=11)
    async with Rendezvous(token=TOKEN, faults=config) as rv:
        _, _, frames, received = await run_stream(http, rv, 40)
        assert received == expected(config, frames)
        assert len(set(received)) < len(frames)  # some were dropped
        assert len(received) > len(set(received))  # some were duplicated
        assert rv.counters.faults_dropped == len(frames) - len(set(received))


async def test_reorder_swaps_data_and_control_frames_flush_the_held_one(
    http: aiohttp.ClientSession,
) -> None:
    config = FaultConfig(harness_to_executor=DirectionFaults(reorder=1.0), reorder_max_hold=60)
    async with Rendezvous(token=TOKEN, faults=config) as rv:
        _, _, frames, received = await run_stream(http, rv, 5)
        # Pairs swap; the fifth is held until the Reset passes, and goes just before it.
        assert received == [frames[1], frames[0], frames[3], frames[2], frames[4]]
        assert rv.counters.faults_reordered == 3


async def test_a_held_frame_is_released_after_the_hold_time(http: aiohttp.ClientSession) -> None:
    config = FaultConfig(harness_to_executor=DirectionFaults(reorder=1.0), reorder_max_hold=0.05)
    async with Rendezvous(token=TOKEN, faults=config) as rv:
        registration = await register(http, rv)
        executor = await dial(http, registration["url"])
        peer = await harness(http, rv)
        await peer.send_bytes(handshake("s"))
        await peer.send_bytes(data("s", 0))
        assert await recv(executor) == handshake("s")
        assert await recv(executor) == data("s", 0)


async def test_executor_to_harness_faults_and_delay_keep_order(http: aiohttp.ClientSession) -> None:
    config = FaultConfig(
        executor_to_harness=DirectionFaults(duplicate=1.0, delay=0.01, delay_jitter=0.02),
        harness_to_executor=DirectionFaults(drop=1.0),
        seed=3,
    )
    async with Rendezvous(token=TOKEN, faults=config) as rv:
        registration = await register(http, rv)
        executor = await dial(http, registration["url"])
        peer = await harness(http, rv)
        await peer.send_bytes(handshake("s"))
        await peer.send_bytes(data("s", 0))  # dropped: h2e drops everything
        assert await recv(executor) == handshake("s")
        await executor.send_bytes(handshake("s", b"msg2"))
        frames = [data("s", n) for n in range(5)]
        for frame in frames:
            await executor.send_bytes(frame)
        await executor.send_bytes(reset("s"))
        got = [await recv(peer) for _ in range(12)]
        assert got == [handshake("s", b"msg2"), *[f for f in frames for _ in (0, 1)], reset("s")]
        assert rv.counters.faults_delayed == 10
        assert rv.counters.faults_duplicated == 5
        assert rv.counters.faults_dropped == 1


async def test_capture_records_every_frame_as_sent(http: aiohttp.ClientSession) -> None:
    hooked: list[CapturedFrame] = []
    async with Rendezvous(token=TOKEN, capture=hooked.append) as rv:
        registration = await register(http, rv)
        executor = await dial(http, registration["url"])
        peer = await harness(http, rv)
        secret = b"plaintext-marker-never-altered"
        to_executor = [resume("s"), handshake("s"), data("s", 0, secret)]
        for frame in to_executor:
            await peer.send_bytes(frame)
        got_executor = [await recv(executor) for _ in to_executor]
        to_harness = [handshake("s", b"msg2"), data("s", 0, b"reply")]
        for frame in to_harness:
            await executor.send_bytes(frame)
        got_harness = [await recv(peer) for _ in to_harness]
        await peer.close()
        got_executor.append(await recv(executor))  # the synthesized Reset
        await rv.wait_for(lambda: len(rv.captured) == 6)
        assert [(c.direction, c.stream_id, c.data) for c in rv.captured] == [
            *[(H2E, "s", f) for f in got_executor[:3]],
            *[(E2H, "s", f) for f in got_harness],
            (H2E, "s", got_executor[3]),
        ]
        assert got_executor[:3] == to_executor and got_harness == to_harness
        assert [c.kind for c in rv.captured] == [
            FrameKind.RESUME, FrameKind.HANDSHAKE, FrameKind.DATA,
            FrameKind.HANDSHAKE, FrameKind.DATA, FrameKind.RESET,
        ]  # fmt: skip
        assert [c.synthesized for c in rv.captured] == [False] * 5 + [True]
        assert hooked == rv.captured


# ---------------------------------------------------------------------- secrets stay out of logs


async def test_logs_hold_no_secrets(
    http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with Rendezvous(token=TOKEN) as rv:
        executor_key = public_key()
        status, registration = await post(
            http,
            rv,
            ENV,
            "register",
            {"security_profile": "noise_hybrid_ik_v1", "executor_public_key": executor_key},
        )
        assert status == 200
        executor = await dial(http, registration["url"])
        harness_key = public_key()
        bundle = await connect(http, rv, key=harness_key)
        peer = await dial(http, bundle["url"])
        await post(
            http, rv, ENV, "validate",
            {
                "executor_registration_id": registration["executor_registration_id"],
                "harness_public_key": harness_key,
                "harness_key_authorization": bundle["harness_key_authorization"],
            },
        )  # fmt: skip
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await dial(http, bundle["url"] + "x")
        await peer.close()
        await executor.close()
        await post(
            http,
            rv,
            ENV,
            "connect",
            {"harness_public_key": harness_key},
            {"Authorization": "Bearer nope-77"},
        )
    secrets = [
        TOKEN,
        "nope-77",
        bundle["harness_key_authorization"],
        executor_key["x25519_public_key"],
        harness_key["x25519_public_key"],
        parse_qs(urlsplit(bundle["url"]).query)["sig"][0],
        parse_qs(urlsplit(registration["url"]).query)["sig"][0],
        "nonce=",
        "sig=",
    ]
    assert caplog.records  # something was logged
    for secret in secrets:
        assert secret not in caplog.text
    for record in rv.requests:
        assert TOKEN not in str(record)
        assert "sig" not in record.path


# ---------------------------------------------------------------------- the command line


async def test_command_line(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    token_file = tmp_path / "rv.token"
    env = {k: v for k, v in os.environ.items() if k != "EXECWIRE_RENDEZVOUS_TOKEN"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "execwire_rendezvous",
        "--listen", "127.0.0.1:0", "--write-token-file", str(token_file), "--log-level", "debug",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base_url = (await asyncio.wait_for(process.stdout.readline(), TIMEOUT)).decode().strip()
        assert base_url.startswith("http://127.0.0.1:")
        token = token_file.read_text().strip()
        assert oct(token_file.stat().st_mode & 0o777) == "0o600"
        register_url = f"{base_url}/cloud/environment/{ENV}/register"
        body = {"security_profile": "noise_hybrid_ik_v1", "executor_public_key": public_key()}
        async with http.post(
            register_url, json=body, headers={"Authorization": f"Bearer {token}"}
        ) as response:
            assert response.status == 200
            url = (await response.json())["url"]
        async with http.post(register_url, json=body, headers=AUTH) as response:
            assert response.status == 401
        executor = await dial(http, url)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), TIMEOUT) == 0
        assert await recv_close(executor) == 1001
        stdout, stderr = await process.communicate()
        assert token not in (stdout + stderr).decode()
        assert str(token_file) in stderr.decode()
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
