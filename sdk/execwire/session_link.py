"""The session under an `ExecServerClient`: one transport at a time, the requests in flight
over it, and the reconnect-and-resume that replaces it.

`SessionLink` is the asyncio shell around the client's I/O-free cores: `RequestTable`
(ids, answers, resends), `InboundDispatch` (what each inbound message settles),
`EventRouter` (process events to their consumers) and `LinkState`/`ResumeAttempts` (what
a lost transport leads to). It owns the reader task, the background tasks and the
reconnect task; the client above it is the typed façade.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Final, TypeVar

from . import base64_strict, jsonrpc
from .delivery import EventRouter
from .dispatch import FILE_BYTES, FILE_MODEL, InboundDispatch
from .errors import (
    ClientClosedError,
    ExecTimeout,
    ExecWireError,
    InvalidRequestError,
    ProtocolError,
    TransportError,
)
from .options import ClientOptions
from .protocol import models
from .protocol.methods import REQUESTS
from .request_table import FileResult, PendingRequest, RequestTable
from .resume import Attempt, GiveUp, LinkState, LinkStatus, ReconnectPolicy, Resume, ResumeAttempts
from .routes import ProcessRoute
from .transports import Connector, Transport
from .wire import WireModel

__all__ = ["SessionLink"]

_log = logging.getLogger("execwire.client")

ResultT = TypeVar("ResultT", bound=WireModel)

EXTENSION_METHODS: Final = sorted(method for method, spec in REQUESTS.items() if spec.extension)
"""The execwire extension methods a client asks for (when it asks for extensions at all)."""


class SessionLink:
    """One client's session: its transport, requests, inbound dispatch and resume (see the
    module). `connect_first` connects; `close` ends it."""

    def __init__(self, connector: Connector, options: ClientOptions) -> None:
        output_chunk_bytes = options.output_chunk_bytes
        self._connector = connector
        self._client_name = options.client_name
        self._reconnect_policy = options.reconnect if connector.resumable else None
        self._request_timeout = options.request_timeout
        self._extensions_asked = (
            models.ExecwireExtensions(
                output_chunk_bytes=output_chunk_bytes, walk_tree=True, methods=EXTENSION_METHODS
            )
            if output_chunk_bytes is not None
            else None
        )
        self.extensions: models.ExecwireExtensions | None = None
        """The extensions the server applies (from the last `initialize`)."""
        self.session_id = ""
        self.environment_info: models.EnvironmentInfo | None = None
        """What the last `initialize` reported about the executor host."""
        self.reconnects = 0
        """How many times the session was resumed after a lost transport."""
        self.router = EventRouter()
        self._link = LinkState(self._reconnect_policy is not None, connector.target)
        self._ready = asyncio.Event()
        self._terminal: ExecWireError | None = None
        self._transport: Transport | None = None
        self._readers: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._reconnect_task: asyncio.Task[None] | None = None
        self._requests = RequestTable()
        self._inbound = InboundDispatch(self._requests, self.router, connector.target)

    @property
    def target(self) -> str:
        """Where the session connects (no credentials)."""
        return self._connector.target

    @property
    def status(self) -> LinkStatus:
        """Connecting, ready, resuming, failed or closed."""
        return self._link.status

    @property
    def terminal_error(self) -> ExecWireError | None:
        """Why the session failed (None unless `status` is FAILED)."""
        return self._terminal

    async def request(
        self, method: str, params: WireModel | None, result_type: type[ResultT]
    ) -> ResultT:
        file_result = FILE_MODEL if method == "fs/readFile" else None
        message = self._encoder(method, params)
        result: ResultT = await self._call(
            method, message, result_type, via=None, file_result=file_result
        )
        return result

    async def read_file_bytes(self, params: models.FsReadFileParams) -> bytes:
        """`fs/readFile`, decoded to the file's bytes once (for `Executor.read_bytes`).

        A large answer in the usual shape is decoded from the message bytes straight to
        the file's bytes, never building its base64 as a str (89 MB for a 64 MiB file)."""
        result = await self._call(
            "fs/readFile",
            self._encoder("fs/readFile", params),
            models.FsReadFileResponse,
            via=None,
            file_result=FILE_BYTES,
        )
        if isinstance(result, bytes):
            return result
        assert isinstance(result, models.FsReadFileResponse)
        try:
            return base64_strict.decode(result.data_base64)
        except base64_strict.Base64DecodeError as error:
            raise ProtocolError(f"fs/readFile: invalid base64 from the server: {error}") from None

    async def write_file_bytes(self, params: models.FsWriteFileParams, data: bytes) -> None:
        """`fs/writeFile` of `data` (`params.data_base64` is ignored), for
        `Executor.write_bytes`: the base64 is written straight into the request."""

        def encode(request_id: int) -> bytes:
            return jsonrpc.encode_write_file(request_id, params.to_wire(), data)

        await self._call("fs/writeFile", encode, models.EmptyResponse, via=None)

    async def notify(self, method: str, params: WireModel | None) -> None:
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
        self.check_usable()
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
            self.check_usable()
            await self._ready.wait()

    def check_usable(self) -> None:
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
        step = self._inbound.dispatch(message)
        if step is None:
            return
        if isinstance(step, bytes):
            self._spawn(_send_quietly(transport, step))
        else:
            self._read_hole(step)

    def _read_hole(self, route: ProcessRoute) -> None:
        if self._link.status is LinkStatus.READY:
            self._spawn(self._catch_up_quietly(route))

    async def catch_up(self, route: ProcessRoute, via: Transport | None) -> None:
        """Read what the server has after the route's last seq and deliver it."""
        route.catching_up = True
        try:
            params = models.ReadParams(process_id=route.process_id, after_seq=route.cursor.last_seq)
            try:
                response: models.ReadResponse = await self._call(
                    "process/read",
                    self._encoder("process/read", params),
                    models.ReadResponse,
                    via=via,
                )
            except InvalidRequestError as error:
                if not error.message.startswith("unknown process id"):
                    raise
                self.router.deliver(route, route.cursor.vanish())
                return
            self.router.deliver(route, route.cursor.apply_read(response))
        finally:
            route.catching_up = False

    async def _catch_up_quietly(self, route: ProcessRoute) -> None:
        with contextlib.suppress(ExecWireError):
            await self.catch_up(route, None)
        if route.cursor.has_gap and self._link.status is LinkStatus.READY:
            await asyncio.sleep(0.05)  # the read raced the notifications; look again
            with contextlib.suppress(ExecWireError):
                await self.catch_up(route, None)

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
        self.session_id = response.session_id
        self.extensions = response.execwire
        if response.environment_info is not None:
            self.environment_info = response.environment_info

    async def connect_first(self, resume_session_id: str | None) -> None:
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
            self.session_id = resume_session_id
            await self._resume(catch_up=False)

    def _become_ready(self, transport: Transport) -> None:
        self._transport = transport
        self._ready.set()
        self._follow(self._link.became_ready(transport))  # it may have died already

    def _transport_ended(self, transport: Transport) -> None:
        lost = TransportError(f"connection to {self.target} lost")
        self._requests.transport_ended(transport, lost)
        if transport is self._transport:
            self.router.end_watches(lost)
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
                    await self._handshake(transport, self.session_id)
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
                self.reconnects += 1
                _log.info("session %s resumed", "…" + self.session_id[-4:])
            return
        if step.cause is None:
            raise step.error
        raise step.error from step.cause

    async def _catch_up_all(self, transport: Transport) -> None:
        routes = [r for r in self.router.routes.values() if not r.closed and not r.starting]
        results = await asyncio.gather(
            *(self.catch_up(route, transport) for route in routes), return_exceptions=True
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
        self.router.fail(error, closed=isinstance(error, ClientClosedError))
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


async def _resend(transport: Transport, pending: PendingRequest) -> None:
    with contextlib.suppress(TransportError):
        await transport.send(pending.message)


async def _send_quietly(transport: Transport, message: bytes) -> None:
    with contextlib.suppress(TransportError):
        await transport.send(message)
