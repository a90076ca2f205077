"""Tests for execwire.relay.frames: reference bytes, validation rules, redaction."""

from __future__ import annotations

import pytest

from execwire.protocol.codex.exec_server.relay.v1 import relay_pb2
from execwire.relay.frames import (
    RESET_REASON,
    Frame,
    FrameKind,
    InvalidFrame,
    ack_frame,
    data_frame,
    decode_frame,
    frame_for_stream,
    handshake_frame,
    heartbeat_frame,
    reset_frame,
    resume_frame,
)


@pytest.mark.parametrize(
    ("frame", "expected_hex"),
    [
        (resume_frame("s-1"), "08 01 12 03 73 2d 31 3a 00"),
        (data_frame("s-1", 0, b"\xaa\xbb"), "08 01 12 03 73 2d 31 2a 06 18 01 22 02 aa bb"),
        (ack_frame("s-1", 2, 2), "08 01 12 03 73 2d 31 18 02 20 02 32 00"),
        (handshake_frame("s-1", b"\x01\x02"), "08 01 12 03 73 2d 31 52 04 0a 02 01 02"),
    ],
)
def test_frames_encode_to_the_reference_bytes(frame: Frame, expected_hex: str) -> None:
    encoded = frame.encode()
    assert encoded == bytes.fromhex(expected_hex.replace(" ", ""))
    assert decode_frame(encoded) == frame


def test_every_kind_round_trips() -> None:
    frames = [
        data_frame("s", 7, b"x", ack=3, ack_bits=5),
        handshake_frame("s", b"m", ack_bits=1),
        reset_frame("s"),
        resume_frame("s", 4),
        ack_frame("s", 1, 1),
        heartbeat_frame("s", 2, 1),
    ]
    for frame in frames:
        assert decode_frame(frame.encode()) == frame
    assert reset_frame("s").reason == RESET_REASON == "noise_relay_protocol_error"


def _raw(**fields: object) -> bytes:
    base: dict[str, object] = {"version": 1, "stream_id": "s-1"}
    base.update(fields)
    return relay_pb2.RelayMessageFrame(**base).SerializeToString()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "stream_id"),
    [
        (_raw(version=2, resume=relay_pb2.RelayResume()), "s-1"),
        (_raw(stream_id="", resume=relay_pb2.RelayResume()), ""),
        (_raw(stream_id="  ", resume=relay_pb2.RelayResume()), "  "),
        (_raw(), "s-1"),  # no body
        (_raw(data=relay_pb2.RelayData(segment_count=2, payload=b"x")), "s-1"),
        (_raw(data=relay_pb2.RelayData(segment_index=1, segment_count=1, payload=b"x")), "s-1"),
        (_raw(data=relay_pb2.RelayData(segment_count=1)), "s-1"),
        (_raw(reset=relay_pb2.RelayReset()), "s-1"),
        (_raw(handshake=relay_pb2.RelayHandshake()), "s-1"),
        (b"\xff\xff\xff", None),
    ],
)
def test_invalid_frames_are_refused_with_their_stream_id(raw: bytes, stream_id: str | None) -> None:
    with pytest.raises(InvalidFrame) as caught:
        decode_frame(raw)
    assert caught.value.stream_id == stream_id


def test_unknown_trace_fields_are_tolerated() -> None:
    # Fields 11/12 (traceparent/tracestate) exist only in an unmerged reference variant.
    raw = resume_frame("s-1").encode() + b"\x5a\x03abc" + b"\x62\x01z"
    assert decode_frame(raw).kind is FrameKind.RESUME


def test_oversized_message_is_refused() -> None:
    with pytest.raises(InvalidFrame):
        decode_frame(data_frame("s", 0, bytes(256 * 1024)).encode())


def test_repr_shows_no_payload_or_stream_id() -> None:
    text = repr(data_frame("secret-stream", 0, b"secret-payload"))
    assert "secret" not in text
    assert "payload_len=14" in text


def test_frame_for_stream_filters_other_streams() -> None:
    mine = data_frame("mine", 0, b"x")
    assert frame_for_stream(mine.encode(), "mine") == mine
    assert frame_for_stream(data_frame("other", 0, b"x").encode(), "mine") is None
    assert frame_for_stream(_raw(stream_id="other", version=2), "mine") is None
    for raw in (_raw(stream_id="mine", version=2), _raw(stream_id=""), b"\xff\xff"):
        with pytest.raises(InvalidFrame):
            frame_for_stream(raw, "mine")
