"""Large `fs/writeFile` and `fs/writeBlock` requests without parsing their data as JSON.

A 64 MiB write arrives as an 89 MB message, nearly all of it the `dataBase64` string (a
1 MiB block: a 1.4 MB message, nearly all of it `chunk`). Parsing it (orjson builds and
UTF-8-checks the whole str) cost more than everything else the server does for the
write. Here the string is cut out of the message instead: the rest is classified like
any message, and the string is decoded straight from the message's bytes. Whenever
anything is unusual (the key appears twice, any escape, invalid or non-canonical base64,
another method, the key far from the start) the caller uses the general path, so replies
are those of the reference byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from execwire.protocol.methods import REQUESTS

from . import inbound

__all__ = ["BULK_MEMBERS", "BULK_MESSAGE_BYTES", "BulkWrite", "cut_write_data"]

BULK_MESSAGE_BYTES: Final = 1 << 20
"""Messages shorter than this are parsed as a whole: cutting would not pay."""

BULK_MEMBERS: Final = {
    method: spec.bulk_member for method, spec in REQUESTS.items() if spec.bulk_member is not None
}
"""The methods with a bulk path and the params member that carries their data (the
schema's `x-bulk-member`)."""

KEY_WINDOW: Final = 1 << 16
"""The data's key is looked for this far into a message: what precedes it (the id, the
method, a path, a sandbox) is small, and a message without the key is not scanned whole."""

_KEYS: Final = tuple(
    (method, name.encode(), b'"' + name.encode() + b'":"') for method, name in BULK_MEMBERS.items()
)


@dataclass(frozen=True, slots=True)
class BulkWrite:
    """A bulk request whose data member was cut out: `request` carries it as an empty
    string, `member` names it, `start`/`end` locate the text in the original message."""

    request: inbound.Request
    member: str
    start: int
    end: int


def cut_write_data(message: bytes) -> BulkWrite | None:
    """The request in `message` with its data text cut out, when it is a method of
    `BULK_MEMBERS` whose params carry that member exactly once; None otherwise.

    Only structure is checked here; the caller still decodes `message[start:end]` with
    `base64_strict.decode_span`, which refuses anything but the base64 alphabet (so no
    escape can make the JSON string's value differ from its bytes)."""
    for method, name, key_text in _KEYS:
        key = message.find(key_text, 0, KEY_WINDOW)
        if key >= 0:
            return _cut(message, method, name, key + len(key_text))
    return None


def _cut(message: bytes, method: str, name: bytes, start: int) -> BulkWrite | None:
    end = message.find(b'"', start)
    if end < 0:
        return None
    head, tail = message[:start], message[end:]
    # Without escapes the name has one spelling, so appearing once outside the data it
    # names the one member found: no other (duplicate or nested) member to win.
    if b"\\" in head or b"\\" in tail or head.count(name) != 1 or name in tail:
        return None
    classified = inbound.explain(head + tail)
    if not isinstance(classified, inbound.Request) or classified.method != method:
        return None
    params = classified.params
    member = name.decode()
    if not isinstance(params, dict) or params.get(member) != "":
        return None
    return BulkWrite(classified, member, start, end)
