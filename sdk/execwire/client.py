"""`ExecServerClient`: the typed async JSON-RPC client, with transparent session resume.

One coroutine per RPC comes from the generated `ClientStubs`: params and results are the
generated models. This module is the typed façade; `execwire.session_link` keeps the
session underneath:

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
notifications a second): `execwire.dispatch` settles each message without generic work
where it can, output travels as `OutputChunk` until a consumer asks for the notification
model, and consumers are woken once per batch of messages, not once per event.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import TypeAlias, TypeVar

from .errors import UnsupportedByServer
from .options import DEFAULT_CLIENT_NAME, DEFAULT_OPTIONS, DEFAULT_OUTPUT_CHUNK_BYTES, ClientOptions
from .process_cursor import ProcessEvent
from .protocol import models
from .protocol.methods import ClientStubs, ServerNotification
from .resume import (
    DEFAULT_RECONNECT,
    LinkStatus,
    ReconnectPolicy,
)
from .routes import EventSubscription, ProcessEventStream, ProcessRoute
from .session_link import SessionLink
from .transports import Connector
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

ResultT = TypeVar("ResultT", bound=WireModel)


ClientEvent: TypeAlias = ProcessEvent
"""What `ExecServerClient.events()` yields: a process notification or an `OutputGap`."""


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
        return await self._client._session.read_file_bytes(params)

    async def write_file_bytes(self, params: models.FsWriteFileParams, data: bytes) -> None:
        """`fs/writeFile` of `data`, its base64 written straight into the request."""
        await self._client._session.write_file_bytes(params, data)

    def http_body(self, request_id: str) -> asyncio.Queue[models.HttpRequestBodyDeltaNotification]:
        """Collect the `http/request/bodyDelta` notifications of `request_id` (before the
        request is sent); `http_body_done` when finished."""
        return self._client._router.http_body(request_id)

    def http_body_done(self, request_id: str) -> None:
        """Stop collecting body deltas for `request_id`."""
        self._client._router.http_body_done(request_id)

    def watch(
        self, watch_id: str
    ) -> asyncio.Queue[models.WatchChangedNotification | BaseException]:
        """Collect the `execwire/changed` notifications of `watch_id` (before the watch is
        asked for), ended by an error when its connection goes; `watch_done` when finished."""
        return self._client._router.watch(watch_id)

    def watch_done(self, watch_id: str) -> None:
        """Stop collecting changes for `watch_id`."""
        self._client._router.watch_done(watch_id)

    def has_extension(self, method: str) -> bool:
        """The server serves extension `method` (execwire/...) to this session."""
        extensions = self._client.server_extensions
        return extensions is not None and method in (extensions.methods or ())

    def require_extension(self, method: str) -> None:
        """Raise `UnsupportedByServer` unless the server serves extension `method`."""
        if not self.has_extension(method):
            raise UnsupportedByServer(
                f"{self._client.target} does not serve {method} (an execwire extension; "
                "the reference exec-server has none)"
            )

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
        self._session = SessionLink(connector, options)
        self._router = self._session.router
        self.internal = ClientInternals(self)
        """For the SDK's own layers only (see `ClientInternals`)."""

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
            await client._session.connect_first(resume_session_id)
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
        return self._session.session_id

    @property
    def environment(self) -> models.EnvironmentInfo | None:
        """What `initialize` reported about the executor host (None from old servers);
        `environment_info()` asks the server again."""
        return self._session.environment_info

    @property
    def server_extensions(self) -> models.ExecwireExtensions | None:
        """The execwire extensions the server applies to this session (e.g. its output
        chunk size); None when the client did not ask or the server has none (the
        reference: 8 KiB output chunks)."""
        return self._session.extensions

    @property
    def connected(self) -> bool:
        """A transport is up and the session is attached (false while reconnecting)."""
        return self._session.status is LinkStatus.READY

    @property
    def reconnects(self) -> int:
        """How many times the session was resumed after a lost transport."""
        return self._session.reconnects

    @property
    def target(self) -> str:
        """Where the client connects (no credentials)."""
        return self._session.target

    def __repr__(self) -> str:
        return f"ExecServerClient(target={self.target!r}, state={self._session.status.value})"

    # -- events ------------------------------------------------------------------------

    def events(self) -> AsyncIterator[ClientEvent]:
        """Every process event from now on, in seq order per process, each once.

        Yields `ProcessOutputNotification`, `ProcessExitedNotification`,
        `ProcessClosedNotification`, and `OutputGap` where the server evicted output.
        Ends when the client closes; raises its terminal error if the session is lost.
        Events wait in the iterator until read; dropping the iterator unsubscribes it.
        """
        if self._session.status in (LinkStatus.CLOSED, LinkStatus.FAILED):
            ended = EventSubscription(lambda _: None)
            failed = self._session.status is LinkStatus.FAILED
            ended.finish(self._session.terminal_error if failed else None)
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
        self._session.check_usable()
        route = self._router.routes.get(process_id)
        if route is None or route.closed or not route.observed:
            route = self._router.track(process_id, after_seq)
        await self._session.catch_up(route, None)

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
        self._session.check_usable()
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
        return await self._session.request(method, params, result_type)

    async def _notify(self, method: str, params: WireModel | None) -> None:
        await self._session.notify(method, params)

    async def close(self) -> None:
        """Close the connection (the server keeps the session's processes for its
        detached-session TTL, then kills them) and release the connector."""
        await self._session.close()
