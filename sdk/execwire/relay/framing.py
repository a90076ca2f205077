"""JSON-RPC messages to Noise record plaintexts and back (relay record framing).

Each JSON-RPC message travels as ``u32be(len(json)) || json``, cut into consecutive records of
at most 61440 plaintext bytes; one record may finish several messages and one message may
span many records. Both directions copy each byte a bounded number of times, so a 64 MiB
message costs linear time: the encoder slices once, the assembler keeps record slices in a
list and joins them once when the message is complete.
"""

from __future__ import annotations

from typing import Final

from .errors import FramingError

__all__ = [
    "LENGTH_PREFIX_LEN",
    "MAX_MESSAGE_LEN",
    "RECORD_PLAINTEXT_LEN",
    "FramingError",
    "MessageAssembler",
    "encode_message",
    "encode_messages",
]

RECORD_PLAINTEXT_LEN: Final = 61440
"""Largest Noise record plaintext (60 KiB); its ciphertext is a 61456-byte Data payload."""

MAX_MESSAGE_LEN: Final = 64 * 1024 * 1024
"""Largest JSON-RPC message body (the length prefix's value)."""

LENGTH_PREFIX_LEN: Final = 4


def encode_message(json_bytes: bytes) -> list[bytes]:
    """Split one serialized JSON-RPC message into record plaintexts, prefix included."""
    size = len(json_bytes)
    if size == 0:
        raise FramingError("JSON-RPC message is empty")
    if size > MAX_MESSAGE_LEN:
        raise FramingError("JSON-RPC message exceeds 64 MiB")
    first_body = RECORD_PLAINTEXT_LEN - LENGTH_PREFIX_LEN
    prefix = size.to_bytes(LENGTH_PREFIX_LEN, "big")
    if size <= first_body:
        return [prefix + json_bytes]
    view = memoryview(json_bytes)
    records = [prefix + view[:first_body]]
    records.extend(
        bytes(view[start : start + RECORD_PLAINTEXT_LEN])
        for start in range(first_body, size, RECORD_PLAINTEXT_LEN)
    )
    return records


def encode_messages(messages: list[bytes]) -> list[bytes]:
    """Pack several messages, in order, into as few record plaintexts as possible.

    Each message keeps its own length prefix; a record may end one message and start the
    next, which every receiver of the protocol handles. A burst of small messages (process
    output) then costs one record, one encryption and one Data frame per 60 KiB instead of
    one per message.
    """
    if len(messages) == 1:
        return encode_message(messages[0])
    parts: list[bytes] = []
    for message in messages:
        size = len(message)
        if size == 0:
            raise FramingError("JSON-RPC message is empty")
        if size > MAX_MESSAGE_LEN:
            raise FramingError("JSON-RPC message exceeds 64 MiB")
        parts.append(size.to_bytes(LENGTH_PREFIX_LEN, "big"))
        parts.append(message)
    stream = b"".join(parts)
    if len(stream) <= RECORD_PLAINTEXT_LEN:
        return [stream]
    view = memoryview(stream)
    return [
        bytes(view[start : start + RECORD_PLAINTEXT_LEN])
        for start in range(0, len(stream), RECORD_PLAINTEXT_LEN)
    ]


class MessageAssembler:
    """Reassemble JSON-RPC messages from decrypted record plaintexts, in ``seq`` order.

    The buffered total never exceeds ``4 + 64 MiB`` by construction: a message is released as
    soon as its last byte arrives, and its declared length was checked when its prefix
    completed. After a :class:`FramingError` the assembler refuses further input, because the
    stream's byte boundaries are no longer known.
    """

    __slots__ = ("_failed", "_header", "_need", "_parts", "_pending")

    def __init__(self) -> None:
        self._header = bytearray()
        # Body bytes still missing for the current message, or -1 while reading a prefix.
        self._need = -1
        self._parts: list[bytes | memoryview] = []
        self._pending = 0
        self._failed = False

    @property
    def buffered(self) -> int:
        """Bytes held for the incomplete message (prefix included)."""
        return len(self._header) + self._pending

    def feed(self, record_plaintext: bytes | bytearray | memoryview) -> list[bytes]:
        """Consume one record plaintext; return the JSON messages it completed, in order."""
        if self._failed:
            raise FramingError("message assembler already failed")
        if not isinstance(record_plaintext, bytes):
            # Views into a caller-owned mutable buffer would change under us.
            record_plaintext = bytes(record_plaintext)
        size = len(record_plaintext)
        if size > RECORD_PLAINTEXT_LEN:
            self._failed = True
            raise FramingError("record plaintext exceeds 61440 bytes")
        view = memoryview(record_plaintext)
        pos = 0
        done: list[bytes] = []
        while pos < size:
            if self._need < 0:
                take = min(LENGTH_PREFIX_LEN - len(self._header), size - pos)
                self._header += view[pos : pos + take]
                pos += take
                if len(self._header) < LENGTH_PREFIX_LEN:
                    break
                declared = int.from_bytes(self._header, "big")
                if declared == 0 or declared > MAX_MESSAGE_LEN:
                    # Fail on the prefix alone: waiting for 64 MiB of body first would let
                    # a peer make us buffer it.
                    self._failed = True
                    raise FramingError("declared JSON-RPC message length is 0 or exceeds 64 MiB")
                self._need = declared
                continue
            take = min(self._need, size - pos)
            chunk = view[pos : pos + take]
            pos += take
            self._need -= take
            if self._need == 0 and not self._parts:
                done.append(bytes(chunk))
            else:
                # Keep a view into the record (no copy) and join once at the end.
                self._parts.append(chunk)
                self._pending += take
                if self._need == 0:
                    done.append(b"".join(self._parts))
                    self._parts.clear()
                    self._pending = 0
            if self._need == 0:
                self._header.clear()
                self._need = -1
        return done
