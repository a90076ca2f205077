"""I/O-free relay cores shared by the SDK harness and the executor: Noise, framing, ordering.

* :mod:`.noise`: the ``Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256`` handshake and transport.
* :mod:`.framing`: JSON-RPC messages to and from 61440-byte record plaintexts.
* :mod:`.ordering`: the receive reorder buffer (released MAIN rules).
* :mod:`.reliable`: execwire's opt-in acks and retransmission, invisible to the reference.
* :mod:`.frames`: ``RelayMessageFrame`` encoding, decoding and validation.
* :mod:`.stream`: the per-stream handshakes (:class:`HarnessHandshake` for the initiator,
  :class:`ExecutorHandshake` for the responder) and the established :class:`RelayStream`.
"""

from .errors import (
    FramingError,
    InvalidFrame,
    NoiseError,
    OrderingError,
    RelayProtocolError,
    ReliabilityError,
    StreamReset,
    StreamTimeout,
)
from .frames import RESET_REASON, Frame, FrameKind, decode_frame, frame_for_stream
from .framing import MAX_MESSAGE_LEN, RECORD_PLAINTEXT_LEN, MessageAssembler, encode_message
from .noise import (
    PUBLIC_KEY_SUITE,
    HandshakeInitiator,
    HandshakeResponder,
    NoiseIdentity,
    NoisePublicKey,
    TransportCipher,
    TransportKeys,
    relay_prologue,
)
from .ordering import ReorderBuffer
from .reliable import ACK_CAPABLE, ReliableReceiver, ReliableSender
from .stream import ExecutorHandshake, HarnessHandshake, RelayStream, StreamConfig

__all__ = [
    "ACK_CAPABLE",
    "MAX_MESSAGE_LEN",
    "PUBLIC_KEY_SUITE",
    "RECORD_PLAINTEXT_LEN",
    "RESET_REASON",
    "ExecutorHandshake",
    "Frame",
    "FrameKind",
    "FramingError",
    "HandshakeInitiator",
    "HandshakeResponder",
    "HarnessHandshake",
    "InvalidFrame",
    "MessageAssembler",
    "NoiseError",
    "NoiseIdentity",
    "NoisePublicKey",
    "OrderingError",
    "RelayProtocolError",
    "RelayStream",
    "ReliabilityError",
    "ReliableReceiver",
    "ReliableSender",
    "ReorderBuffer",
    "StreamConfig",
    "StreamReset",
    "StreamTimeout",
    "TransportCipher",
    "TransportKeys",
    "decode_frame",
    "encode_message",
    "frame_for_stream",
    "relay_prologue",
]
