"""Remote mode: serve JSON-RPC sessions through a rendezvous (`execwire-server --remote`).

The executor registers one Noise identity with the registry, dials the rendezvous websocket
it returns, and serves every virtual stream on that socket as an independent JSON-RPC
session (the same `Connection` processor as the local listener). All protocol decisions live
in the sans-I/O `execwire_server.executor_mux.ExecutorMux`; this module only moves bytes,
runs registry validations and keeps the timers.

    RegistryClient    register / validate (execwire.registry_client, shared with the harness)
    RemoteExecutor    register, dial, serve, reconnect with backoff, re-register when refused
    RelaySocket       one rendezvous websocket: reader, writer, timers, validations, sessions

The bearer token never appears in logs, reprs or error texts; rendezvous URLs are logged
without their query (it holds a signed credential); environment, registration and stream
ids are logged at debug level only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import orjson

from execwire.registry_client import (
    Registration,
    RegistryAuthError,
    RegistryClient,
    RegistryError,
    redact_url,
)
from execwire.relay.frames import MAX_FRAME_LEN
from execwire.relay.framing import MAX_MESSAGE_LEN
from execwire.relay.noise import NoiseIdentity
from execwire.relay.stream import BULK_WINDOW_BYTES, StreamConfig
from execwire.transports.binary_websocket import BinaryWebSocket, TextMessage, connect_binary
from execwire.transports.websocket import WebSocketClosed
from execwire.transports.websocket_dial import DialError, UpgradeRefused
from execwire_server.executor_mux import (
    Action,
    CancelValidation,
    CloseStream,
    Deliver,
    ExecutorMux,
    MuxLimits,
    OpenStream,
    SendFrame,
    StartValidation,
    StreamHandle,
)

from .errors import INTERNAL_ERROR

if TYPE_CHECKING:
    from .server import ExecServer

__all__ = [
    "DEFAULT_STREAM_IDLE_TIMEOUT",
    "Registration",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryError",
    "RelaySocket",
    "RemoteExecutor",
    "redact_url",
]

logger = logging.getLogger(__name__)

# picows's log of the rendezvous socket: never the raw handshake nor the URL's query, which
# is a signed credential (see execwire.transports.websocket_dial.picows_logger).
_websocket_logger = logging.getLogger(f"{__name__}.websocket")

CONNECT_TIMEOUT: Final = 10.0
KEEPALIVE_INTERVAL: Final = 30.0
PONG_TIMEOUT: Final = 60.0
WRITE_TIMEOUT: Final = 60.0
CLOSE_TIMEOUT: Final = 5.0
BACKOFF_INITIAL: Final = 1.0
BACKOFF_MAX: Final = 30.0
STABLE_SESSION: Final = 30.0
"""A socket that lived this long resets the reconnect backoff."""
REREGISTER_STATUSES: Final = frozenset({401, 403, 404, 410})
"""Rendezvous upgrade answers that mean the registration itself is no longer accepted."""
DEFAULT_STREAM_IDLE_TIMEOUT: Final = 600.0
STREAM_INBOUND_CAPACITY: Final = 128
"""Messages queued for one session; a harness that floods past it gets its stream reset."""
SOCKET_HIGH_WATER: Final = 1 << 20
"""Encoded frames queued for the websocket before sessions must wait to send more."""
STREAM_HIGH_WATER: Final = 1 << 20
"""Plaintext a stream may hold back for its send window before its session must wait."""
SESSION_DRAIN_TIMEOUT: Final = 10.0
"""How long a closed socket waits for its sessions to detach before cancelling them."""


# --------------------------------------------------------------------------- one socket


def _too_large_reply(message: bytes) -> bytes:
    """The error a session gets instead of a reply the relay cannot carry (over 64 MiB)."""
    try:
        request_id = orjson.loads(message).get("id")
    except (orjson.JSONDecodeError, AttributeError):
        request_id = None
    error = {
        "code": INTERNAL_ERROR,
        "message": f"response is too large for the relay: {len(message)} bytes "
        f"(limit {MAX_MESSAGE_LEN})",
    }
    reply: bytes = orjson.dumps({"error": error, "id": request_id if request_id is not None else -1})
    return reply


class _StreamTransport:
    """What one session's `Connection` sees: whole JSON-RPC messages of one stream."""

    parse_error_prefix = "failed to parse relay JSON-RPC message from "
    malformed_is_fatal = True
    """Like the reference, a record that does not hold a JSON-RPC message resets the stream
    (the connection aborts, which ends the stream) rather than getting an error reply."""

    def __init__(self, relay: RelaySocket, handle: StreamHandle) -> None:
        self._relay = relay
        self._handle = handle
        self.label = f"exec-server relay stream #{handle.instance}"
        self._inbound: deque[bytes] = deque()
        self._ready = asyncio.Event()
        self._closed = False

    def deliver(self, message: bytes) -> bool:
        """Queue an inbound message; False when the session is too far behind."""
        if len(self._inbound) >= STREAM_INBOUND_CAPACITY:
            return False
        self._inbound.append(message)
        self._ready.set()
        return True

    def close(self) -> None:
        """The stream is over: `receive` returns None, so the session detaches."""
        self._closed = True
        self._inbound.clear()
        self._ready.set()

    async def receive(self) -> bytes | None:
        while not self._inbound:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        return self._inbound.popleft()

    async def send(self, message: bytes) -> None:
        await self.send_batch((message,))

    async def send_batch(self, messages: Sequence[bytes]) -> None:
        """Send messages in order; the connection hands over whatever queued up together,
        which the relay then packs into shared records."""
        if self._closed:
            raise ConnectionError("relay stream closed")
        await self._relay.send_messages(
            self._handle,
            [message if len(message) <= MAX_MESSAGE_LEN else _too_large_reply(message) for message in messages],
        )

    def abort(self) -> None:
        # The session gave up on its peer (protocol violation): tell the harness.
        self._relay.end_stream(self._handle, "session aborted")


class RelaySocket:
    """Serve every stream of one rendezvous websocket until it closes."""

    def __init__(
        self,
        exec_server: ExecServer,
        ws: BinaryWebSocket,
        registration: Registration,
        registry: RegistryClient,
        identity: NoiseIdentity,
        *,
        stream_config: StreamConfig,
        limits: MuxLimits | None = None,
    ) -> None:
        self._exec_server = exec_server
        self._ws = ws
        self._registration = registration
        self._registry = registry
        self._mux = ExecutorMux(
            identity,
            environment_id=registration.environment_id,
            executor_registration_id=registration.registration_id,
            limits=limits,
            stream_config=stream_config,
        )
        self._loop = asyncio.get_running_loop()
        self._streams: dict[StreamHandle, _StreamTransport] = {}
        self._validations: dict[int, asyncio.Task[None]] = {}
        self._sessions: set[asyncio.Task[None]] = set()
        self._outgoing: deque[bytes] = deque()
        self._outgoing_bytes = 0
        self._has_output = asyncio.Event()
        self._progress = asyncio.Event()
        self._wake = asyncio.Event()
        self._closed = False

    async def run(self) -> str:
        """Serve until the socket ends; return why (`peer_close`, `write_error`, ...)."""
        reader = asyncio.create_task(self._read_loop())
        writer = asyncio.create_task(self._write_loop())
        timer = asyncio.create_task(self._timer_loop())
        try:
            done, _ = await asyncio.wait({reader, writer, timer}, return_when=asyncio.FIRST_COMPLETED)
            finished = done.pop()
            if finished.cancelled():
                reason = "local_shutdown"
            elif (error := finished.exception()) is not None:
                logger.error("relay socket failed", exc_info=error)
                reason = "internal_error"
            else:
                reason = finished.result()
        finally:
            self._closed = True
            for task in (reader, writer, timer):
                task.cancel()
            await asyncio.gather(reader, writer, timer, return_exceptions=True)
            self._apply(self._mux.close())
            self._progress.set()
            await self._ws.close()
            if self._sessions:
                # Each session sees its transport end and detaches (resumable elsewhere);
                # one that does not finish promptly must not hold the reconnect back.
                _, stuck = await asyncio.wait(set(self._sessions), timeout=SESSION_DRAIN_TIMEOUT)
                for session in stuck:
                    session.cancel()
        return reason

    # -- loops -----------------------------------------------------------------------------

    async def _read_loop(self) -> str:
        while (message := await self._ws.receive()) is not None:
            if isinstance(message, TextMessage):
                logger.debug("dropping a text message on the relay socket")
                continue
            self._apply(self._mux.receive(message, self._loop.time()))
        return "peer_close" if self._ws.closed_cleanly else "read_error"

    async def _write_loop(self) -> str:
        while True:
            while not self._outgoing:
                self._has_output.clear()
                await self._has_output.wait()
            frame = self._outgoing.popleft()
            self._outgoing_bytes -= len(frame)
            self._progress.set()
            try:
                async with asyncio.timeout(WRITE_TIMEOUT):
                    await self._ws.send(frame)
            except (WebSocketClosed, TimeoutError):
                return "write_error"

    async def _timer_loop(self) -> str:
        while True:
            self._wake.clear()
            deadline = self._mux.next_deadline()
            delay = None if deadline is None else max(deadline - self._loop.time(), 0.001)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._apply(self._mux.poll(self._loop.time()))

    # -- mux actions -----------------------------------------------------------------------

    def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, SendFrame):
                self._outgoing.append(action.data)
                self._outgoing_bytes += len(action.data)
                self._has_output.set()
            elif isinstance(action, Deliver):
                transport = self._streams.get(action.handle)
                if transport is not None and not transport.deliver(action.message):
                    self.end_stream(action.handle, "session inbound queue full")
            elif isinstance(action, StartValidation):
                task = asyncio.create_task(self._validate(action))
                self._validations[action.validation_id] = task
            elif isinstance(action, CancelValidation):
                pending = self._validations.pop(action.validation_id, None)
                if pending is not None:
                    pending.cancel()
            elif isinstance(action, OpenStream):
                self._open(action.handle)
            elif isinstance(action, CloseStream):
                closing = self._streams.pop(action.handle, None)
                if closing is not None:
                    logger.debug("relay stream %r closed: %s", action.handle, action.reason)
                    closing.close()
        self._wake.set()
        self._progress.set()

    def _open(self, handle: StreamHandle) -> None:
        if self._closed:
            return
        transport = _StreamTransport(self, handle)
        self._streams[handle] = transport
        task = asyncio.create_task(self._serve(handle, transport))
        self._sessions.add(task)
        task.add_done_callback(self._sessions.discard)

    async def _serve(self, handle: StreamHandle, transport: _StreamTransport) -> None:
        try:
            await self._exec_server.serve_connection(transport)
        except Exception:
            logger.exception("relay session failed")
        finally:
            # A session that ended on our side (not by a Reset) gets a best-effort Reset.
            self.end_stream(handle, "session ended")

    async def _validate(self, action: StartValidation) -> None:
        try:
            # The registry client bounds the call and answers False on HTTP trouble.
            valid = await self._registry.validate(
                self._registration.registration_id,
                action.stream_id,
                action.harness_public_key,
                action.authorization,
            )
        except Exception:
            logger.exception("harness key validation failed")
            valid = False
        finally:
            self._validations.pop(action.validation_id, None)
        self._apply(self._mux.validation_finished(action.validation_id, valid, self._loop.time()))

    # -- session side ----------------------------------------------------------------------

    def end_stream(self, handle: StreamHandle, reason: str) -> None:
        """End a stream from the executor side: Reset it (best effort) and close its session."""
        self._apply(self._mux.end_stream(handle, self._loop.time(), reason))

    async def send_messages(self, handle: StreamHandle, messages: Sequence[bytes]) -> None:
        """Send JSON-RPC messages of one session; waits while the socket or stream is full.

        Messages sent together are packed into shared records (one encryption and one Data
        frame per 60 KiB, not per message)."""
        ready: list[bytes] = []
        ready_bytes = 0
        for message in messages:
            while True:
                if self._closed or not self._mux.is_open(handle):
                    raise ConnectionError("relay stream closed")
                if (
                    self._outgoing_bytes < SOCKET_HIGH_WATER
                    and self._mux.queued_bytes(handle) + ready_bytes < STREAM_HIGH_WATER
                ):
                    break
                if ready:  # hand over what fits before waiting for room
                    self._apply(self._mux.send_messages(handle, ready, self._loop.time()))
                    ready, ready_bytes = [], 0
                    continue
                self._progress.clear()
                await self._progress.wait()
            ready.append(message)
            ready_bytes += len(message)
        if ready:
            self._apply(self._mux.send_messages(handle, ready, self._loop.time()))


# --------------------------------------------------------------------------- the executor


class RemoteExecutor:
    """Keep one executor registered and connected; serve its streams with ``exec_server``.

    One Noise identity serves the whole run, across reconnects and re-registrations.
    """

    def __init__(
        self,
        exec_server: ExecServer,
        registry: RegistryClient,
        *,
        identity: NoiseIdentity | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        limits: MuxLimits | None = None,
        backoff_initial: float = BACKOFF_INITIAL,
        backoff_max: float = BACKOFF_MAX,
    ) -> None:
        self._exec_server = exec_server
        self._registry = registry
        self._identity = identity or NoiseIdentity.generate()
        # Each session's Connection classifies its messages (a malformed one ends the
        # stream), so the relay layer does not parse them as JSON first.
        self._stream_config = StreamConfig(
            idle_timeout=stream_idle_timeout,
            validate_json=False,
            send_window_bytes=BULK_WINDOW_BYTES,
        )
        self._limits = limits
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max

    async def run(self) -> None:
        """Serve until cancelled; raises :class:`RegistryError` when registration fails for good."""
        try:
            await self._run()
        finally:
            await self._registry.aclose()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        registration = await self._register()
        backoff = self._backoff_initial
        while True:
            started = loop.time()
            reregister = False
            try:
                ws = await connect_binary(
                    registration.url,
                    max_message_bytes=MAX_FRAME_LEN,
                    open_timeout=CONNECT_TIMEOUT,
                    ping_interval=KEEPALIVE_INTERVAL,
                    ping_timeout=PONG_TIMEOUT,
                    close_timeout=CLOSE_TIMEOUT,
                    logger=_websocket_logger,
                )
            except UpgradeRefused as error:
                reregister = error.status in REREGISTER_STATUSES
                logger.warning("rendezvous refused the executor socket (HTTP %d)", error.status)
            except DialError as error:
                logger.warning("could not reach the rendezvous (%s)", type(error.cause).__name__)
            else:
                logger.info("connected to rendezvous %s", redact_url(registration.url))
                relay = RelaySocket(
                    self._exec_server,
                    ws,
                    registration,
                    self._registry,
                    self._identity,
                    stream_config=self._stream_config,
                    limits=self._limits,
                )
                reason = await relay.run()
                logger.info("rendezvous socket ended (%s)", reason)
                if loop.time() - started >= STABLE_SESSION:
                    backoff = self._backoff_initial
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._backoff_max)
            if reregister:
                registration = await self._register()

    async def _register(self) -> Registration:
        delay = self._backoff_initial
        while True:
            try:
                registration = await self._registry.register(self._identity.public_key)
            except RegistryError as error:
                if not error.retriable:
                    raise
                logger.warning("%s; retrying in %.0f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff_max)
                continue
            logger.info("registered the remote environment")
            logger.debug(
                "environment %s registration %s",
                registration.environment_id,
                registration.registration_id,
            )
            return registration
