"""Test support for remote mode: a relay harness on the initiator core, and executor runners.

* :class:`RelayHarness`: a harness built on ``HarnessHandshake`` + ``RelayStream``:
  ``/connect``, websocket, Noise handshake, then JSON-RPC over the stream. The SDK's own
  relay connector will replace it; it stays deliberately small.
* :func:`remote_executor`: ``execwire-server --remote`` as a child process (own process
  group, killed on exit), its stderr kept for inspection.

Registry and rendezvous come from ``execwire_rendezvous.Rendezvous``. The module holds
no tests of its own (pytest collects it for its name only).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from execwire.relay.errors import InvalidFrame, RelayProtocolError, StreamReset
from execwire.relay.frames import MAX_FRAME_LEN, FrameKind, frame_for_stream
from execwire.relay.noise import NoiseIdentity, NoisePublicKey
from execwire.relay.stream import HarnessHandshake, RelayStream, StreamConfig

TOKEN = "remote-test-token-7d41"
ENV = "env-1"


@contextlib.asynccontextmanager
async def remote_executor(
    base_url: str,
    log_path: Path,
    *arguments: str,
    environment_id: str = ENV,
    token: str = TOKEN,
    env: dict[str, str] | None = None,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run ``execwire-server --remote`` with the bearer on stdin; stop its group on exit."""
    with open(log_path, "wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "execwire_server",
            "--remote",
            base_url,
            "--environment-id",
            environment_id,
            "--registration-bearer-stdin",
            "--log-level",
            "DEBUG",
            *arguments,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
            env=env,
            start_new_session=True,
        )
    assert process.stdin is not None
    process.stdin.write(token.encode() + b"\n")
    process.stdin.close()
    try:
        yield process
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


# --------------------------------------------------------------------------- harness


class HarnessError(Exception):
    """The harness connection failed or was reset."""


@dataclass
class Bundle:
    environment_id: str
    url: str
    executor_registration_id: str
    executor_public_key: NoisePublicKey
    authorization: str


async def fetch_bundle(
    registry_url: str, environment_id: str, identity: NoiseIdentity, token: str = TOKEN
) -> Bundle:
    """``POST /connect`` for a fresh, single-use bundle."""
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{registry_url}/cloud/environment/{environment_id}/connect",
            json={"harness_public_key": identity.public_key.to_json()},
            headers={"Authorization": f"Bearer {token}"},
            allow_redirects=False,
        ) as response:
            if response.status != 200:
                raise HarnessError(f"/connect answered {response.status}")
            body = await response.json()
    assert body["environment_id"] == environment_id
    return Bundle(
        environment_id=environment_id,
        url=body["url"],
        executor_registration_id=body["executor_registration_id"],
        executor_public_key=NoisePublicKey.from_json(body["executor_public_key"]),
        authorization=body["harness_key_authorization"],
    )


class RelayHarness:
    """One physical harness connection carrying one stream; JSON-RPC on top."""

    def __init__(self, ws: ClientConnection, stream: RelayStream) -> None:
        self.ws = ws
        self.stream = stream
        self.notifications: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.closed = asyncio.Event()
        self.close_reason = ""
        self.session_id = ""
        self.expected_resets = 0
        """Resets to swallow instead of closing (to watch the executor keep a stream)."""
        self.rewrite: Callable[[bytes], bytes] | None = None
        """Applied to each outbound Data frame of ``send_raw`` (protocol probes)."""
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._wake = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._read_loop()),
            asyncio.create_task(self._timer_loop()),
        ]

    @classmethod
    async def open(
        cls,
        registry_url: str,
        environment_id: str,
        *,
        token: str = TOKEN,
        identity: NoiseIdentity | None = None,
        config: StreamConfig | None = None,
        stream_id: str | None = None,
        bundle: Bundle | None = None,
        send_resume: bool = True,
        initialize: bool = True,
        resume_session_id: str | None = None,
        timeout: float = 20.0,
    ) -> RelayHarness:
        """Connect, handshake and (by default) ``initialize`` + ``initialized``."""
        identity = identity or NoiseIdentity.generate()
        if bundle is None:
            bundle = await fetch_bundle(registry_url, environment_id, identity, token)
        handshake = HarnessHandshake(
            identity,
            bundle.executor_public_key,
            environment_id=environment_id,
            executor_registration_id=bundle.executor_registration_id,
            authorization=bundle.authorization,
            stream_id=stream_id,
            config=config,
            send_resume=send_resume,
        )
        ws = await connect(bundle.url, max_size=MAX_FRAME_LEN, compression=None)
        try:
            for raw in handshake.opening_frames():
                await ws.send(raw)
            stream = await asyncio.wait_for(cls._await_msg2(ws, handshake), timeout)
        except BaseException:
            await ws.close()
            raise
        harness = cls(ws, stream)
        if initialize:
            result = await harness.request(
                "initialize",
                {"clientName": "execwire-relay-test", "resumeSessionId": resume_session_id},
                timeout=timeout,
            )
            harness.session_id = result["sessionId"]
            await harness.notify("initialized", {})
        return harness

    @staticmethod
    async def _await_msg2(ws: ClientConnection, handshake: HarnessHandshake) -> RelayStream:
        loop = asyncio.get_running_loop()
        async for raw in ws:
            if isinstance(raw, str):
                raise HarnessError("text message on the relay socket")
            try:
                frame = frame_for_stream(raw, handshake.stream_id)
            except InvalidFrame as error:
                raise HarnessError(str(error)) from None
            if frame is None:
                continue
            try:
                stream = handshake.on_frame(frame, loop.time())
            except StreamReset:
                raise HarnessError("handshake reset") from None
            if stream is not None:
                return stream
        raise HarnessError("socket closed during the handshake")

    # -- JSON-RPC ------------------------------------------------------------------------

    async def send_raw(self, message: bytes) -> None:
        """Send one already-serialized JSON-RPC message (any bytes)."""
        frames = self.stream.send_message(message, asyncio.get_running_loop().time())
        for raw in frames:
            await self.ws.send(self.rewrite(raw) if self.rewrite is not None else raw)
        self._wake.set()

    async def call(self, method: str, params: Any, timeout: float = 20.0) -> dict[str, Any]:
        """Send a request; return the whole response message (result or error)."""
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        await self.send_raw(orjson.dumps({"id": request_id, "method": method, "params": params}))
        closed = asyncio.ensure_future(self.closed.wait())
        try:
            waiting: set[asyncio.Future[Any]] = {future, closed}
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            closed.cancel()
        if future in done:
            return future.result()
        self._pending.pop(request_id, None)
        if self.closed.is_set():
            raise HarnessError(f"stream closed: {self.close_reason}")
        raise TimeoutError(f"no answer to {method}")

    async def request(self, method: str, params: Any, timeout: float = 20.0) -> Any:
        """Send a request; return its result or raise on an error answer."""
        response = await self.call(method, params, timeout)
        if "error" in response:
            raise HarnessError(f"{method} failed: {response['error']}")
        return response["result"]

    async def notify(self, method: str, params: Any) -> None:
        await self.send_raw(orjson.dumps({"method": method, "params": params}))

    async def send_frame(self, raw: bytes) -> None:
        """Write a raw frame on the socket (for protocol tests)."""
        await self.ws.send(raw)

    async def close(self, *, reset: bool = False) -> None:
        """Close the socket; with ``reset`` send a Reset first (codex never does)."""
        if reset and not self.stream.closed:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(self.stream.reset_frame())
        await self.ws.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (a vanished harness)."""
        self.ws.transport.abort()

    # -- loops ---------------------------------------------------------------------------

    def _finish(self, reason: str) -> None:
        if not self.closed.is_set():
            self.close_reason = reason
            self.closed.set()

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            async for raw in self.ws:
                if isinstance(raw, str):
                    self._finish("text message")
                    return
                try:
                    frame = frame_for_stream(raw, self.stream.stream_id)
                except InvalidFrame as error:
                    self._finish(f"invalid frame: {error}")
                    return
                if frame is None:
                    continue
                if frame.kind is FrameKind.RESET and self.expected_resets > 0:
                    self.expected_resets -= 1
                    continue
                try:
                    messages = self.stream.receive_frame(frame, loop.time())
                    for out in self.stream.poll(loop.time()):
                        await self.ws.send(out)
                except StreamReset:
                    self._finish("reset")
                    return
                except RelayProtocolError as error:
                    self._finish(f"protocol error: {error}")
                    return
                self._wake.set()
                for message in messages:
                    value = orjson.loads(message)
                    if "method" in value and "id" not in value:
                        self.notifications.put_nowait(value)
                    elif value.get("id") in self._pending:
                        self._pending.pop(value["id"]).set_result(value)
        except ConnectionClosed:
            pass
        finally:
            self._finish(self.close_reason or "socket closed")

    async def _timer_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.closed.is_set():
            self._wake.clear()
            deadline = self.stream.next_deadline()
            delay = None if deadline is None else max(0.0, deadline - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            try:
                for raw in self.stream.poll(loop.time()):
                    await self.ws.send(raw)
            except RelayProtocolError as error:
                self._finish(f"protocol error: {error}")
                return
            except ConnectionClosed:
                return
