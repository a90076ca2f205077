"""The Codex JSON-RPC dialect on the client side: encode requests, classify what arrives.

I/O-free. The dialect has no `"jsonrpc"` member; a message is a request (`id` + `method`),
a notification (`method`), a response (`id` + `result`) or an error (`id` + `error`),
tried in that order, as the reference does.

Two kinds of message dominate the bytes a client receives, and both servers write them in
one exact compact shape: `process/output` notifications and `fs/readFile` answers. For
those, `decode_output` and `file_response_span` read the fields straight from the bytes,
sparing the JSON parser, the str it builds for the base64 payload and pydantic. They accept
only messages that the general path (`decode`, then model validation) would accept with
the very same result, and return None for anything else, which then takes that path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias

import orjson
import pybase64

from . import base64_strict
from .errors import ProtocolError

__all__ = [
    "ErrorReply",
    "FileReply",
    "FileReplyDecoder",
    "InboundMessage",
    "Notification",
    "Response",
    "ServerRequest",
    "decode",
    "decode_output",
    "encode_error",
    "encode_notification",
    "encode_request",
    "encode_write_file",
    "file_reply_frame",
    "file_response_span",
]


def encode_request(request_id: int, method: str, params: dict[str, Any] | None) -> bytes:
    """One request; `params` None leaves the member out (the server reads it as null)."""
    if params is None:
        return orjson.dumps({"id": request_id, "method": method})
    return orjson.dumps({"id": request_id, "method": method, "params": params})


def encode_notification(method: str, params: dict[str, Any] | None) -> bytes:
    """One notification."""
    if params is None:
        return orjson.dumps({"method": method})
    return orjson.dumps({"method": method, "params": params})


def encode_error(request_id: int | str, code: int, message: str) -> bytes:
    """An error reply (the client answers server-to-client requests it does not know)."""
    return orjson.dumps({"id": request_id, "error": {"code": code, "message": message}})


@dataclass(frozen=True, slots=True)
class Response:
    """A successful reply."""

    id: int | str
    result: Any


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An error reply; `id` is -1 when the server could not parse what it answers."""

    id: int | str
    code: int
    message: str
    data: Any


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification from the server."""

    method: str
    params: Any


@dataclass(frozen=True, slots=True)
class ServerRequest:
    """A request from the server (not part of the exec-server API this SDK speaks)."""

    id: int | str
    method: str
    params: Any


InboundMessage: TypeAlias = Response | ErrorReply | Notification | ServerRequest


def _is_id(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def decode(message: bytes | str) -> InboundMessage:
    """Classify one message; raises `ProtocolError` for anything that is none of the four."""
    try:
        data = orjson.loads(message)
    except orjson.JSONDecodeError as error:
        raise ProtocolError(f"server sent invalid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"server sent a JSON {type(data).__name__}, not a message object")
    method = data.get("method")
    message_id = data.get("id")
    valid_id: int | str | None = message_id if _is_id(message_id) else None
    if isinstance(method, str):
        if valid_id is not None:
            return ServerRequest(valid_id, method, data.get("params"))
        return Notification(method, data.get("params"))
    if valid_id is not None:
        if "result" in data:
            return Response(valid_id, data["result"])
        error_object = data.get("error")
        if isinstance(error_object, dict):
            code, text = error_object.get("code"), error_object.get("message")
            if isinstance(code, int) and isinstance(text, str):
                return ErrorReply(valid_id, code, text, error_object.get("data"))
    raise ProtocolError(f"server sent an unrecognised message: {message[:200]!r}")


# -- byte-level fast paths --------------------------------------------------------------

# The head of a `process/output` up to its chunk, in one C-level match: the process id as a
# JSON string without escapes or control characters (so its bytes are its UTF-8 text), the
# seq as a JSON unsigned integer.
_OUTPUT_HEAD: Final = re.compile(
    rb'\{"method":"process/output","params":\{"processId":"([^"\\\x00-\x1f]*)",'
    rb'"seq":(0|[1-9][0-9]{0,19}),"stream":"(stdout|stderr|pty)","chunk":"'
)
_STREAMS: Final[dict[bytes, Literal["stdout", "stderr", "pty"]]] = {
    b"stdout": "stdout",
    b"stderr": "stderr",
    b"pty": "pty",
}
_TAIL: Final = b'"}}'
_RESULT_HEAD: Final = b'{"id":'
_DATA_KEY: Final = b',"result":{"dataBase64":"'
_U64_MAX: Final = 2**64 - 1
_JSON_WHITESPACE: Final = b" \t\r\n"


def _end_of(message: bytes) -> int:
    """Where the message ends once trailing JSON whitespace (a stdio newline) is dropped."""
    end = len(message)
    while end and message[end - 1] in _JSON_WHITESPACE:
        end -= 1
    return end


def _json_uint(digits: bytes) -> int | None:
    """A JSON unsigned integer up to u64 (no sign, no leading zero), else None."""
    if not digits.isdigit() or (digits[0] == 0x30 and len(digits) > 1) or len(digits) > 20:
        return None
    value = int(digits)
    return value if value <= _U64_MAX else None


def decode_output(
    message: bytes,
) -> tuple[str, int, Literal["stdout", "stderr", "pty"], bytes] | None:
    """`(process_id, seq, stream, data)` of a `process/output` notification written as
    `{"method":"process/output","params":{"processId":..,"seq":..,"stream":..,"chunk":..}}`
    (the shape, member order and compactness both servers use); None for anything else."""
    head = _OUTPUT_HEAD.match(message)
    if head is None:
        return None
    raw_id, digits, stream = head.groups()
    end = len(message) - len(_TAIL)
    if not message.endswith(_TAIL):
        end = _end_of(message) - len(_TAIL)  # a stdio line's newline
        if not message.endswith(_TAIL, 0, end + len(_TAIL)):
            return None
    seq = int(digits)
    if seq > _U64_MAX:
        return None
    try:
        process_id = raw_id.decode()
    except UnicodeDecodeError:
        return None
    data = base64_strict.decode_span(message, head.end(), end)
    if data is None:
        return None
    return process_id, seq, _STREAMS[stream], data


def _file_reply_head(message: bytes) -> tuple[int, int] | None:
    """`(request_id, where the text starts)` when `message` opens like an answer carrying
    only `dataBase64` (`{"id":<int>,"result":{"dataBase64":"`); None otherwise."""
    if not message.startswith(_RESULT_HEAD):
        return None
    key = message.find(_DATA_KEY, len(_RESULT_HEAD), len(_RESULT_HEAD) + 20 + len(_DATA_KEY))
    if key < 0:
        return None
    request_id = _json_uint(message[len(_RESULT_HEAD) : key])
    if request_id is None:
        return None
    return request_id, key + len(_DATA_KEY)


def file_reply_frame(request_id: int | str) -> tuple[bytes, bytes]:
    """What surrounds the base64 in the answer `{"id":..,"result":{"dataBase64":".."}}` to
    an `fs/readFile` request: the bytes `orjson` writes, and `file_response_span` reads."""
    return _RESULT_HEAD + orjson.dumps(request_id) + _DATA_KEY, _TAIL


def file_response_span(message: bytes) -> tuple[int, int, int] | None:
    """`(request_id, start, end)` of an answer written as
    `{"id":<int>,"result":{"dataBase64":"<text>"}}`, `message[start:end]` being the text as
    written; None for anything else. The text is not checked here (it can be 89 MB): only
    once `base64_strict.decode_span` accepts it is it the JSON string's value byte for byte (the
    base64 alphabet has no quote, backslash or control character)."""
    head = _file_reply_head(message)
    if head is None:
        return None
    request_id, start = head
    end = _end_of(message)
    if not message.endswith(_TAIL, start, end):
        return None
    return request_id, start, end - len(_TAIL)


@dataclass(frozen=True, slots=True)
class FileReply:
    """An answer `{"id":<int>,"result":{"dataBase64":"<base64>"}}` whose base64 a transport
    decoded as it arrived (see `FileReplyDecoder`)."""

    request_id: int
    data: bytes
    head: bytes
    """The message's bytes up to the data's opening quote."""

    def to_message(self) -> bytes:
        """The message as it arrived: its base64 was canonical, so encoding `data` again
        gives back its very bytes."""
        return base64_strict.encode_framed(self.head, self.data, _TAIL)


class FileReplyDecoder:
    """Decodes the base64 of an `fs/readFile` answer fragment by fragment, as a transport
    receives them (I/O-free).

    A 64 MiB file arrives as 89 MB of base64, usually cut into websocket fragments. Decoding
    each as it comes spares assembling the message (89 MB more to allocate and fault in)
    and overlaps the decoding with the transfer. It accepts exactly what `file_response_span`
    and `base64_strict.decode_span` accept from the assembled message. On anything else,
    `feed` returns False and `raw()` gives back the bytes consumed so far, so the transport
    assembles the message as usual from there: nothing is lost.
    """

    __slots__ = ("_carry", "_held", "_pieces", "head", "request_id")

    def __init__(self, request_id: int, head: bytes) -> None:
        self.request_id = request_id
        self.head = head
        self._pieces: list[bytes] = []
        self._carry = b""  # the last symbols: not a whole quad yet, or a padded one
        self._held = b""  # after them, the start of the tail (`"` or `"}`) cut by a fragment

    @classmethod
    def start(cls, first: bytes | memoryview) -> FileReplyDecoder | None:
        """A decoder for the message whose first fragment is `first`, or None when its
        head is not that of an answer carrying only `dataBase64`. The caller then feeds
        `first[len(decoder.head):]`."""
        opening = bytes(first[: len(_RESULT_HEAD) + 20 + len(_DATA_KEY)])
        head = _file_reply_head(opening)
        if head is None:
            return None
        request_id, start = head
        return cls(request_id, opening[:start])

    def feed(self, fragment: bytes | memoryview, final: bool) -> bool:
        """Decode the next piece of the text (`final`: the message's last). False when the
        message is not in the usual shape; this piece is then not consumed."""
        before = len(self._pieces), self._carry, self._held
        if self._feed(memoryview(fragment), final):
            return True
        del self._pieces[before[0] :]
        self._carry, self._held = before[1], before[2]
        return False

    def _feed(self, view: memoryview, final: bool) -> bool:
        if self._held:  # rare: only a fragment boundary inside the tail leads here
            view = memoryview(self._held + view)
            self._held = b""
        if final:
            if view[-len(_TAIL) :].tobytes() != _TAIL:
                return False
            view = view[: -len(_TAIL)]
        else:
            for partial_tail in (b'"}', b'"'):
                if view[-len(partial_tail) :].tobytes() == partial_tail:
                    self._held = partial_tail
                    view = view[: -len(partial_tail)]
                    break
        text_ends = final or bool(self._held)  # here, if the message has the usual shape
        if not view and not final:
            return True
        if self._carry:
            missing = 4 - len(self._carry)
            if len(view) < missing:
                if text_ends:
                    return False
                self._carry += view
                return True
            quad = self._carry + view[:missing]
            view = view[missing:]
            if quad[-1] == 0x3D and not text_ends:
                if view:
                    return False  # padding before the end
                self._carry = quad
                return True
            if not self._decode(quad, last=text_ends and not view):
                return False
        whole = len(view) - len(view) % 4
        if text_ends:
            if whole != len(view):
                return False
        elif whole and view[whole - 1] == 0x3D:
            whole -= 4  # padded: kept until it is known to be the last quad
        if whole and not self._decode(view[:whole], last=text_ends):
            return False
        self._carry = bytes(view[whole:])
        return True

    def _decode(self, text: bytes | memoryview, last: bool) -> bool:
        try:
            data = pybase64.b64decode(text, validate=True)
        except ValueError:  # binascii.Error is one
            return False
        # validate=True allows padding at the end of `text` only: it must be the message's.
        if text[-1] == 0x3D and not last:
            return False
        if last and not base64_strict.trailing_bits_are_zero(bytes(text[-4:])):
            return False  # non-canonical: the general path rejects it
        self._pieces.append(data)
        return True

    def reply(self) -> FileReply:
        """The answer, once a final fragment was fed successfully."""
        # One piece (the reference's single frame) is handed over as is, without a copy.
        return FileReply(self.request_id, b"".join(self._pieces), self.head)

    def raw(self) -> bytes:
        """The message's bytes consumed so far (head, text, a partial quad or tail)."""
        return base64_strict.encode_framed(
            self.head, b"".join(self._pieces), self._carry + self._held
        )


def encode_write_file(request_id: int, params: dict[str, Any], data: bytes) -> bytes:
    """An `fs/writeFile` request carrying `data` (`params` without `dataBase64`, or it is
    replaced). The base64 is encoded piece by piece into the one buffer that becomes the
    message: a 64 MiB write then allocates its 89 MB once, not as a str and again as the
    encoded message."""
    rest = {key: value for key, value in params.items() if key != "dataBase64"}
    head = orjson.dumps({"id": request_id, "method": "fs/writeFile", "params": rest})
    # `head` ends with the two closing braces; the data goes in as the last param.
    key = b',"dataBase64":"' if rest else b'"dataBase64":"'
    return base64_strict.encode_framed(head[:-2] + key, data, _TAIL)
