"""Tests for execwire.relay.noise: codex vector, hybrid IK properties, noiseprotocol cross-check."""

from __future__ import annotations

import base64
import json
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from noise.connection import Keypair, NoiseConnection

from execwire.relay.noise import (
    CLASSICAL_IK,
    HYBRID_IK,
    MAX_TRANSPORT_NONCE,
    PUBLIC_KEY_SUITE,
    HandshakeInitiator,
    HandshakeResponder,
    HandshakeState,
    NoiseError,
    NoiseIdentity,
    NoisePublicKey,
    TransportCipher,
    TransportKeys,
    relay_prologue,
)

VECTOR_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "codex_harness_msg1.json"
PROLOGUE = relay_prologue("env-1", "registration-1", "stream-1")
AUTH = b"hka-0123456789abcdefghijklmnopqrstuv"


def load_vector() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTOR_PATH.read_text())
    return data


@pytest.fixture(scope="module")
def executor() -> NoiseIdentity:
    return NoiseIdentity.generate()


@pytest.fixture(scope="module")
def harness() -> NoiseIdentity:
    return NoiseIdentity.generate()


def handshake(
    harness: NoiseIdentity, executor: NoiseIdentity, payload: bytes = AUTH
) -> tuple[TransportKeys, TransportKeys, bytes, bytes]:
    initiator = HandshakeInitiator(harness, executor.public_key, PROLOGUE)
    responder = HandshakeResponder(executor, PROLOGUE)
    msg1 = initiator.write_message1(payload)
    peer_key, got = responder.read_message1(msg1)
    assert got == payload
    assert peer_key == harness.public_key
    msg2, responder_keys = responder.write_message2()
    initiator_keys = initiator.read_message2(msg2)
    return initiator_keys, responder_keys, msg1, msg2


def flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


# --------------------------------------------------------------------------- codex vector


def test_codex_harness_vector_is_read_by_our_responder() -> None:
    vector = load_vector()
    identity = NoiseIdentity.from_private(
        bytes.fromhex(vector["executor_x25519_private_hex"]),
        bytes.fromhex(vector["executor_mlkem768_seed_hex"]),
    )
    prologue = relay_prologue(
        vector["environment_id"], vector["executor_registration_id"], vector["stream_id"]
    )
    msg1 = bytes.fromhex(vector["msg1_hex"])
    expected_payload = vector["expected_payload"].encode("utf-8")
    assert len(msg1) == 3568 + len(expected_payload)

    responder = HandshakeResponder(identity, prologue)
    harness_key, payload = responder.read_message1(msg1)

    assert payload == expected_payload
    assert harness_key == NoisePublicKey.from_json(vector["expected_harness_public_key"])
    assert harness_key.to_json() == vector["expected_harness_public_key"]
    msg2, keys = responder.write_message2()
    assert len(msg2) == 3424
    assert keys.send.nonce == keys.receive.nonce == 0


def test_codex_vector_fails_with_a_u32_prologue_or_another_stream() -> None:
    vector = load_vector()
    identity = NoiseIdentity.from_private(
        bytes.fromhex(vector["executor_x25519_private_hex"]),
        bytes.fromhex(vector["executor_mlkem768_seed_hex"]),
    )
    msg1 = bytes.fromhex(vector["msg1_hex"])
    parts = [
        b"codex-exec-server-relay-noise/v1",
        vector["environment_id"].encode(),
        vector["executor_registration_id"].encode(),
        vector["stream_id"].encode(),
    ]
    u32_prologue = b"".join(len(p).to_bytes(4, "big") + p for p in parts)
    other_stream = relay_prologue(
        vector["environment_id"], vector["executor_registration_id"], "another-stream"
    )
    for prologue in (u32_prologue, other_stream):
        with pytest.raises(NoiseError):
            HandshakeResponder(identity, prologue).read_message1(msg1)


def test_prologue_matches_the_released_binary() -> None:
    expected = (
        bytes.fromhex("0000000000000020")
        + b"codex-exec-server-relay-noise/v1"
        + bytes.fromhex("0000000000000005")
        + b"env-1"
        + bytes.fromhex("000000000000000e")
        + b"registration-1"
        + bytes.fromhex("0000000000000008")
        + b"stream-1"
    )
    assert relay_prologue("env-1", "registration-1", "stream-1") == expected


def test_protocol_name_is_the_clatter_one() -> None:
    assert HYBRID_IK.protocol_name == b"Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256"
    assert HYBRID_IK.message1 == ("skem", "e", "es", "s", "ss")
    assert HYBRID_IK.message2 == ("ekem", "skem", "e", "ee", "se")


# --------------------------------------------------------------------------- hybrid IK


@pytest.mark.parametrize("payload_len", [0, 1, 36, 4096])
def test_message_sizes(harness: NoiseIdentity, executor: NoiseIdentity, payload_len: int) -> None:
    _, _, msg1, msg2 = handshake(harness, executor, b"a" * payload_len)
    assert len(msg1) == 3568 + payload_len
    assert len(msg2) == 3424


def test_roundtrip_with_transport_both_ways(
    harness: NoiseIdentity, executor: NoiseIdentity
) -> None:
    ikeys, rkeys, _, _ = handshake(harness, executor)
    assert ikeys.handshake_hash == rkeys.handshake_hash
    for i in range(5):
        request = b'{"id":%d}' % i
        record = ikeys.send.encrypt(request)
        assert len(record) == len(request) + 16
        assert rkeys.receive.decrypt(record) == request
        reply = b"r" * (61440 if i == 4 else i)
        assert ikeys.receive.decrypt(rkeys.send.encrypt(reply)) == reply
    # Directions use different keys: a record cannot be reflected back to its sender.
    with pytest.raises(NoiseError):
        ikeys.receive.decrypt(ikeys.send.encrypt(b"reflected"))
    assert ikeys.send.nonce == 6  # five records plus the reflected one
    assert rkeys.receive.nonce == ikeys.receive.nonce == 5


def test_each_handshake_gets_fresh_keys(harness: NoiseIdentity, executor: NoiseIdentity) -> None:
    first, _, msg1_a, _ = handshake(harness, executor)
    second, _, msg1_b, _ = handshake(harness, executor)
    assert msg1_a != msg1_b
    assert first.handshake_hash != second.handshake_hash
    assert first.send.encrypt(b"x") != second.send.encrypt(b"x")


def test_wrong_responder_key_fails(harness: NoiseIdentity, executor: NoiseIdentity) -> None:
    impostor = NoiseIdentity.generate()
    msg1 = HandshakeInitiator(harness, impostor.public_key, PROLOGUE).write_message1(AUTH)
    with pytest.raises(NoiseError):
        HandshakeResponder(executor, PROLOGUE).read_message1(msg1)


def test_msg2_from_wrong_responder_fails(harness: NoiseIdentity, executor: NoiseIdentity) -> None:
    # An attacker who knows msg1's keys still cannot answer without the pinned static key.
    impostor = NoiseIdentity.generate()
    initiator = HandshakeInitiator(harness, executor.public_key, PROLOGUE)
    msg1 = initiator.write_message1(AUTH)
    responder = HandshakeResponder(executor, PROLOGUE)
    responder.read_message1(msg1)
    fake = HandshakeInitiator(harness, impostor.public_key, PROLOGUE)
    fake_responder = HandshakeResponder(impostor, PROLOGUE)
    fake_responder.read_message1(fake.write_message1(AUTH))
    fake_msg2, _ = fake_responder.write_message2()
    with pytest.raises(NoiseError):
        initiator.read_message2(fake_msg2)


def test_mismatched_prologue_fails(harness: NoiseIdentity, executor: NoiseIdentity) -> None:
    msg1 = HandshakeInitiator(harness, executor.public_key, PROLOGUE).write_message1(AUTH)
    other = relay_prologue("env-1", "registration-1", "stream-2")
    with pytest.raises(NoiseError):
        HandshakeResponder(executor, other).read_message1(msg1)


@pytest.mark.parametrize(
    "index",
    [
        0,  # skem ciphertext (cleartext, but hashed and decapsulated)
        1088 + 5,  # ephemeral X25519 key
        1088 + 32 + 100,  # ephemeral ML-KEM key
        1088 + 1216 + 3,  # encrypted static X25519 key
        1088 + 1216 + 48 + 500,  # encrypted static ML-KEM key
        -1,  # payload tag
    ],
)
def test_tampered_msg1_fails(harness: NoiseIdentity, executor: NoiseIdentity, index: int) -> None:
    msg1 = HandshakeInitiator(harness, executor.public_key, PROLOGUE).write_message1(AUTH)
    with pytest.raises(NoiseError):
        HandshakeResponder(executor, PROLOGUE).read_message1(flip(msg1, index))


@pytest.mark.parametrize("index", [0, 1088 + 7, 2192 + 2, 2192 + 32 + 9, -1])
def test_tampered_msg2_fails(harness: NoiseIdentity, executor: NoiseIdentity, index: int) -> None:
    initiator = HandshakeInitiator(harness, executor.public_key, PROLOGUE)
    responder = HandshakeResponder(executor, PROLOGUE)
    responder.read_message1(initiator.write_message1(AUTH))
    msg2, _ = responder.write_message2()
    with pytest.raises(NoiseError):
        initiator.read_message2(flip(msg2, index))


def test_truncated_and_oversized_handshake_messages_fail(
    harness: NoiseIdentity, executor: NoiseIdentity
) -> None:
    msg1 = HandshakeInitiator(harness, executor.public_key, PROLOGUE).write_message1(AUTH)
    for bad in (b"", msg1[:100], msg1[:3567], msg1 + b"x" * (65536 - len(msg1))):
        with pytest.raises(NoiseError):
            HandshakeResponder(executor, PROLOGUE).read_message1(bad)
    with pytest.raises(NoiseError, match="too long"):
        HandshakeInitiator(harness, executor.public_key, PROLOGUE).write_message1(b"a" * 62000)


def test_nonempty_msg2_payload_is_rejected(harness: NoiseIdentity, executor: NoiseIdentity) -> None:
    initiator = HandshakeInitiator(harness, executor.public_key, PROLOGUE)
    responder = HandshakeState(HYBRID_IK, initiator=False, prologue=PROLOGUE, identity=executor)
    responder.read_message(initiator.write_message1(AUTH))
    msg2 = responder.write_message(b"unexpected")
    with pytest.raises(NoiseError, match="must be empty"):
        initiator.read_message2(msg2)


def test_misuse_and_poisoning(harness: NoiseIdentity, executor: NoiseIdentity) -> None:
    initiator = HandshakeInitiator(harness, executor.public_key, PROLOGUE)
    with pytest.raises(NoiseError, match="out of turn"):
        initiator.read_message2(b"x" * 3424)
    msg1 = initiator.write_message1(AUTH)
    with pytest.raises(NoiseError, match="out of turn"):
        initiator.write_message1(AUTH)
    responder = HandshakeResponder(executor, PROLOGUE)
    with pytest.raises(NoiseError, match="out of turn"):
        responder.write_message2()
    with pytest.raises(NoiseError):
        responder.read_message1(flip(msg1, -1))
    # A failed responder stays failed even when handed the genuine message.
    with pytest.raises(NoiseError, match="already failed"):
        responder.read_message1(msg1)
    state = HandshakeState(HYBRID_IK, initiator=False, prologue=PROLOGUE, identity=executor)
    with pytest.raises(NoiseError, match="not complete"):
        state.split()


def test_error_messages_hold_no_key_material(
    harness: NoiseIdentity, executor: NoiseIdentity
) -> None:
    msg1 = HandshakeInitiator(harness, executor.public_key, PROLOGUE).write_message1(AUTH)
    with pytest.raises(NoiseError) as info:
        HandshakeResponder(executor, relay_prologue("x", "y", "z")).read_message1(msg1)
    text = str(info.value) + repr(info.value)
    assert AUTH.decode() not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__
    for secret in (executor.public_key.x25519, harness.public_key.x25519):
        assert secret.hex() not in text
        assert base64.b64encode(secret).decode() not in text


# --------------------------------------------------------------------------- transport


def test_transport_tamper_replay_and_short_ciphertext(
    harness: NoiseIdentity, executor: NoiseIdentity
) -> None:
    ikeys, rkeys, _, _ = handshake(harness, executor)
    first = ikeys.send.encrypt(b"first")
    second = ikeys.send.encrypt(b"second")
    with pytest.raises(NoiseError, match="authentication"):
        rkeys.receive.decrypt(flip(first, 2))
    with pytest.raises(NoiseError, match="authentication"):
        rkeys.receive.decrypt(flip(first, -1))
    # Out of order (skipping a record) fails too: the nonce is implicit.
    with pytest.raises(NoiseError):
        rkeys.receive.decrypt(second)
    # Failures do not advance the counter: the genuine record still decrypts.
    assert rkeys.receive.decrypt(first) == b"first"
    with pytest.raises(NoiseError):
        rkeys.receive.decrypt(first)  # replay
    assert rkeys.receive.decrypt(second) == b"second"
    with pytest.raises(NoiseError, match="shorter than the tag"):
        rkeys.receive.decrypt(b"\x00" * 15)
    with pytest.raises(NoiseError, match="too long"):
        ikeys.send.encrypt(b"\x00" * 65520)
    with pytest.raises(NoiseError, match="too long"):
        rkeys.receive.decrypt(b"\x00" * 65536)


def test_transport_nonce_limit() -> None:
    key = os.urandom(32)
    sender = TransportCipher(key, nonce=MAX_TRANSPORT_NONCE - 1)
    receiver = TransportCipher(key, nonce=MAX_TRANSPORT_NONCE - 1)
    record = sender.encrypt(b"last")
    assert receiver.decrypt(record) == b"last"
    assert sender.nonce == receiver.nonce == MAX_TRANSPORT_NONCE
    with pytest.raises(NoiseError, match="exhausted"):
        sender.encrypt(b"one more")
    with pytest.raises(NoiseError, match="exhausted"):
        receiver.decrypt(record)
    with pytest.raises(NoiseError):
        TransportCipher(key, nonce=MAX_TRANSPORT_NONCE + 1)
    with pytest.raises(NoiseError):
        TransportCipher(b"short")


def test_transport_nonce_layout() -> None:
    # nonce = 4 zero bytes || u64be(n), empty associated data.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = os.urandom(32)
    cipher = TransportCipher(key, nonce=7)
    record = cipher.encrypt(b"payload")
    nonce = b"\x00" * 4 + (7).to_bytes(8, "big")
    assert AESGCM(key).decrypt(nonce, record, None) == b"payload"
    assert repr(cipher) == "TransportCipher(nonce=8)"


# --------------------------------------------------------------------------- keys and JSON


def test_public_key_json_roundtrip_and_redaction(executor: NoiseIdentity) -> None:
    key = executor.public_key
    wire = key.to_json()
    assert wire["suite"] == PUBLIC_KEY_SUITE
    assert set(wire) == {"suite", "x25519_public_key", "mlkem768_public_key"}
    assert NoisePublicKey.from_json(wire) == key
    assert NoisePublicKey.from_json(json.dumps(wire)) == key
    assert NoisePublicKey.from_json(json.dumps(wire).encode()) == key
    assert hash(NoisePublicKey.from_json(wire)) == hash(key)
    assert key != NoiseIdentity.generate().public_key
    assert repr(key) == f"NoisePublicKey(suite={PUBLIC_KEY_SUITE!r})"
    assert wire["x25519_public_key"] not in repr(key)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda w: {**w, "extra": 1},
        lambda w: {k: v for k, v in w.items() if k != "suite"},
        lambda w: {**w, "suite": "Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256"},
        lambda w: {**w, "x25519_public_key": base64.b64encode(b"\x01" * 31).decode()},
        lambda w: {**w, "mlkem768_public_key": base64.b64encode(b"\x01" * 1183).decode()},
        lambda w: {**w, "x25519_public_key": w["x25519_public_key"].rstrip("=")},
        lambda w: {**w, "x25519_public_key": w["x25519_public_key"][:-2] + "B="},
        lambda w: {**w, "x25519_public_key": "!" + w["x25519_public_key"][1:]},
        lambda w: {**w, "x25519_public_key": 5},
        lambda w: {**w, "mlkem768_public_key": base64.b64encode(b"\xff" * 1184).decode()},
        lambda w: [w],
    ],
)
def test_public_key_json_rejections(executor: NoiseIdentity, mutate: Any) -> None:
    wire = executor.public_key.to_json()
    with pytest.raises(NoiseError):
        NoisePublicKey.from_json(mutate(wire))


def test_public_key_rejects_bad_json_text() -> None:
    with pytest.raises(NoiseError):
        NoisePublicKey.from_json("{not json")
    with pytest.raises(NoiseError):
        NoisePublicKey(x25519=b"\x00" * 31, mlkem768=b"\x00" * 1184)


def test_identity_never_shows_private_material() -> None:
    x_priv = os.urandom(32)
    seed = os.urandom(64)
    identity = NoiseIdentity.from_private(x_priv, seed)
    for text in (repr(identity), str(identity), repr(identity.public_key)):
        assert x_priv.hex() not in text
        assert seed.hex() not in text
        assert "suite" in text
    with pytest.raises(TypeError):
        pickle.dumps(identity)
    again = NoiseIdentity.from_private(x_priv, seed)
    assert again.public_key == identity.public_key
    with pytest.raises(NoiseError):
        NoiseIdentity.from_private(x_priv[:31], seed)
    with pytest.raises(NoiseError):
        NoiseIdentity.from_private(x_priv, seed[:32])


# ---------------------------------------------------------- classical IK vs noiseprotocol


def _noiseprotocol(initiator: bool, static_private: bytes, remote_public: bytes | None) -> Any:
    conn = NoiseConnection.from_name(b"Noise_IK_25519_AESGCM_SHA256")
    if initiator:
        conn.set_as_initiator()
    else:
        conn.set_as_responder()
    conn.set_prologue(PROLOGUE)
    conn.set_keypair_from_private_bytes(Keypair.STATIC, static_private)
    if remote_public is not None:
        conn.set_keypair_from_public_bytes(Keypair.REMOTE_STATIC, remote_public)
    conn.start_handshake()
    return conn


def _x25519_identity() -> tuple[NoiseIdentity, bytes, bytes]:
    private = X25519PrivateKey.generate()
    raw = private.private_bytes_raw()
    identity = NoiseIdentity.from_private(raw, os.urandom(64))
    return identity, raw, identity.public_key.x25519


def test_classical_ik_our_initiator_against_noiseprotocol_responder() -> None:
    ours, _, ours_pub = _x25519_identity()
    _, theirs_priv, theirs_pub = _x25519_identity()
    initiator = HandshakeState(
        CLASSICAL_IK, initiator=True, prologue=PROLOGUE, identity=ours, remote_x25519=theirs_pub
    )
    responder = _noiseprotocol(False, theirs_priv, None)

    msg1 = initiator.write_message(b"hello responder")
    assert len(msg1) == 32 + 48 + 15 + 16
    assert bytes(responder.read_message(msg1)) == b"hello responder"
    assert bytes(responder.noise_protocol.handshake_state.rs.public_bytes) == ours_pub
    msg2 = bytes(responder.write_message(b"hi back"))
    assert initiator.read_message(msg2) == b"hi back"
    keys = initiator.split()

    assert keys.handshake_hash == bytes(responder.get_handshake_hash())
    assert bytes(responder.decrypt(keys.send.encrypt(b"to them"))) == b"to them"
    assert keys.receive.decrypt(bytes(responder.encrypt(b"to us"))) == b"to us"
    assert keys.receive.decrypt(bytes(responder.encrypt(b"x" * 61440))) == b"x" * 61440


def test_classical_ik_noiseprotocol_initiator_against_our_responder() -> None:
    ours, _, ours_pub = _x25519_identity()
    _, theirs_priv, theirs_pub = _x25519_identity()
    initiator = _noiseprotocol(True, theirs_priv, ours_pub)
    responder = HandshakeState(CLASSICAL_IK, initiator=False, prologue=PROLOGUE, identity=ours)

    assert responder.read_message(bytes(initiator.write_message(b"auth"))) == b"auth"
    assert responder.remote_x25519 == theirs_pub
    assert responder.remote_mlkem768 is None
    assert bytes(initiator.read_message(responder.write_message(b""))) == b""
    keys = responder.split()

    assert keys.handshake_hash == bytes(initiator.get_handshake_hash())
    for i in range(3):
        assert keys.receive.decrypt(bytes(initiator.encrypt(b"req %d" % i))) == b"req %d" % i
        assert bytes(initiator.decrypt(keys.send.encrypt(b"resp %d" % i))) == b"resp %d" % i


def test_classical_ik_rejects_tampering_like_noiseprotocol() -> None:
    ours, _, _ = _x25519_identity()
    _, theirs_priv, theirs_pub = _x25519_identity()
    initiator = _noiseprotocol(True, theirs_priv, ours.public_key.x25519)
    msg1 = bytes(initiator.write_message(b"auth"))
    responder = HandshakeState(CLASSICAL_IK, initiator=False, prologue=PROLOGUE, identity=ours)
    with pytest.raises(NoiseError):
        responder.read_message(flip(msg1, 40))
    assert theirs_pub != ours.public_key.x25519
