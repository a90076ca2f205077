"""Noise transport messages of an established relay stream: AES-256-GCM with the
reference's nonce rules (I/O-free)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import NoiseError

__all__ = [
    "MAX_HANDSHAKE_MESSAGE_LEN",
    "MAX_TRANSPORT_NONCE",
    "MAX_TRANSPORT_PLAINTEXT_LEN",
    "NONCE_PREFIX",
    "TAG_LEN",
    "TransportCipher",
    "TransportKeys",
]

MAX_HANDSHAKE_MESSAGE_LEN: Final = 65535
"""Noise's message limit; the reference refuses longer handshake messages before parsing."""

TAG_LEN: Final = 16
MAX_TRANSPORT_PLAINTEXT_LEN: Final = MAX_HANDSHAKE_MESSAGE_LEN - TAG_LEN

MAX_TRANSPORT_NONCE: Final = 2**32 - 1
"""The reference refuses a transport nonce of u32::MAX: relay ``seq`` is a u32 equal to it."""

NONCE_PREFIX: Final = b"\x00\x00\x00\x00"


class TransportCipher:
    """One direction of an established channel: AES-256-GCM with an implicit counter nonce.

    Record ``n`` uses nonce ``00000000 || u64be(n)`` and empty associated data. Records must be
    processed strictly in order and exactly once, which is why the relay reorders by ``seq``
    before decrypting. A failed decryption does not advance the counter.
    """

    __slots__ = ("_aead", "_n")

    def __init__(self, key: bytes, *, nonce: int = 0) -> None:
        if len(key) != 32:
            raise NoiseError("transport key must be 32 bytes")
        if not 0 <= nonce <= MAX_TRANSPORT_NONCE:
            raise NoiseError("transport nonce out of range")
        self._aead = AESGCM(key)
        self._n = nonce

    @property
    def nonce(self) -> int:
        """The counter the next record will use; equals the relay ``seq`` of that record."""
        return self._n

    def encrypt(self, plaintext: bytes) -> bytes:
        """Encrypt the next record; the result is ``len(plaintext) + 16`` bytes."""
        if self._n >= MAX_TRANSPORT_NONCE:
            raise NoiseError("transport nonce exhausted")
        if len(plaintext) > MAX_TRANSPORT_PLAINTEXT_LEN:
            raise NoiseError("transport plaintext too long")
        ciphertext = self._aead.encrypt(NONCE_PREFIX + self._n.to_bytes(8, "big"), plaintext, None)
        self._n += 1
        return ciphertext

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Decrypt the next record; tampering, replay or a skipped record raise NoiseError."""
        if self._n >= MAX_TRANSPORT_NONCE:
            raise NoiseError("transport nonce exhausted")
        if len(ciphertext) < TAG_LEN:
            raise NoiseError("transport ciphertext shorter than the tag")
        if len(ciphertext) > MAX_HANDSHAKE_MESSAGE_LEN:
            raise NoiseError("transport ciphertext too long")
        try:
            plaintext = self._aead.decrypt(
                NONCE_PREFIX + self._n.to_bytes(8, "big"), ciphertext, None
            )
        except InvalidTag:
            raise NoiseError("transport record failed authentication") from None
        self._n += 1
        return plaintext

    def __repr__(self) -> str:
        return f"TransportCipher(nonce={self._n})"


@dataclass(frozen=True, slots=True)
class TransportKeys:
    """The two directions of a finished handshake, from the local role's point of view."""

    send: TransportCipher
    receive: TransportCipher
    handshake_hash: bytes = field(repr=False)
