"""Relay transport: reach a remote executor through a registry and a rendezvous.

Each physical connection asks the registry for a fresh single-use bundle (`/connect`),
dials the rendezvous websocket it names, opens one virtual stream with a new UUID and
performs the Noise hybridIK handshake as the initiator, pinning the executor key from the
bundle. After that the stream moves whole JSON-RPC messages like any other transport, so
the client (requests, events, reconnect and resume) is unchanged. The Noise identity is
kept for the connector's lifetime and reused across reconnects, like the reference.

An executor refuses handshakes with a Reset while it is busy (more than 32 validations
pending on its socket) or cooling down after failed ones, so many harnesses connecting at
once see some refusals: `connect` retries a refused handshake a few times, with a fresh
bundle each time and jittered, growing delays, before it gives up.

The protocol work happens in the sans-I/O `execwire.relay.stream` core; this module only
moves frames and runs the stream's timers (acknowledgements and retransmission with an
execwire executor, heartbeats so that an idle stream is not mistaken for a vanished one).
Closing sends a Reset first, so the executor detaches the session at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Final

from ..errors import AuthenticationError, MessageTooLarge, TransportError
from ..registry_client import (
    ConnectBundle,
    RegistryAuthError,
    RegistryClient,
    RegistryError,
    redact_url,
)
from ..relay.errors import RelayProtocolError, StreamReset
from ..relay.frames import MAX_FRAME_LEN, InvalidFrame, frame_for_stream
from ..relay.framing import MAX_MESSAGE_LEN
from ..relay.noise import NoiseIdentity
from ..relay.stream import BULK_WINDOW_BYTES, HarnessHandshake, RelayStream, StreamConfig
from .binary_websocket import BinaryWebSocket, TextMessage, connect_binary
from .websocket import WebSocketClosed
from .websocket_dial import DialError, InvalidURL, UpgradeRefused

__all__ = ["RelayConnector", "RelayTransport"]

DEFAULT_OPEN_TIMEOUT: Final = 10.0
HEARTBEAT_INTERVAL: Final = 60.0
"""An idle stream sends a heartbeat this often; executors may reset silent streams."""
SEND_HIGH_WATER: Final = 1 << 20
"""Plaintext a stream may hold back (its send window is full) before `send` waits."""
PING_INTERVAL: Final = 30.0
PING_TIMEOUT: Final = 60.0
HANDSHAKE_ATTEMPTS: Final = 6
"""Handshakes tried per `connect` while the executor refuses them with a Reset."""
HANDSHAKE_RETRY_DELAY: Final = 0.05
"""Delay before the first retry (seconds); it doubles per retry, up to the maximum below,
and each one is jittered (x0.5 to x1.5) so that refused harnesses do not return in step."""
HANDSHAKE_RETRY_MAX_DELAY: Final = 2.0

# picows's log of the rendezvous socket (never the URL's query: it is a signed credential).
_websocket_logger = logging.getLogger("execwire.transports.relay.websocket")
_log = logging.getLogger("execwire.transports.relay")


class RelayTransport:
    """One virtual stream on one physical rendezvous connection."""

    def __init__(self, connection: BinaryWebSocket, stream: RelayStream) -> None:
        self._connection = connection
        self._stream = stream
        self._messages: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._ended = False
        self._tasks = [
            asyncio.create_task(self._read_loop()),
            asyncio.create_task(self._timer_loop()),
        ]

    @property
    def stream_id(self) -> str:
        """The virtual stream's id (cleartext to the rendezvous)."""
        return self._stream.stream_id

    async def send(self, message: bytes) -> None:
        if len(message) > MAX_MESSAGE_LEN:
            raise MessageTooLarge(len(message), MAX_MESSAGE_LEN)
        while self._stream.queued_bytes > SEND_HIGH_WATER and not self._ended:
            self._drained.clear()
            await self._drained.wait()
        if self._ended:
            raise TransportError("relay stream closed")
        loop = asyncio.get_running_loop()
        try:
            frames = self._stream.send_message(message, loop.time())
        except RelayProtocolError as error:
            self._end()
            raise TransportError(f"relay stream failed: {error}") from None
        await self._write(frames)
        self._wake.set()

    async def receive(self) -> bytes | None:
        return await self._messages.get()

    async def close(self) -> None:
        if not self._ended and not self._stream.closed:
            # Tell the executor at once (the reference harness does not, and leaves the
            # session attached until the rendezvous notices the socket went away).
            with contextlib.suppress(WebSocketClosed, RelayProtocolError):
                await self._connection.send(self._stream.reset_frame())
        self._end()
        await self._connection.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def abort(self) -> None:
        self._end()
        self._connection.abort()

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._messages.put_nowait(None)
            self._drained.set()
            self._wake.set()

    async def _write(self, frames: list[bytes]) -> None:
        try:
            for frame in frames:
                await self._connection.send(frame)
        except WebSocketClosed:
            self._end()
            raise TransportError("relay connection closed") from None

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while (raw := await self._connection.receive()) is not None:
                if isinstance(raw, TextMessage):
                    return  # the protocol carries frames in binary messages only
                frame = frame_for_stream(raw, self._stream.stream_id)
                if frame is None:
                    continue
                messages = self._stream.receive_frame(frame, loop.time())
                await self._write(self._stream.poll(loop.time()))
                for message in messages:
                    self._messages.put_nowait(message)
                if self._stream.queued_bytes <= SEND_HIGH_WATER:
                    self._drained.set()
                self._wake.set()
        except (TransportError, InvalidFrame, StreamReset, RelayProtocolError):
            pass
        finally:
            self._end()
            with contextlib.suppress(Exception):
                await self._connection.close()

    async def _timer_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._ended:
            self._wake.clear()
            deadline = self._stream.next_deadline()
            delay = None if deadline is None else max(0.0, deadline - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            if self._ended:
                return
            try:
                await self._write(self._stream.poll(loop.time()))
            except (TransportError, RelayProtocolError):
                self._end()
                return
            if self._stream.queued_bytes <= SEND_HIGH_WATER:
                self._drained.set()


class RelayConnector:
    """Connects to environment `environment_id` through the registry at `registry_url`.

    `token` is the registry bearer token (sent only to the registry, never logged or shown
    in reprs). `reliable` negotiates execwire's acknowledgements and retransmission with
    execwire executors; the released reference executor ignores the offer.
    """

    def __init__(
        self,
        registry_url: str,
        environment_id: str,
        *,
        token: str,
        identity: NoiseIdentity | None = None,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        reliable: bool = True,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
    ) -> None:
        self._registry = RegistryClient(registry_url, environment_id, token, timeout=open_timeout)
        self._registry_url = redact_url(registry_url)
        self._environment_id = environment_id
        self._identity = identity or NoiseIdentity.generate()
        self._open_timeout = open_timeout
        # The client parses every message anyway (and reports invalid JSON as a
        # ProtocolError): checking it here too would parse each message twice.
        self._config = StreamConfig(
            reliable=reliable,
            heartbeat_interval=heartbeat_interval,
            validate_json=False,
            receive_buffer_bytes=BULK_WINDOW_BYTES,
        )
        self._closed = False

    def __repr__(self) -> str:
        return f"RelayConnector(registry={self._registry_url!r}, environment={self._environment_id!r})"

    @property
    def target(self) -> str:
        return f"{self._registry_url} (environment {self._environment_id})"

    @property
    def resumable(self) -> bool:
        return True

    async def connect(self) -> RelayTransport:
        delay = HANDSHAKE_RETRY_DELAY
        for attempt in range(1, HANDSHAKE_ATTEMPTS + 1):
            if self._closed:
                # A connect after aclose() would open an HTTP session nobody closes.
                raise TransportError("the relay connector is closed")
            try:
                return await self._connect_once()
            except _HandshakeRefused:
                if attempt == HANDSHAKE_ATTEMPTS:
                    raise TransportError(
                        f"the executor refused the relay stream (Reset) {attempt} times"
                    ) from None
            _log.debug("relay handshake refused (attempt %d); retrying", attempt)
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, HANDSHAKE_RETRY_MAX_DELAY)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _connect_once(self) -> RelayTransport:
        """One bundle, one websocket, one handshake; `_HandshakeRefused` on a Reset."""
        # A bundle is single-use; a 401 on the first upgrade means it was refused or spent,
        # so fetch one more and retry once (as the reference harness does).
        for attempt in range(2):
            bundle = await self._bundle()
            try:
                connection = await connect_binary(
                    bundle.url,
                    max_message_bytes=MAX_FRAME_LEN,
                    open_timeout=self._open_timeout,
                    ping_interval=PING_INTERVAL,
                    ping_timeout=PING_TIMEOUT,
                    logger=_websocket_logger,
                )
            except UpgradeRefused as error:
                status = error.status
                if status == 401 and attempt == 0:
                    continue
                if status in (401, 403):
                    raise AuthenticationError(
                        f"the rendezvous refused the connection with HTTP {status}"
                    ) from None
                raise TransportError(f"the rendezvous answered with HTTP {status}") from None
            except InvalidURL:
                raise TransportError("the registry returned an invalid rendezvous URL") from None
            except DialError as error:
                raise TransportError(
                    f"cannot reach the rendezvous: {type(error.cause).__name__}"
                ) from None
            break
        else:  # pragma: no cover - the loop always breaks or raises
            raise TransportError("cannot reach the rendezvous")
        handshake = HarnessHandshake(
            self._identity,
            bundle.executor_public_key,
            environment_id=bundle.environment_id,
            executor_registration_id=bundle.executor_registration_id,
            authorization=bundle.authorization,
            config=self._config,
        )
        try:
            for frame in handshake.opening_frames():
                await connection.send(frame)
            stream = await asyncio.wait_for(_handshake(connection, handshake), self._open_timeout)
        except BaseException as error:
            await connection.close()
            if isinstance(error, TimeoutError):
                raise TransportError("the executor did not answer the Noise handshake") from None
            if isinstance(error, WebSocketClosed):
                raise TransportError("the rendezvous closed the connection") from None
            raise
        return RelayTransport(connection, stream)

    async def _bundle(self) -> ConnectBundle:
        try:
            return await self._registry.connect(self._identity.public_key)
        except RegistryAuthError as error:
            raise AuthenticationError(str(error)) from None
        except RegistryError as error:
            raise TransportError(str(error)) from None

    async def aclose(self) -> None:
        self._closed = True
        await self._registry.aclose()


class _HandshakeRefused(TransportError):
    """The executor answered the handshake with a Reset (busy, cooling down, or refusing)."""


async def _handshake(connection: BinaryWebSocket, handshake: HarnessHandshake) -> RelayStream:
    """Read frames until the executor's msg2 completes the handshake."""
    loop = asyncio.get_running_loop()
    while (raw := await connection.receive()) is not None:
        if isinstance(raw, TextMessage):
            raise TransportError("the rendezvous sent a text message")
        try:
            frame = frame_for_stream(raw, handshake.stream_id)
            if frame is None:
                continue
            stream = handshake.on_frame(frame, loop.time())
        except StreamReset:
            raise _HandshakeRefused("the executor refused the relay stream (Reset)") from None
        except (InvalidFrame, RelayProtocolError) as error:
            raise TransportError(f"relay handshake failed: {error}") from None
        if stream is not None:
            return stream
    if not connection.closed_cleanly:  # lost, or closed with an error code
        raise TransportError("the rendezvous closed the connection")
    raise TransportError("the rendezvous closed the connection during the handshake")
