"""Strict standard base64, decoded the way the reference exec-server decodes it.

The reference decodes `ByteChunk` fields and `fs/writeFile` data with the Rust `base64`
crate's STANDARD engine: canonical padding is required and trailing bits must be zero.
Its error texts reach clients verbatim (``Invalid padding``, ``Invalid symbol 61,
offset 3.``), so this module reproduces both the acceptance rules and the messages.
Valid input takes a fast SIMD path (pybase64); only invalid input walks the slow,
exact emulation to find the error the reference would report.
"""

from __future__ import annotations

import binascii
import io
from typing import Final

import pybase64

__all__ = [
    "Base64DecodeError",
    "decode",
    "decode_span",
    "encode",
    "encode_framed",
    "trailing_bits_are_zero",
]

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VALUE = {symbol: index for index, symbol in enumerate(_ALPHABET)}
_PAD = ord("=")
# 768 KiB of data (a multiple of 3, so pieces encode without padding) per encoding step:
# the 1 MiB piece it becomes is written out while still in cache.
_ENCODE_PIECE: Final = 3 << 18


class Base64DecodeError(ValueError):
    """Invalid base64; ``str(error)`` is the reference's message for it."""


def encode(data: bytes | bytearray | memoryview) -> str:
    """Encode bytes as standard base64 with padding."""
    return pybase64.b64encode_as_string(data)


def encode_framed(prefix: bytes, data: bytes | memoryview, suffix: bytes) -> bytes:
    """`prefix + base64(data) + suffix`, encoded piece by piece into the one buffer that
    becomes the result: a message carrying 64 MiB allocates its 89 MB once, never as an
    intermediate str or bytes that is then copied into the message."""
    buffer = io.BytesIO()
    buffer.write(prefix)
    view = memoryview(data)
    for start in range(0, len(view), _ENCODE_PIECE):
        buffer.write(pybase64.b64encode(view[start : start + _ENCODE_PIECE]))
    buffer.write(suffix)
    # BytesIO hands its own buffer over when nothing else refers to it: no final copy.
    return buffer.getvalue()


def decode(text: str | bytes) -> bytes:
    """Decode canonical standard base64, raising `Base64DecodeError` like the reference."""
    # Valid input (the common case, and often megabytes) is decoded without copying the
    # str to bytes first; anything else is decoded again, slowly, for the exact error.
    if len(text) % 4 == 0 and (decoded := _decode_canonical(text)) is not None:
        return decoded
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return _decode_exact(raw)


def decode_span(buffer: bytes, start: int, end: int) -> bytes | None:
    """`buffer[start:end]` decoded like `decode` accepts it (padding only at the end, zero
    spare bits) without copying the span first; None when `decode` would refuse it (the
    caller's general path then reports the reference's error)."""
    if end < start or (end - start) % 4:
        return None
    return _decode_canonical(memoryview(buffer)[start:end])


def _decode_canonical(text: str | bytes | memoryview) -> bytes | None:
    """`text` (a multiple of 4 symbols) decoded when it is canonical base64, else None.

    pybase64 with validate=True also refuses padding anywhere but at the end (a unit test
    pins that), so the text is not scanned for it first."""
    try:
        data = pybase64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    tail = text[-4:]
    if not trailing_bits_are_zero(tail.encode("ascii") if isinstance(tail, str) else bytes(tail)):
        return None  # non-canonical: the reference rejects it, so must we
    return data


def trailing_bits_are_zero(raw: bytes) -> bool:
    """Whether the last quad `raw` (valid base64) leaves its spare bits zero, as canonical
    base64 must; a quad without padding has none."""
    if not raw:
        return True
    pads = 2 if raw.endswith(b"==") else 1 if raw.endswith(b"=") else 0
    if pads == 0:
        return True
    last = _VALUE[raw[-pads - 1]]
    # Two symbols carry one byte (4 spare bits); three carry two bytes (2 spare bits).
    return last & (0x0F if pads == 2 else 0x03) == 0


def _decode_exact(raw: bytes) -> bytes:
    """Emulate the crate's decoder: body quads first, then the final (padded) quad."""
    remainder = len(raw) % 4
    if remainder == 1 and raw[-1] != _PAD and raw[-1] not in _VALUE:
        raise _invalid_symbol(len(raw) - 1, raw[-1])
    body_len = len(raw) - remainder - (4 if remainder == 0 else 0)
    body_len = max(body_len, 0)
    for index in range(body_len):
        if raw[index] not in _VALUE:
            raise _invalid_symbol(index, raw[index])
    morsels: list[int] = []
    padding = 0
    first_padding = 0
    last_symbol = 0
    for offset, symbol in enumerate(raw[body_len:]):
        if symbol == _PAD:
            if offset < 2:
                raise _invalid_symbol(body_len + offset, symbol)
            if padding == 0:
                first_padding = offset
            padding += 1
            continue
        if padding:
            raise _invalid_symbol(body_len + first_padding, _PAD)
        if symbol not in _VALUE:
            raise _invalid_symbol(body_len + offset, symbol)
        last_symbol = symbol
        morsels.append(_VALUE[symbol])
    if raw and len(morsels) < 2:
        raise Base64DecodeError(f"Invalid input length: {body_len + len(morsels)}")
    if (padding + len(morsels)) % 4:
        raise Base64DecodeError("Invalid padding")
    if morsels:
        bits = 0
        for morsel in morsels:
            bits = (bits << 6) | morsel
        spare = (len(morsels) * 6) % 8
        if bits & ((1 << spare) - 1):
            raise Base64DecodeError(
                f"Invalid last symbol {last_symbol}, offset {body_len + len(morsels) - 1}."
            )
    return pybase64.b64decode(raw, validate=False)


def _invalid_symbol(offset: int, symbol: int) -> Base64DecodeError:
    return Base64DecodeError(f"Invalid symbol {symbol}, offset {offset}.")
