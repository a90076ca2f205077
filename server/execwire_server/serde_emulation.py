"""How the reference's Rust spells things in error messages, emulated: serde_json's parser
errors, serde's descriptions of unexpected values, and Rust's `{:?}` of a str.

One module for every such text, so the inbound envelope (`inbound`) and params decoding
(`params`) quote values the same way. The JSON parser is the slow path: it runs only for
input orjson refuses or cannot prove serde_json would read the same (duplicate keys, deep
nesting, too many values, 64-bit overflow, trailing data, ...).
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Final

__all__ = [
    "RECURSION_LIMIT",
    "TRAILING_CHARACTERS",
    "VALUE_LIMIT",
    "JsonSyntaxError",
    "document_bytes",
    "invalid_type",
    "json_syntax_error",
    "read_json_value",
    "rust_debug_str",
    "trailing_characters_error",
    "unexpected",
    "unknown_variant",
]

VALUE_LIMIT: Final = 262_144
"""Most JSON values (scalars, arrays, objects; not keys) one message may hold."""

RECURSION_LIMIT: Final = 128
"""serde_json's nesting limit: the 128th nested array/object is an error."""


# ---------------------------------------------------------------------------
# Rust's Debug of a str
# ---------------------------------------------------------------------------

# Code points that Rust's `<str as Debug>` prints as \u{..}: non-printable or
# Grapheme_Extend (Rust's Unicode 16 tables, observed on codex 0.169.0 by sending
# every code point).  Python's unicodedata is older, hence a table.  Encoding:
# base-36 numbers alternating "gap since previous range end" and "range length".
_RUST_ESCAPED_RANGES: Final = (
    "1 8 2 2 1 i 2n y c 1 gi 34 8 2 6 4 7 1 1 1 k 1 68 7 4m 1 12 2 1e 2 3 1a 1 1 1 2 1 2 1 9 "
    "r 4 6 h a b 1 1 1a l g 1 2t 8 1 6 2 2 1 4 w 2 1 1 u t 2h b 1 e 17 9 7 3 o 4 1 9 1 3 1 7 "
    "f 1 p 5 1 1 b 5 w g 16 1l 1j 1 1 1 4 8 4 1 3 7 a 2 t 1 2 1 8 2 2 2 m 1 7 1 1 3 4 3 1 1 2 "
    "6 2 2 2 1 1 d 2 1 3 4 o 5 1 1 6 4 2 2 m 1 7 1 2 1 2 1 2 4 3 o 4 1 1 7 a 2 3 1 1 c 1 1 9 "
    "1 3 1 m 1 7 1 2 1 5 3 4 8 1 1 2 3 1 f 2 4 c 7 1 8 2 1 8 2 2 2 m 1 7 1 2 1 5 3 1 2 1 6 2 "
    "2 2 f 2 1 3 4 i b 1 1 6 3 3 1 4 3 2 1 1 1 2 3 2 3 3 3 c 5 1 1 2 3 3 1 3 3 1 l l 6 3 1 8 "
    "1 3 1 n 1 g 3 1 3 4 j 3 1 2 2 2 4 a 7 a 1 b 1 3 1 n 1 a 1 5 3 2 2 1 1 2 n 3 1 2 4 a 1 3 "
    "e b 1 3 1 15 2 1 1 2 5 3 1 3 1 2 4 3 1 a 4 q 2 2 1 i 3 o 1 9 1 1 2 7 9 2 6 7 7 a 2 3 c "
    "1c 1 2 b 8 8 d 11 2 1 1 1 5 1 o 1 1 1 a 1 2 9 1 2 5 1 1 9 a 2 4 w o 2 r 1 1 1 1 1 e 1 10 "
    "i 1 5 1 2 5 1d 8 1 6 1 d 11 19 4 1 6 1 2 2 2 p 2 4 3 g 4 d 1 2 2 6 1 f 1 14 1 1 5 1 2 ah "
    "1 4 2 7 1 1 1 4 2 15 1 4 2 x 1 4 2 7 1 1 1 4 2 f 1 1l 1 4 2 1v 5 t 3 q 6 2e 2 6 2 hs 1 s "
    "3 2h 7 i d j 3 2 9 i e d 1 3 f 1g 2 1 7 8 1 2 b 9 3 a 6 a 6 b 5 a 6 2h 7 5 2 y 1 1 5 1y "
    "a v 4 4 2 3 4 2 1 6 7 1 3 16 2 5 b 18 4 q 6 b 3 1l 2 2 3 1k 1 1 9 1 1 2 8 6 d a 6 a 6 e "
    "2e 1c a 4 3 8 1 t 9 c 2 w 4 2 6 1k 1 1 2 3 1 1 d 1c 8 2 5 f 3 1q 5 17 2 b b 1 d 1 7 4 1 "
    "6 1 3 2 1 5 5c 1s 7q 2 6 2 12 2 6 2 8 1 1 1 1 1 1 1 v 2 1h 1 f 1 e 2 6 1 j 2 3 1 9 h o 8 "
    "1b h 2 2 r 1 d 3 y 1q 3w 4 ii m b l 1ec 2 ah 3 2 5 19 1 1 5 1 2 1k 7 2 f n 9 7 1 7 1 7 1 "
    "7 1 7 1 7 1 7 1 7 x 2m y q 1 2h c 5y q g 1 15 6 g 1 2e 4 2t 5 17 1 2m 1 2e 9 1c 1 mlp 3 "
    "1j 9 9o k 1b 4 1 a w 2 28 2 6 8 65 k h 1 3 1 4 1 p 2 5 4 a 6 1k 8 1w a c o d 1 12 8 p b "
    "1 c u 6 1c 1 2 4 2 2 2 1 d 1 b 4 7 1 p 1 15 6 2 2 2 b 3 1 8 1 1 2 a 2 w 1 1f 1 1 3 2 2 5 "
    "2 1 1 1 o h 2 8 b 6 2 6 2 6 9 7 1 7 1 1o 4 39 1 2 1 4 3 a 6 8mc c n 4 1d 4 1kw 4xs a6 2 "
    "2y 12 7 c 5 5 1 1 o 1 5 1 1 1 2 1 2 1 i2 w g g a m z 1 j 1 4 4 5 1 3r 4 4d 2 v 3 6 2 6 2 "
    "6 2 3 3 7 1 7 d 2 2 c 1 q 1 j 1 2 1 f 2 e y 3f 5 3 4 19 3 2g 1 d 3 1 1b 19 3n t 3 1d g r "
    "4 10 9 u 5 12 a u 1 11 4 e 16 4e 2 a 6 10 4 10 4 14 8 1g b c 1 f 1 7 1 2 1 b 1 f 1 7 1 2 "
    "3 1g c 8n 9 m a 8 o 6 1 16 1 9 1x 6 2 1 1 18 1 2 3 1 2 n 1 20 8 9 1c j 1 2 5 x 3 r 5 r "
    "12 1k 4 k 2 1b f 4 1 3 1 t a 9 7 9 7 1s w 11 6 c 9 1i 3 t 2 r 5 q 7 4 c 7 28 21 1j 1f d "
    "1f 7 16 c a 6 12 8 o 8 2 5s v 1 16 3 1 2 2 g 6 8 9 13 14 8 m b 9 m i 4 4 12 s k n 9 1 1 "
    "1i f 7 4 u 1 2 2 1 c 1d 4 2 2 2 1 4 e p 7 a 9 10 5 1 9 i 8 z 1 3 b 1g 9 1 1 8 4 2 1 g 1 "
    "k b i 1 s 3 2 4 6 1 2 1r 7 1 1 1 4 1 f 1 b 6 1b 1 3 d a 8 2 1 8 2 2 2 m 1 7 1 2 1 5 3 1 "
    "1 1 1 4 2 2 2 2 3 1 c 7 s a 1 1 2 1 1 12 1 1 1 2 f 1 1 2 3 1 1 3 1 2 13 1k 8 2 3 1 1 l 1 "
    "1 1 3 u 1c 1 2 6 1 1 2 1 1 2 1 2 4 8 a 4m 1b 1 2 6 4 2 1 2 r 10 1f 8 2 1 1 2 4 b a 6 d j "
    "17 1 1 1 2 8 2 6 a 6 k s r 3 1 1 2 4 1 9 n 55 1b 9 1 2 1 2s 2b c 8 2 1 2 8 1 2 1 o 1 5 1 "
    "2 6 4 1 3 9 a 1y 8 2 16 8 4 1 4 r 1 a 14 6 2 4 8 9 1 6 2 3 1a d 1 2 9 d 21 7 a 2f 1 3 1 "
    "1 1 2g y e a 6 9 1 12 e 1 1 6 a t 3 w p 1 7 1 2 1 23 7 1 2 1 12 l 1 9 a 6 6 1 2 1 11 4 2 "
    "1 1 1 1 7 a 6 18 4 a 6u j 2 4 9 f 1 10 8 2 3 n 2e 1 f 1e d pn 2u 33 1 5 b 5g 218 2r d ts "
    "h 6 p 32z 5 g7 5a1 u c 3 3 a 1c6 ft 7 v 1 a 4 29 1 a 6 u 7 1 a 1c 7 f a a 1 7 1 l 5 j c0 "
    "1m 5i 2j 5 p 2 p 18 23 5 1k b d 1s 4 e 5 9 5p2 15 w 2p 37 6pp 4 1 7 1 2 1 83 f 1 t 3 2 1 "
    "e 4 8 b0 1s4 2z 5 d 3 9 7 a 2 1 2 1 31c 71 3 c4 6 n f h 2n 38 1o 6u a 13 2 1o 5 3 m 2 7 "
    "u 4 1p l 1u 3 1 3e k c k c 2f 9 p 3r 2d 1 1z 1 2 2 1 2 2 2 4 1 c 1 1 1 7 1 1t 1 4 2 8 1 "
    "7 1 s 1 4 1 5 1 1 3 7 1 9g 2 84 2 fm 1j 4 1e 8 1 e 1 7 vo v 6 6 79 1q 42 19 a 7 2 a 4 2 "
    "8w u i 18 4 a 5 1 cw s 4 a 5y u 2 b 4 1 5c v 1 3 1 2 1 7 2 5 9 2 68 7 1 4 1 2 1 f 1 5h 2 "
    "9 1c 1w 7 1 4 a 4 2 lt 1w 24 1p 5e 4 1 r 1 2 1 1 2 1 1 a 1 4 1 1 1 1 6 1 4 1 1 1 1 1 1 3 "
    "1 2 1 1 2 1 1 1 1 1 1 1 1 1 1 2 1 1 2 4 1 7 1 4 1 4 1 1 1 a 1 h 5 3 1 5 1 h 1g 2 7i 18 4 "
    "2s c f 2 f 1 f 1 11 a 4u 1k t d 18 4 9 7 2 e 6 4a rd 3 h 3 d 3 62 6 c 4 1 f c 4 1k 8 a 6 "
    "14 8 u 2 c 4 2 e 9 13 9k 8 e 2 d 3 b 3 1l 1 1 4 g 2 c 4 a 7 43 1 2v sl wyo w 3dq 2 4ge 2 "
    "5rl f ha 1wi f2 15u 3t7 5 6ju jdl2 "
)


def _decode_ranges(encoded: str) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    numbers = [int(token, 36) for token in encoded.split()]
    cursor = 0
    for gap, length in zip(numbers[::2], numbers[1::2], strict=True):
        cursor += gap
        starts.append(cursor)
        cursor += length
        ends.append(cursor - 1)
    return starts, ends


_ESC_STARTS, _ESC_ENDS = _decode_ranges(_RUST_ESCAPED_RANGES)
_SIMPLE_ESCAPES: Final = {
    "\0": "\\0",
    "\t": "\\t",
    "\r": "\\r",
    "\n": "\\n",
    "\\": "\\\\",
    '"': '\\"',
}


def _rust_escapes(code_point: int) -> bool:
    k = bisect.bisect_right(_ESC_STARTS, code_point) - 1
    return k >= 0 and code_point <= _ESC_ENDS[k]


def rust_debug_str(text: str) -> str:
    """``format!("{:?}", text)`` in Rust."""
    if text.isascii() and text.isprintable():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    parts = ['"']
    for ch in text:
        simple = _SIMPLE_ESCAPES.get(ch)
        if simple is not None:
            parts.append(simple)
        elif _rust_escapes(ord(ch)):
            parts.append(f"\\u{{{ord(ch):x}}}")
        else:
            parts.append(ch)
    parts.append('"')
    return "".join(parts)


# ---------------------------------------------------------------------------
# serde's descriptions of values
# ---------------------------------------------------------------------------


def invalid_type(value: Any, expected: str, buffered: bool = False) -> str:
    """serde's `invalid type: <value>, expected <expected>`."""
    return f"invalid type: {unexpected(value, buffered)}, expected {expected}"


def unexpected(value: Any, buffered: bool = False) -> str:
    """serde's description of a JSON value it did not expect.

    The reference decodes from an arbitrary-precision JSON value, which serde only knows
    as "number"; `buffered` (inside an internally tagged enum serde re-reads a buffered
    copy) describes numbers by value instead.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int | float) and not buffered:
        return "number"
    if isinstance(value, float):
        # Rust prints floats without exponent and serde keeps a decimal point: `2.0`.
        text = f"{value:.1f}" if value.is_integer() else repr(value)
        return f"floating point `{text}`"
    if isinstance(value, int):
        if value > 2**64 - 1:
            return f"integer `{value}` as u128"
        if value < -(2**63):
            return f"integer `{value}` as i128"
        return f"integer `{value}`"
    if isinstance(value, str):
        return f"string {rust_debug_str(value)}"
    if isinstance(value, list):
        return "sequence"
    return "map"


def unknown_variant(name: str, variants: list[str]) -> str:
    """serde's `unknown variant` text, listing the expected variants as it does."""
    listed = [f"`{variant}`" for variant in variants]
    if len(listed) == 1:
        expected = listed[0]
    elif len(listed) == 2:
        expected = f"{listed[0]} or {listed[1]}"
    else:
        expected = "one of " + ", ".join(listed)
    return f"unknown variant `{name}`, expected {expected}"


# ---------------------------------------------------------------------------
# serde_json emulation (slow path)
# ---------------------------------------------------------------------------

_EOF_VALUE: Final = "EOF while parsing a value"
_EOF_LIST: Final = "EOF while parsing a list"
_EOF_OBJECT: Final = "EOF while parsing an object"
_EOF_STRING: Final = "EOF while parsing a string"
_EXPECTED_VALUE: Final = "expected value"
_EXPECTED_IDENT: Final = "expected ident"
_EXPECTED_COLON: Final = "expected `:`"
_EXPECTED_LIST_COMMA: Final = "expected `,` or `]`"
_EXPECTED_OBJECT_COMMA: Final = "expected `,` or `}`"
_KEY_MUST_BE_STRING: Final = "key must be a string"
_TRAILING_COMMA: Final = "trailing comma"
TRAILING_CHARACTERS: Final = "trailing characters"
_INVALID_NUMBER: Final = "invalid number"
_INVALID_ESCAPE: Final = "invalid escape"
_INVALID_UNICODE: Final = "invalid unicode code point"
_CONTROL_CHARACTER: Final = "control character (\\u0000-\\u001F) found while parsing a string"
_LONE_SURROGATE: Final = "lone leading surrogate in hex escape"
_UNEXPECTED_END_HEX: Final = "unexpected end of hex escape"
_RECURSION: Final = "recursion limit exceeded"
_TOO_MANY_VALUES: Final = f"JSON-RPC message exceeds the limit of {VALUE_LIMIT} JSON values"

_WS_BYTES: Final = frozenset(b" \t\n\r")
_WS_RUN = re.compile(rb"[ \t\n\r]*")
_DIGIT_RUN = re.compile(rb"[0-9]*")
_STRING_STOP = re.compile(rb'["\\\x00-\x1f]')
_HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")
_SHORT_ESCAPES: Final = {
    ord('"'): '"',
    ord("\\"): "\\",
    ord("/"): "/",
    ord("b"): "\b",
    ord("f"): "\f",
    ord("n"): "\n",
    ord("r"): "\r",
    ord("t"): "\t",
}


class _JsonError(Exception):
    """A serde_json error; ``index`` None marks a visitor error not yet positioned."""

    def __init__(self, text: str, index: int | None) -> None:
        super().__init__(text)
        self.text = text
        self.index = index

    def render(self, data: bytes) -> str:
        if self.index is None:
            return self.text
        return f"{self.text} at {_position(data, self.index)}"


def _position(data: bytes, index: int) -> str:
    """serde_json's "line L column C": 1-based line, column = bytes since the newline."""
    line_start = data.rfind(b"\n", 0, index) + 1
    line = data.count(b"\n", 0, line_start) + 1
    return f"line {line} column {index - line_start}"


class _Parser:
    """serde_json's recursive-descent parser plus codex's counting/dedup seed.

    Error positions follow serde_json: ``peek_error`` reports index+1 of the byte
    looked at, ``error`` the index after the consumed byte, both capped at EOF.
    Visitor errors (duplicate key, too many values) are positioned by the
    enclosing array/object after serde_json's end_seq/end_map ran.
    """

    __slots__ = ("data", "depth", "i", "n", "values")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.n = len(data)
        self.i = 0
        self.values = 1  # the root value
        self.depth = RECURSION_LIMIT

    def skip_ws(self) -> int:
        i = self.i
        if i < self.n and self.data[i] in _WS_BYTES:
            match = _WS_RUN.match(self.data, i)
            assert match is not None
            i = self.i = match.end()
        return i

    def count_value(self) -> None:
        self.values += 1
        if self.values > VALUE_LIMIT:
            raise _JsonError(_TOO_MANY_VALUES, None)

    def value(self) -> object:
        i = self.skip_ws()
        if i >= self.n:
            raise _JsonError(_EOF_VALUE, self.n)
        c = self.data[i]
        if c == 0x22:  # "
            self.i = i + 1
            return self.string()
        if c == 0x7B:  # {
            return self.object(i)
        if c == 0x5B:  # [
            return self.array(i)
        if c == 0x2D or 0x30 <= c <= 0x39:
            return self.number(i)
        if c == 0x6E:
            self.ident(i, b"null")
            return None
        if c == 0x74:
            self.ident(i, b"true")
            return True
        if c == 0x66:
            self.ident(i, b"false")
            return False
        raise _JsonError(_EXPECTED_VALUE, i + 1)

    def ident(self, i: int, word: bytes) -> None:
        data, n = self.data, self.n
        j = i + 1
        for expected in word[1:]:
            if j >= n:
                raise _JsonError(_EOF_VALUE, n)
            if data[j] != expected:
                raise _JsonError(_EXPECTED_IDENT, j + 1)
            j += 1
        self.i = j

    def enter(self, i: int) -> None:
        self.depth -= 1
        if self.depth == 0:
            raise _JsonError(_RECURSION, i + 1)
        self.i = i + 1

    def array(self, i: int) -> list[object]:
        self.enter(i)
        data, n = self.data, self.n
        out: list[object] = []
        try:
            j = self.skip_ws()
            if j >= n:
                raise _JsonError(_EOF_LIST, n)
            if data[j] != 0x5D:
                while True:
                    self.count_value()
                    out.append(self.value())
                    j = self.skip_ws()
                    if j >= n:
                        raise _JsonError(_EOF_LIST, n)
                    c = data[j]
                    if c == 0x5D:
                        break
                    if c != 0x2C:
                        raise _JsonError(_EXPECTED_LIST_COMMA, j + 1)
                    self.i = j + 1
                    j = self.skip_ws()
                    if j >= n:
                        raise _JsonError(_EOF_VALUE, n)
                    if data[j] == 0x5D:
                        raise _JsonError(_TRAILING_COMMA, j + 1)
        except _JsonError as error:
            if error.index is None:
                # serde_json still runs end_seq, which may eat `]` or `,` + whitespace.
                j = self.skip_ws()
                if j < n and data[j] == 0x5D:
                    self.i = j + 1
                elif j < n and data[j] == 0x2C:
                    self.i = j + 1
                    self.skip_ws()
                error.index = self.i
            raise
        self.i = j + 1
        self.depth += 1
        return out

    def object(self, i: int) -> dict[str, object]:
        self.enter(i)
        data, n = self.data, self.n
        out: dict[str, object] = {}
        try:
            j = self.skip_ws()
            if j >= n:
                raise _JsonError(_EOF_OBJECT, n)
            c = data[j]
            if c != 0x7D:
                while True:
                    if c != 0x22:
                        raise _JsonError(_KEY_MUST_BE_STRING, j + 1)
                    self.i = j + 1
                    key = self.string()
                    if key in out:
                        raise _JsonError(f"duplicate JSON object key `{key}`", None)
                    j = self.skip_ws()
                    if j >= n:
                        raise _JsonError(_EOF_OBJECT, n)
                    if data[j] != 0x3A:
                        raise _JsonError(_EXPECTED_COLON, j + 1)
                    self.i = j + 1
                    self.count_value()
                    out[key] = self.value()
                    j = self.skip_ws()
                    if j >= n:
                        raise _JsonError(_EOF_OBJECT, n)
                    c = data[j]
                    if c == 0x7D:
                        break
                    if c != 0x2C:
                        raise _JsonError(_EXPECTED_OBJECT_COMMA, j + 1)
                    self.i = j + 1
                    j = self.skip_ws()
                    if j >= n:
                        raise _JsonError(_EOF_VALUE, n)
                    c = data[j]
                    if c == 0x7D:
                        raise _JsonError(_TRAILING_COMMA, j + 1)
        except _JsonError as error:
            if error.index is None:
                # serde_json still runs end_map, which may eat a `}`.
                j = self.skip_ws()
                if j < n and data[j] == 0x7D:
                    self.i = j + 1
                error.index = self.i
            raise
        self.i = j + 1
        self.depth += 1
        return out

    def string(self) -> str:
        """Parse after the opening quote; UTF-8 is checked only at the closing quote."""
        data, n = self.data, self.n
        pieces: list[bytes | str] = []
        start = pos = self.i
        while True:
            match = _STRING_STOP.search(data, pos)
            if match is None:
                raise _JsonError(_EOF_STRING, n)
            k = match.start()
            c = data[k]
            if c == 0x22:
                pieces.append(data[start:k])
                self.i = k + 1
                try:
                    return "".join(p.decode("utf-8") if isinstance(p, bytes) else p for p in pieces)
                except UnicodeDecodeError:
                    raise _JsonError(_INVALID_UNICODE, k + 1) from None
            if c != 0x5C:
                raise _JsonError(_CONTROL_CHARACTER, k + 1)
            pieces.append(data[start:k])
            if k + 1 >= n:
                raise _JsonError(_EOF_STRING, n)
            escape = data[k + 1]
            simple = _SHORT_ESCAPES.get(escape)
            if simple is not None:
                pieces.append(simple)
                pos = k + 2
            elif escape == 0x75:  # u
                text, pos = self.unicode_escape(k + 2)
                pieces.append(text)
            else:
                raise _JsonError(_INVALID_ESCAPE, k + 2)
            start = pos

    def hex4(self, i: int) -> int:
        if i + 4 > self.n:
            raise _JsonError(_EOF_STRING, self.n)
        if _HEX4.match(self.data, i) is None:
            raise _JsonError(_INVALID_ESCAPE, i + 4)
        return int(self.data[i : i + 4], 16)

    def unicode_escape(self, i: int) -> tuple[str, int]:
        """Decode ``\\uXXXX`` (a surrogate pair must follow at once); returns (text, next)."""
        data, n = self.data, self.n
        first = self.hex4(i)
        i += 4
        if 0xDC00 <= first <= 0xDFFF:
            raise _JsonError(_LONE_SURROGATE, i)
        if not 0xD800 <= first <= 0xDBFF:
            return chr(first), i
        if i >= n:
            raise _JsonError(_EOF_STRING, n)
        if data[i] != 0x5C:
            raise _JsonError(_UNEXPECTED_END_HEX, i + 1)
        i += 1
        if i >= n:
            raise _JsonError(_EOF_STRING, n)
        if data[i] != 0x75:
            raise _JsonError(_UNEXPECTED_END_HEX, i + 1)
        second = self.hex4(i + 1)
        i += 5
        if not 0xDC00 <= second <= 0xDFFF:
            raise _JsonError(_LONE_SURROGATE, i)
        return chr(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)), i

    def number(self, i: int) -> int | float:
        """arbitrary_precision scanning: any magnitude is valid (1e400 included)."""
        data, n = self.data, self.n
        j = i
        if data[j] == 0x2D:
            j += 1
            if j >= n:
                raise _JsonError(_EOF_VALUE, n)
        c = data[j]
        if c == 0x30:
            j += 1
            if j < n and 0x30 <= data[j] <= 0x39:
                raise _JsonError(_INVALID_NUMBER, j + 1)
        elif 0x31 <= c <= 0x39:
            j = self.digits(j + 1)
        else:
            raise _JsonError(_INVALID_NUMBER, j + 1)
        integral = True
        if j < n and data[j] == 0x2E:
            integral = False
            j = self.required_digits(j + 1)
        if j < n and data[j] in (0x65, 0x45):
            integral = False
            j += 1
            if j < n and data[j] in (0x2B, 0x2D):
                j += 1
            j = self.required_digits(j)
        self.i = j
        text = data[i:j]
        if integral:
            try:
                return int(text)
            except ValueError:  # beyond sys.get_int_max_str_digits()
                pass
        return float(text)

    def digits(self, j: int) -> int:
        match = _DIGIT_RUN.match(self.data, j)
        assert match is not None
        return match.end()

    def required_digits(self, j: int) -> int:
        if j >= self.n:
            raise _JsonError(_EOF_VALUE, self.n)
        if not 0x30 <= self.data[j] <= 0x39:
            raise _JsonError(_INVALID_NUMBER, j + 1)
        return self.digits(j + 1)


def document_bytes(text: bytes | str) -> bytes:
    # surrogatepass: a str carrying lone surrogates behaves like the invalid
    # UTF-8 bytes a binary frame would carry.
    return text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text


def json_syntax_error(text: bytes | str) -> str | None:
    """serde_json's error text for the whole document, or None if it is valid.

    Includes codex's checks (duplicate keys, value limit) and serde_json's
    recursion limit and trailing-characters check.  Note the reference reports a
    shape error *before* trailing characters (see :func:`explain`).
    """
    data = document_bytes(text)
    parser = _Parser(data)
    try:
        parser.value()
    except _JsonError as error:
        return error.render(data)
    i = parser.skip_ws()
    if i < parser.n:
        return f"{TRAILING_CHARACTERS} at {_position(data, i + 1)}"
    return None


def read_json_value(data: bytes) -> tuple[object, int]:
    """serde_json's reading of the value at the start of `data`, and the index where
    whatever follows it (after whitespace) starts; raises `JsonSyntaxError`."""
    parser = _Parser(data)
    try:
        value = parser.value()
    except _JsonError as error:
        raise JsonSyntaxError(error.render(data)) from None
    return value, parser.skip_ws()


def trailing_characters_error(data: bytes, index: int) -> str | None:
    """serde_json's `trailing characters` error when anything but whitespace follows the
    value that ends at `index` (from `read_json_value`)."""
    if index < len(data):
        return f"{TRAILING_CHARACTERS} at {_position(data, index + 1)}"
    return None


class JsonSyntaxError(ValueError):
    """serde_json could not read the document; `str(error)` is its message."""
