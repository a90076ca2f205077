"""Noise keys of the exec-server relay: an executor's or harness's static identity
(X25519 + ML-KEM-768), public keys in the registry's JSON form, and the stream prologue."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey, MLKEM768PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .errors import NoiseError

__all__ = [
    "MLKEM768_CIPHERTEXT_LEN",
    "MLKEM768_PUBLIC_LEN",
    "MLKEM768_SEED_LEN",
    "PROLOGUE_DOMAIN",
    "PUBLIC_KEY_SUITE",
    "X25519_LEN",
    "NoiseIdentity",
    "NoisePublicKey",
    "relay_prologue",
]

PUBLIC_KEY_SUITE: Final = "Noise_hybridIK_X25519+MLKEM768_AESGCM_SHA256"
"""Suite tag of the key JSON. Differs from the hashed protocol name (``X25519`` vs ``25519``)."""

PROLOGUE_DOMAIN: Final = b"codex-exec-server-relay-noise/v1"

X25519_LEN: Final = 32
MLKEM768_PUBLIC_LEN: Final = 1184
MLKEM768_CIPHERTEXT_LEN: Final = 1088
MLKEM768_SEED_LEN: Final = 64

_JSON_KEYS: Final = frozenset({"suite", "x25519_public_key", "mlkem768_public_key"})


def _b64_field(obj: Mapping[str, object], name: str, length: int) -> bytes:
    value = obj.get(name)
    if not isinstance(value, str):
        raise NoiseError(f"noise public key field {name} must be a string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoiseError(f"noise public key field {name} is not valid base64") from None
    # The Rust decoder is canonical; accepting padding variants here would let two JSON
    # texts name the same key, which matters when keys are compared as strings elsewhere.
    if base64.b64encode(raw).decode("ascii") != value:
        raise NoiseError(f"noise public key field {name} is not canonical base64")
    if len(raw) != length:
        raise NoiseError(f"noise public key field {name} must decode to {length} bytes")
    return raw


@dataclass(frozen=True, slots=True)
class NoisePublicKey:
    """A hybrid static public key: X25519 (32 bytes) plus ML-KEM-768 (1184 bytes)."""

    x25519: bytes
    mlkem768: bytes
    _mlkem_key: MLKEM768PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.x25519) != X25519_LEN:
            raise NoiseError("x25519 public key must be 32 bytes")
        if len(self.mlkem768) != MLKEM768_PUBLIC_LEN:
            raise NoiseError("ML-KEM-768 public key must be 1184 bytes")
        try:
            # Parsing runs FIPS 203's modulus check, so a malformed key fails on receipt
            # rather than at the first encapsulation.
            parsed = MLKEM768PublicKey.from_public_bytes(self.mlkem768)
        except ValueError:
            raise NoiseError("ML-KEM-768 public key is malformed") from None
        object.__setattr__(self, "_mlkem_key", parsed)

    def __repr__(self) -> str:
        return f"NoisePublicKey(suite={PUBLIC_KEY_SUITE!r})"

    def to_json(self) -> dict[str, str]:
        """Return the wire object (``NoiseChannelPublicKey``) ready to embed in a JSON body."""
        return {
            "suite": PUBLIC_KEY_SUITE,
            "x25519_public_key": base64.b64encode(self.x25519).decode("ascii"),
            "mlkem768_public_key": base64.b64encode(self.mlkem768).decode("ascii"),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, object] | str | bytes) -> NoisePublicKey:
        """Parse the wire object (or its JSON text); unknown fields and other suites fail."""
        obj: object = value
        if isinstance(value, str | bytes):
            try:
                obj = json.loads(value)
            except ValueError:
                raise NoiseError("noise public key is not valid JSON") from None
        if not isinstance(obj, Mapping):
            raise NoiseError("noise public key must be a JSON object")
        keys = set(obj)
        if keys != _JSON_KEYS:
            if keys - _JSON_KEYS:
                raise NoiseError("noise public key has unknown fields")
            raise NoiseError("noise public key is missing fields")
        if obj["suite"] != PUBLIC_KEY_SUITE:
            raise NoiseError("noise public key has an unsupported suite")
        return cls(
            x25519=_b64_field(obj, "x25519_public_key", X25519_LEN),
            mlkem768=_b64_field(obj, "mlkem768_public_key", MLKEM768_PUBLIC_LEN),
        )


class NoiseIdentity:
    """A static identity: an X25519 and an ML-KEM-768 keypair. Private parts never print."""

    __slots__ = ("_mlkem", "_public", "_x25519")

    def __init__(self, x25519: X25519PrivateKey, mlkem768: MLKEM768PrivateKey) -> None:
        self._x25519 = x25519
        self._mlkem = mlkem768
        self._public = NoisePublicKey(
            x25519=x25519.public_key().public_bytes_raw(),
            mlkem768=mlkem768.public_key().public_bytes_raw(),
        )

    @classmethod
    def generate(cls) -> NoiseIdentity:
        """Create a fresh random identity (the reference makes one per process)."""
        return cls(X25519PrivateKey.generate(), MLKEM768PrivateKey.generate())

    @classmethod
    def from_private(cls, x25519_private: bytes, mlkem_seed: bytes) -> NoiseIdentity:
        """Rebuild an identity from a raw X25519 scalar and a 64-byte ML-KEM seed (d || z)."""
        if len(x25519_private) != X25519_LEN:
            raise NoiseError("x25519 private key must be 32 bytes")
        if len(mlkem_seed) != MLKEM768_SEED_LEN:
            raise NoiseError("ML-KEM-768 seed must be 64 bytes")
        try:
            return cls(
                X25519PrivateKey.from_private_bytes(x25519_private),
                MLKEM768PrivateKey.from_seed_bytes(mlkem_seed),
            )
        except ValueError:
            raise NoiseError("invalid private key material") from None

    @property
    def public_key(self) -> NoisePublicKey:
        """The public half, as sent to the registry."""
        return self._public

    def __repr__(self) -> str:
        return f"NoiseIdentity(suite={PUBLIC_KEY_SUITE!r})"

    def __reduce__(self) -> str | tuple[object, ...]:
        # Refuse pickling: a pickle would carry the private keys out of the process.
        raise TypeError("NoiseIdentity cannot be pickled")


def relay_prologue(environment_id: str, executor_registration_id: str, stream_id: str) -> bytes:
    """Bind a handshake to one environment, registration and stream (u64 BE length prefixes).

    The 0.169.0 binary uses 8-byte lengths; the 4-byte form from older sources fails there.
    """
    out = bytearray()
    for part in (
        PROLOGUE_DOMAIN,
        environment_id.encode("utf-8"),
        executor_registration_id.encode("utf-8"),
        stream_id.encode("utf-8"),
    ):
        out += len(part).to_bytes(8, "big")
        out += part
    return bytes(out)
