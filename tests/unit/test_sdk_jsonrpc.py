"""The byte-level fast paths of `execwire.jsonrpc` agree with the general path.

`decode_output` and `file_response_span` may only accept what `decode` plus model
validation accepts, with the very same result; everything else must fall back (None).
"""

from __future__ import annotations

import base64
import random
from typing import Any

import orjson
import pybase64
import pytest
from pydantic import ValidationError

from execwire import base64_strict, jsonrpc
from execwire.errors import ProtocolError
from execwire.protocol import models
from execwire_server import bulk

CHUNK = bytes(range(256)) * 3 + b"tail"


def output_message(
    process_id: str = "p-1", seq: int = 7, stream: str = "stdout", data: bytes = CHUNK
) -> bytes:
    """A notification as both servers write it."""
    return b'{"method":"process/output","params":{"processId":%b,"seq":%d,"stream":"%b","chunk":"%b"}}' % (
        orjson.dumps(process_id),
        seq,
        stream.encode(),
        base64.b64encode(data),
    )


def with_chunk(text: bytes) -> bytes:
    """A notification whose chunk is `text` as written (no validity implied)."""
    return b'{"method":"process/output","params":{"processId":"p","seq":1,"stream":"stdout","chunk":"%b"}}' % text


def general_output(message: bytes) -> tuple[str, int, str, bytes] | None:
    """What the general path makes of a message: the notification's fields, or None."""
    try:
        inbound = jsonrpc.decode(message)
    except ProtocolError:
        return None
    if not isinstance(inbound, jsonrpc.Notification) or inbound.method != "process/output":
        return None
    try:
        event = models.ProcessOutputNotification.model_validate(inbound.params)
    except ValidationError:
        return None
    return event.process_id, event.seq, event.stream, event.chunk


def test_the_servers_shape_is_decoded_like_the_general_path() -> None:
    for message in (
        output_message(),
        with_chunk(b"YQ=="),
        output_message("élan-⌘", 0, "stderr", b""),
        output_message("x", 2**64 - 1, "pty", b"a"),
        output_message("x", 1, "stdout", b"ab"),
        output_message() + b"\n",  # a stdio line
    ):
        fast = jsonrpc.decode_output(message)
        assert fast is not None, message[:80]
        assert fast == general_output(message)


@pytest.mark.parametrize(
    "message",
    [
        output_message("quote\"in-id"),  # escapes in the id: the parser resolves them
        output_message("tab\tin-id"),
        output_message(seq=2**64),  # beyond u64
        output_message().replace(b'"seq":7', b'"seq":07'),  # leading zero: invalid JSON
        output_message().replace(b'"seq":7', b'"seq":-7'),
        output_message(stream="stdin"),
        output_message().replace(b'"stream"', b'"extra":1,"stream"'),
        output_message().replace(b'"}}', b'","extra":1}}'),
        output_message().replace(b',"seq"', b', "seq"'),  # not compact
        with_chunk(b"eA=\\u003d"),  # an escape inside the chunk
        with_chunk(b"YX=="),  # non-zero spare bits: the reference refuses it
        with_chunk(b"YWI"),  # missing padding
        with_chunk(b"YW=I"),
        output_message().replace(b'"processId":"p-1"', b'"processId":"\xff"'),  # not UTF-8
        output_message()[:-1],  # truncated
        b'{"id":1,"result":{}}',
        b'{"method":"process/exited","params":{"processId":"p","seq":2,"exitCode":0}}',
    ],
)
def test_other_shapes_fall_back(message: bytes) -> None:
    assert jsonrpc.decode_output(message) is None


def test_mutated_messages_are_never_accepted_differently() -> None:
    """Random byte edits: whatever the fast path still accepts, the general path decodes
    identically (the fast path may refuse more, never accept more)."""
    rng = random.Random(1)
    base = output_message("proc-42", 123, "stderr", bytes(range(48)))
    alphabet = b'AZaz09+/="\\{},:-x \n\x00\xc3\xa9'
    accepted = 0
    for _ in range(5000):
        message = bytearray(base)
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(message))
            action = rng.random()
            if action < 0.6:
                message[position] = rng.choice(alphabet)
            elif action < 0.8:
                del message[position]
            else:
                message.insert(position, rng.choice(alphabet))
        candidate = bytes(message)
        fast = jsonrpc.decode_output(candidate)
        if fast is not None:
            accepted += 1
            assert fast == general_output(candidate), candidate
    assert accepted > 100  # edits of the id and of the chunk's symbols stay valid


def test_pybase64_refuses_padding_inside() -> None:
    # base64_strict.decode_span relies on it instead of scanning for "=" first.
    for text in (b"AA==AAAA", b"AAA=AAAA", b"AA=A", b"A===", b"AAAA===="):
        with pytest.raises(ValueError):
            pybase64.b64decode(text, validate=True)


def file_answer(request_id: int, data: bytes) -> bytes:
    return orjson.dumps({"id": request_id, "result": {"dataBase64": base64.b64encode(data).decode()}})


def test_file_answer_span_is_the_json_strings_value() -> None:
    data = bytes(range(256)) * 10
    for message in (file_answer(12, data), file_answer(0, b""), file_answer(3, data) + b"\r\n"):
        span = jsonrpc.file_response_span(message)
        assert span is not None
        request_id, start, end = span
        inbound = jsonrpc.decode(message)
        assert isinstance(inbound, jsonrpc.Response) and inbound.id == request_id
        assert message[start:end].decode() == inbound.result["dataBase64"]
        assert base64_strict.decode_span(message, start, end) == base64.b64decode(
            inbound.result["dataBase64"]
        )


@pytest.mark.parametrize(
    "message",
    [
        b'{"id":"7","result":{"dataBase64":"aGk="}}',
        b'{"id":07,"result":{"dataBase64":"aGk="}}',
        b'{"id":7,"result":{"dataBase64":"aGk="},"x":1}',
        b'{"id":7,"error":{"code":-32603,"message":"x"}}',
        b'{"id":-7,"result":{"dataBase64":"aGk="}}',
    ],
)
def test_other_answers_have_no_span(message: bytes) -> None:
    assert jsonrpc.file_response_span(message) is None


@pytest.mark.parametrize(
    "text",
    [
        b"aGk",
        b"aG!=",
        b"YX==",
        b"aGk=aGk=",
        b"\xc3\xa9AAA",
        b'aGk=","extra":"AAAA',  # another member after the data
        b'a\\"Gk=',  # escapes: the JSON value would differ from the bytes
        b"aG\\u006b=",
        b"aG\x01k=",
    ],
)
def test_a_span_that_is_not_canonical_base64_is_refused(text: bytes) -> None:
    message = b'{"id":1,"result":{"dataBase64":"%b"}}' % text
    span = jsonrpc.file_response_span(message)
    assert span is not None
    assert base64_strict.decode_span(message, span[1], span[2]) is None


@pytest.mark.parametrize("size", [0, 1, 2, 3, (3 << 18) - 1, 3 << 18, (3 << 18) + 1, 5 << 20])
def test_write_file_request_carries_the_data(size: int) -> None:
    data = random.Random(size).randbytes(size)
    params = models.FsWriteFileParams(path="file:///tmp/a", data_base64="", follow_symlinks=True)
    message = jsonrpc.encode_write_file(9, params.to_wire(), data)
    decoded: dict[str, Any] = orjson.loads(message)
    expected = models.FsWriteFileParams(
        path="file:///tmp/a", data_base64=base64.b64encode(data).decode(), follow_symlinks=True
    )
    assert decoded == {"id": 9, "method": "fs/writeFile", "params": expected.to_wire()}


@pytest.mark.parametrize("size", [1, 3, (1 << 20) - 1, 1 << 20])
def test_the_server_cuts_the_sdks_write_block_requests(size: int) -> None:
    data = random.Random(size).randbytes(size)
    params = models.FsWriteBlockParams(handle_id="h", offset=1 << 40, chunk=data)
    message = jsonrpc.encode_request(3, "fs/writeBlock", params.to_wire())
    cut = bulk.cut_write_data(message)
    assert cut is not None and cut.member == "chunk"
    assert base64_strict.decode_span(message, cut.start, cut.end) == data
