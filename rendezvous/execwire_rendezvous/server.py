"""The aiohttp shell: registry HTTP endpoints and the ``/rendezvous`` websocket on one port.

All decisions live in the I/O-free cores (:mod:`.registry`, :mod:`.credentials`,
:mod:`.routing`, :mod:`.faults`); this module moves bytes between sockets and them.

Each socket gets one writer task fed by a FIFO queue, so a slow socket never blocks the
reader that produced its frames, frames keep their order, and injected delays are latency.
Backpressure: a harness reader waits while the executor's queue is long (it slows that one
harness); an executor frame for a harness whose queue is full closes that harness (1013)
instead, because blocking the shared executor socket would stall every other harness.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlencode

from aiohttp import WSMsgType, web
from aiohttp.web_response import StreamResponse
from pydantic import BaseModel

from execwire.protocol.registry import (
    ConnectRequest,
    ConnectResponse,
    NoiseChannelPublicKey,
    RegisterRequest,
    RegisterResponse,
    ValidateRequest,
    ValidateResponse,
)
from execwire.registry_client import SECURITY_PROFILE

from .credentials import Credential, CredentialError, CredentialSigner, Role, SingleUseLedger
from .faults import Direction, FaultConfig, FaultInjector
from .frames import FrameInfo, FrameKind
from .links import Link, Outbound
from .records import CapturedFrame, CaptureHook, Counters, RequestRecord, ValidationRecord
from .registry import (
    DEFAULT_AUTHORIZATION_TTL,
    Registration,
    Registry,
    RegistryRefusal,
    check_environment_id,
)
from .registry_http import (
    AccessLogger,
    check_bearer,
    error_response,
    parse_model,
    public_key,
    read_json,
    request_record,
)
from .routing import Action, Endpoint, RoutingTable

__all__ = [
    "MAX_MESSAGE_BYTES",
    "SECURITY_PROFILE",
    "CaptureHook",
    "CapturedFrame",
    "Counters",
    "Rendezvous",
    "RequestRecord",
    "ValidationRecord",
]

logger = logging.getLogger("execwire_rendezvous")

MAX_MESSAGE_BYTES: Final = 256 * 1024
"""The reference's websocket frame and message limit on relay sockets."""
PING_INTERVAL: Final = 30.0
STREAM_ID_HEADER: Final = "x-codex-noise-stream-id"
DEFAULT_HARNESS_CREDENTIAL_TTL: Final = 300.0
DEFAULT_EXECUTOR_CREDENTIAL_TTL: Final = 24 * 3600.0
MAX_REGISTRY_BODY: Final = 64 * 1024
HARNESS_QUEUE_LIMIT: Final = 1024
"""A harness whose send queue exceeds this is closed as a slow consumer."""

HISTORY_LIMIT: Final = 4096
"""Most recent validations and requests kept for inspection."""

CLOSE_GOING_AWAY: Final = 1001
CLOSE_TRY_AGAIN_LATER: Final = 1013

_ModelT = TypeVar("_ModelT", bound=BaseModel)


class Rendezvous:
    """A registry plus rendezvous server on one port, usable in-process by tests.

    ``async with Rendezvous(token="t") as rv:`` starts it on ``rv.base_url`` and stops it
    (closing every socket) on exit. ``captured`` holds every frame written to a socket when
    ``capture`` is true (a callable is also called per frame); ``counters`` and
    ``validations`` record registry and relay activity; :meth:`wait_for` waits until a
    condition about them holds.
    """

    def __init__(
        self,
        *,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        faults: FaultConfig | None = None,
        capture: bool | CaptureHook = False,
        harness_credential_ttl: float = DEFAULT_HARNESS_CREDENTIAL_TTL,
        executor_credential_ttl: float = DEFAULT_EXECUTOR_CREDENTIAL_TTL,
        authorization_ttl: float = DEFAULT_AUTHORIZATION_TTL,
        ping_interval: float | None = PING_INTERVAL,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        if not token:
            raise ValueError("the registry bearer token must not be empty")
        self._token = token.encode("utf-8")
        self._host = host
        self._port = port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._harness_ttl = harness_credential_ttl
        self._executor_ttl = executor_credential_ttl
        self._ping_interval = ping_interval
        self._max_message_bytes = max_message_bytes
        self.registry = Registry(authorization_ttl=authorization_ttl)
        self.routing = RoutingTable()
        self._signer = CredentialSigner()
        self._used = SingleUseLedger()
        self._faults = FaultInjector(faults) if faults is not None and faults.active else None
        self._capture_hook: CaptureHook | None = capture if callable(capture) else None
        self._capture = bool(capture)
        self.captured: list[CapturedFrame] = []
        self.validations: deque[ValidationRecord] = deque(maxlen=HISTORY_LIMIT)
        self.requests: deque[RequestRecord] = deque(maxlen=HISTORY_LIMIT)
        self.counters = Counters()
        self._links: dict[Endpoint, Link] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._change = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._base_url = ""

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the registry (and, as ws://, of the rendezvous)."""
        if not self._base_url:
            raise RuntimeError("the rendezvous is not started")
        return self._base_url

    @property
    def ws_base_url(self) -> str:
        """``ws://HOST:PORT`` that the signed websocket URLs start with."""
        base = self._public_url or self.base_url
        if base.startswith("https://"):
            return "wss://" + base[len("https://") :]
        if base.startswith("http://"):
            return "ws://" + base[len("http://") :]
        return base

    def build_app(self) -> web.Application:
        """The aiohttp application (routes and error middleware)."""
        app = web.Application(middlewares=[self._middleware], client_max_size=MAX_REGISTRY_BODY)
        app.router.add_post("/cloud/environment/{environment_id}/register", self._register)
        app.router.add_post("/cloud/environment/{environment_id}/connect", self._connect)
        app.router.add_post("/cloud/environment/{environment_id}/validate", self._validate)
        app.router.add_get("/rendezvous", self._rendezvous)
        app.router.add_get("/readyz", self._ready)
        return app

    async def start(self) -> None:
        """Bind and start serving."""
        if self._runner is not None:
            raise RuntimeError("the rendezvous is already started")
        runner = web.AppRunner(
            self.build_app(),
            access_log_class=AccessLogger,
            access_log=logger,
            handle_signals=False,
            shutdown_timeout=2.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        sockname = runner.addresses[0]
        host = str(sockname[0])
        host = f"[{host}]" if ":" in host else host
        self._base_url = f"http://{host}:{sockname[1]}"
        logger.info("rendezvous listening on %s", self._base_url)

    async def stop(self) -> None:
        """Close every socket and stop listening."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await asyncio.gather(
            *(
                link.close(CLOSE_GOING_AWAY, "rendezvous shutting down")
                for link in list(self._links.values())
            ),
            return_exceptions=True,
        )
        await runner.cleanup()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> Rendezvous:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test helpers

    def registration(self, environment_id: str) -> Registration | None:
        """The environment's current registration."""
        return self.registry.current(environment_id)

    def executor_connected(self, environment_id: str) -> bool:
        """Whether an executor socket is attached for the environment."""
        return self.routing.executor(environment_id) is not None

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` is true; it is re-checked after every state change.

        Raises ``TimeoutError`` after ``timeout`` seconds (a safety net, not a timing check).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("condition not reached")
            change = self._change
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(change.wait(), remaining)

    async def disconnect_executor(self, environment_id: str) -> None:
        """Close the environment's executor socket (the executor will reconnect)."""
        endpoint = self.routing.executor(environment_id)
        link = self._links.get(endpoint) if endpoint is not None else None
        if link is not None:
            await link.close(CLOSE_GOING_AWAY, "closed by test")

    def _changed(self) -> None:
        self._change.set()
        self._change = asyncio.Event()

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _close_endpoint(self, endpoint: Endpoint, code: int, reason: str) -> None:
        link = self._links.get(endpoint)
        if link is not None:
            link.close_soon(code, reason)

    # ------------------------------------------------------------------ registry

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> StreamResponse:
        self.requests.append(await request_record(request))
        try:
            response: StreamResponse = await handler(request)
            return response
        except RegistryRefusal as refusal:
            return error_response(refusal.status, refusal.code, refusal.message)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            return error_response(
                error.status, error.reason.lower().replace(" ", "_"), error.reason
            )

    def _ws_url(self, role: Role, environment_id: str, registration_id: str) -> str:
        ttl = self._executor_ttl if role is Role.ENVIRONMENT else self._harness_ttl
        query = self._signer.issue(role, environment_id, registration_id, ttl)
        return f"{self.ws_base_url}/rendezvous?{urlencode(query, quote_via=quote)}"

    async def _register(self, request: web.Request) -> web.Response:
        check_bearer(request, self._token)
        environment_id = check_environment_id(request.match_info["environment_id"])
        body = parse_model(RegisterRequest, await read_json(request))
        key = public_key(body.executor_public_key)
        registration, previous = self.registry.register(environment_id, key)
        self.counters.registrations += 1
        for endpoint in self.routing.retire_registration(
            environment_id, registration.registration_id
        ):
            self._close_endpoint(endpoint, CLOSE_GOING_AWAY, "registration replaced")
        logger.info("executor registered%s", " (replacing a registration)" if previous else "")
        logger.debug(
            "registered environment %r as %r", environment_id, registration.registration_id
        )
        response = RegisterResponse(
            environment_id=environment_id,
            url=self._ws_url(Role.ENVIRONMENT, environment_id, registration.registration_id),
            security_profile=SECURITY_PROFILE,
            executor_registration_id=registration.registration_id,
        )
        self._changed()
        return web.json_response(response.to_wire())

    async def _connect(self, request: web.Request) -> web.Response:
        check_bearer(request, self._token)
        environment_id = check_environment_id(request.match_info["environment_id"])
        body = parse_model(ConnectRequest, await read_json(request))
        harness_key = public_key(body.harness_public_key)
        registration, authorization = self.registry.authorize(environment_id, harness_key)
        self.counters.connects += 1
        response = ConnectResponse(
            environment_id=environment_id,
            url=self._ws_url(Role.HARNESS, environment_id, registration.registration_id),
            security_profile=SECURITY_PROFILE,
            executor_registration_id=registration.registration_id,
            executor_public_key=NoiseChannelPublicKey.model_validate(
                registration.executor_public_key.to_json()
            ),
            harness_key_authorization=authorization,
        )
        self._changed()
        return web.json_response(response.to_wire())

    async def _validate(self, request: web.Request) -> web.Response:
        check_bearer(request, self._token)
        environment_id = check_environment_id(request.match_info["environment_id"])
        stream_id = request.headers.get(STREAM_ID_HEADER)
        body = parse_model(ValidateRequest, await read_json(request))
        harness_key = public_key(body.harness_public_key)
        valid = self.registry.validate(
            environment_id,
            body.executor_registration_id,
            harness_key,
            body.harness_key_authorization,
        )
        self.counters.validations += 1
        self.counters.validations_valid += int(valid)
        self.validations.append(ValidationRecord(environment_id, stream_id, valid))
        logger.info("harness key validation: %s", "valid" if valid else "refused")
        self._changed()
        return web.json_response(ValidateResponse(valid=valid).to_wire())

    async def _ready(self, request: web.Request) -> web.Response:
        return web.Response(status=200)

    # ------------------------------------------------------------------ rendezvous

    def _refuse_upgrade(self, code: str) -> web.Response:
        self.counters.refused_upgrades += 1
        logger.info("rendezvous upgrade refused: %s", code)
        self._changed()
        return error_response(401, code, "rendezvous credential refused")

    async def _rendezvous(self, request: web.Request) -> web.StreamResponse:
        try:
            credential = self._signer.verify(request.query.items())
        except CredentialError as error:
            return self._refuse_upgrade(error.code)
        registration = self.registry.current(credential.environment_id)
        if registration is None or registration.registration_id != credential.registration_id:
            return self._refuse_upgrade("unexpected_executor_registration_id")
        ws = web.WebSocketResponse(
            # aiohttp refuses a frame whose length is >= max_msg_size; the reference allows
            # exactly 256 KiB, so the limit passed is one more.
            max_msg_size=self._max_message_bytes + 1,
            compress=False,
            heartbeat=self._ping_interval,
        )
        if not ws.can_prepare(request).ok:
            return error_response(400, "websocket_required", "expected a websocket upgrade")
        # Consumed only once the upgrade will happen, so a stray plain GET burns nothing.
        if credential.role is Role.HARNESS and not self._used.consume(credential):
            return self._refuse_upgrade("credential_already_used")
        await ws.prepare(request)
        if credential.role is Role.ENVIRONMENT:
            await self._serve_executor(ws, credential)
        else:
            await self._serve_harness(ws, credential)
        return ws

    async def _serve_executor(self, ws: web.WebSocketResponse, credential: Credential) -> None:
        attached = self.routing.attach_executor(
            credential.environment_id, credential.registration_id
        )
        endpoint = attached.endpoint
        link = Link(endpoint, ws, on_sent=self._sent, track=self._track)
        self._links[endpoint] = link
        self.counters.executor_sockets += 1
        logger.info("executor socket connected")
        for old in attached.close:
            self._close_endpoint(old, CLOSE_GOING_AWAY, "executor replaced")
        for held in attached.flush:
            self._deliver(link, held.info, held.data)
        self._changed()
        try:
            async for message in ws:
                if message.type is WSMsgType.BINARY:
                    self._from_executor(endpoint, message.data)
                elif message.type is WSMsgType.TEXT:
                    logger.debug("dropped a text message from an executor")
                else:
                    break
        finally:
            for harness in self.routing.detach_executor(endpoint):
                self._close_endpoint(harness, CLOSE_GOING_AWAY, "executor disconnected")
            await self._drop_link(link)
            logger.info("executor socket closed")

    async def _serve_harness(self, ws: web.WebSocketResponse, credential: Credential) -> None:
        endpoint = self.routing.attach_harness(
            credential.environment_id, credential.registration_id
        )
        link = Link(endpoint, ws, on_sent=self._sent, track=self._track)
        self._links[endpoint] = link
        self.counters.harness_sockets += 1
        logger.debug("harness socket connected")
        self._changed()
        try:
            async for message in ws:
                if message.type is WSMsgType.BINARY:
                    target = self._from_harness(endpoint, link, message.data)
                    if target is not None:
                        await target.writable()
                elif message.type is WSMsgType.TEXT:
                    logger.debug("dropped a text message from a harness")
                else:
                    break
        finally:
            detached = self.routing.detach_harness(endpoint)
            executor_link = self._links.get(detached.executor) if detached.executor else None
            if executor_link is not None:
                for info, frame in detached.resets:
                    self._deliver(executor_link, info, frame, synthesized=True)
                self.counters.resets_synthesized += len(detached.resets)
            await self._drop_link(link)
            logger.debug("harness socket closed")

    async def _drop_link(self, link: Link) -> None:
        self._links.pop(link.endpoint, None)
        if self._faults is not None:
            self._faults.forget(link.endpoint.id)
        await link.finish()
        self._changed()

    def _from_harness(self, endpoint: Endpoint, link: Link, data: bytes) -> Link | None:
        route = self.routing.route_from_harness(endpoint, data)
        if route.action is Action.FORWARD and route.target is not None and route.info is not None:
            target = self._links.get(route.target)
            if target is not None:
                self._deliver(target, route.info, data)
                return target
            return None
        if route.action is Action.HOLD:
            self._changed()
            return None
        self.counters.frames_dropped += 1
        logger.debug("harness frame not forwarded: %s", route.reason)
        if route.action is Action.REFUSE and route.reply is not None and route.info is not None:
            link.send(
                route.reply, FrameInfo(route.info.stream_id, FrameKind.RESET), synthesized=True
            )
        elif route.action is Action.OVERFLOW:
            self._close_endpoint(endpoint, CLOSE_TRY_AGAIN_LATER, "executor not connected")
        self._changed()
        return None

    def _from_executor(self, endpoint: Endpoint, data: bytes) -> None:
        route = self.routing.route_from_executor(endpoint, data)
        if route.action is Action.FORWARD and route.target is not None and route.info is not None:
            target = self._links.get(route.target)
            if target is not None:
                self._deliver(target, route.info, data)
                if len(target) > HARNESS_QUEUE_LIMIT:
                    logger.info("closing a harness that does not keep up")
                    self._close_endpoint(route.target, CLOSE_TRY_AGAIN_LATER, "slow consumer")
            return
        self.counters.frames_dropped += 1
        logger.debug("executor frame not forwarded: %s", route.reason)
        self._changed()

    # ------------------------------------------------------------------ faults and sending

    def _deliver(self, link: Link, info: FrameInfo, data: bytes, synthesized: bool = False) -> None:
        """Queue a frame on ``link``, through fault injection for Data frames."""
        faults = self._faults
        if faults is None:
            link.send(data, info, synthesized=synthesized)
            return
        destination = link.endpoint.id
        stream_id = info.stream_id
        if info.kind is not FrameKind.DATA:
            # Control frames are never faulted and never overtake a held Data frame.
            for held in faults.take_held(link.direction, destination, stream_id):
                link.send(held, FrameInfo(stream_id, FrameKind.DATA))
            link.send(data, info, synthesized=synthesized)
            if info.kind is FrameKind.RESET and link.direction is Direction.HARNESS_TO_EXECUTOR:
                # The stream is over for the executor; a reused id starts a fresh pattern.
                faults.forget_stream(destination, stream_id)
            return
        outcome = faults.apply(link.direction, destination, stream_id, data)
        for frame in outcome.send:
            link.send(frame, info, faults.delay(link.direction, destination, stream_id))
        if outcome.held is not None:
            asyncio.get_running_loop().call_later(
                faults.config.reorder_max_hold,
                self._release_held,
                link,
                stream_id,
                outcome.held,
            )
        self._sync_fault_stats()

    def _sync_fault_stats(self) -> None:
        if self._faults is not None:
            stats = self._faults.stats
            self.counters.faults_dropped = stats.dropped
            self.counters.faults_duplicated = stats.duplicated
            self.counters.faults_reordered = stats.reordered
            self.counters.faults_delayed = stats.delayed

    def _release_held(self, link: Link, stream_id: str, token: int) -> None:
        if self._faults is None or link.closed:
            return
        info = FrameInfo(stream_id, FrameKind.DATA)
        for frame in self._faults.take_held(link.direction, link.endpoint.id, stream_id, token):
            link.send(frame, info, self._faults.delay(link.direction, link.endpoint.id, stream_id))
        self._sync_fault_stats()

    def _sent(self, link: Link, item: Outbound) -> None:
        if link.direction is Direction.HARNESS_TO_EXECUTOR:
            self.counters.frames_to_executor += 1
        else:
            self.counters.frames_to_harness += 1
        if self._capture:
            record = CapturedFrame(
                link.direction, item.info.stream_id, item.info.kind, item.data, item.synthesized
            )
            self.captured.append(record)
            if self._capture_hook is not None:
                self._capture_hook(record)
        self._changed()
