"""Fuzz targets: every decoder that reads bytes from a peer, with the only outcomes it may
have on any input (a value, or its documented error; never another exception, never a hang).

Each target takes raw bytes. `TARGETS` names them for the corpus replay
(`tests/fuzz/test_corpus.py`, part of `make test`), the hypothesis properties
(`test_properties.py`) and the coverage-guided runs (`python -m tests.fuzz.run`, `make fuzz`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Final

import orjson

from execwire import jsonrpc, pathuri
from execwire.errors import ProtocolError
from execwire.protocol.methods import REQUESTS
from execwire.relay.errors import RelayProtocolError
from execwire.relay.frames import FrameKind, decode_frame, frame_for_stream, handshake_frame
from execwire.relay.framing import MessageAssembler
from execwire.relay.noise_keys import NoiseIdentity
from execwire.relay.ordering import ReorderBuffer
from execwire.relay.stream import ExecutorHandshake
from execwire_server import inbound
from execwire_server.params import DeferredParamsError, ParamsError, decode_params

__all__ = ["TARGETS"]

_METHODS: Final = sorted(REQUESTS)


def jsonrpc_server_inbound(data: bytes) -> None:
    """The server's reading of one websocket message: always a classification."""
    result = inbound.explain(data)
    assert isinstance(
        result,
        inbound.Malformed | inbound.Request | inbound.Notification | inbound.Response | inbound.ErrorResponse,
    )
    if isinstance(result, inbound.Malformed):
        assert result.message  # every refusal says why


def jsonrpc_client_inbound(data: bytes) -> None:
    """The SDK's reading of one message: a message, or ProtocolError; the byte-level fast
    paths never raise and agree with the general path when they accept."""
    output = jsonrpc.decode_output(data)
    span = jsonrpc.file_response_span(data)
    try:
        decoded = jsonrpc.decode(data)
    except ProtocolError:
        assert output is None
        return
    if output is not None:
        assert isinstance(decoded, jsonrpc.Notification) and decoded.method == "process/output"
    if span is not None:
        assert isinstance(decoded, jsonrpc.Response) and decoded.id == span[0]


def params_of_every_method(data: bytes) -> None:
    """The params of any method (chosen by the first byte): a model or the serde-style
    refusal, for JSON values of any shape."""
    if not data:
        return
    spec = REQUESTS[_METHODS[data[0] % len(_METHODS)]]
    try:
        raw = orjson.loads(data[1:])
    except orjson.JSONDecodeError:
        return
    try:
        result = decode_params(spec, raw)
    except ParamsError as error:
        assert str(error)
        return
    assert isinstance(result, spec.params_type | DeferredParamsError)


def path_uri(data: bytes) -> None:
    """PathUri parsing: a canonical URI (itself accepted) or PathUriError."""
    text = data.decode("utf-8", "replace")
    try:
        canonical = pathuri.canonicalize(text)
    except pathuri.PathUriError:
        return
    # Not idempotent in general, as the reference's: `file://host//e:/x` loses its empty
    # segment, and the result names a drive letter (which drops the host). Accepted again:
    pathuri.canonicalize(canonical)
    try:
        native = pathuri.to_native_path(canonical)
    except pathuri.PathUriError:
        return
    assert native.startswith(b"/")


def relay_frame(data: bytes) -> None:
    """A relay websocket message: a frame (which encodes back to one that decodes the same)
    or InvalidFrame."""
    try:
        frame = decode_frame(data)
    except RelayProtocolError:
        return
    again = decode_frame(frame.encode())
    assert (again.stream_id, again.kind, again.payload) == (frame.stream_id, frame.kind, frame.payload)
    try:
        frame_for_stream(data, "fuzz-stream")
    except RelayProtocolError:
        pass


def record_reassembly(data: bytes) -> None:
    """Record plaintexts (cut where the input says) into messages: messages or FramingError,
    and nothing after a failure."""
    assembler = MessageAssembler()
    reorder = ReorderBuffer()
    pos = seq = 0
    while pos < len(data):
        size = data[pos] + 1  # each record: a length byte, then up to 256 bytes
        record = data[pos + 1 : pos + 1 + size]
        pos += 1 + size
        try:
            for payload in reorder.push(seq, record):
                for message in assembler.feed(payload):
                    assert message
        except RelayProtocolError:
            return
        seq += 1
    assert assembler.buffered >= 0


@functools.cache
def _identity() -> NoiseIdentity:
    return NoiseIdentity.generate()


def noise_handshake_reader(data: bytes) -> None:
    """An executor reading a harness's first handshake message: RelayProtocolError for
    anything but an authentic one (which random bytes never are)."""
    handshake = ExecutorHandshake(
        _identity(), environment_id="env", executor_registration_id="reg", stream_id="fuzz-stream"
    )
    frame = decode_frame(_handshake_frame(data or b"\0"))
    assert frame.kind is FrameKind.HANDSHAKE
    try:
        handshake.read_message1(frame)
    except RelayProtocolError:
        return
    raise AssertionError("random bytes authenticated as a Noise message")


def _handshake_frame(payload: bytes) -> bytes:
    return handshake_frame("fuzz-stream", payload).encode()


TARGETS: Final[dict[str, Callable[[bytes], None]]] = {
    "jsonrpc_server_inbound": jsonrpc_server_inbound,
    "jsonrpc_client_inbound": jsonrpc_client_inbound,
    "params_of_every_method": params_of_every_method,
    "path_uri": path_uri,
    "relay_frame": relay_frame,
    "record_reassembly": record_reassembly,
    "noise_handshake_reader": noise_handshake_reader,
}
