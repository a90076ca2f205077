"""Signed rendezvous credentials, the single-use ledger and the registry state, without I/O."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode

import pytest
from execwire_rendezvous.credentials import (
    CredentialError,
    CredentialSigner,
    Role,
    SingleUseLedger,
)
from execwire_rendezvous.registry import Registry, RegistryRefusal, check_environment_id

from execwire.relay.noise import NoiseIdentity, NoisePublicKey


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def keys() -> list[NoisePublicKey]:
    return [NoiseIdentity.generate().public_key for _ in range(3)]


def pairs(query: dict[str, str]) -> list[tuple[str, str]]:
    """What a server parses back from the URL the registry hands out."""
    return parse_qsl(urlencode(query, quote_via=quote), keep_blank_values=True)


# ---------------------------------------------------------------------- credentials


@pytest.mark.parametrize("environment_id", ["env-1", "team/name?# %", "é&=;"])
def test_credentials_round_trip_through_a_url(environment_id: str) -> None:
    clock = Clock()
    signer = CredentialSigner(clock=clock)
    query = signer.issue(Role.HARNESS, environment_id, "reg-1", ttl=60)
    credential = signer.verify(pairs(query))
    assert credential.role is Role.HARNESS
    assert credential.environment_id == environment_id
    assert credential.registration_id == "reg-1"
    assert credential.expires == int(clock.now + 60)
    assert set(query) == {"role", "environment_id", "registration_id", "expires", "nonce", "sig"}


def test_each_credential_has_a_fresh_nonce() -> None:
    signer = CredentialSigner()
    first = signer.issue(Role.HARNESS, "e", "r", 60)
    second = signer.issue(Role.HARNESS, "e", "r", 60)
    assert first["nonce"] != second["nonce"]
    assert first["sig"] != second["sig"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role", "harness"),
        ("environment_id", "env-2"),
        ("registration_id", "reg-2"),
        ("expires", "9999999999"),
        ("nonce", "AAAA"),
        ("sig", "AAAA"),
    ],
)
def test_any_changed_field_breaks_the_signature(field: str, value: str) -> None:
    signer = CredentialSigner()
    query = signer.issue(Role.ENVIRONMENT, "env-1", "reg-1", 60)
    query[field] = value
    with pytest.raises(CredentialError) as error:
        signer.verify(pairs(query))
    assert error.value.code == "invalid_signature"


def test_another_process_secret_is_refused() -> None:
    query = CredentialSigner().issue(Role.ENVIRONMENT, "env-1", "reg-1", 60)
    with pytest.raises(CredentialError) as error:
        CredentialSigner().verify(pairs(query))
    assert error.value.code == "invalid_signature"


def test_expired_credentials_are_refused() -> None:
    clock = Clock()
    signer = CredentialSigner(clock=clock)
    query = signer.issue(Role.HARNESS, "env-1", "reg-1", 60)
    clock.now += 59
    signer.verify(pairs(query))
    clock.now += 1
    with pytest.raises(CredentialError) as error:
        signer.verify(pairs(query))
    assert error.value.code == "expired_credential"


def test_signature_is_checked_before_expiry() -> None:
    clock = Clock()
    signer = CredentialSigner(clock=clock)
    query = signer.issue(Role.HARNESS, "env-1", "reg-1", 60)
    query["sig"] = "garbled"
    clock.now += 3600
    with pytest.raises(CredentialError) as error:
        signer.verify(pairs(query))
    assert error.value.code == "invalid_signature"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda q: q.pop("role"), "missing_role"),
        (lambda q: q.pop("sig"), "malformed_credential"),
        (lambda q: q.update(role="admin"), "malformed_credential"),
        (lambda q: q.update(expires="-5"), "malformed_credential"),
        (lambda q: q.update(expires="1e9"), "malformed_credential"),
    ],
)
def test_malformed_credentials(mutate: object, code: str) -> None:
    signer = CredentialSigner()
    query = signer.issue(Role.HARNESS, "env-1", "reg-1", 60)
    mutate(query)  # type: ignore[operator]
    with pytest.raises(CredentialError) as error:
        signer.verify(pairs(query))
    assert error.value.code == code


def test_repeated_parameters_are_refused_and_unknown_ones_ignored() -> None:
    signer = CredentialSigner()
    query = pairs(signer.issue(Role.HARNESS, "env-1", "reg-1", 60))
    signer.verify([*query, ("traceparent", "x")])
    with pytest.raises(CredentialError) as error:
        signer.verify([*query, ("environment_id", "env-2")])
    assert error.value.code == "malformed_credential"


def test_garbage_and_empty_queries() -> None:
    signer = CredentialSigner()
    for query in ([], [("role", "harness")], [("sig", "\u00ff" * 3)]):
        with pytest.raises(CredentialError):
            signer.verify(query)


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError):
        CredentialSigner(b"short")


def test_single_use_ledger() -> None:
    clock = Clock()
    signer = CredentialSigner(clock=clock)
    ledger = SingleUseLedger(clock=clock)
    first = signer.verify(pairs(signer.issue(Role.HARNESS, "e", "r", 60)))
    second = signer.verify(pairs(signer.issue(Role.HARNESS, "e", "r", 60)))
    assert ledger.consume(first)
    assert not ledger.consume(first)
    assert ledger.consume(second)
    assert len(ledger) == 2
    clock.now += 61
    third = signer.verify(pairs(signer.issue(Role.HARNESS, "e", "r", 60)))
    assert ledger.consume(third)
    assert len(ledger) == 1  # the expired nonces were forgotten


# ---------------------------------------------------------------------- registry


@pytest.mark.parametrize("environment_id", ["", ".", "..", "x" * 1025])
def test_bad_environment_ids(environment_id: str) -> None:
    with pytest.raises(RegistryRefusal) as error:
        check_environment_id(environment_id)
    assert error.value.status == 400
    assert error.value.code == "invalid_environment_id"


def test_odd_but_valid_environment_ids() -> None:
    for environment_id in ("team/name?# %", "...", "a.b", "é"):
        assert check_environment_id(environment_id) == environment_id


def test_register_replaces_with_a_new_id(keys: list[NoisePublicKey]) -> None:
    registry = Registry()
    first, previous = registry.register("env-1", keys[0])
    assert previous is None
    second, previous = registry.register("env-1", keys[1])
    assert previous == first
    assert second.registration_id != first.registration_id
    assert registry.current("env-1") == second
    assert registry.current("env-2") is None


def test_connect_needs_a_registration(keys: list[NoisePublicKey]) -> None:
    with pytest.raises(RegistryRefusal) as error:
        Registry().authorize("env-1", keys[0])
    assert error.value.status == 404


def test_authorization_is_valid_once(keys: list[NoisePublicKey]) -> None:
    registry = Registry()
    executor_key, harness_key, _ = keys
    registration, _ = registry.register("env-1", executor_key)
    issued_for, authorization = registry.authorize("env-1", harness_key)
    assert issued_for == registration
    assert registry.outstanding == 1
    assert registry.validate("env-1", registration.registration_id, harness_key, authorization)
    assert not registry.validate("env-1", registration.registration_id, harness_key, authorization)
    assert registry.outstanding == 0


@pytest.mark.parametrize("mismatch", ["environment", "registration", "key", "unknown"])
def test_authorization_is_bound_and_burnt_by_a_mismatch(
    keys: list[NoisePublicKey], mismatch: str
) -> None:
    registry = Registry()
    executor_key, harness_key, other_key = keys
    registration, _ = registry.register("env-1", executor_key)
    registry.register("env-2", executor_key)
    _, authorization = registry.authorize("env-1", harness_key)
    args = {
        "environment": ("env-2", registration.registration_id, harness_key, authorization),
        "registration": ("env-1", "another", harness_key, authorization),
        "key": ("env-1", registration.registration_id, other_key, authorization),
        "unknown": ("env-1", registration.registration_id, harness_key, authorization + "x"),
    }[mismatch]
    assert not registry.validate(*args)
    if mismatch != "unknown":
        # Presented once: even the right caller cannot use it any more.
        assert not registry.validate(
            "env-1", registration.registration_id, harness_key, authorization
        )


def test_authorization_of_a_replaced_registration_is_refused(keys: list[NoisePublicKey]) -> None:
    registry = Registry()
    old, _ = registry.register("env-1", keys[0])
    _, authorization = registry.authorize("env-1", keys[1])
    new, _ = registry.register("env-1", keys[0])
    assert not registry.validate("env-1", new.registration_id, keys[1], authorization)
    assert old.registration_id != new.registration_id


def test_authorizations_expire(keys: list[NoisePublicKey]) -> None:
    clock = Clock()
    registry = Registry(authorization_ttl=30, clock=clock)
    registration, _ = registry.register("env-1", keys[0])
    _, first = registry.authorize("env-1", keys[1])
    clock.now += 30
    assert not registry.validate("env-1", registration.registration_id, keys[1], first)
    _, second = registry.authorize("env-1", keys[1])
    clock.now += 31
    registry.authorize("env-1", keys[1])  # prunes the expired one
    assert registry.outstanding == 1
    assert not registry.validate("env-1", registration.registration_id, keys[1], second)


def test_outstanding_authorizations_are_bounded(keys: list[NoisePublicKey]) -> None:
    registry = Registry(max_outstanding=2)
    registry.register("env-1", keys[0])
    registry.authorize("env-1", keys[1])
    registry.authorize("env-1", keys[1])
    with pytest.raises(RegistryRefusal) as error:
        registry.authorize("env-1", keys[1])
    assert error.value.status == 503
