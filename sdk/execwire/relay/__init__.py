"""I/O-free relay cores shared by the SDK harness and the executor: Noise, framing, ordering.

* :mod:`.noise`: the ``Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256`` handshake and transport.
* :mod:`.framing`: JSON-RPC messages to and from 61440-byte record plaintexts.
* :mod:`.ordering`: the receive reorder buffer (released MAIN rules).
* :mod:`.reliable`: execwire's opt-in acks and retransmission, invisible to the reference.
"""

from .errors import (
    FramingError,
    NoiseError,
    OrderingError,
    RelayProtocolError,
    ReliabilityError,
)
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

__all__ = [
    "ACK_CAPABLE",
    "MAX_MESSAGE_LEN",
    "PUBLIC_KEY_SUITE",
    "RECORD_PLAINTEXT_LEN",
    "FramingError",
    "HandshakeInitiator",
    "HandshakeResponder",
    "MessageAssembler",
    "NoiseError",
    "NoiseIdentity",
    "NoisePublicKey",
    "OrderingError",
    "RelayProtocolError",
    "ReliabilityError",
    "ReliableReceiver",
    "ReliableSender",
    "ReorderBuffer",
    "TransportCipher",
    "TransportKeys",
    "encode_message",
    "relay_prologue",
]
