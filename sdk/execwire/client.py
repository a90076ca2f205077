"""`ExecServerClient`: the typed async JSON-RPC client, with transparent session resume.

One coroutine per RPC comes from the generated `ClientStubs`: params and results are the
generated models. This module adds the connection underneath:

* Requests get integer ids; responses are matched by id, never by order.
* Notifications become typed events, delivered exactly once and in seq order per process
  (`events()` for all of them, `process_events(process_id)` for one). The route of a
  process is registered before its `process/start` is sent, because its first output can
  arrive before the start's response.
* When the transport is lost the client reconnects with backoff, resumes its session
  (`initialize {resumeSessionId}`; `-32010 already attached` is retried, because the server
  notices a dead connection late; `unknown session id` is terminal: `SessionExpiredError`),
  then catches every live process up with `process/read(afterSeq=last_seq)`. Output the
  server has evicted in the meantime surfaces as `OutputLost` to that process's consumer,
  never as a silent gap (see `execwire.process_cursor`).
* Requests in flight when the link dropped are re-sent after the resume when repeating them
  is harmless (reads, `process/write` with its idempotent writeId, terminate), at most
  `MAX_RESENDS` times (a request whose answer itself breaks the link must not loop); the
  others fail with `RequestOutcomeUnknown`. Requests made while reconnecting wait for the
  resume.

The inbound path is the client's hot loop (a stream brings thousands of `process/output`
notifications a second), so it avoids generic work there: notifications and large
`fs/readFile` answers in the exact shape servers write are decoded from the bytes without
pydantic (`jsonrpc.decode_output`, `jsonrpc.file_response_span`; anything else takes the
general path), output travels as `OutputChunk` until a consumer asks for the notification
model, and consumers are woken once per batch of messages, not once per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType
from typing import Any, Final, Literal, TypeAlias, TypeVar

from pydantic import ValidationError

from . import base64_strict, jsonrpc
from .delivery import EventRouter
from .errors import (
    ClientClosedError,
    ExecTimeout,
    ExecWireError,
    InvalidRequestError,
    ProtocolError,
    TransportError,
)
from .options import DEFAULT_CLIENT_NAME, DEFAULT_OPTIONS, DEFAULT_OUTPUT_CHUNK_BYTES, ClientOptions
from .process_cursor import ProcessEvent
from .protocol import models
from .protocol.methods import NOTIFICATIONS, ClientStubs, ServerNotification
from .request_table import FileResult, PendingRequest, RequestTable
from .resume import (
    DEFAULT_RECONNECT,
    Attempt,
    GiveUp,
    LinkState,
    LinkStatus,
    ReconnectPolicy,
    Resume,
    ResumeAttempts,
)
from .routes import EventSubscription, ProcessEventStream, ProcessRoute
from .transports import Connector, Transport
from .transports.in_process import EmbeddedServer, InProcessConnector
from .transports.relay import RelayConnector
from .transports.stdio import StdioConnector
from .transports.websocket import (
    WebSocketConnector,
)
from .wire import WireModel

__all__ = [
    "DEFAULT_CLIENT_NAME",
    "DEFAULT_OUTPUT_CHUNK_BYTES",
    "DEFAULT_RECONNECT",
    "ClientEvent",
    "ClientInternals",
    "ClientOptions",
    "ExecServerClient",
    "ReconnectPolicy",
]

_log = logging.getLogger("execwire.client")

ResultT = TypeVar("ResultT", bound=WireModel)


ClientEvent: TypeAlias = ProcessEvent
"""What `ExecServerClient.events()` yields: a process notification or an `OutputGap`."""

LARGE_RESULT_BYTES: Final = 1 << 20
"""Answers at least this large are first tried on the byte-level `fs/readFile` path."""




class ClientInternals:
    """What the SDK's own layers (`Executor`, `ExecSession`, `HttpResponse`) use of an
    `ExecServerClient` beyond its RPC methods: `client.internal`. Not public API (it may
    change in any release); applications use the RPC methods and `events()`."""

    __slots__ = ("_client",)

    def __init__(self, client: ExecServerClient) -> None:
        # A proxy: the client holds this object, and a cycle would wait for the cyclic GC.
        self._client: ExecServerClient = weakref.proxy(client)

    def route(self, process_id: str) -> ProcessRoute:
        """The route of a process this client tracks (made if new), for one consumer."""
        return self._client._router.route(process_id)

    def release_route(self, route: ProcessRoute) -> None:
        """The route's consumer is gone: stop keeping its events (the client still tracks
        the process until it closes)."""
        self._client._router.release(route)

    async def read_file_bytes(self, params: models.FsReadFileParams) -> bytes:
        """`fs/readFile` decoded straight to the file's bytes."""
        return await self._client._fs_read_file_bytes(params)

    async def write_file_bytes(self, params: models.FsWriteFileParams, data: bytes) -> None:
        """`fs/writeFile` of `data`, its base64 written straight into the request."""
        await self._client._fs_write_file_bytes(params, data)

    def http_body(self, request_id: str) -> asyncio.Queue[models.HttpRequestBodyDeltaNotification]:
        """Collect the `http/request/bodyDelta` notifications of `request_id` (before the
        request is sent); `http_body_done` when finished."""
        return self._client._router.http_body(request_id)

    def http_body_done(self, request_id: str) -> None:
        """Stop collecting body deltas for `request_id`."""
        self._client._router.http_body_done(request_id)

    def missing_watch(self, watch_id: int) -> asyncio.Future[None]:
        """Resolved by the `fs/missingChanged` of `watch_id` (before the request is sent);
        `missing_watch_done` when finished."""
        changed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._client._router.missing_watch(watch_id, changed)
        return changed

    def missing_watch_done(self, watch_id: int) -> None:
        """Stop waiting for `watch_id`."""
        self._client._router.missing_watch_done(watch_id)


class ExecServerClient(ClientStubs):
    """Typed async client of one exec-server session.

    Build it with `connect_websocket`, `connect_relay`, `connect_stdio`,
    `connect_in_process` or `open` (any `Connector`), each taking `options=`
    (`ClientOptions`: timeouts, resume policy, extensions asked for); `async with` it, or
    call `close()`. Every RPC of the API is a method (`process_start`, `fs_read_file`, ...)
    taking and returning the generated models. `server_extensions` says which execwire
    extensions the server applied.
    """

    def __init__(self, connector: Connector, options: ClientOptions = DEFAULT_OPTIONS) -> None:
        """Not connected yet: prefer the `connect_*` / `open` class methods."""
        output_chunk_bytes = options.output_chunk_bytes
        self._connector = connector
        self._client_name = options.client_name
        self._reconnect_policy = options.reconnect if connector.resumable else None
        self._request_timeout = options.request_timeout
        self._extensions_asked = (
            models.ExecwireExtensions(output_chunk_bytes=output_chunk_bytes, walk_tree=True)
            if output_chunk_bytes is not None
            else None
        )
        self._extensions: models.ExecwireExtensions | None = None
        self.internal = ClientInternals(self)
        """For the SDK's own layers only (see `ClientInternals`)."""
        self._link = LinkState(self._reconnect_policy is not None, connector.target)
        self._ready = asyncio.Event()
        self._terminal: ExecWireError | None = None
        self._transport: Transport | None = None
        self._readers: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._reconnect_task: asyncio.Task[None] | None = None
        self._requests = RequestTable()
        self._router = EventRouter()
        self._session_id = ""
        self._environment_info: models.EnvironmentInfo | None = None
        self._reconnects = 0

    # -- construction ----------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        connector: Connector,
        *,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> ExecServerClient:
        """Connect through `connector` and initialize (or resume `resume_session_id`)."""
        client = cls(connector, options)
        try:
            await client._connect_first(resume_session_id)
        except BaseException:
            await client.close()
            raise
        return client

    @classmethod
    async def connect_websocket(
        cls,
        url: str,
        *,
        token: str | None = None,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> ExecServerClient:
        """Connect to `ws://host:port`; `token` is sent as `Authorization: Bearer` (never logged)."""
        connector = WebSocketConnector(
            url,
            token=token,
            open_timeout=options.open_timeout,
            max_message_bytes=options.max_message_bytes,
        )
        return await cls.open(connector, resume_session_id=resume_session_id, options=options)

    @classmethod
    async def connect_relay(
        cls,
        registry_url: str,
        environment_id: str,
        *,
        token: str,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> ExecServerClient:
        """Reach environment `environment_id` through the registry at `registry_url` and
        its rendezvous, end-to-end encrypted (Noise hybridIK); `token` is the registry
        bearer token. Every reconnect takes a fresh bundle and stream, then resumes."""
        connector = RelayConnector(
            registry_url, environment_id, token=token, open_timeout=options.open_timeout
        )
        return await cls.open(connector, resume_session_id=resume_session_id, options=options)

    @classmethod
    async def connect_stdio(
        cls,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> ExecServerClient:
        """Spawn a server (e.g. `["execwire-server", "--listen", "stdio"]`) and talk over its
        stdin/stdout. The server stops when the client closes; a lost pipe is final."""
        return await cls.open(StdioConnector(argv, env=env, cwd=cwd), options=options)

    @classmethod
    async def connect_in_process(
        cls, server: EmbeddedServer | None = None, *, options: ClientOptions = DEFAULT_OPTIONS
    ) -> ExecServerClient:
        """Serve the session from an embedded `execwire_server` in this event loop (no
        sockets). Without `server` one is created, and shut down by `close()`."""
        return await cls.open(InProcessConnector(server), options=options)

    async def __aenter__(self) -> ExecServerClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- state -------------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        """The server's session id (a bearer secret: pass it only to a trusted resume)."""
        return self._session_id

    @property
    def environment(self) -> models.EnvironmentInfo | None:
        """What `initialize` reported about the executor host (None from old servers);
        `environment_info()` asks the server again."""
        return self._environment_info

    @property
    def server_extensions(self) -> models.ExecwireExtensions | None:
        """The execwire extensions the server applies to this session (e.g. its output
        chunk size); None when the client did not ask or the server has none (the
        reference: 8 KiB output chunks)."""
        return self._extensions

    @property
    def connected(self) -> bool:
        """A transport is up and the session is attached (false while reconnecting)."""
        return self._link.status is LinkStatus.READY

    @property
    def reconnects(self) -> int:
        """How many times the session was resumed after a lost transport."""
        return self._reconnects

    @property
    def target(self) -> str:
        """Where the client connects (no credentials)."""
        return self._connector.target

    def __repr__(self) -> str:
        return f"ExecServerClient(target={self.target!r}, state={self._link.status.value})"

    # -- events ------------------------------------------------------------------------

    def events(self) -> AsyncIterator[ClientEvent]:
        """Every process event from now on, in seq order per process, each once.

        Yields `ProcessOutputNotification`, `ProcessExitedNotification`,
        `ProcessClosedNotification`, and `OutputGap` where the server evicted output.
        Ends when the client closes; raises its terminal error if the session is lost.
        Events wait in the iterator until read; dropping the iterator unsubscribes it.
        """
        if self._link.status in (LinkStatus.CLOSED, LinkStatus.FAILED):
            ended = EventSubscription(lambda _: None)
            ended.finish(self._terminal if self._link.status is LinkStatus.FAILED else None)
            return ended
        return self._router.subscribe()

    def process_events(self, process_id: str) -> AsyncIterator[ServerNotification]:
        """The events of one process this client started or attached, from the first one
        not yet consumed, ending after `process/closed`.

        Raises `OutputLost` where output was evicted (iterate again to continue after it).
        One consumer per process: events are handed out once.
        """
        route = self._router.routes.get(process_id)
        if route is None or not route.observed:
            raise KeyError(
                f"process {process_id} is not tracked by this client "
                "(start it with process_start, or attach_process it)"
            )
        return ProcessEventStream(route, self._router.release)

    async def attach_process(self, process_id: str, *, after_seq: int = 0) -> None:
        """Track a process this client did not start (e.g. after `resume_session_id`):
        its events after `after_seq` become available through `process_events`."""
        self._check_usable()
        route = self._router.routes.get(process_id)
        if route is None or route.closed or not route.observed:
            route = self._router.track(process_id, after_seq)
        await self._catch_up(route, None)

    def forget_process(self, process_id: str) -> None:
        """Stop keeping a process's events for `process_events` and drop the undelivered
        ones (`events()` subscribers still get them)."""
        route = self._router.routes.get(process_id)
        if route is not None:
            self._router.release(route)


    # -- requests ----------------------------------------------------------------------

    async def process_start(self, params: models.ExecParams) -> models.ExecResponse:
        """Start a process (pipes or a PTY) under a client-chosen process id.

        Its events are tracked from before the request is sent, so none is missed; they wait
        for `process_events(process_id)` until consumed or `forget_process(process_id)`.
        """
        self._check_usable()
        process_id = params.process_id
        previous = self._router.routes.get(process_id)
        created = previous is None or previous.closed or not previous.observed
        route = self._router.track(process_id) if created else previous
        assert route is not None
        route.starting = True
        try:
            return await super().process_start(params)
        except BaseException:
            if created:
                self._router.untrack(route)
                if previous is not None and not previous.closed:  # e.g. "already exists"
                    self._router.routes[process_id] = previous
            raise
        finally:
            route.starting = False

    async def _request(
        self, method: str, params: WireModel | None, result_type: type[ResultT]
    ) -> ResultT:
        file_result = _FILE_MODEL if method == "fs/readFile" else None
        message = self._encoder(method, params)
        result: ResultT = await self._call(
            method, message, result_type, via=None, file_result=file_result
        )
        return result

    async def _fs_read_file_bytes(self, params: models.FsReadFileParams) -> bytes:
        """`fs/readFile`, decoded to the file's bytes once (for `Executor.read_bytes`).

        A large answer in the usual shape is decoded from the message bytes straight to
        the file's bytes, never building its base64 as a str (89 MB for a 64 MiB file)."""
        result = await self._call(
            "fs/readFile",
            self._encoder("fs/readFile", params),
            models.FsReadFileResponse,
            via=None,
            file_result=_FILE_BYTES,
        )
        if isinstance(result, bytes):
            return result
        assert isinstance(result, models.FsReadFileResponse)
        try:
            return base64_strict.decode(result.data_base64)
        except base64_strict.Base64DecodeError as error:
            raise ProtocolError(f"fs/readFile: invalid base64 from the server: {error}") from None

    async def _fs_write_file_bytes(self, params: models.FsWriteFileParams, data: bytes) -> None:
        """`fs/writeFile` of `data` (`params.data_base64` is ignored), for
        `Executor.write_bytes`: the base64 is written straight into the request."""

        def encode(request_id: int) -> bytes:
            return jsonrpc.encode_write_file(request_id, params.to_wire(), data)

        await self._call("fs/writeFile", encode, models.EmptyResponse, via=None)

    async def _notify(self, method: str, params: WireModel | None) -> None:
        await self._await_ready()
        transport = self._transport
        assert transport is not None
        await transport.send(
            jsonrpc.encode_notification(method, params.to_wire() if params is not None else None)
        )

    @staticmethod
    def _encoder(method: str, params: WireModel | None) -> Callable[[int], bytes]:
        wire = params.to_wire() if params is not None else None
        return lambda request_id: jsonrpc.encode_request(request_id, method, wire)

    async def _call(
        self,
        method: str,
        encode: Callable[[int], bytes],
        result_type: type[WireModel],
        *,
        via: Transport | None,
        file_result: FileResult | None = None,
    ) -> Any:
        """Send a request and await its result: a `result_type`, or what `file_result`
        made of a large answer. `encode` builds the message for a request id."""
        self._check_usable()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        request_id, pending = self._requests.open(
            method, encode, result_type, future, direct=via is not None, file_result=file_result
        )
        del future  # a large request is held once, by `pending`
        try:
            if self._request_timeout is None or via is not None:
                return await self._exchange(pending, via)
            try:
                async with asyncio.timeout(self._request_timeout):
                    return await self._exchange(pending, via)
            except TimeoutError:
                raise ExecTimeout(
                    f"{method}: no response within request_timeout={self._request_timeout} s"
                ) from None
        finally:
            self._requests.close(request_id)
            # An error's traceback holds this frame, and `pending` holds the error (in its
            # future): dropping it keeps that cycle from waiting for the cyclic GC.
            del pending

    async def _exchange(self, pending: PendingRequest, via: Transport | None) -> Any:
        if via is None:
            await self._await_ready()
            transport = self._transport
            assert transport is not None
        else:
            transport = via
        message = pending.message
        pending.sent_on(transport)
        try:
            await transport.send(message)
        except TransportError:
            if via is not None:
                raise
            # The reader notices the loss too; the reconnect re-sends or fails this request.
        del message
        try:
            return await pending.future
        finally:
            del pending  # see `_call`

    async def _await_ready(self) -> None:
        while self._link.status is not LinkStatus.READY:
            self._check_usable()
            await self._ready.wait()

    def _check_usable(self) -> None:
        if self._link.status is LinkStatus.CLOSED:
            raise ClientClosedError("the client is closed")
        if self._link.status is LinkStatus.FAILED:
            assert self._terminal is not None
            raise self._terminal

    # -- inbound -----------------------------------------------------------------------

    def _start_reader(self, transport: Transport) -> None:
        task = asyncio.create_task(self._read_loop(transport), name="execwire client reader")
        self._readers.add(task)
        task.add_done_callback(self._readers.discard)

    async def _read_loop(self, transport: Transport) -> None:
        try:
            while (message := await transport.receive()) is not None:
                self._dispatch(transport, message)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a broken transport ends like a closed one
            _log.debug("transport receive failed: %r", error)
        finally:
            self._transport_ended(transport)

    def _dispatch(self, transport: Transport, message: bytes | jsonrpc.FileReply) -> None:
        if isinstance(message, jsonrpc.FileReply):
            if not self._on_file_reply(message):
                self._dispatch(transport, message.to_message())
            return
        output = jsonrpc.decode_output(message)
        if output is not None:
            self._on_output(*output)
            return
        if len(message) >= LARGE_RESULT_BYTES and self._on_large_reply(message):
            return
        try:
            inbound = jsonrpc.decode(message)
        except ProtocolError as error:
            _log.warning("ignoring a message from %s: %s", self.target, error)
            return
        if isinstance(inbound, jsonrpc.Notification):
            self._on_notification(inbound)
        elif isinstance(inbound, jsonrpc.Response | jsonrpc.ErrorReply):
            self._on_reply(inbound)
        else:
            reply = jsonrpc.encode_error(
                inbound.id, -32601, f"client does not implement `{inbound.method}`"
            )
            task = asyncio.create_task(_send_quietly(transport, reply))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def _on_large_reply(self, message: bytes) -> bool:
        """A large answer of a request that can take it from the bytes; false: not handled."""
        span = jsonrpc.file_response_span(message)
        if span is None:
            return False
        request_id, start, end = span
        if self._unawaited(request_id):
            return True
        pending = self._file_result_pending(request_id)
        if pending is None:
            return False
        assert pending.file_result is not None
        result = pending.file_result.from_span(message, start, end)
        if result is None:
            return False
        pending.future.set_result(result)
        return True

    def _on_file_reply(self, reply: jsonrpc.FileReply) -> bool:
        """An answer the transport decoded; false: not handled (no request takes it so)."""
        if self._unawaited(reply.request_id):
            return True
        pending = self._file_result_pending(reply.request_id)
        if pending is None:
            return False
        assert pending.file_result is not None
        pending.future.set_result(pending.file_result.from_data(reply.data))
        return True

    def _unawaited(self, request_id: int) -> bool:
        """No request waits for this answer any more (it timed out or was cancelled): it is
        dropped, as `_on_reply` drops it, without being re-encoded or parsed again."""
        return self._requests.awaited(request_id) is None

    def _file_result_pending(self, request_id: int) -> PendingRequest | None:
        pending = self._requests.awaited(request_id)
        if pending is None or pending.file_result is None:
            return None
        return pending

    def _on_reply(self, reply: jsonrpc.Response | jsonrpc.ErrorReply) -> None:
        if not self._requests.answer(reply) and isinstance(reply, jsonrpc.ErrorReply) and reply.id == -1:
            _log.warning("server could not parse a message: %s", reply.message)

    def _on_output(
        self, process_id: str, seq: int, stream: Literal["stdout", "stderr", "pty"], data: bytes
    ) -> None:
        """A `process/output` from the byte-level decoder: the hot path of a stream."""
        hole = self._router.output(process_id, seq, stream, data)
        if hole is not None:
            self._read_hole(hole)

    def _on_notification(self, notification: jsonrpc.Notification) -> None:
        spec = NOTIFICATIONS.get(notification.method)
        if spec is None or spec.direction != "server-to-client":
            _log.debug("ignoring notification %s", notification.method)
            return
        try:
            event: ServerNotification = spec.params_type.model_validate(notification.params)
        except ValidationError as error:
            _log.warning("ignoring invalid %s notification: %s", notification.method, error)
            return
        hole = self._router.notification(event)
        if hole is not None:
            self._read_hole(hole)

    def _read_hole(self, route: ProcessRoute) -> None:
        if self._link.status is LinkStatus.READY:
            self._spawn(self._catch_up_quietly(route))

    async def _catch_up(self, route: ProcessRoute, via: Transport | None) -> None:
        """Read what the server has after the route's last seq and deliver it."""
        route.catching_up = True
        try:
            params = models.ReadParams(process_id=route.process_id, after_seq=route.cursor.last_seq)
            try:
                response: models.ReadResponse = await self._call(
                    "process/read", self._encoder("process/read", params), models.ReadResponse, via=via
                )
            except InvalidRequestError as error:
                if not error.message.startswith("unknown process id"):
                    raise
                self._router.deliver(route, route.cursor.vanish())
                return
            self._router.deliver(route, route.cursor.apply_read(response))
        finally:
            route.catching_up = False

    async def _catch_up_quietly(self, route: ProcessRoute) -> None:
        with contextlib.suppress(ExecWireError):
            await self._catch_up(route, None)
        if route.cursor.has_gap and self._link.status is LinkStatus.READY:
            await asyncio.sleep(0.05)  # the read raced the notifications; look again
            with contextlib.suppress(ExecWireError):
                await self._catch_up(route, None)

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- connection lifecycle ----------------------------------------------------------

    async def _handshake(self, transport: Transport, resume: str | None) -> None:
        params = models.InitializeParams(
            client_name=self._client_name, resume_session_id=resume, execwire=self._extensions_asked
        )
        response: models.InitializeResponse = await self._call(
            "initialize",
            self._encoder("initialize", params),
            models.InitializeResponse,
            via=transport,
        )
        await transport.send(
            jsonrpc.encode_notification("initialized", models.InitializedParams().to_wire())
        )
        self._session_id = response.session_id
        self._extensions = response.execwire
        if response.environment_info is not None:
            self._environment_info = response.environment_info

    async def _connect_first(self, resume_session_id: str | None) -> None:
        if resume_session_id is None:
            transport = await self._connector.connect()
            self._start_reader(transport)
            try:
                await self._handshake(transport, None)
            except BaseException:
                transport.abort()
                raise
            self._become_ready(transport)
        else:
            self._session_id = resume_session_id
            await self._resume(catch_up=False)

    def _become_ready(self, transport: Transport) -> None:
        self._transport = transport
        self._ready.set()
        self._follow(self._link.became_ready(transport))  # it may have died already

    def _transport_ended(self, transport: Transport) -> None:
        self._requests.transport_ended(transport, TransportError(f"connection to {self.target} lost"))
        self._follow(self._link.transport_ended(transport))

    def _follow(self, step: Resume | GiveUp | None) -> None:
        if step is None:
            return
        self._transport = None
        self._ready.clear()
        if isinstance(step, GiveUp):
            assert isinstance(step.error, ExecWireError)
            self._fail(step.error)
            return
        _log.info("connection to %s lost; resuming session", self.target)
        self._reconnect_task = asyncio.create_task(self._reconnect(), name="execwire reconnect")

    async def _reconnect(self) -> None:
        try:
            await self._resume(catch_up=True)
        except ExecWireError as error:
            self._fail(error)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # never leave waiters hanging on an unexpected failure
            self._fail(TransportError(f"resuming the session failed: {error!r}"))

    async def _resume(self, *, catch_up: bool) -> None:
        """Reconnect and resume the session, retrying as `ResumeAttempts` decides."""
        loop = asyncio.get_running_loop()
        policy = self._reconnect_policy or ReconnectPolicy(timeout=0.0)
        attempts = ResumeAttempts(policy, loop.time(), self.target)
        step: Attempt | GiveUp = attempts.first()
        while isinstance(step, Attempt):
            if step.delay:
                await asyncio.sleep(step.delay)
            transport: Transport | None = None
            try:
                async with asyncio.timeout(max(step.deadline - loop.time(), 1.0)):
                    transport = await self._connector.connect()
                    self._start_reader(transport)
                    await self._handshake(transport, self._session_id)
                    if catch_up:
                        await self._catch_up_all(transport)
            except BaseException as error:
                if transport is not None:
                    transport.abort()
                if not isinstance(error, Exception):  # cancelled: not a failed attempt
                    raise
                step = attempts.failed(error, loop.time())
                continue
            self._resend_after_resume(transport)
            self._become_ready(transport)
            if catch_up:
                self._reconnects += 1
                _log.info("session %s resumed", "…" + self._session_id[-4:])
            return
        if step.cause is None:
            raise step.error
        raise step.error from step.cause

    async def _catch_up_all(self, transport: Transport) -> None:
        routes = [r for r in self._router.routes.values() if not r.closed and not r.starting]
        results = await asyncio.gather(
            *(self._catch_up(route, transport) for route in routes), return_exceptions=True
        )
        for route, result in zip(routes, results, strict=True):
            if isinstance(result, TransportError | TimeoutError | asyncio.CancelledError):
                raise result  # the link failed again: the next attempt catches up
            if isinstance(result, ExecWireError):
                route.fail(result)  # this process only: the session itself is fine
            elif isinstance(result, BaseException):
                raise result

    def _resend_after_resume(self, transport: Transport) -> None:
        for pending in self._requests.after_resume(transport):
            self._spawn(_resend(transport, pending))

    def _fail(self, error: ExecWireError) -> None:
        if not self._link.fail():
            return
        _log.warning("session lost: %s", error)
        self._terminal = error
        self._ready.set()
        self._end_everything(error)

    def _end_everything(self, error: ExecWireError) -> None:
        self._requests.fail_all(error)
        self._router.fail(error, closed=isinstance(error, ClientClosedError))
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.abort()

    async def close(self) -> None:
        """Close the connection (the server keeps the session's processes for its
        detached-session TTL, then kills them) and release the connector."""
        if not self._link.close():
            return
        self._ready.set()
        if self._reconnect_task is not None:
            self._reconnect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reconnect_task
        transport, self._transport = self._transport, None
        if transport is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await transport.close()
            transport.abort()
        self._end_everything(ClientClosedError("the client is closed"))
        for task in list(self._readers) + list(self._background):
            task.cancel()
        for task in list(self._readers) + list(self._background):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._connector.aclose()


def _file_response_bytes(message: bytes, start: int, end: int) -> bytes | None:
    """A large `fs/readFile` answer straight to the file's bytes (None: not valid base64)."""
    return base64_strict.decode_span(message, start, end)


def _file_response_model(message: bytes, start: int, end: int) -> models.FsReadFileResponse | None:
    """A large `fs/readFile` answer as its model, without orjson building the str first.

    Only valid base64 takes this way (its text is then the JSON string's value as is);
    anything else is left to the general path, which decides as it always did."""
    if base64_strict.decode_span(message, start, end) is None:
        return None
    text = str(memoryview(message)[start:end], "ascii")
    return models.FsReadFileResponse.model_construct(data_base64=text)


def _file_data_model(data: bytes) -> models.FsReadFileResponse:
    return models.FsReadFileResponse.model_construct(data_base64=base64_strict.encode(data))


def _same_bytes(data: bytes) -> bytes:
    return data


_FILE_BYTES: Final = FileResult(_file_response_bytes, _same_bytes)
"""`fs/readFile` for `Executor.read_bytes`: the file's bytes."""
_FILE_MODEL: Final = FileResult(_file_response_model, _file_data_model)
"""`fs/readFile` through the typed stub: its result model."""


async def _resend(transport: Transport, pending: PendingRequest) -> None:
    with contextlib.suppress(TransportError):
        await transport.send(pending.message)


async def _send_quietly(transport: Transport, message: bytes) -> None:
    with contextlib.suppress(TransportError):
        await transport.send(message)
