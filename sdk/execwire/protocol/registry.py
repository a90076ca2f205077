# Generated from schema/relay-registry.schema.json by `make codegen` (codegen/generate.py); do not edit.
"""Pydantic models of the relay registry HTTP API (register, connect, validate)."""

from __future__ import annotations

from typing import Annotated, Literal

from execwire.wire import WireModel
from pydantic import ConfigDict, Field


class NoiseChannelPublicKey(WireModel):
    """
    A hybrid Noise static public key. Unknown members are refused.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_by_name=True,
    )
    suite: Literal["Noise_hybridIK_X25519+MLKEM768_AESGCM_SHA256"]
    x25519_public_key: Annotated[
        str, Field(json_schema_extra={"contentEncoding": "base64"})
    ]
    """
    32 raw bytes, standard base64 with padding.
    """
    mlkem768_public_key: Annotated[
        str, Field(json_schema_extra={"contentEncoding": "base64"})
    ]
    """
    1184-byte ML-KEM-768 encapsulation key, standard base64 with padding.
    """


class TransportPolicy(WireModel):
    """
    Optional experiment that only toggles TCP_NODELAY; accepted and ignored.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    version: int = 0
    assignment_epoch: str = "off"
    outbound_tcp_nodelay: bool = False
    rendezvous_accepted_tcp_nodelay: bool = False


class RegisterRequest(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    security_profile: Literal["noise_hybrid_ik_v1"]
    executor_public_key: NoiseChannelPublicKey


class RegisterResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    environment_id: str
    """
    Must equal the requested id.
    """
    url: str
    """
    The executor's rendezvous websocket URL (ws or wss; may carry a signed query).
    """
    security_profile: Literal["noise_hybrid_ik_v1"]
    executor_registration_id: str
    """
    Not empty after trimming; bound into every stream's Noise prologue.
    """
    transport_policy: TransportPolicy | None = None


class ConnectRequest(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    harness_public_key: NoiseChannelPublicKey


class ConnectResponse(WireModel):
    """
    A single-use connect bundle for one physical harness connection.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    environment_id: str
    url: str
    """
    The harness's rendezvous websocket URL.
    """
    security_profile: Literal["noise_hybrid_ik_v1"]
    executor_registration_id: str
    executor_public_key: NoiseChannelPublicKey
    harness_key_authorization: str
    """
    Opaque, single-use; carried encrypted in Noise msg1 and checked by /validate.
    """
    transport_policy: TransportPolicy | None = None


class ValidateRequest(WireModel):
    """
    Sent with the header x-codex-noise-stream-id: <stream id>.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    executor_registration_id: str
    harness_public_key: NoiseChannelPublicKey
    harness_key_authorization: str


class ValidateResponse(WireModel):
    """
    Only an explicit valid: true accepts the harness.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    valid: bool


class RegistryErrorDetail(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    code: str | None = None
    message: str | None = None


class RegistryError(WireModel):
    """
    Body of a non-2xx registry answer.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    error: RegistryErrorDetail
