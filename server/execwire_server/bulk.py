"""Large `fs/writeFile` requests without parsing their data as JSON.

A 64 MiB write arrives as an 89 MB message, nearly all of it the `dataBase64` string.
Parsing it (orjson builds and UTF-8-checks an 89 MB str) cost more than everything else
the server does for the write. Here the string is cut out of the message instead: the
rest is classified like any message, and the string is decoded straight from the
message's bytes. Whenever anything is unusual (the key appears twice, any escape, invalid
or non-canonical base64, another method) the caller uses the general path, so replies
are those of the reference byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from . import jsonrpc_errors

__all__ = ["BULK_MESSAGE_BYTES", "BulkWrite", "cut_write_data"]

BULK_MESSAGE_BYTES: Final = 1 << 20
"""Messages shorter than this are parsed as a whole: cutting would not pay."""

_NAME: Final = b"dataBase64"
_KEY: Final = b'"dataBase64":"'


@dataclass(frozen=True, slots=True)
class BulkWrite:
    """An `fs/writeFile` request whose `dataBase64` was cut out: `request` carries it as
    an empty string, `start`/`end` locate the text in the original message."""

    request: jsonrpc_errors.Request
    start: int
    end: int


def cut_write_data(message: bytes) -> BulkWrite | None:
    """The request in `message` with its `dataBase64` text cut out, when it is an
    `fs/writeFile` whose params carry that member exactly once; None otherwise.

    Only structure is checked here; the caller still decodes `message[start:end]` with
    `base64_strict.decode_span`, which refuses anything but the base64 alphabet (so no
    escape can make the JSON string's value differ from its bytes)."""
    key = message.find(_KEY)
    if key < 0:
        return None
    start = key + len(_KEY)
    end = message.find(b'"', start)
    if end < 0:
        return None
    head, tail = message[:start], message[end:]
    # Without escapes the name has one spelling, so appearing once outside the data it
    # names the one member found: no other (duplicate or nested) `dataBase64` to win.
    if b"\\" in head or b"\\" in tail or head.count(_NAME) != 1 or _NAME in tail:
        return None
    classified = jsonrpc_errors.explain(head + tail)
    if not isinstance(classified, jsonrpc_errors.Request) or classified.method != "fs/writeFile":
        return None
    params = classified.params
    if not isinstance(params, dict) or params.get("dataBase64") != "":
        return None
    return BulkWrite(classified, start, end)
