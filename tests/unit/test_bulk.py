"""Cutting the data out of large `fs/writeFile` requests (the server's bulk path)."""

from __future__ import annotations

import os

import orjson
import pybase64
import pytest

from execwire import base64_strict
from execwire_server import bulk, inbound

DATA = os.urandom(3000)
TEXT = pybase64.b64encode(DATA).decode()


def _message(params: dict[str, object], **top: object) -> bytes:
    return orjson.dumps({"id": 7, "method": "fs/writeFile", "params": params, **top})


def test_sdk_shaped_request_is_cut_and_decoded_from_the_message_bytes() -> None:
    message = _message({"path": "file:///tmp/f", "dataBase64": TEXT})
    cut = bulk.cut_write_data(message)
    assert cut is not None
    assert cut.request == inbound.Request(
        7, "fs/writeFile", {"path": "file:///tmp/f", "dataBase64": ""}
    )
    assert message[cut.start : cut.end] == TEXT.encode()
    assert base64_strict.decode_span(message, cut.start, cut.end) == DATA


def test_member_order_does_not_matter() -> None:
    message = (
        b'{"params":{"dataBase64":"' + TEXT.encode() + b'","followSymlinks":false,'
        b'"path":"file:///tmp/f"},\n "method":"fs/writeFile","id":"x"}'
    )
    cut = bulk.cut_write_data(message)
    assert cut is not None and cut.request.id == "x"
    assert base64_strict.decode_span(message, cut.start, cut.end) == DATA


@pytest.mark.parametrize(
    "message",
    [
        # another method carrying the same member
        orjson.dumps({"id": 1, "method": "fs/readFile", "params": {"path": "/", "dataBase64": TEXT}}),
        # an escape anywhere outside the data: the general parser decides
        _message({"path": 'file:///tmp/qu"ote', "dataBase64": TEXT}),
        _message({"path": "file:///tmp/f", "dataBase64": TEXT, "x": "\u00e9\n"}),
        # the name twice: nested, or as a second (duplicate) member
        _message({"path": "file:///tmp/f", "sandbox": {"dataBase64": "QQ=="}, "dataBase64": TEXT}),
        b'{"id":1,"method":"fs/writeFile","params":{"dataBase64":"' + TEXT.encode()
        + b'","path":"file:///tmp/f","dataBase64":""}}',
        # the data as a key, or not in params
        _message({"path": "file:///tmp/f"}, dataBase64=TEXT),
        # malformed JSON around the data
        b'{"id":1,"method":"fs/writeFile","params":{"dataBase64":"' + TEXT.encode() + b'"',
        # no closing quote at all
        b'{"id":1,"method":"fs/writeFile","params":{"dataBase64":"' + TEXT.encode(),
        # a notification
        b'{"method":"fs/writeFile","params":{"path":"file:///tmp/f","dataBase64":"QUJD"}}',
    ],
    ids=[
        "other-method",
        "escaped-quote",
        "escaped-newline",
        "nested",
        "duplicate",
        "top-level",
        "unterminated-object",
        "unterminated-string",
        "notification",
    ],
)
def test_anything_unusual_takes_the_general_path(message: bytes) -> None:
    assert bulk.cut_write_data(message) is None


@pytest.mark.parametrize(
    "text",
    [TEXT[:100] + "!" + TEXT[101:], TEXT[:-1], "QR==", "QUJ=", TEXT[:8] + "=" + TEXT[9:]],
    ids=["bad-symbol", "bad-length", "spare-bits-2", "spare-bits-1", "padding-inside"],
)
def test_data_the_reference_refuses_is_not_decoded_here(text: str) -> None:
    message = _message({"path": "file:///tmp/f", "dataBase64": text})
    cut = bulk.cut_write_data(message)
    assert cut is not None
    assert base64_strict.decode_span(message, cut.start, cut.end) is None


BLOCK = os.urandom(1 << 20)
BLOCK_TEXT = pybase64.b64encode(BLOCK).decode()


def test_write_block_chunk_is_cut_like_write_file_data() -> None:
    params = {"handleId": "h1", "offset": 4096, "chunk": BLOCK_TEXT}
    message = orjson.dumps({"id": 9, "method": "fs/writeBlock", "params": params})
    cut = bulk.cut_write_data(message)
    assert cut is not None and cut.member == "chunk"
    assert cut.request == inbound.Request(
        9, "fs/writeBlock", {"handleId": "h1", "offset": 4096, "chunk": ""}
    )
    assert base64_strict.decode_span(message, cut.start, cut.end) == BLOCK


@pytest.mark.parametrize(
    "message",
    [
        # the member of the other bulk method
        orjson.dumps({"id": 1, "method": "fs/writeBlock", "params": {"handleId": "h", "offset": 0, "dataBase64": TEXT}}),
        orjson.dumps({"id": 1, "method": "fs/writeFile", "params": {"path": "file:///f", "chunk": TEXT}}),
        # the member's name appears elsewhere too
        orjson.dumps({"id": 1, "method": "fs/writeBlock", "params": {"handleId": "chunk", "offset": 0, "chunk": TEXT}}),
        # the key only after more than KEY_WINDOW bytes: not scanned for
        orjson.dumps(
            {"id": 1, "method": "fs/writeBlock", "params": {"handleId": "h" * bulk.KEY_WINDOW, "offset": 0, "chunk": TEXT}}
        ),
    ],
    ids=["write-block-with-data-base64", "write-file-with-chunk", "name-twice", "key-far-away"],
)
def test_write_block_oddities_take_the_general_path(message: bytes) -> None:
    assert bulk.cut_write_data(message) is None
