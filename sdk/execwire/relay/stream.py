"""One relay virtual stream, sans I/O: the Noise handshake wrappers and the established stream.

Both ends of a stream use the same pieces:

* :class:`HarnessHandshake` (initiator): :meth:`~HarnessHandshake.opening_frames` gives the
  ``Resume`` + ``Handshake{msg1}`` frames to send, then every frame from the socket goes to
  :meth:`~HarnessHandshake.on_frame` until it returns the established :class:`RelayStream`.
* :class:`ExecutorHandshake` (responder): :meth:`~ExecutorHandshake.read_message1` yields the
  harness key and authorization to validate with the registry, then
  :meth:`~ExecutorHandshake.accept` gives the ``Handshake{msg2}`` frame and the stream.
* :class:`RelayStream`: JSON-RPC messages in and out as encrypted Data frames.
  :meth:`~RelayStream.send_message` returns the frames to write now,
  :meth:`~RelayStream.receive_frame` returns the JSON messages a frame completed, and
  :meth:`~RelayStream.poll` returns frames that timers made due (retransmissions, acks,
  records the send window now admits, heartbeats). Call :meth:`~RelayStream.poll` after each
  :meth:`~RelayStream.receive_frame` (acks may open the window) and whenever
  :meth:`~RelayStream.next_deadline` passes.

Every error is a :class:`~execwire.relay.errors.RelayProtocolError` and ends the stream: the
caller drops it and sends :meth:`RelayStream.reset_frame` (unless the error is
:class:`~execwire.relay.errors.StreamReset`, i.e. the peer already reset it).

Acknowledgements (:mod:`.reliable`) are an execwire extension, negotiated in the handshake:
the harness marks its Resume and msg1 with the ack-capable bit (the reference executor
ignores ack fields on every frame kind), and an execwire executor answers with a marked msg2
only then. Each side that saw the other's mark runs a reliable stream (acks, retransmission)
from the first Data record; otherwise the stream behaves exactly like the reference (no ack
fields, no retransmission, no retransmit cache), so a codex harness never sees an ack field
from an execwire executor and a codex executor never gets acks from an execwire harness.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

import orjson

from .errors import FramingError, RelayProtocolError, StreamReset, StreamTimeout
from .frames import (
    MAX_STREAM_ID_LEN,
    Frame,
    FrameKind,
    ack_frame,
    data_frame,
    handshake_frame,
    heartbeat_frame,
    reset_frame,
    resume_frame,
)
from .framing import MessageAssembler, encode_messages
from .noise import (
    MAX_TRANSPORT_NONCE,
    TAG_LEN,
    HandshakeInitiator,
    HandshakeResponder,
    NoiseIdentity,
    NoisePublicKey,
    TransportKeys,
    relay_prologue,
)
from .ordering import DEFAULT_MAX_PENDING_BYTES
from .reliable import (
    ACK_CAPABLE,
    DEFAULT_RESEND_AFTER,
    DEFAULT_STALL_TIMEOUT,
    DEFAULT_UNPROVEN_RETENTION,
    ReliableReceiver,
    ReliableSender,
)

__all__ = [
    "BULK_WINDOW_BYTES",
    "MAX_AUTHORIZATION_LEN",
    "ExecutorHandshake",
    "HarnessHandshake",
    "RelayStream",
    "StreamConfig",
]

_T = TypeVar("_T")

MAX_AUTHORIZATION_LEN: Final = 4096
"""Largest harness authorization (UTF-8 bytes) the executor accepts in msg1."""

_ACK_EVERY: Final = 4
"""Records received in order since the last ack that make the next ack immediate."""

BULK_WINDOW_BYTES: Final = 4 * 1024 * 1024
"""The executor's send window and the harness's receive buffer (see `StreamConfig`)."""


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Per-stream behaviour; the defaults suit both roles.

    * ``reliable``: use execwire's acks and retransmission when the peer proves it speaks
      them (see the module docstring). False gives the plain reference behaviour.
    * ``ack_delay``: how long an owed ack may wait for an outbound Data frame to carry it.
    * ``idle_timeout``: fail the stream with :class:`StreamTimeout` when no frame arrives for
      this long (the executor's fallback for rendezvous that never report a vanished harness).
    * ``heartbeat_interval``: send a Heartbeat after this long without any outbound frame, to
      keep the peer's idle timer from firing (the reference ignores Heartbeats).
    * ``validate_json``: refuse records that complete a message which is not valid JSON.
    * ``send_window_bytes``: ciphertext in flight unacknowledged (to a peer that acks); it
      must not exceed the peer's ``receive_buffer_bytes``. The window, not the CPU, is what
      limits a bulk transfer through a rendezvous: 1 MiB gave ~160 MB/s, 4 MiB ~210.
    * ``receive_buffer_bytes``: ciphertext held out of order before the stream fails; the
      reference's 1 MiB by default. execwire's executor, which multiplexes many streams,
      keeps that bound and sends with a ``BULK_WINDOW_BYTES`` window to its harness, which
      buffers that much.
    """

    reliable: bool = True
    resend_after: float = DEFAULT_RESEND_AFTER
    unproven_retention: float = DEFAULT_UNPROVEN_RETENTION
    stall_timeout: float = DEFAULT_STALL_TIMEOUT
    ack_delay: float = 0.02
    idle_timeout: float | None = None
    heartbeat_interval: float | None = None
    validate_json: bool = True
    send_window_bytes: int = DEFAULT_MAX_PENDING_BYTES
    receive_buffer_bytes: int = DEFAULT_MAX_PENDING_BYTES


def _check_stream_id(stream_id: str) -> None:
    if not stream_id or stream_id != stream_id.strip():
        raise ValueError("stream id must be non-empty without surrounding whitespace")
    if len(stream_id.encode("utf-8")) > MAX_STREAM_ID_LEN:
        raise ValueError("stream id exceeds 128 bytes")


class RelayStream:
    """An established stream: sequencing, encryption, framing, ordering and acks.

    Not thread-safe; ``now`` is any monotonic clock in seconds, the same for every call.
    """

    __slots__ = (
        "_ack_due",
        "_acked_through",
        "_assembler",
        "_closed",
        "_config",
        "_last_inbound",
        "_last_outbound",
        "_now",
        "_queue",
        "_queued_bytes",
        "_receive_cipher",
        "_receiver",
        "_send_cipher",
        "_sender",
        "_stream_id",
    )

    def __init__(
        self,
        stream_id: str,
        keys: TransportKeys,
        now: float,
        *,
        config: StreamConfig | None = None,
        peer_acks: bool = False,
    ) -> None:
        """Wrap finished handshake keys.

        ``peer_acks``: the peer proved it reads acks (its handshake frame was marked). Our
        frames carry ack state only after that proof, which a later frame with non-zero ack
        fields can also give.
        """
        self._config = config = config or StreamConfig()
        self._stream_id = stream_id
        self._send_cipher = keys.send
        self._receive_cipher = keys.receive
        self._sender = ReliableSender(
            resend_after=config.resend_after,
            max_unacked_bytes=config.send_window_bytes,
            unproven_retention=config.unproven_retention,
            stall_timeout=config.stall_timeout,
            peer_acks=peer_acks and config.reliable,
        )
        self._receiver = ReliableReceiver(max_pending_bytes=config.receive_buffer_bytes)
        self._assembler = MessageAssembler()
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._ack_due: float | None = None
        self._acked_through = 0
        self._last_inbound = now
        self._last_outbound = now
        self._now = now
        self._closed = False

    # -- observation -------------------------------------------------------------------------

    @property
    def stream_id(self) -> str:
        """The routing key of this stream."""
        return self._stream_id

    @property
    def closed(self) -> bool:
        """True after an error, a Reset from the peer, or :meth:`reset_frame`."""
        return self._closed

    @property
    def peer_acks(self) -> bool:
        """True once the peer proved it acknowledges (retransmission is active)."""
        return self._sender.peer_acks

    @property
    def queued_bytes(self) -> int:
        """Plaintext bytes accepted by :meth:`send_message` but not yet sent (window full).

        The caller should stop producing while this is large; it only grows against a peer
        that acknowledges, and shrinks as its acks arrive.
        """
        return self._queued_bytes

    @property
    def unacked_bytes(self) -> int:
        """Ciphertext bytes kept for possible retransmission."""
        return self._sender.unacked_bytes

    # -- sending -----------------------------------------------------------------------------

    def send_message(self, message: bytes, now: float) -> list[bytes]:
        """Queue one serialized JSON-RPC message; return the encoded frames to write now."""
        return self.send_messages([message], now)

    def send_messages(self, messages: list[bytes], now: float) -> list[bytes]:
        """Queue several messages, packed into shared records; return the frames to write now."""
        self._check_open()
        self._now = now
        try:
            records = encode_messages(messages)
        except FramingError:
            self._closed = True
            raise
        self._queue.extend(records)
        self._queued_bytes += sum(len(record) for record in records)
        return self._guard(self._flush, now)

    def _ack_fields(self) -> tuple[int, int]:
        if not (self._config.reliable and self._sender.peer_acks):
            return 0, 0
        self._ack_due = None
        state = self._receiver.ack_state()
        self._receiver.ack_sent()
        self._acked_through = state[0]
        return state

    def _data(self, seq: int, ciphertext: bytes) -> bytes:
        ack, ack_bits = self._ack_fields()
        return data_frame(self._stream_id, seq, ciphertext, ack, ack_bits).encode()

    def _flush(self, now: float) -> list[bytes]:
        out: list[bytes] = []
        reliable = self._config.reliable
        queue = self._queue
        while queue:
            record = queue[0]
            if reliable:
                if not self._sender.can_send(len(record) + TAG_LEN):
                    if self._sender.next_seq >= MAX_TRANSPORT_NONCE:
                        raise RelayProtocolError("sequence number exhausted")
                    break
            elif self._send_cipher.nonce >= MAX_TRANSPORT_NONCE:
                raise RelayProtocolError("sequence number exhausted")
            queue.popleft()
            self._queued_bytes -= len(record)
            seq = self._send_cipher.nonce
            ciphertext = self._send_cipher.encrypt(record)
            if reliable:
                # The cipher and the sender count the same records, so seq == nonce always.
                self._sender.send(ciphertext, now)
            out.append(self._data(seq, ciphertext))
        if out:
            self._last_outbound = now
        return out

    # -- receiving ---------------------------------------------------------------------------

    def receive_frame(self, frame: Frame, now: float) -> list[bytes]:
        """Process one frame of this stream; return the JSON-RPC messages it completed.

        Raises :class:`StreamReset` for a Reset and another
        :class:`~execwire.relay.errors.RelayProtocolError` for any violation; the stream is
        closed either way.
        """
        self._check_open()
        if frame.stream_id != self._stream_id:
            raise ValueError("frame belongs to another stream")
        self._now = now
        self._last_inbound = now
        return self._guard(lambda at: self._receive(frame, at), now)

    def _receive(self, frame: Frame, now: float) -> list[bytes]:
        kind = frame.kind
        if kind is FrameKind.RESET:
            raise StreamReset()
        if kind is FrameKind.HANDSHAKE:
            raise RelayProtocolError("handshake frame on an established stream")
        if self._config.reliable:
            self._sender.on_ack(frame.ack, frame.ack_bits, now, standalone=kind is FrameKind.ACK)
        if kind is not FrameKind.DATA:
            return []
        released = self._receiver.push(frame.seq, frame.payload)
        if self._sender.peer_acks:
            if self._receiver.next_expected - self._acked_through >= _ACK_EVERY:
                # A bulk transfer: the sender's window is what limits it, so ack at once.
                self._ack_due = now
            elif self._ack_due is None:
                self._ack_due = now + self._config.ack_delay
        messages: list[bytes] = []
        for ciphertext in released:
            plaintext = self._receive_cipher.decrypt(ciphertext)
            for message in self._assembler.feed(plaintext):
                if self._config.validate_json:
                    try:
                        orjson.loads(message)
                    except orjson.JSONDecodeError:
                        raise FramingError("relay record holds invalid JSON") from None
                messages.append(message)
        return messages

    # -- timers ------------------------------------------------------------------------------

    def poll(self, now: float) -> list[bytes]:
        """Return the frames due at ``now``; raises like :meth:`receive_frame` on failure."""
        if self._closed:
            return []
        self._now = now
        return self._guard(self._poll, now)

    def _poll(self, now: float) -> list[bytes]:
        config = self._config
        if config.idle_timeout is not None and now - self._last_inbound >= config.idle_timeout:
            raise StreamTimeout("no frame arrived on the stream within its idle timeout")
        out: list[bytes] = []
        if config.reliable:
            for seq, ciphertext in self._sender.due_retransmissions(now):
                out.append(self._data(seq, ciphertext))
        out.extend(self._flush(now))
        if (
            self._sender.peer_acks
            and self._receiver.ack_owed
            and (self._ack_due is None or now >= self._ack_due)
        ):
            ack, ack_bits = self._ack_fields()
            out.append(ack_frame(self._stream_id, ack, ack_bits).encode())
        if (
            config.heartbeat_interval is not None
            and now - self._last_outbound >= config.heartbeat_interval
        ):
            ack, ack_bits = self._ack_fields()
            out.append(heartbeat_frame(self._stream_id, ack, ack_bits).encode())
        if out:
            self._last_outbound = now
        return out

    def next_deadline(self) -> float | None:
        """Earliest ``now`` at which :meth:`poll` has work, or None when nothing is timed."""
        if self._closed:
            return None
        config = self._config
        deadlines: list[float] = []
        if config.idle_timeout is not None:
            deadlines.append(self._last_inbound + config.idle_timeout)
        if config.heartbeat_interval is not None:
            deadlines.append(self._last_outbound + config.heartbeat_interval)
        if config.reliable:
            resend = self._sender.next_deadline()
            if resend is not None:
                deadlines.append(resend)
            if self._sender.peer_acks and self._receiver.ack_owed:
                deadlines.append(self._now if self._ack_due is None else self._ack_due)
            if self._queue and self._sender.can_send(len(self._queue[0]) + TAG_LEN):
                deadlines.append(self._now)
        return min(deadlines) if deadlines else None

    # -- closing -----------------------------------------------------------------------------

    def reset_frame(self) -> bytes:
        """Close the stream locally and return the Reset frame to send (best effort)."""
        self._closed = True
        self._queue.clear()
        self._queued_bytes = 0
        return reset_frame(self._stream_id).encode()

    def _check_open(self) -> None:
        if self._closed:
            raise RelayProtocolError("relay stream is closed")

    def _guard(self, step: Callable[[float], _T], arg: float) -> _T:
        try:
            return step(arg)
        except RelayProtocolError:
            self._closed = True
            raise

    def __repr__(self) -> str:
        return (
            f"RelayStream(closed={self._closed}, peer_acks={self._sender.peer_acks}, "
            f"queued_bytes={self._queued_bytes})"
        )


# --------------------------------------------------------------------------- handshakes


def _established(
    stream_id: str, keys: TransportKeys, now: float, config: StreamConfig, peer_marked: bool
) -> RelayStream:
    # The peer's handshake frame decides: marked → reliable from the first record; unmarked
    # → a reference peer, so no ack fields, no retransmission and no retransmit cache.
    proven = config.reliable and peer_marked
    if not proven and config.reliable:
        config = dataclasses.replace(config, reliable=False)
    return RelayStream(stream_id, keys, now, config=config, peer_acks=proven)


class HarnessHandshake:
    """Initiator side: opens a stream to an executor whose key the registry pinned.

    ``stream_id`` defaults to a fresh UUIDv4 (what codex uses); the prologue binds the
    handshake to the environment, the executor's registration and the stream.
    """

    __slots__ = ("_authorization", "_config", "_initiator", "_send_resume", "_started", "_stream_id")

    def __init__(
        self,
        identity: NoiseIdentity,
        executor_public_key: NoisePublicKey,
        *,
        environment_id: str,
        executor_registration_id: str,
        authorization: str,
        stream_id: str | None = None,
        config: StreamConfig | None = None,
        send_resume: bool = True,
    ) -> None:
        self._stream_id = stream_id if stream_id is not None else str(uuid.uuid4())
        _check_stream_id(self._stream_id)
        self._authorization = authorization.encode("utf-8")
        if len(self._authorization) > MAX_AUTHORIZATION_LEN:
            raise ValueError("harness authorization exceeds 4096 bytes")
        self._config = config or StreamConfig()
        self._send_resume = send_resume
        self._initiator = HandshakeInitiator(
            identity,
            executor_public_key,
            relay_prologue(environment_id, executor_registration_id, self._stream_id),
        )
        self._started = False

    @property
    def stream_id(self) -> str:
        """The stream id this handshake claims."""
        return self._stream_id

    def opening_frames(self) -> list[bytes]:
        """The frames that open the stream: ``Resume{0}`` (as codex sends) and ``Handshake``.

        Both carry the ack-capable marker when ``reliable``: the reference executor ignores
        ack fields, an execwire executor learns from it that it may acknowledge.
        """
        if self._started:
            raise RelayProtocolError("handshake already started")
        self._started = True
        message1 = self._initiator.write_message1(self._authorization)
        marker = ACK_CAPABLE if self._config.reliable else 0
        frames = []
        if self._send_resume:
            resume = resume_frame(self._stream_id)
            frames.append(Frame(resume.stream_id, resume.kind, ack_bits=marker).encode())
        frames.append(handshake_frame(self._stream_id, message1, ack_bits=marker).encode())
        return frames

    def on_frame(self, frame: Frame, now: float) -> RelayStream | None:
        """Handle a frame from the socket; return the stream once msg2 is authenticated.

        Frames for other streams and Ack/Resume/Heartbeat frames return None. A Reset
        raises :class:`StreamReset`; early Data or a bad msg2 raise
        :class:`~execwire.relay.errors.RelayProtocolError`.
        """
        if frame.stream_id != self._stream_id:
            return None
        if not self._started:
            raise RelayProtocolError("handshake not started")
        kind = frame.kind
        if kind is FrameKind.RESET:
            raise StreamReset()
        if kind is FrameKind.DATA:
            raise RelayProtocolError("received data before handshake completion")
        if kind is not FrameKind.HANDSHAKE:
            return None
        keys = self._initiator.read_message2(frame.payload)
        marked = bool(frame.ack_bits & ACK_CAPABLE)
        return _established(self._stream_id, keys, now, self._config, marked)

    def __repr__(self) -> str:
        return f"HarnessHandshake(started={self._started})"


class ExecutorHandshake:
    """Responder side of one stream: read msg1, let the caller validate, then answer."""

    __slots__ = ("_authorization", "_config", "_peer_acks", "_responder", "_stream_id")

    def __init__(
        self,
        identity: NoiseIdentity,
        *,
        environment_id: str,
        executor_registration_id: str,
        stream_id: str,
        config: StreamConfig | None = None,
    ) -> None:
        self._stream_id = stream_id
        self._config = config or StreamConfig()
        self._responder = HandshakeResponder(
            identity, relay_prologue(environment_id, executor_registration_id, stream_id)
        )
        self._peer_acks = False
        self._authorization: str | None = None

    @property
    def stream_id(self) -> str:
        """The stream id the harness chose."""
        return self._stream_id

    def read_message1(self, frame: Frame) -> tuple[NoisePublicKey, str]:
        """Authenticate msg1; return the harness static key and its authorization text.

        The authorization must be valid UTF-8 of at most 4096 bytes. Any failure raises
        :class:`~execwire.relay.errors.RelayProtocolError`.
        """
        if frame.kind is not FrameKind.HANDSHAKE or frame.stream_id != self._stream_id:
            raise ValueError("not the handshake frame of this stream")
        harness_key, payload = self._responder.read_message1(frame.payload)
        if len(payload) > MAX_AUTHORIZATION_LEN:
            raise RelayProtocolError("harness authorization exceeds 4096 bytes")
        try:
            authorization = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise RelayProtocolError("harness authorization is not UTF-8") from None
        self._peer_acks = self._config.reliable and bool(frame.ack_bits & ACK_CAPABLE)
        self._authorization = authorization
        return harness_key, authorization

    def accept(self, now: float) -> tuple[bytes, RelayStream]:
        """Answer an authorized harness: the encoded ``Handshake{msg2}`` frame and the stream.

        msg2 is marked ack-capable only if msg1 was, so a codex harness never sees a
        non-zero ack field from us.
        """
        if self._authorization is None:
            raise RelayProtocolError("msg1 has not been read")
        message2, keys = self._responder.write_message2()
        marker = ACK_CAPABLE if self._peer_acks else 0
        frame = handshake_frame(self._stream_id, message2, ack_bits=marker).encode()
        return frame, _established(self._stream_id, keys, now, self._config, self._peer_acks)

    def __repr__(self) -> str:
        return f"ExecutorHandshake(peer_acks={self._peer_acks})"
