"""``RelayMessageFrame``: build, encode, decode and validate relay frames (I/O-free).

Each binary websocket message between an endpoint and the rendezvous holds exactly one
protobuf ``RelayMessageFrame``. :func:`decode_frame` applies the reference's validation
(version 1, a non-blank stream id, a body, Data segment fields exactly 0/1 and a non-empty
payload, a non-empty Reset reason and Handshake payload) and returns a plain :class:`Frame`;
everything else in the relay package works on :class:`Frame` values, never on protobuf
objects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from google.protobuf.message import DecodeError

from execwire.protocol.codex.exec_server.relay.v1 import relay_pb2

from .errors import InvalidFrame

__all__ = [
    "FRAME_VERSION",
    "MAX_FRAME_LEN",
    "MAX_STREAM_ID_LEN",
    "RESET_REASON",
    "Frame",
    "FrameKind",
    "InvalidFrame",
    "ack_frame",
    "data_frame",
    "decode_frame",
    "frame_for_stream",
    "handshake_frame",
    "heartbeat_frame",
    "reset_frame",
    "resume_frame",
]

FRAME_VERSION: Final = 1
MAX_FRAME_LEN: Final = 256 * 1024
"""Largest websocket message (and frame) either end accepts."""

RESET_REASON: Final = "noise_relay_protocol_error"
"""The only reason the reference executor ever sends; receivers never trust a peer's reason."""

MAX_STREAM_ID_LEN: Final = 128
"""Emit at most this many bytes; older reference validators refuse longer ids."""


_U32_MAX: Final = 2**32 - 1


class FrameKind(enum.StrEnum):
    """The ``body`` oneof arm of a frame."""

    DATA = "data"
    ACK = "ack_frame"
    RESUME = "resume"
    RESET = "reset"
    HEARTBEAT = "heartbeat"
    HANDSHAKE = "handshake"


@dataclass(frozen=True, slots=True)
class Frame:
    """One validated relay frame; fields not used by ``kind`` keep their defaults.

    ``payload`` is the Data ciphertext or the Handshake message; ``seq`` belongs to Data,
    ``next_seq`` to Resume and ``reason`` to Reset. ``ack``/``ack_bits`` ride on any kind.
    """

    stream_id: str
    kind: FrameKind
    ack: int = 0
    ack_bits: int = 0
    seq: int = 0
    payload: bytes = b""
    next_seq: int = 0
    reason: str = ""

    def __repr__(self) -> str:
        # Payloads are ciphertext or handshake messages and reasons are untrusted peer text:
        # show sizes only.
        return (
            f"Frame(kind={self.kind.value}, ack={self.ack}, ack_bits={self.ack_bits:#x}, "
            f"seq={self.seq}, payload_len={len(self.payload)})"
        )

    def encode(self) -> bytes:
        """Serialize to the protobuf wire form (one websocket binary message)."""
        for value in (self.ack, self.ack_bits, self.seq, self.next_seq):
            if not 0 <= value <= _U32_MAX:
                raise ValueError("relay frame integer field out of the u32 range")
        message = relay_pb2.RelayMessageFrame(
            version=FRAME_VERSION, stream_id=self.stream_id, ack=self.ack, ack_bits=self.ack_bits
        )
        kind = self.kind
        if kind is FrameKind.DATA:
            message.data.seq = self.seq
            message.data.segment_count = 1
            message.data.payload = self.payload
        elif kind is FrameKind.HANDSHAKE:
            message.handshake.payload = self.payload
        elif kind is FrameKind.RESET:
            message.reset.reason = self.reason
        elif kind is FrameKind.RESUME:
            message.resume.SetInParent()
            message.resume.next_seq = self.next_seq
        elif kind is FrameKind.ACK:
            message.ack_frame.SetInParent()
        else:
            message.heartbeat.SetInParent()
        return message.SerializeToString()


def data_frame(stream_id: str, seq: int, payload: bytes, ack: int = 0, ack_bits: int = 0) -> Frame:
    """A Data frame carrying one Noise transport record."""
    return Frame(stream_id, FrameKind.DATA, ack=ack, ack_bits=ack_bits, seq=seq, payload=payload)


def handshake_frame(stream_id: str, message: bytes, ack: int = 0, ack_bits: int = 0) -> Frame:
    """A Handshake frame carrying Noise msg1 or msg2."""
    return Frame(stream_id, FrameKind.HANDSHAKE, ack=ack, ack_bits=ack_bits, payload=message)


def reset_frame(stream_id: str, reason: str = RESET_REASON) -> Frame:
    """A Reset frame; ``reason`` is cleartext, so only ever send the fixed reference string."""
    return Frame(stream_id, FrameKind.RESET, reason=reason)


def resume_frame(stream_id: str, next_seq: int = 0) -> Frame:
    """The Resume frame a MAIN harness sends before its Handshake to claim the stream id."""
    return Frame(stream_id, FrameKind.RESUME, next_seq=next_seq)


def ack_frame(stream_id: str, ack: int, ack_bits: int) -> Frame:
    """A standalone acknowledgement (execwire extension; the reference ignores it)."""
    return Frame(stream_id, FrameKind.ACK, ack=ack, ack_bits=ack_bits)


def heartbeat_frame(stream_id: str, ack: int = 0, ack_bits: int = 0) -> Frame:
    """A Heartbeat frame; refreshes a peer's per-stream idle timer, otherwise ignored."""
    return Frame(stream_id, FrameKind.HEARTBEAT, ack=ack, ack_bits=ack_bits)


def decode_frame(raw: bytes) -> Frame:
    """Parse and validate one binary websocket message.

    Raises :class:`InvalidFrame`; its ``stream_id`` is set when the protobuf parsed, so a
    harness can tell whether the broken frame was addressed to its own stream.
    """
    if len(raw) > MAX_FRAME_LEN:
        raise InvalidFrame("relay frame exceeds 256 KiB")
    message = relay_pb2.RelayMessageFrame()
    try:
        message.ParseFromString(raw)
    except DecodeError:
        raise InvalidFrame("relay frame is not a valid protobuf message") from None
    stream_id = message.stream_id
    if message.version != FRAME_VERSION:
        raise InvalidFrame("unsupported relay message frame version", stream_id)
    if not stream_id.strip():
        raise InvalidFrame("relay frame has an empty stream id", stream_id)
    which = message.WhichOneof("body")
    if which is None:
        raise InvalidFrame("relay frame has no body", stream_id)
    kind = FrameKind(which)
    ack, ack_bits = message.ack, message.ack_bits
    if kind is FrameKind.DATA:
        # Each read of a bytes field copies it (upb): every field is read once.
        data = message.data
        payload = data.payload
        if data.segment_index != 0 or data.segment_count != 1 or not payload:
            raise InvalidFrame("relay data frame is missing required fields", stream_id)
        return Frame(stream_id, kind, ack=ack, ack_bits=ack_bits, seq=data.seq, payload=payload)
    if kind is FrameKind.HANDSHAKE:
        payload = message.handshake.payload
        if not payload:
            raise InvalidFrame("relay handshake frame has an empty payload", stream_id)
        return Frame(stream_id, kind, ack=ack, ack_bits=ack_bits, payload=payload)
    if kind is FrameKind.RESET:
        reason = message.reset.reason
        if not reason:
            raise InvalidFrame("relay reset frame has an empty reason", stream_id)
        return Frame(stream_id, kind, ack=ack, ack_bits=ack_bits, reason=reason)
    if kind is FrameKind.RESUME:
        return Frame(stream_id, kind, ack=ack, ack_bits=ack_bits, next_seq=message.resume.next_seq)
    return Frame(stream_id, kind, ack=ack, ack_bits=ack_bits)


def frame_for_stream(raw: bytes, stream_id: str) -> Frame | None:
    """Decode a message on a harness socket: the frame if it is ``stream_id``'s, else None.

    The harness ignores valid frames of other streams, like the reference. An invalid frame
    raises :class:`InvalidFrame` unless it names another (non-blank) stream: a frame that
    cannot be attributed may have been ours, and the reference harness fails on those too.
    """
    try:
        frame = decode_frame(raw)
    except InvalidFrame as error:
        if error.stream_id and error.stream_id.strip() and error.stream_id != stream_id:
            return None
        raise
    return frame if frame.stream_id == stream_id else None
