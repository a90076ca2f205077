"""`fs/readFile` answers decoded fragment by fragment (`jsonrpc.FileReplyDecoder`), and
the websocket endpoint that hands them out: whatever the cut, the data or the exact
message comes out, never anything else."""

from __future__ import annotations

import os
import random
from typing import Any

import pybase64
import pytest
from picows import WSMsgType
from picows.picows import _make_test_ws_frame

from execwire import base64_strict
from execwire.jsonrpc import FileReply, FileReplyDecoder, file_response_span
from execwire.transports.websocket import FILE_REPLY_MIN_BYTES, WebSocketEndpoint


def _answer(data: bytes, request_id: int = 7) -> bytes:
    return b'{"id":%d,"result":{"dataBase64":"%s"}}' % (request_id, pybase64.b64encode(data))


def _cut(message: bytes, sizes: list[int]) -> list[bytes]:
    """`message` in pieces of these sizes, the first one taking the head as well (a first
    fragment shorter than the head is assembled as usual: no server sends one)."""
    head = message.find(b'Base64":"') + len(b'Base64":"')
    sizes = [head + sizes[0], *sizes[1:]]
    pieces, start = [], 0
    for size in sizes:
        if start >= len(message):
            break
        pieces.append(message[start : start + size])
        start += size
    if start < len(message):
        pieces.append(message[start:])
    return pieces


def _decode(fragments: list[bytes]) -> FileReply | bytes | None:
    """What a transport makes of these fragments: a FileReply, the message's bytes
    (assembled after the decoder gave up), or None (not even started)."""
    decoder = FileReplyDecoder.start(fragments[0])
    if decoder is None:
        return None
    remaining = [fragments[0][len(decoder.head) :], *fragments[1:]]
    for index, fragment in enumerate(remaining):
        if not decoder.feed(fragment, final=index == len(remaining) - 1):
            return decoder.raw() + b"".join(remaining[index:])
    return decoder.reply()


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 47, 1000])
@pytest.mark.parametrize("cut", [1, 2, 3, 4, 5, 7, 64])
def test_any_cut_decodes_to_the_data_and_the_same_message(size: int, cut: int) -> None:
    data = os.urandom(size)
    message = _answer(data)
    reply = _decode(_cut(message, [cut] * len(message)))
    assert isinstance(reply, FileReply)
    assert (reply.request_id, reply.data) == (7, data)
    assert reply.to_message() == message


def test_random_cuts_of_a_large_answer() -> None:
    generator = random.Random(5)
    data = generator.randbytes(300_000)
    message = _answer(data, request_id=18446744073709551615)
    for _ in range(20):
        sizes = [generator.randint(1, 50_000) for _ in range(40)]
        reply = _decode(_cut(message, sizes))
        assert isinstance(reply, FileReply)
        assert reply.data == data and reply.request_id == 2**64 - 1


@pytest.mark.parametrize(
    "message",
    [
        # other members after the data
        b'{"id":7,"result":{"dataBase64":"QUJD","extra":1}}',
        b'{"id":7,"result":{"dataBase64":"QUJD"},"x":{}}',
        # an escape: the JSON value differs from the bytes
        b'{"id":7,"result":{"dataBase64":"QU\\/D"}}',
        # padding before the end, non-canonical last quad, wrong length, stray symbol
        b'{"id":7,"result":{"dataBase64":"QQ==QUJD"}}',
        b'{"id":7,"result":{"dataBase64":"QUJDRB=="}}',
        b'{"id":7,"result":{"dataBase64":"QUJDR"}}',
        b'{"id":7,"result":{"dataBase64":"QUJD RUZH"}}',
        b'{"id":7,"result":{"dataBase64":"QUJD"}} ',
    ],
)
@pytest.mark.parametrize("cut", [1, 3, 5, 1000])
def test_other_shapes_come_out_as_the_exact_message(message: bytes, cut: int) -> None:
    assert _decode(_cut(message, [cut] * len(message))) == message


def test_mutated_answers_decode_exactly_as_the_assembled_message_would() -> None:
    """The oracle: the client's path for an assembled message. A decoded reply must be
    what that path makes of the message; anything declined comes out byte for byte."""
    generator = random.Random(11)
    alphabet = b'AZaz09+/="}{ \\x'
    for _ in range(3000):
        message = bytearray(_answer(generator.randbytes(generator.randint(0, 40))))
        for _ in range(generator.randint(0, 2)):
            position = generator.randrange(30, len(message) + 1)
            symbol = alphabet[generator.randrange(len(alphabet))]
            if generator.random() < 0.5 and position < len(message):
                message[position] = symbol
            else:
                message.insert(position, symbol)
        sizes = [generator.randint(1, 9) for _ in range(len(message))]
        result = _decode(_cut(bytes(message), sizes))
        span = file_response_span(bytes(message))
        expected = None if span is None else base64_strict.decode_span(bytes(message), *span[1:])
        if isinstance(result, FileReply):
            assert result.data == expected, bytes(message)
            assert result.to_message() == message
        else:  # declined (trailing whitespace, say, is left to the general path)
            assert result is None or result == message


@pytest.mark.parametrize(
    "head",
    [
        b'{"id":"7","result":{"dataBase64":"',  # a string id
        b'{"id":07,"result":{"dataBase64":"',  # not a JSON number
        b'{"id":18446744073709551616,"result":{"dataBase64":"',  # over u64
        b'{"result":{"dataBase64":"',
        b'{"id":7,"error":{"code":-32600,"message":"',
    ],
)
def test_other_heads_are_not_taken(head: bytes) -> None:
    assert FileReplyDecoder.start(head + b'QUJD"}}') is None


def test_a_failed_piece_is_not_consumed() -> None:
    decoder = FileReplyDecoder.start(b'{"id":1,"result":{"dataBase64":"')
    assert decoder is not None
    assert decoder.feed(b"QUJDRE", final=False)
    assert not decoder.feed(b'VGab"x', final=False)  # the string ends early
    assert decoder.raw() == b'{"id":1,"result":{"dataBase64":"QUJDRE'
    assert decoder.feed(b"VGSE", final=False)
    assert decoder.feed(b'RkRg=="}}', final=True)
    assert decoder.reply().data == pybase64.b64decode(b"QUJDREVGSERkRg==")


# -- the websocket endpoint ---------------------------------------------------------------


class _FakeWS:
    def __init__(self) -> None:
        self.underlying_transport = self
        self.is_disconnected = False

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


def _endpoint(decode: bool) -> WebSocketEndpoint:
    endpoint = WebSocketEndpoint(
        max_message_bytes=None, ping_interval=None, ping_timeout=1, decode_file_replies=decode
    )
    endpoint._ws = _FakeWS()  # type: ignore[assignment]
    return endpoint


def _frames(message: bytes, fragment: int) -> list[Any]:
    pieces = _cut(message, [fragment] * len(message))
    return [
        _make_test_ws_frame(
            WSMsgType.CONTINUATION if index else WSMsgType.TEXT,
            piece,
            index == len(pieces) - 1,
            False,
        )
        for index, piece in enumerate(pieces)
    ]


async def _receive_all(endpoint: WebSocketEndpoint, frames: list[Any]) -> list[Any]:
    for frame in frames:
        endpoint.on_ws_frame(endpoint._ws, frame)  # type: ignore[arg-type]
    endpoint._end()
    received = []
    while (message := await endpoint.receive()) is not None:
        received.append(message)
    return received


@pytest.mark.parametrize("fragment", [1 << 20, 3 << 20])  # fragmented, one frame
async def test_a_large_answer_arrives_decoded(fragment: int) -> None:
    data = os.urandom(2 << 20)
    (reply,) = await _receive_all(_endpoint(True), _frames(_answer(data), fragment))
    assert isinstance(reply, FileReply) and reply.data == data


async def test_a_broken_answer_and_the_messages_around_it_arrive_as_sent() -> None:
    data = os.urandom(3 << 20)
    broken = _answer(data)[:-3] + b'","more":true}}'
    small = _answer(b"small")
    received = await _receive_all(
        _endpoint(True), _frames(small, 1 << 20) + _frames(broken, 1 << 20) + _frames(small, 4)
    )
    assert received[0] == small and received[1] == broken
    assert isinstance(received[2], FileReply) and received[2].data == b"small"


async def test_an_answer_broken_in_a_middle_fragment_is_assembled_from_there() -> None:
    message = bytearray(_answer(os.urandom(3 << 20)))
    message[(3 << 20) // 2] = ord("!")  # in the second of four 1 MiB fragments
    received = await _receive_all(_endpoint(True), _frames(bytes(message), 1 << 20))
    assert received == [bytes(message)]


async def test_a_small_single_frame_answer_stays_bytes_and_servers_never_decode() -> None:
    small = _answer(b"x" * 100)
    assert await _receive_all(_endpoint(True), _frames(small, len(small))) == [small]
    large = _answer(os.urandom(FILE_REPLY_MIN_BYTES))
    assert await _receive_all(_endpoint(False), _frames(large, 1 << 20)) == [large]
