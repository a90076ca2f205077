"""One client connection: lifecycle gate, ordering, dispatch through the generated table.

A transport hands this module raw messages and takes encoded replies; it knows nothing of
methods. The connection classifies each message, enforces the reference's lifecycle rules,
decodes params (`params.decode_params`) and calls the generated `REQUESTS[method].invoke`
on itself: it implements the generated `RequestHandler` protocol by delegating to the
session (processes), the filesystem and the environment description.

Requests are handled one at a time in arrival order by default, like the reference; with
`concurrent_requests > 1` requests after `initialized` run concurrently, with a control lane
for `environment/*`, `process/signal` and `process/terminate`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from typing import TYPE_CHECKING, Any, Final

import orjson

from execwire import base64_strict, pathuri
from execwire.protocol import models
from execwire.protocol.methods import REQUESTS, RequestSpec
from execwire.transports.in_process import ServerSideTransport

from . import bulk, inbound
from .envpolicy import child_environment
from .errors import INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, RpcError
from .file_handles import FileHandles
from .file_transfer import FileTransferHandlers
from .handlers import ResourceHandlers
from .http_requests import HttpRequests
from .missing_watch import MissingWatches
from .params import DeferredParamsError, ParamsError, decode_params
from .process_control import ProcessControlHandlers
from .processes import SpawnRequest
from .sessions import Session
from .watch_handlers import WatchHandlers
from .watches import Watches

if TYPE_CHECKING:
    from .server import ExecServer

__all__ = ["Connection", "Transport"]

Transport = ServerSideTransport
"""The server's end of a connection (declared once, in the SDK, for every transport)."""

logger = logging.getLogger(__name__)

OUTBOUND_CAPACITY: Final = 128
INBOUND_CAPACITY: Final = 128
INLINE_DECODE_BYTES: Final = 4 << 20
"""Bulk data up to this much base64 is decoded on the loop (a 1 MiB block takes ~50 µs,
less than a thread hop); more is decoded in a thread, not to stall other connections."""
CONTROL_LANE: Final = frozenset(
    {
        "environment/info",
        "environment/status",
        "process/signal",
        "process/terminate",
        "execwire/signal",
        "execwire/resize",
    }
)
EXTENSION_METHODS: Final = frozenset(method for method, spec in REQUESTS.items() if spec.extension)
"""What a client may ask for by name in `initialize` (`execwire.methods`; walkTree also has a
flag of its own, from before the list)."""


class _Outbound:
    """Bounded queue of encoded messages to the peer; full means back-pressure, not loss."""

    def __init__(self, capacity: int) -> None:
        self._items: deque[bytes] = deque()
        self._capacity = capacity
        self._not_full = asyncio.Event()
        self._not_full.set()
        self._not_empty = asyncio.Event()
        self.closed = False

    async def put(self, message: bytes) -> None:
        while len(self._items) >= self._capacity and not self.closed:
            self._not_full.clear()
            await self._not_full.wait()
        if self.closed:
            return
        self._items.append(message)
        self._not_empty.set()

    async def take_all(self) -> list[bytes] | None:
        """Every queued message, oldest first (waits for one); None once closed."""
        while not self._items:
            if self.closed:
                return None
            self._not_empty.clear()
            await self._not_empty.wait()
        batch = list(self._items)
        self._items.clear()
        self._not_full.set()
        return batch

    def close(self) -> None:
        self.closed = True
        self._items.clear()
        self._not_full.set()
        self._not_empty.set()


class Connection(ResourceHandlers, ProcessControlHandlers, FileTransferHandlers, WatchHandlers):
    """Serves one transport connection (implements the generated `RequestHandler`): the
    lifecycle, processes and the loop here; files, HTTP, configuration and discovery in
    `ResourceHandlers`; the execwire extensions in `ProcessControlHandlers`,
    `FileTransferHandlers` and `WatchHandlers`."""

    def __init__(self, server: ExecServer, transport: Transport) -> None:
        self._server = server
        self._transport = transport
        self._outbound = _Outbound(OUTBOUND_CAPACITY)
        self._session: Session | None = None
        self._initialize_requested = False
        self._initialized = False
        self._extension_methods: frozenset[str] = frozenset()  # granted in initialize
        self._closing = False
        self._in_flight: set[asyncio.Task[None]] = set()
        self._semaphore = asyncio.Semaphore(max(1, server.concurrent_requests))
        self._files = FileHandles(server.filesystem_executor)
        self._http = HttpRequests(server.executor_environment, self._outbound.put)
        self._missing = MissingWatches(self._outbound.put)
        self._watches = Watches(self._outbound.put)
        # Relay streams end on a malformed message (the reference resets them); websocket and
        # stdio peers get an error reply with id -1 and stay connected.
        self._malformed_is_fatal = transport.malformed_is_fatal

    # -- the session's view of this connection -----------------------------------------

    async def send_notification(self, message: bytes) -> None:
        """Queue a notification of the attached session."""
        await self._outbound.put(message)

    # -- main loop -----------------------------------------------------------------------

    async def run(self) -> None:
        """Serve until the peer disconnects or breaks the protocol, then detach."""
        writer = asyncio.create_task(self._write_loop())
        received: asyncio.Queue[bytes | None] = asyncio.Queue(INBOUND_CAPACITY)
        reader = asyncio.create_task(self._read_loop(received))
        try:
            await self._dispatch_loop(received)
        finally:
            self._closing = True
            reader.cancel()
            for task in list(self._in_flight):
                task.cancel()
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            if self._session is not None:
                self._server.sessions.detach(self._session, self)
            self._files.close_all()
            self._http.close_all()
            self._missing.close()
            self._watches.close_all()
            self._outbound.close()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _read_loop(self, received: asyncio.Queue[bytes | None]) -> None:
        try:
            while True:
                message = await self._transport.receive()
                if message is None:
                    break
                await received.put(message)
        finally:
            # A disconnect cancels whatever request is running, like the reference.
            for task in list(self._in_flight):
                task.cancel()
            with contextlib.suppress(asyncio.QueueFull):
                received.put_nowait(None)

    async def _write_loop(self) -> None:
        # What queued up while the previous write was in progress goes out together
        # (websocket and stdio write a batch with one syscall instead of one per message).
        idle_trim = self._server.idle_trim
        while (batch := await self._outbound.take_all()) is not None:
            idle_trim.busy()
            try:
                await self._transport.send_batch(batch)
            except ConnectionError:
                self._outbound.close()
                return

    async def _dispatch_loop(self, received: asyncio.Queue[bytes | None]) -> None:
        idle_trim = self._server.idle_trim
        while (raw := await received.get()) is not None:
            idle_trim.busy()
            if self._session is not None and self._session.attachment is not self:
                self._abort("session resumed elsewhere")
                return
            if len(raw) >= bulk.BULK_MESSAGE_BYTES:
                message, write_data = await self._classify_bulk(raw)
            else:
                message, write_data = inbound.explain(raw), None
            if isinstance(message, inbound.Malformed) and self._malformed_is_fatal:
                self._abort(f"malformed message: {message.message}")
                return
            if isinstance(message, inbound.Malformed):
                await self._reply_error(
                    -1,
                    INVALID_REQUEST,
                    f"{self._transport.parse_error_prefix}{self._transport.label}: {message.message}",
                )
            elif isinstance(message, inbound.Request):
                await self._start_request(message.id, message.method, message.params, write_data)
            elif isinstance(message, inbound.Notification):
                if message.method != "initialized" or not self._initialize_requested or self._session is None:
                    self._abort(f"unexpected notification {message.method!r}")
                    return
                self._initialized = True
            else:
                self._abort("client sent a response")
                return
            if self._closing:
                return

    async def _classify_bulk(self, raw: bytes) -> tuple[inbound.Classified, bytes | None]:
        """A large message, and the decoded data when it is a bulk write (see `bulk`)."""
        cut = bulk.cut_write_data(raw)
        if cut is not None:
            # None (not canonical base64): the general path reports the reference's error.
            if cut.end - cut.start <= INLINE_DECODE_BYTES:
                data = base64_strict.decode_span(raw, cut.start, cut.end)
            else:
                loop = asyncio.get_running_loop()
                data = await loop.run_in_executor(
                    None, base64_strict.decode_span, raw, cut.start, cut.end
                )
            if data is not None:
                return cut.request, data
        return inbound.explain(raw), None

    async def _start_request(
        self, request_id: int | str, method: str, raw_params: Any, write_data: bytes | None
    ) -> None:
        task = asyncio.create_task(self._handle_request(request_id, method, raw_params, write_data))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        concurrent = self._server.concurrent_requests > 1 and self._initialized
        if not concurrent:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _abort(self, reason: str) -> None:
        logger.info("closing connection %s: %s", self._transport.label, reason)
        self._closing = True
        self._transport.abort()

    # -- one request ---------------------------------------------------------------------

    async def _handle_request(
        self, request_id: int | str, method: str, raw_params: Any, write_data: bytes | None
    ) -> None:
        stats = self._server.stats
        try:
            reply = await self._serve(request_id, method, raw_params, write_data)
        except RpcError as error:
            logger.debug("request %s answered error %d", method, error.code)
            stats.answered(method, str(error.code))
            await self._reply_error(request_id, error.code, error.message)
        except ParamsError as error:
            logger.debug("request %s answered error %d", method, INVALID_PARAMS)
            stats.answered(method, str(INVALID_PARAMS))
            await self._reply_error(request_id, INVALID_PARAMS, error.message)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a handler bug must not take the connection down
            logger.exception("internal error serving %s", method)
            stats.answered(method, str(INTERNAL_ERROR))
            await self._reply_error(request_id, INTERNAL_ERROR, str(error) or type(error).__name__)
        else:
            logger.debug("request %s answered", method)
            stats.answered(method, "ok")
            await self._outbound.put(reply)

    async def _serve(
        self, request_id: int | str, method: str, raw_params: Any, write_data: bytes | None
    ) -> bytes:
        """The encoded reply to a request that succeeds."""
        spec: RequestSpec[Any, Any] | None = REQUESTS.get(method)
        if spec is None or (spec.extension and method not in self._extension_methods):
            raise RpcError(METHOD_NOT_FOUND, f"exec-server stub does not implement `{method}` yet")
        params = decode_params(spec, raw_params)
        self._check_gate(spec)
        if isinstance(params, DeferredParamsError):
            raise RpcError(INVALID_PARAMS, params.message)
        if spec.family is not None and spec.method not in CONTROL_LANE and self._initialized:
            async with self._semaphore:
                return await self._respond(spec, request_id, params, write_data)
        return await self._respond(spec, request_id, params, write_data)

    async def _respond(
        self, spec: RequestSpec[Any, Any], request_id: int | str, params: Any, write_data: bytes | None
    ) -> bytes:
        if spec.invoke_reply is not None:
            return await spec.invoke_reply(self, request_id, params)
        if write_data is not None and spec.invoke_bulk is not None:
            result = await spec.invoke_bulk(self, params, write_data)  # data `bulk` cut out
        else:
            result = await spec.invoke(self, params)
        return orjson.dumps({"id": request_id, "result": result.to_wire()})

    def _check_gate(self, spec: RequestSpec[Any, Any]) -> None:
        if spec.family is None:
            return
        if not self._initialize_requested:
            raise RpcError(INVALID_REQUEST, f"client must call initialize before using {spec.family} methods")
        if not self._initialized:
            raise RpcError(INVALID_REQUEST, f"client must send initialized before using {spec.family} methods")
        self._check_attached()

    def _check_attached(self) -> Session:
        session = self._session
        if session is None or session.attachment is not self:
            raise RpcError(INVALID_REQUEST, "session has been resumed by another connection")
        return session

    async def _reply_error(self, request_id: int | str, code: int, message: str) -> None:
        await self._outbound.put(
            orjson.dumps({"error": {"code": code, "message": message}, "id": request_id})
        )

    # -- lifecycle -------------------------------------------------------------------------

    async def initialize(self, params: models.InitializeParams) -> models.InitializeResponse:
        """Create a session, or resume a detached one, attached to this connection."""
        if self._initialize_requested:
            raise RpcError(INVALID_REQUEST, "initialize may only be sent once per connection")
        self._initialize_requested = True
        try:
            if params.resume_session_id is not None:
                self._session = self._server.sessions.resume(params.resume_session_id, self)
            else:
                self._session = self._server.sessions.create(self)
        except BaseException:
            self._initialize_requested = False
            raise
        requested = params.execwire
        chunk_bytes = self._session.set_output_chunk_bytes(
            requested.output_chunk_bytes if requested is not None else None
        )
        # Only a client that asked about extensions hears about them: everyone else gets
        # exactly the reference's answer.
        walk_tree = requested is not None and requested.walk_tree is True
        asked = set(requested.methods or ()) if requested is not None else set()
        granted = sorted(asked & EXTENSION_METHODS)
        self._extension_methods = frozenset(granted).union(["execwire/walkTree"] if walk_tree else [])
        extensions = (
            models.ExecwireExtensions(
                output_chunk_bytes=chunk_bytes,
                walk_tree=True if walk_tree else None,
                methods=granted if requested.methods is not None else None,
            )
            if requested is not None
            else None
        )
        return models.InitializeResponse(
            session_id=self._session.session_id,
            environment_info=self._server.environment_info,
            execwire=extensions,
        )

    async def environment_info(self, params: models.EnvironmentInfoParams) -> models.EnvironmentInfo:
        """Describe this executor host."""
        return self._server.environment_info

    async def environment_status(
        self, params: models.EnvironmentStatusParams
    ) -> models.EnvironmentStatusResponse:
        """The executor serves requests."""
        return models.EnvironmentStatusResponse(status="ready")

    # -- processes -------------------------------------------------------------------------

    async def process_start(self, params: models.ExecParams) -> models.ExecResponse:
        """Spawn a process in this connection's session."""
        session = self._check_attached()
        if params.process_id in session.processes:
            raise RpcError(INVALID_REQUEST, f"process {params.process_id} already exists")
        try:
            cwd = pathuri.to_native_path(params.cwd)
        except pathuri.PathUriError as error:
            raise RpcError(
                INVALID_PARAMS,
                f"cwd URI `{params.cwd}` is not valid on this exec-server host: {error}",
            ) from None
        env = child_environment(
            params.env_policy,
            params.env,
            self._server.executor_environment,
            self._server.prepend_path_dirs,
        )
        sandbox = None
        if params.sandbox is not None:
            # Sandboxed, the reference sets PWD to the working directory (over the request's);
            # unsandboxed, the child gets exactly the computed environment.
            env["PWD"] = os.fsdecode(os.path.realpath(cwd))
            sandbox = await self._server.sandbox.wrap_process(
                params.sandbox,
                params.argv,
                cwd=cwd,
                environment=env,
                tty=params.tty,
                arg0=params.arg0,
                enforce_managed_network=params.enforce_managed_network,
            )
        request = SpawnRequest(
            argv=params.argv,
            cwd=cwd,
            env=env,
            tty=params.tty,
            pipe_stdin=params.pipe_stdin,
            arg0=params.arg0,
            sandbox=sandbox,
            cage=self._server.new_cage(),
        )
        try:
            session.start_process(params.process_id, request)
        except BaseException:
            if sandbox is not None:
                sandbox.release()
            if request.cage is not None:
                request.cage.remove()
            raise
        return models.ExecResponse(
            process_id=params.process_id,
            sandbox_type="none" if sandbox is None else "linuxSeccomp",
        )

    async def process_read(self, params: models.ReadParams) -> models.ReadResponse:
        """Retained output after a cursor, long-polling up to waitMs."""
        session = self._check_attached()
        process = session.processes.get(params.process_id)
        if process is None:
            raise RpcError(INVALID_REQUEST, f"unknown process id {params.process_id}")
        after_seq = params.after_seq or 0
        if params.wait_ms:
            await process.wait_for_news(after_seq, params.wait_ms / 1000)
            self._check_attached()
        chunks, next_seq = process.buffer.read(after_seq, params.max_bytes)
        buffer = process.buffer
        return models.ReadResponse(
            chunks=[
                models.ProcessOutputChunk(seq=chunk.seq, stream=chunk.stream, chunk=chunk.data)
                for chunk in chunks
            ],
            next_seq=next_seq,
            exited=buffer.exited,
            exit_code=buffer.exit_code,
            closed=buffer.closed,
            failure=None,
            sandbox_denied=process.sandbox_denied,
        )

    async def process_write(self, params: models.WriteParams) -> models.WriteResponse:
        """Write to a process's stdin."""
        session = self._check_attached()
        process = session.processes.get(params.process_id)
        if process is None:
            return models.WriteResponse(status="unknownProcess")
        status = process.write(params.chunk, params.write_id)
        return models.WriteResponse.model_validate({"status": status})

    async def process_signal(self, params: models.SignalParams) -> models.EmptyResponse:
        """Interrupt a process; unknown or exited ids are not an error."""
        session = self._check_attached()
        process = session.processes.get(params.process_id)
        if process is not None:
            process.interrupt()
        return models.EmptyResponse()

    async def process_terminate(self, params: models.TerminateParams) -> models.TerminateResponse:
        """Kill a process group; running says whether it was still running."""
        session = self._check_attached()
        process = session.processes.get(params.process_id)
        return models.TerminateResponse(running=process.terminate() if process else False)
