"""Noise ``hybridIK`` (X25519 + ML-KEM-768, AES-256-GCM, SHA-256) for the exec-server relay.

The codex relay protects each virtual stream with Clatter 2.2's
``Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256``::

    <- s
    ...
    -> skem, e, es, s, ss         (payload: the registry's harness authorization)
    <- ekem, skem, e, ee, se      (payload: empty)

``noiseprotocol`` only knows the classical tokens (e, s, ee, es, se, ss, psk) with one
key per ``e``/``s``; it cannot express the KEM tokens (``ekem``/``skem``) nor ``e``/``s``
tokens that carry an X25519 *and* an ML-KEM key. So the handshake is built here directly on
``cryptography`` (X25519, ML-KEM-768, AESGCM) and the standard library's OpenSSL-backed
HMAC-SHA256. The symmetric-state core is plain Noise and also runs the classical
``Noise_IK_25519_AESGCM_SHA256`` pattern, which the tests cross-check against
``noiseprotocol`` to validate the shared machinery independently of the hybrid tokens.

Everything here is I/O-free. Errors are :class:`NoiseError` with fixed messages, so that no
key material, shared secret or plaintext can leak through exception text or logs. The keys
(`noise_keys`) and the transport cipher (`noise_transport`) have modules of their own; this
one holds the handshake and re-exports them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.mlkem import (
    MLKEM768PrivateKey,
    MLKEM768PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import NoiseError
from .noise_keys import (
    MLKEM768_CIPHERTEXT_LEN,
    MLKEM768_PUBLIC_LEN,
    PROLOGUE_DOMAIN,
    PUBLIC_KEY_SUITE,
    X25519_LEN,
    NoiseIdentity,
    NoisePublicKey,
    relay_prologue,
)
from .noise_transport import (
    MAX_HANDSHAKE_MESSAGE_LEN,
    MAX_TRANSPORT_NONCE,
    MAX_TRANSPORT_PLAINTEXT_LEN,
    NONCE_PREFIX,
    TAG_LEN,
    TransportCipher,
    TransportKeys,
)

__all__ = [
    "CLASSICAL_IK",
    "HYBRID_IK",
    "MAX_HANDSHAKE_MESSAGE_LEN",
    "MAX_TRANSPORT_NONCE",
    "MAX_TRANSPORT_PLAINTEXT_LEN",
    "PROLOGUE_DOMAIN",
    "PUBLIC_KEY_SUITE",
    "TAG_LEN",
    "HandshakeInitiator",
    "HandshakePattern",
    "HandshakeResponder",
    "HandshakeState",
    "NoiseError",
    "NoiseIdentity",
    "NoisePublicKey",
    "TransportCipher",
    "TransportKeys",
    "relay_prologue",
]


_HASH_LEN: Final = 32


# --------------------------------------------------------------------------- symmetric state


def _hkdf(chaining_key: bytes, ikm: bytes, outputs: int) -> list[bytes]:
    # Noise's HKDF (section 4.3 of the spec): HMAC-based, without the RFC 5869 info/length.
    temp = hmac.digest(chaining_key, ikm, "sha256")
    out = [hmac.digest(temp, b"\x01", "sha256")]
    for i in range(2, outputs + 1):
        out.append(hmac.digest(temp, out[-1] + bytes([i]), "sha256"))
    return out


class _CipherState:
    __slots__ = ("_aead", "_n")

    def __init__(self) -> None:
        self._aead: AESGCM | None = None
        self._n = 0

    @property
    def has_key(self) -> bool:
        return self._aead is not None

    def initialize_key(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._n = 0

    def encrypt_with_ad(self, ad: bytes, plaintext: bytes) -> bytes:
        if self._aead is None:
            return plaintext
        nonce = NONCE_PREFIX + self._n.to_bytes(8, "big")
        self._n += 1
        return self._aead.encrypt(nonce, plaintext, ad)

    def decrypt_with_ad(self, ad: bytes, ciphertext: bytes) -> bytes:
        if self._aead is None:
            return ciphertext
        nonce = NONCE_PREFIX + self._n.to_bytes(8, "big")
        try:
            plaintext = self._aead.decrypt(nonce, ciphertext, ad)
        except InvalidTag:
            raise NoiseError("handshake message failed authentication") from None
        self._n += 1
        return plaintext


class _SymmetricState:
    """Noise SymmetricState (section 5.2) for SHA-256 and AES-256-GCM."""

    __slots__ = ("_cipher", "_ck", "_h")

    def __init__(self, protocol_name: bytes) -> None:
        if len(protocol_name) <= _HASH_LEN:
            h = protocol_name.ljust(_HASH_LEN, b"\x00")
        else:
            h = hashlib.sha256(protocol_name).digest()
        self._h = h
        self._ck = h
        self._cipher = _CipherState()

    @property
    def has_key(self) -> bool:
        return self._cipher.has_key

    @property
    def handshake_hash(self) -> bytes:
        return self._h

    def mix_hash(self, data: bytes) -> None:
        self._h = hashlib.sha256(self._h + data).digest()

    def mix_key(self, ikm: bytes) -> None:
        self._ck, key = _hkdf(self._ck, ikm, 2)
        self._cipher.initialize_key(key)

    def mix_key_and_hash(self, ikm: bytes) -> None:
        self._ck, temp_h, key = _hkdf(self._ck, ikm, 3)
        self.mix_hash(temp_h)
        self._cipher.initialize_key(key)

    def encrypt_and_hash(self, plaintext: bytes) -> bytes:
        ciphertext = self._cipher.encrypt_with_ad(self._h, plaintext)
        self.mix_hash(ciphertext)
        return ciphertext

    def decrypt_and_hash(self, ciphertext: bytes) -> bytes:
        plaintext = self._cipher.decrypt_with_ad(self._h, ciphertext)
        self.mix_hash(ciphertext)
        return plaintext

    def split(self) -> tuple[bytes, bytes]:
        k1, k2 = _hkdf(self._ck, b"", 2)
        return k1, k2


# --------------------------------------------------------------------------- handshake engine

_CLASSICAL_TOKENS: Final = frozenset({"e", "s", "ee", "es", "se", "ss"})
_KEM_TOKENS: Final = frozenset({"ekem", "skem"})


@dataclass(frozen=True, slots=True)
class HandshakePattern:
    """An IK-shaped two-message pattern: ``<- s`` pre-message, then msg1 and msg2 tokens.

    ``hybrid`` makes ``e``/``s`` carry an ML-KEM-768 key after the X25519 key and allows the
    ``ekem``/``skem`` tokens (PQNoise semantics, as in Clatter 2.2).
    """

    protocol_name: bytes
    hybrid: bool
    message1: tuple[str, ...]
    message2: tuple[str, ...]

    def __post_init__(self) -> None:
        allowed = _CLASSICAL_TOKENS | (_KEM_TOKENS if self.hybrid else frozenset())
        for token in (*self.message1, *self.message2):
            if token not in allowed:
                raise ValueError(f"token {token!r} is not supported by this pattern")


HYBRID_IK: Final = HandshakePattern(
    protocol_name=b"Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256",
    hybrid=True,
    # Clatter 2.2 responder order; 2.1 used (e, ee, se, ekem, skem) and does not interoperate.
    message1=("skem", "e", "es", "s", "ss"),
    message2=("ekem", "skem", "e", "ee", "se"),
)
"""The codex relay pattern (``noise_hybrid_ik_v1`` profile)."""

CLASSICAL_IK: Final = HandshakePattern(
    protocol_name=b"Noise_IK_25519_AESGCM_SHA256",
    hybrid=False,
    message1=("e", "es", "s", "ss"),
    message2=("e", "ee", "se"),
)
"""Classical IK on the same machinery; used to cross-check against ``noiseprotocol``."""


def _dh(private: X25519PrivateKey, public: bytes) -> bytes:
    try:
        return private.exchange(X25519PublicKey.from_public_bytes(public))
    except ValueError:
        # cryptography refuses an all-zero result, i.e. a low-order peer point.
        raise NoiseError("invalid X25519 public key in handshake") from None


def _mlkem_public(raw: bytes) -> MLKEM768PublicKey:
    try:
        return MLKEM768PublicKey.from_public_bytes(raw)
    except ValueError:
        raise NoiseError("invalid ML-KEM-768 public key in handshake") from None


def _decapsulate(private: MLKEM768PrivateKey, ciphertext: bytes) -> bytes:
    try:
        return private.decapsulate(ciphertext)
    except ValueError:
        raise NoiseError("invalid ML-KEM-768 ciphertext in handshake") from None


class _Reader:
    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def take(self, n: int) -> bytes:
        end = self._pos + n
        if end > len(self._data):
            raise NoiseError("handshake message too short")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def rest(self) -> bytes:
        chunk = self._data[self._pos :]
        self._pos = len(self._data)
        return chunk


class HandshakeState:
    """Generic engine for :class:`HandshakePattern`; prefer the initiator/responder wrappers.

    Call :meth:`write_message` / :meth:`read_message` alternately, starting with the initiator,
    then :meth:`split`. Any failure poisons the state: a handshake is never retried in place.
    """

    __slots__ = (
        "_e_dh",
        "_e_kem",
        "_failed",
        "_initiator",
        "_message_index",
        "_pattern",
        "_re_dh",
        "_re_kem",
        "_rs_dh",
        "_rs_kem",
        "_s",
        "_ss",
    )

    def __init__(
        self,
        pattern: HandshakePattern,
        *,
        initiator: bool,
        prologue: bytes,
        identity: NoiseIdentity,
        remote_x25519: bytes | None = None,
        remote_mlkem768: bytes | None = None,
    ) -> None:
        self._pattern = pattern
        self._initiator = initiator
        self._s = identity
        self._e_dh: X25519PrivateKey | None = None
        self._e_kem: MLKEM768PrivateKey | None = None
        self._re_dh: bytes | None = None
        self._re_kem: MLKEM768PublicKey | None = None
        self._rs_dh: bytes | None = None
        self._rs_kem: MLKEM768PublicKey | None = None
        self._message_index = 0
        self._failed = False
        self._ss = _SymmetricState(pattern.protocol_name)
        self._ss.mix_hash(prologue)
        # Pre-message "<- s": both sides hash the responder's static key(s).
        if initiator:
            if remote_x25519 is None or len(remote_x25519) != X25519_LEN:
                raise NoiseError("initiator needs the responder's 32-byte X25519 key")
            self._rs_dh = remote_x25519
            self._ss.mix_hash(remote_x25519)
            if pattern.hybrid:
                if remote_mlkem768 is None or len(remote_mlkem768) != MLKEM768_PUBLIC_LEN:
                    raise NoiseError("initiator needs the responder's ML-KEM-768 key")
                self._rs_kem = _mlkem_public(remote_mlkem768)
                self._ss.mix_hash(remote_mlkem768)
        else:
            own = identity.public_key
            self._ss.mix_hash(own.x25519)
            if pattern.hybrid:
                self._ss.mix_hash(own.mlkem768)

    # -- state -----------------------------------------------------------------------------

    @property
    def is_complete(self) -> bool:
        """True once both messages have been processed."""
        return self._message_index == 2

    @property
    def handshake_hash(self) -> bytes:
        """The transcript hash ``h`` (channel binding); final once complete."""
        return self._ss.handshake_hash

    @property
    def remote_x25519(self) -> bytes | None:
        """The peer's static X25519 key, once known."""
        return self._rs_dh

    @property
    def remote_mlkem768(self) -> bytes | None:
        """The peer's static ML-KEM-768 key, once known (hybrid patterns only)."""
        return None if self._rs_kem is None else self._rs_kem.public_bytes_raw()

    def _tokens_for(self, writing: bool) -> tuple[str, ...]:
        if self._failed:
            raise NoiseError("handshake already failed")
        if self._message_index >= 2:
            raise NoiseError("handshake already complete")
        # msg1 is the initiator's to write, msg2 the responder's.
        writer_is_initiator = self._message_index == 0
        if writing != (writer_is_initiator == self._initiator):
            raise NoiseError("handshake message out of turn")
        if self._message_index == 0:
            return self._pattern.message1
        return self._pattern.message2

    def _dh_token(self, token: str) -> bytes:
        # Map the token to (local key, remote key) from this side's point of view: the first
        # letter names the initiator's key, the second the responder's.
        initiator_key, responder_key = token[0], token[1]
        local_kind, remote_kind = (
            (initiator_key, responder_key) if self._initiator else (responder_key, initiator_key)
        )
        local = self._e_dh if local_kind == "e" else self._s._x25519
        remote = self._re_dh if remote_kind == "e" else self._rs_dh
        if local is None or remote is None:
            raise NoiseError("handshake key missing for DH token")
        return _dh(local, remote)

    # -- messages --------------------------------------------------------------------------

    def write_message(self, payload: bytes) -> bytes:
        """Produce the next handshake message carrying ``payload``."""
        tokens = self._tokens_for(writing=True)
        try:
            message = self._write(tokens, payload)
        except BaseException:
            self._failed = True
            raise
        if len(message) > MAX_HANDSHAKE_MESSAGE_LEN:
            self._failed = True
            raise NoiseError("handshake message too long")
        self._message_index += 1
        return message

    def read_message(self, message: bytes) -> bytes:
        """Consume the peer's next handshake message and return its payload."""
        tokens = self._tokens_for(writing=False)
        if len(message) > MAX_HANDSHAKE_MESSAGE_LEN:
            self._failed = True
            raise NoiseError("handshake message too long")
        try:
            payload = self._read(tokens, bytes(message))
        except BaseException:
            self._failed = True
            raise
        self._message_index += 1
        return payload

    def _write(self, tokens: tuple[str, ...], payload: bytes) -> bytes:
        ss = self._ss
        out: list[bytes] = []
        for token in tokens:
            if token == "e":
                self._e_dh = X25519PrivateKey.generate()
                e_pub = self._e_dh.public_key().public_bytes_raw()
                out.append(e_pub)
                ss.mix_hash(e_pub)
                if self._pattern.hybrid:
                    self._e_kem = MLKEM768PrivateKey.generate()
                    kem_pub = self._e_kem.public_key().public_bytes_raw()
                    out.append(kem_pub)
                    ss.mix_hash(kem_pub)
            elif token == "s":
                own = self._s.public_key
                out.append(ss.encrypt_and_hash(own.x25519))
                if self._pattern.hybrid:
                    out.append(ss.encrypt_and_hash(own.mlkem768))
            elif token == "ekem":
                if self._re_kem is None:
                    raise NoiseError("handshake key missing for ekem")
                shared, ciphertext = self._re_kem.encapsulate()
                out.append(ciphertext)
                ss.mix_hash(ciphertext)
                ss.mix_key(shared)
            elif token == "skem":
                if self._rs_kem is None:
                    raise NoiseError("handshake key missing for skem")
                shared, ciphertext = self._rs_kem.encapsulate()
                out.append(ss.encrypt_and_hash(ciphertext))
                ss.mix_key_and_hash(shared)
            else:
                ss.mix_key(self._dh_token(token))
        out.append(ss.encrypt_and_hash(payload))
        return b"".join(out)

    def _read(self, tokens: tuple[str, ...], message: bytes) -> bytes:
        ss = self._ss
        reader = _Reader(message)
        for token in tokens:
            # Static keys and the skem ciphertext gain a tag only once a key has been mixed in.
            tag = TAG_LEN if ss.has_key else 0
            if token == "e":
                self._re_dh = reader.take(X25519_LEN)
                ss.mix_hash(self._re_dh)
                if self._pattern.hybrid:
                    kem_pub = reader.take(MLKEM768_PUBLIC_LEN)
                    self._re_kem = _mlkem_public(kem_pub)
                    ss.mix_hash(kem_pub)
            elif token == "s":
                rs_dh = ss.decrypt_and_hash(reader.take(X25519_LEN + tag))
                if self._pattern.hybrid:
                    rs_kem = ss.decrypt_and_hash(reader.take(MLKEM768_PUBLIC_LEN + tag))
                    self._rs_kem = _mlkem_public(rs_kem)
                self._rs_dh = rs_dh
            elif token == "ekem":
                if self._e_kem is None:
                    raise NoiseError("handshake key missing for ekem")
                ciphertext = reader.take(MLKEM768_CIPHERTEXT_LEN)
                ss.mix_hash(ciphertext)
                ss.mix_key(_decapsulate(self._e_kem, ciphertext))
            elif token == "skem":
                ciphertext = ss.decrypt_and_hash(reader.take(MLKEM768_CIPHERTEXT_LEN + tag))
                ss.mix_key_and_hash(_decapsulate(self._s._mlkem, ciphertext))
            else:
                ss.mix_key(self._dh_token(token))
        body = reader.rest()
        if ss.has_key and len(body) < TAG_LEN:
            raise NoiseError("handshake message too short")
        return ss.decrypt_and_hash(body)

    def split(self) -> TransportKeys:
        """Derive the transport ciphers (k1: initiator→responder, k2: responder→initiator)."""
        if not self.is_complete or self._failed:
            raise NoiseError("handshake not complete")
        k1, k2 = self._ss.split()
        c1, c2 = TransportCipher(k1), TransportCipher(k2)
        if self._initiator:
            return TransportKeys(send=c1, receive=c2, handshake_hash=self.handshake_hash)
        return TransportKeys(send=c2, receive=c1, handshake_hash=self.handshake_hash)


# --------------------------------------------------------------------------- role wrappers


class HandshakeInitiator:
    """Harness side of ``hybridIK``: pins the executor's key, sends the authorization in msg1."""

    __slots__ = ("_state",)

    def __init__(
        self, identity: NoiseIdentity, responder_public_key: NoisePublicKey, prologue: bytes
    ) -> None:
        self._state = HandshakeState(
            HYBRID_IK,
            initiator=True,
            prologue=prologue,
            identity=identity,
            remote_x25519=responder_public_key.x25519,
            remote_mlkem768=responder_public_key.mlkem768,
        )

    def write_message1(self, payload: bytes) -> bytes:
        """Return msg1 (``3568 + len(payload)`` bytes) with ``payload`` encrypted inside."""
        return self._state.write_message(payload)

    def read_message2(self, message: bytes) -> TransportKeys:
        """Authenticate the responder from msg2 and return the transport keys."""
        payload = self._state.read_message(message)
        if payload:
            raise NoiseError("handshake response payload must be empty")
        return self._state.split()

    def __repr__(self) -> str:
        return f"HandshakeInitiator(complete={self._state.is_complete})"


class HandshakeResponder:
    """Executor side of ``hybridIK``: learns the harness key and authorization from msg1.

    The caller validates the authorization (registry ``/validate``) between
    :meth:`read_message1` and :meth:`write_message2`, and simply drops the object to refuse.
    """

    __slots__ = ("_state",)

    def __init__(self, identity: NoiseIdentity, prologue: bytes) -> None:
        self._state = HandshakeState(
            HYBRID_IK, initiator=False, prologue=prologue, identity=identity
        )

    def read_message1(self, message: bytes) -> tuple[NoisePublicKey, bytes]:
        """Return the authenticated initiator static key and the decrypted payload."""
        payload = self._state.read_message(message)
        x25519, mlkem768 = self._state.remote_x25519, self._state.remote_mlkem768
        if x25519 is None or mlkem768 is None:
            raise NoiseError("handshake did not reveal the initiator key")
        return NoisePublicKey(x25519=x25519, mlkem768=mlkem768), payload

    def write_message2(self) -> tuple[bytes, TransportKeys]:
        """Return msg2 (3424 bytes, empty payload) and the transport keys."""
        message = self._state.write_message(b"")
        return message, self._state.split()

    def __repr__(self) -> str:
        return f"HandshakeResponder(complete={self._state.is_complete})"
