"""Tests for execwire.relay.framing: length-prefixed JSON-RPC over 61440-byte records."""

from __future__ import annotations

import json

import pytest

from execwire.relay.framing import (
    MAX_MESSAGE_LEN,
    RECORD_PLAINTEXT_LEN,
    FramingError,
    MessageAssembler,
    encode_message,
    encode_messages,
)


def test_small_message_is_one_prefixed_record() -> None:
    message = b'{"jsonrpc":"2.0","method":"initialized"}'
    records = encode_message(message)
    assert records == [len(message).to_bytes(4, "big") + message]
    assert MessageAssembler().feed(records[0]) == [message]


def test_128_kib_notification_splits_into_full_records_and_reassembles() -> None:
    body = json.dumps({"method": "process/output", "params": {"chunk": "A" * 131072}}).encode()
    records = encode_message(body)
    assert [len(r) for r in records[:-1]] == [RECORD_PLAINTEXT_LEN] * (len(records) - 1)
    assert sum(len(r) for r in records) == 4 + len(body)
    assert len(records) == 3
    assembler = MessageAssembler()
    out: list[bytes] = []
    for record in records:
        out += assembler.feed(record)
    assert out == [body]
    assert assembler.buffered == 0


def test_record_boundaries_are_independent_of_message_boundaries() -> None:
    messages = [b"{}", b"[" + b"1," * 40000 + b"1]", b'{"a":1}', b"x" * 61436, b"y" * 61437]
    stream = b"".join(len(m).to_bytes(4, "big") + m for m in messages)
    # Any cut works, including inside a length prefix and records holding many messages.
    for cut in (1, 2, 3, 5, 4096, RECORD_PLAINTEXT_LEN):
        assembler = MessageAssembler()
        out: list[bytes] = []
        for start in range(0, len(stream), cut):
            out += assembler.feed(stream[start : start + cut])
        assert out == messages, cut
    assert MessageAssembler().feed(b"") == []


def test_exact_fit_boundary() -> None:
    fits = b"z" * (RECORD_PLAINTEXT_LEN - 4)
    assert len(encode_message(fits)) == 1
    assert len(encode_message(fits + b"z")) == 2
    assert encode_message(fits + b"z")[1] == b"z"


def test_encode_length_limits() -> None:
    with pytest.raises(FramingError):
        encode_message(b"")
    with pytest.raises(FramingError):
        encode_message(bytes(MAX_MESSAGE_LEN + 1))


@pytest.mark.parametrize("declared", [0, MAX_MESSAGE_LEN + 1, 2**32 - 1])
def test_bad_declared_length_is_rejected_from_the_prefix_alone(declared: int) -> None:
    assembler = MessageAssembler()
    prefix = declared.to_bytes(4, "big")
    assert assembler.feed(prefix[:3]) == []
    with pytest.raises(FramingError, match="declared"):
        assembler.feed(prefix[3:])
    with pytest.raises(FramingError, match="already failed"):
        assembler.feed(b"")


def test_max_declared_length_is_accepted() -> None:
    assembler = MessageAssembler()
    assert assembler.feed(MAX_MESSAGE_LEN.to_bytes(4, "big") + b"{") == []
    assert assembler.buffered == 5


def test_oversized_record_is_rejected() -> None:
    with pytest.raises(FramingError, match="61440"):
        MessageAssembler().feed(bytes(RECORD_PLAINTEXT_LEN + 1))


def test_mutable_input_is_copied() -> None:
    record = bytearray(encode_message(b"x" * 70000)[0])
    assembler = MessageAssembler()
    assembler.feed(record)
    record[10:20] = b"?" * 10  # the caller reuses its buffer
    (message,) = assembler.feed(encode_message(b"x" * 70000)[1])
    assert message == b"x" * 70000


def test_64_mib_message_roundtrips() -> None:
    body = b'"' + bytes(range(97, 123)) * (MAX_MESSAGE_LEN // 26 - 1) + b'"'
    body += b" " * (MAX_MESSAGE_LEN - len(body))
    assert len(body) == MAX_MESSAGE_LEN
    records = encode_message(body)
    assembler = MessageAssembler()
    out: list[bytes] = []
    for record in records:
        out += assembler.feed(record)
    assert len(records) == 1093
    assert out == [body]


def test_packed_messages_share_records_and_reassemble_in_order() -> None:
    messages = [b'{"n":%d,"pad":"%s"}' % (i, b"x" * (i * 97 % 9000)) for i in range(200)]
    messages.insert(100, b'"' + b"y" * 150_000 + b'"')  # one spanning several records
    packed = encode_messages(messages)
    assert all(len(record) <= RECORD_PLAINTEXT_LEN for record in packed)
    assert len(packed) < sum(len(encode_message(m)) for m in messages) // 4
    assembler = MessageAssembler()
    out: list[bytes] = []
    for record in packed:
        out += assembler.feed(record)
    assert out == messages


def test_packing_one_message_is_plain_encoding() -> None:
    assert encode_messages([b"{}"]) == encode_message(b"{}")
    with pytest.raises(FramingError):
        encode_messages([b"{}", b""])
