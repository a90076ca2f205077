"""The little the rendezvous reads from a relay frame: its stream id and body kind.

Frames are forwarded as the exact bytes received. They are decoded only to route them; the
payloads (Noise handshake messages and ciphertext) are opaque here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from google.protobuf.message import DecodeError

from execwire.protocol.codex.exec_server.relay.v1 import relay_pb2
from execwire.relay import frames
from execwire.relay.frames import FRAME_VERSION, FrameKind
from execwire.relay.frames import MAX_STREAM_ID_LEN as MAX_STREAM_ID_BYTES

__all__ = [
    "FRAME_VERSION",
    "MAX_STREAM_ID_BYTES",
    "FrameInfo",
    "FrameKind",
    "inspect_frame",
    "reset_frame",
]

CLAIMING_KINDS: Final = frozenset({FrameKind.RESUME, FrameKind.HANDSHAKE})
"""Frames that may open (claim) a stream id on a harness socket."""


@dataclass(frozen=True, slots=True)
class FrameInfo:
    """Routing facts of one frame."""

    stream_id: str
    kind: FrameKind


def inspect_frame(data: bytes) -> FrameInfo | None:
    """Return the routing facts of a frame, or None if it cannot be routed.

    Unroutable: undecodable protobuf, a version other than 1, a blank or over-long stream
    id, or no body. Both reference endpoints drop such frames silently, so dropping them here
    changes nothing an endpoint could observe.
    """
    frame = relay_pb2.RelayMessageFrame()
    try:
        frame.ParseFromString(data)
    except DecodeError:
        return None
    if frame.version != FRAME_VERSION:
        return None
    stream_id = frame.stream_id
    if not stream_id.strip() or len(stream_id.encode("utf-8")) > MAX_STREAM_ID_BYTES:
        return None
    body = frame.WhichOneof("body")
    if body is None:
        return None
    return FrameInfo(stream_id, FrameKind(body))


def reset_frame(stream_id: str, reason: str) -> bytes:
    """Encode ``Reset{reason}`` for ``stream_id`` (version 1, no ack state)."""
    return frames.reset_frame(stream_id, reason).encode()
