"""The executor's side of one rendezvous websocket, sans I/O: stream table, budgets, actions.

One physical websocket carries many virtual streams. :class:`ExecutorMux` owns everything a
socket needs to decide (pending handshakes, established streams, the failed-handshake budget
and its cooldown, the validation limit) and tells its caller what to do through
:data:`Action` values; the caller only moves bytes, runs registry validations and keeps time:

* every binary websocket message → :meth:`ExecutorMux.receive`;
* a finished ``/validate`` call → :meth:`ExecutorMux.validation_finished`;
* a JSON-RPC message from a session → :meth:`ExecutorMux.send_message`;
* a session that ended on the executor side → :meth:`ExecutorMux.end_stream`;
* at :meth:`ExecutorMux.next_deadline` → :meth:`ExecutorMux.poll`;
* the socket is gone → :meth:`ExecutorMux.close`.

Behaviour follows the released reference (codex 0.169.0): every Reset carries
``noise_relay_protocol_error``; a second Handshake on an active stream is Reset while the old
stream keeps running; the 8th charged handshake failure starts a ~10 s cooldown during which
every Handshake is Reset (the socket stays open); invalid frames are dropped without reply.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from execwire.relay.errors import (
    FramingError,
    InvalidFrame,
    RelayProtocolError,
    StreamReset,
    StreamTimeout,
)
from execwire.relay.frames import Frame, FrameKind, decode_frame, reset_frame
from execwire.relay.noise import NoiseIdentity, NoisePublicKey
from execwire.relay.stream import ExecutorHandshake, RelayStream, StreamConfig

__all__ = [
    "Action",
    "CancelValidation",
    "CloseStream",
    "Deliver",
    "ExecutorMux",
    "MuxLimits",
    "OpenStream",
    "SendFrame",
    "StartValidation",
    "StreamHandle",
]

logger = logging.getLogger(__name__)

_STATIC_CLOSE_REASONS: Final = {
    StreamReset: "reset by peer",
    StreamTimeout: "idle timeout",
}


@dataclass(frozen=True, slots=True)
class MuxLimits:
    """Per-socket bounds (reference values)."""

    max_streams: int = 128
    max_validations: int = 32
    failure_budget: int = 8
    cooldown: float = 10.0


@dataclass(frozen=True, slots=True)
class StreamHandle:
    """One life of a stream id; ``instance`` tells a reused id's streams apart."""

    stream_id: str
    instance: int

    def __repr__(self) -> str:
        # Stream ids are routing secrets of a sort: the reference logs them at debug only.
        return f"StreamHandle(instance={self.instance})"


@dataclass(frozen=True, slots=True)
class SendFrame:
    """Write this encoded frame to the websocket (in order with the other SendFrames)."""

    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class StartValidation:
    """Ask the registry (``POST .../validate``) whether this harness may connect.

    Report the outcome with :meth:`ExecutorMux.validation_finished`; timeouts and errors
    count as refusals.
    """

    validation_id: int
    stream_id: str = field(repr=False)
    harness_public_key: NoisePublicKey
    authorization: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CancelValidation:
    """The handshake behind this validation is gone; its result will be ignored."""

    validation_id: int


@dataclass(frozen=True, slots=True)
class OpenStream:
    """A stream was authorized: start a JSON-RPC session on it."""

    handle: StreamHandle


@dataclass(frozen=True, slots=True)
class Deliver:
    """A complete inbound JSON-RPC message for the stream's session."""

    handle: StreamHandle
    message: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class CloseStream:
    """The stream is over: its session should see the transport end (and may be resumed)."""

    handle: StreamHandle
    reason: str


Action = SendFrame | StartValidation | CancelValidation | OpenStream | Deliver | CloseStream


@dataclass(slots=True)
class _Pending:
    handshake: ExecutorHandshake
    validation_id: int


class ExecutorMux:
    """Demultiplex one executor websocket into authorized, independent streams."""

    def __init__(
        self,
        identity: NoiseIdentity,
        *,
        environment_id: str,
        executor_registration_id: str,
        limits: MuxLimits | None = None,
        stream_config: StreamConfig | None = None,
        accept_message: Callable[[bytes], bool] | None = None,
    ) -> None:
        """Serve streams for one registration.

        ``accept_message`` classifies each complete inbound message: False resets the
        stream, as the reference does for a record that is not a JSON-RPC message (it parses
        messages in the relay layer, so the JSON-RPC processor never answers them with an
        error). Without it only JSON syntax is checked (``StreamConfig.validate_json``).
        """
        self._identity = identity
        self._environment_id = environment_id
        self._registration_id = executor_registration_id
        self._limits = limits or MuxLimits()
        self._config = stream_config or StreamConfig()
        self._accept_message = accept_message
        self._active: dict[str, tuple[StreamHandle, RelayStream]] = {}
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._failures = 0
        self._cooldown_until: float | None = None
        self._closed = False

    # -- observation -------------------------------------------------------------------------

    @property
    def active_streams(self) -> int:
        """Established streams."""
        return len(self._active)

    @property
    def pending_validations(self) -> int:
        """Handshakes waiting for the registry."""
        return len(self._pending)

    @property
    def failures(self) -> int:
        """Charged handshake failures since the socket opened or the last cooldown began."""
        return self._failures

    def in_cooldown(self, now: float) -> bool:
        """True while every Handshake is refused after the failure budget ran out."""
        return self._cooldown_until is not None and now < self._cooldown_until

    def is_open(self, handle: StreamHandle) -> bool:
        """Whether the handle's stream is still established."""
        entry = self._active.get(handle.stream_id)
        return entry is not None and entry[0] == handle

    def queued_bytes(self, handle: StreamHandle) -> int:
        """Outbound plaintext the stream holds back for its send window (0 if gone)."""
        entry = self._active.get(handle.stream_id)
        if entry is None or entry[0] != handle:
            return 0
        return entry[1].queued_bytes

    # -- inputs ------------------------------------------------------------------------------

    def receive(self, raw: bytes, now: float) -> list[Action]:
        """Handle one binary websocket message."""
        if self._closed:
            return []
        try:
            frame = decode_frame(raw)
        except InvalidFrame as error:
            logger.debug("dropping invalid relay frame: %s", error)
            return []
        actions: list[Action] = []
        if frame.kind is FrameKind.HANDSHAKE:
            self._on_handshake(frame, now, actions)
            return actions
        entry = self._active.get(frame.stream_id)
        if entry is not None:
            handle, stream = entry
            try:
                messages = stream.receive_frame(frame, now)
                accept = self._accept_message
                if accept is not None and not all(accept(message) for message in messages):
                    raise FramingError("relay record holds a message that is not JSON-RPC")
                actions.extend(Deliver(handle, message) for message in messages)
                actions.extend(SendFrame(data) for data in stream.poll(now))
            except RelayProtocolError as error:
                self._fail_stream(handle, stream, error, actions)
            return actions
        pending = self._pending.get(frame.stream_id)
        if frame.kind is FrameKind.DATA:
            if pending is not None:
                # Early data: the harness did not wait for msg2.
                self._drop_pending(frame.stream_id, actions)
                self._charge(now, "early_data")
            logger.debug("data for a stream without an established handshake")
            actions.append(SendFrame(reset_frame(frame.stream_id).encode()))
        elif frame.kind is FrameKind.RESET and pending is not None:
            self._drop_pending(frame.stream_id, actions)
        # Resume, Ack and Heartbeat before (or without) a stream are ignored, and so is a
        # Reset for a stream we do not know.
        return actions

    def validation_finished(self, validation_id: int, valid: bool, now: float) -> list[Action]:
        """Apply the registry's verdict; a stale ``validation_id`` is ignored."""
        if self._closed:
            return []
        stream_id = next(
            (sid for sid, p in self._pending.items() if p.validation_id == validation_id), None
        )
        if stream_id is None:
            return []
        pending = self._pending.pop(stream_id)
        actions: list[Action] = []
        if not valid:
            self._refuse(stream_id, "authorization_failed", actions)
            self._charge(now, "authorization_failed")
            return actions
        if len(self._active) >= self._limits.max_streams:
            self._refuse(stream_id, "too_many_streams", actions)
            return actions
        try:
            reply, stream = pending.handshake.accept(now)
        except RelayProtocolError:
            self._refuse(stream_id, "handshake_failed", actions)
            self._charge(now, "handshake_failed")
            return actions
        handle = StreamHandle(stream_id, next(self._ids))
        self._active[stream_id] = (handle, stream)
        actions.append(SendFrame(reply))
        actions.append(OpenStream(handle))
        return actions

    def send_message(self, handle: StreamHandle, message: bytes, now: float) -> list[Action]:
        """Encrypt one JSON-RPC message of ``handle``'s session into frames."""
        return self.send_messages(handle, [message], now)

    def send_messages(self, handle: StreamHandle, messages: list[bytes], now: float) -> list[Action]:
        """Encrypt JSON-RPC messages of ``handle``'s session, packed into shared records.

        Returns nothing if the stream is gone (its session is being told). A message the
        stream cannot carry (over 64 MiB) resets the stream.
        """
        entry = self._active.get(handle.stream_id)
        if entry is None or entry[0] != handle:
            return []
        actions: list[Action] = []
        try:
            actions.extend(SendFrame(data) for data in entry[1].send_messages(messages, now))
        except RelayProtocolError as error:
            self._fail_stream(handle, entry[1], error, actions)
        return actions

    def end_stream(self, handle: StreamHandle, now: float, reason: str = "session ended") -> list[Action]:
        """The executor ends the stream (session over, overload): Reset and close it.

        Idempotent; a handle whose stream id was since reused is ignored.
        """
        entry = self._active.get(handle.stream_id)
        if entry is None or entry[0] != handle:
            return []
        del self._active[handle.stream_id]
        return [SendFrame(entry[1].reset_frame()), CloseStream(handle, reason)]

    def poll(self, now: float) -> list[Action]:
        """Run the timers that are due: retransmissions, acks, idle timeouts, cooldown end."""
        actions: list[Action] = []
        if self._cooldown_until is not None and now >= self._cooldown_until:
            self._cooldown_until = None
        for handle, stream in list(self._active.values()):
            deadline = stream.next_deadline()
            if deadline is None or deadline > now:
                continue
            try:
                actions.extend(SendFrame(data) for data in stream.poll(now))
            except RelayProtocolError as error:
                self._fail_stream(handle, stream, error, actions)
        return actions

    def next_deadline(self) -> float | None:
        """Earliest time :meth:`poll` has work, or None."""
        deadlines = [
            deadline
            for _, stream in self._active.values()
            if (deadline := stream.next_deadline()) is not None
        ]
        if self._cooldown_until is not None:
            deadlines.append(self._cooldown_until)
        return min(deadlines) if deadlines else None

    def close(self) -> list[Action]:
        """The socket is gone: cancel every validation and close every stream (no frames)."""
        self._closed = True
        actions: list[Action] = [CancelValidation(p.validation_id) for p in self._pending.values()]
        actions.extend(CloseStream(handle, "socket closed") for handle, _ in self._active.values())
        self._pending.clear()
        self._active.clear()
        return actions

    # -- handshakes --------------------------------------------------------------------------

    def _on_handshake(self, frame: Frame, now: float, actions: list[Action]) -> None:
        stream_id = frame.stream_id
        if stream_id in self._active:
            # The reference resets the newcomer but leaves the established stream running.
            self._refuse(stream_id, "duplicate_active_stream", actions)
            return
        if stream_id in self._pending:
            self._drop_pending(stream_id, actions)
            self._refuse(stream_id, "duplicate_pending_handshake", actions)
            self._charge(now, "duplicate_pending_handshake")
            return
        if self.in_cooldown(now):
            self._refuse(stream_id, "cooldown", actions)
            return
        limits = self._limits
        if len(self._active) >= limits.max_streams or len(self._pending) >= limits.max_validations:
            self._refuse(stream_id, "capacity", actions)
            return
        handshake = ExecutorHandshake(
            self._identity,
            environment_id=self._environment_id,
            executor_registration_id=self._registration_id,
            stream_id=stream_id,
            config=self._config,
        )
        try:
            harness_key, authorization = handshake.read_message1(frame)
        except RelayProtocolError:
            self._refuse(stream_id, "handshake_failed", actions)
            self._charge(now, "handshake_failed")
            return
        validation_id = next(self._ids)
        self._pending[stream_id] = _Pending(handshake, validation_id)
        actions.append(StartValidation(validation_id, stream_id, harness_key, authorization))

    def _drop_pending(self, stream_id: str, actions: list[Action]) -> None:
        pending = self._pending.pop(stream_id)
        actions.append(CancelValidation(pending.validation_id))

    def _refuse(self, stream_id: str, noise_reason: str, actions: list[Action]) -> None:
        logger.debug("resetting relay handshake: %s", noise_reason)
        actions.append(SendFrame(reset_frame(stream_id).encode()))

    def _charge(self, now: float, noise_reason: str) -> None:
        if self.in_cooldown(now):
            return
        self._failures += 1
        logger.debug("relay handshake failure (%s), %d in a row", noise_reason, self._failures)
        if self._failures >= self._limits.failure_budget:
            logger.warning("pausing Noise relay handshakes after repeated failures")
            self._failures = 0
            self._cooldown_until = now + self._limits.cooldown

    def _fail_stream(
        self,
        handle: StreamHandle,
        stream: RelayStream,
        error: RelayProtocolError,
        actions: list[Action],
    ) -> None:
        del self._active[handle.stream_id]
        reason = _STATIC_CLOSE_REASONS.get(type(error), "protocol error")
        logger.debug("closing relay stream %r: %s", handle, error)
        if not isinstance(error, StreamReset):
            actions.append(SendFrame(stream.reset_frame()))
        actions.append(CloseStream(handle, reason))

    def __repr__(self) -> str:
        return (
            f"ExecutorMux(active={len(self._active)}, pending={len(self._pending)}, "
            f"failures={self._failures})"
        )
