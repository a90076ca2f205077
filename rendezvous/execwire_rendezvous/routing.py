"""The rendezvous routing table: which socket gets each frame. I/O-free.

Model:

* Each environment has at most one executor endpoint (its physical websocket) and any
  number of harness endpoints. Every endpoint is bound to the registration its credential
  named; re-registration retires the endpoints of older registrations.
* Stream ids are claimed per environment. The first ``Resume`` or ``Handshake`` of an
  unclaimed stream id on a harness claims it for that harness; every later frame of that id
  from that harness goes to the executor unchanged. A claim ends when that harness sends a
  ``Reset`` for it or goes away. An executor ``Reset`` does not end it: the reference keeps
  a stream alive after resetting a duplicate handshake, so only the harness's departure
  proves the stream dead.
* Executor frames go to the harness that claimed their stream id; others are dropped.
* When a harness goes away, the executor gets one synthesized
  ``Reset{reason:"harness_disconnected"}`` per stream it still claimed. The real harness
  never sends a Reset before it drops its socket, and without one the executor keeps the
  stream and its JSON-RPC session attached forever.
* When the executor goes away (or is replaced), every harness of the environment is closed:
  all their streams lived in that executor socket's state, and a closed socket is what a
  harness already treats as "reconnect with a fresh bundle and resume".
* Harness frames that arrive while no executor socket is attached are held (bounded) and
  flushed, in order, when one attaches; this removes the race between ``/register``
  returning and the executor's websocket arriving.

The table hands out :class:`Endpoint` handles; the shell maps them to sockets.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from .credentials import Role
from .frames import CLAIMING_KINDS, FrameInfo, FrameKind, inspect_frame, reset_frame

__all__ = [
    "DEFAULT_MAX_HELD_FRAMES",
    "DEFAULT_MAX_STREAMS_PER_HARNESS",
    "HARNESS_DISCONNECTED",
    "Action",
    "Endpoint",
    "ExecutorAttached",
    "HarnessDetached",
    "HeldFrame",
    "Route",
    "RoutingTable",
]

HARNESS_DISCONNECTED: Final = "harness_disconnected"
STREAM_ID_IN_USE: Final = "stream_id_in_use"
TOO_MANY_STREAMS: Final = "too_many_streams"
DEFAULT_MAX_STREAMS_PER_HARNESS: Final = 1024
DEFAULT_MAX_HELD_FRAMES: Final = 256

_ids = itertools.count(1)


class Endpoint:
    """One physical websocket as the table sees it (identity-compared and hashed)."""

    __slots__ = ("claims", "closing", "environment_id", "id", "registration_id", "role")

    def __init__(self, role: Role, environment_id: str, registration_id: str) -> None:
        self.id = next(_ids)
        self.role = role
        self.environment_id = environment_id
        self.registration_id = registration_id
        self.closing = False
        """Set once the table has given up on this endpoint; its frames are dropped."""
        self.claims: dict[str, None] = {}
        """Stream ids this harness claims, in claim order (an ordered set)."""

    def __repr__(self) -> str:
        # Ids of environments and streams are kept out of reprs, which end up in logs.
        return f"<{self.role.value} endpoint #{self.id}>"


class Action(StrEnum):
    """What the shell must do with a frame."""

    FORWARD = "forward"
    """Send the received bytes, unchanged, to ``Route.target``."""
    HOLD = "hold"
    """Nothing now: no executor is attached and the table keeps the frame."""
    DROP = "drop"
    """Discard the frame; ``Route.reason`` says why."""
    REFUSE = "refuse"
    """Discard the frame and send ``Route.reply`` (a Reset) back to the sender."""
    OVERFLOW = "overflow"
    """Discard the frame and close the sender: too many frames are held for it."""


@dataclass(frozen=True, slots=True)
class Route:
    """The table's decision about one inbound frame."""

    action: Action
    info: FrameInfo | None = None
    target: Endpoint | None = None
    reply: bytes | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class HeldFrame:
    """A harness frame kept while no executor socket was attached."""

    source: Endpoint
    info: FrameInfo
    data: bytes


@dataclass(frozen=True, slots=True)
class ExecutorAttached:
    """Result of :meth:`RoutingTable.attach_executor`."""

    endpoint: Endpoint
    close: list[Endpoint]
    """Endpoints the shell must close: a replaced executor and the harnesses it served."""
    flush: list[HeldFrame]
    """Held harness frames to send to the new executor now, in this order."""


@dataclass(frozen=True, slots=True)
class HarnessDetached:
    """Result of :meth:`RoutingTable.detach_harness`."""

    executor: Endpoint | None
    resets: list[tuple[FrameInfo, bytes]] = field(default_factory=list)
    """Synthesized ``Reset`` frames for ``executor``, one per stream the harness claimed."""


@dataclass(slots=True)
class _Environment:
    executor: Endpoint | None = None
    harnesses: dict[Endpoint, None] = field(default_factory=dict)
    streams: dict[str, Endpoint] = field(default_factory=dict)
    held: deque[HeldFrame] = field(default_factory=deque)


class RoutingTable:
    """Endpoints, stream claims and held frames of every environment."""

    def __init__(
        self,
        *,
        max_streams_per_harness: int = DEFAULT_MAX_STREAMS_PER_HARNESS,
        max_held_frames: int = DEFAULT_MAX_HELD_FRAMES,
    ) -> None:
        self._max_streams = max_streams_per_harness
        self._max_held = max_held_frames
        self._environments: dict[str, _Environment] = {}

    # ------------------------------------------------------------------ queries

    def executor(self, environment_id: str) -> Endpoint | None:
        """The attached executor endpoint of an environment."""
        env = self._environments.get(environment_id)
        return env.executor if env is not None else None

    def owner(self, environment_id: str, stream_id: str) -> Endpoint | None:
        """The harness that claims ``stream_id``, if any."""
        env = self._environments.get(environment_id)
        return env.streams.get(stream_id) if env is not None else None

    def held_count(self, environment_id: str) -> int:
        """Frames held for an environment that has no executor attached."""
        env = self._environments.get(environment_id)
        return len(env.held) if env is not None else 0

    # ------------------------------------------------------------------ lifecycle

    def attach_executor(self, environment_id: str, registration_id: str) -> ExecutorAttached:
        """Attach a new executor socket; it replaces (and closes) any previous one."""
        env = self._environments.setdefault(environment_id, _Environment())
        close: list[Endpoint] = []
        previous = env.executor
        if previous is not None:
            # The previous socket may be half-open (the executor reconnected before we saw it
            # die); its streams are gone with it, so are the harnesses using them.
            previous.closing = True
            close.append(previous)
            for harness in list(env.harnesses):
                self._evict(env, harness)
                close.append(harness)
        for harness in [h for h in env.harnesses if h.registration_id != registration_id]:
            self._evict(env, harness)
            close.append(harness)
        endpoint = Endpoint(Role.ENVIRONMENT, environment_id, registration_id)
        env.executor = endpoint
        flush = list(env.held)
        env.held.clear()
        return ExecutorAttached(endpoint, close, flush)

    def detach_executor(self, endpoint: Endpoint) -> list[Endpoint]:
        """Forget a closed executor socket; return the harnesses the shell must close."""
        endpoint.closing = True
        env = self._environments.get(endpoint.environment_id)
        if env is None or env.executor is not endpoint:
            return []
        env.executor = None
        close = list(env.harnesses)
        for harness in close:
            self._evict(env, harness)
        self._forget_if_idle(endpoint.environment_id, env)
        return close

    def attach_harness(self, environment_id: str, registration_id: str) -> Endpoint:
        """Attach a harness socket of the given registration."""
        env = self._environments.setdefault(environment_id, _Environment())
        endpoint = Endpoint(Role.HARNESS, environment_id, registration_id)
        env.harnesses[endpoint] = None
        return endpoint

    def detach_harness(self, endpoint: Endpoint) -> HarnessDetached:
        """Forget a closed harness socket and synthesize Resets for the streams it claimed."""
        env = self._environments.get(endpoint.environment_id)
        claims = list(endpoint.claims)
        if env is None:
            endpoint.claims.clear()
            endpoint.closing = True
            return HarnessDetached(None)
        self._evict(env, endpoint)
        executor = env.executor
        self._forget_if_idle(endpoint.environment_id, env)
        if executor is None or executor.closing or not claims:
            # Without an executor the claimed streams never reached one: nothing to reset.
            return HarnessDetached(None)
        resets = [
            (FrameInfo(stream_id, FrameKind.RESET), reset_frame(stream_id, HARNESS_DISCONNECTED))
            for stream_id in claims
        ]
        return HarnessDetached(executor, resets)

    def retire_registration(self, environment_id: str, registration_id: str) -> list[Endpoint]:
        """``registration_id`` is now current: return every endpoint of an older one to close."""
        env = self._environments.get(environment_id)
        if env is None:
            return []
        close: list[Endpoint] = []
        executor = env.executor
        if executor is not None and executor.registration_id != registration_id:
            executor.closing = True
            env.executor = None
            close.append(executor)
        for harness in [h for h in env.harnesses if h.registration_id != registration_id]:
            self._evict(env, harness)
            close.append(harness)
        self._forget_if_idle(environment_id, env)
        return close

    # ------------------------------------------------------------------ routing

    def route_from_harness(self, endpoint: Endpoint, data: bytes) -> Route:
        """Decide where a frame received on a harness socket goes."""
        if endpoint.closing:
            return Route(Action.DROP, reason="closing")
        env = self._environments.get(endpoint.environment_id)
        if env is None:
            return Route(Action.DROP, reason="closing")
        info = inspect_frame(data)
        if info is None:
            return Route(Action.DROP, reason="invalid_frame")
        stream_id = info.stream_id
        owner = env.streams.get(stream_id)
        if owner is None:
            if info.kind not in CLAIMING_KINDS:
                return Route(Action.DROP, info, reason="unclaimed_stream")
            if len(endpoint.claims) >= self._max_streams:
                return Route(
                    Action.REFUSE,
                    info,
                    reply=reset_frame(stream_id, TOO_MANY_STREAMS),
                    reason=TOO_MANY_STREAMS,
                )
            env.streams[stream_id] = endpoint
            endpoint.claims[stream_id] = None
        elif owner is not endpoint:
            if info.kind in CLAIMING_KINDS:
                # Tell the second claimant at once rather than letting it time out.
                return Route(
                    Action.REFUSE,
                    info,
                    reply=reset_frame(stream_id, STREAM_ID_IN_USE),
                    reason=STREAM_ID_IN_USE,
                )
            return Route(Action.DROP, info, reason="foreign_stream")
        if info.kind is FrameKind.RESET:
            # The harness ended the stream itself: the executor hears it from this very frame.
            del env.streams[stream_id]
            del endpoint.claims[stream_id]
        executor = env.executor
        if executor is None:
            if len(env.held) >= self._max_held:
                return Route(Action.OVERFLOW, info, reason="held_frames_full")
            env.held.append(HeldFrame(endpoint, info, data))
            return Route(Action.HOLD, info)
        if executor.registration_id != endpoint.registration_id:
            return Route(Action.DROP, info, reason="stale_registration")
        return Route(Action.FORWARD, info, target=executor)

    def route_from_executor(self, endpoint: Endpoint, data: bytes) -> Route:
        """Decide where a frame received on an executor socket goes."""
        env = self._environments.get(endpoint.environment_id)
        if endpoint.closing or env is None or env.executor is not endpoint:
            return Route(Action.DROP, reason="closing")
        info = inspect_frame(data)
        if info is None:
            return Route(Action.DROP, reason="invalid_frame")
        owner = env.streams.get(info.stream_id)
        if owner is None:
            return Route(Action.DROP, info, reason="unclaimed_stream")
        return Route(Action.FORWARD, info, target=owner)

    # ------------------------------------------------------------------ internals

    def _evict(self, env: _Environment, harness: Endpoint) -> None:
        # Evicted harnesses are closed by the shell; their streams died with the executor
        # socket, so their claims go without synthesized Resets.
        harness.closing = True
        env.harnesses.pop(harness, None)
        for stream_id in harness.claims:
            if env.streams.get(stream_id) is harness:
                del env.streams[stream_id]
        harness.claims.clear()
        if any(held.source is harness for held in env.held):
            env.held = deque(held for held in env.held if held.source is not harness)

    def _forget_if_idle(self, environment_id: str, env: _Environment) -> None:
        if env.executor is None and not env.harnesses and not env.held:
            self._environments.pop(environment_id, None)
