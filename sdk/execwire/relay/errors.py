"""Exception hierarchy shared by the relay cores.

Every error raised by these modules is fatal for the one virtual stream it concerns: the
shell's single reaction is to drop the stream and send a ``Reset``. A common base class lets
it catch them all at one place.
"""

from __future__ import annotations

__all__ = [
    "FramingError",
    "InvalidFrame",
    "NoiseError",
    "OrderingError",
    "RelayProtocolError",
    "ReliabilityError",
    "StreamReset",
    "StreamTimeout",
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


class InvalidFrame(RelayProtocolError):
    """A websocket message is not a valid ``RelayMessageFrame``.

    The executor drops such frames silently; a harness fails when one names its own stream.
    ``stream_id`` is the frame's stream id when the protobuf parsed, else None.
    """

    def __init__(self, message: str, stream_id: str | None = None) -> None:
        super().__init__(message)
        self.stream_id = stream_id


class StreamReset(RelayProtocolError):
    """The peer (or the rendezvous on its behalf) reset the stream.

    The peer's reason is cleartext and unauthenticated, so it is deliberately not kept.
    """

    def __init__(self) -> None:
        super().__init__("Noise relay stream reset")


class StreamTimeout(RelayProtocolError):
    """No frame arrived on the stream for longer than its idle timeout."""
