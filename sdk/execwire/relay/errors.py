"""Exception hierarchy shared by the relay cores.

Every error raised by these modules is fatal for the one virtual stream it concerns: the
shell's single reaction is to drop the stream and send a ``Reset``. A common base class lets
it catch them all at one place.
"""

from __future__ import annotations

__all__ = [
    "FramingError",
    "NoiseError",
    "OrderingError",
    "RelayProtocolError",
    "ReliabilityError",
]


class RelayProtocolError(Exception):
    """Base class: a virtual stream violated the relay protocol and must be reset."""


class NoiseError(RelayProtocolError):
    """Handshake or transport failure (bad key, tampering, replay, bad lengths, misuse).

    Messages are fixed strings: they never contain key material or plaintext.
    """


class FramingError(RelayProtocolError):
    """A JSON-RPC length-prefixed record stream broke its size rules."""


class OrderingError(RelayProtocolError):
    """A Data ``seq`` fell outside the reorder window or the pending buffer overflowed."""


class ReliabilityError(RelayProtocolError):
    """The peer's acknowledgements are inconsistent, or a lost record cannot be resent."""
