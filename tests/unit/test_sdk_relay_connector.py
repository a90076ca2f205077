"""RelayConnector.connect: handshakes refused with a Reset are retried, then reported."""

from __future__ import annotations

from typing import Any

import pytest

from execwire import AuthenticationError, RelayConnector, TransportError
from execwire.transports import relay

TOKEN = "unit-test-token"


class Scripted:
    """Stands in for `_connect_once`: fails as told, then answers `result`."""

    def __init__(self, failures: list[BaseException], result: Any = "transport") -> None:
        self.failures = failures
        self.result = result
        self.calls = 0

    async def __call__(self) -> Any:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.result


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff delays asked for, without sleeping them."""
    asked: list[float] = []

    async def no_sleep(delay: float) -> None:
        asked.append(delay)

    monkeypatch.setattr(relay.asyncio, "sleep", no_sleep)
    return asked


def refused() -> BaseException:
    return relay._HandshakeRefused("the executor refused the relay stream (Reset)")


async def test_refused_handshakes_are_retried_with_growing_jittered_delays(
    monkeypatch: pytest.MonkeyPatch, delays: list[float]
) -> None:
    connector = RelayConnector("http://127.0.0.1:1", "env", token=TOKEN)
    attempt = Scripted([refused(), refused(), refused()])
    monkeypatch.setattr(connector, "_connect_once", attempt)
    assert await connector.connect() == "transport"
    assert attempt.calls == 4 and len(delays) == 3
    for retry, delay in enumerate(delays):
        nominal = min(relay.HANDSHAKE_RETRY_DELAY * 2**retry, relay.HANDSHAKE_RETRY_MAX_DELAY)
        assert 0.5 * nominal <= delay <= 1.5 * nominal
    await connector.aclose()


async def test_a_handshake_refused_every_time_fails_after_the_last_attempt(
    monkeypatch: pytest.MonkeyPatch, delays: list[float]
) -> None:
    connector = RelayConnector("http://127.0.0.1:1", "env", token=TOKEN)
    attempt = Scripted([refused() for _ in range(relay.HANDSHAKE_ATTEMPTS)])
    monkeypatch.setattr(connector, "_connect_once", attempt)
    with pytest.raises(TransportError, match="refused the relay stream"):
        await connector.connect()
    assert attempt.calls == relay.HANDSHAKE_ATTEMPTS
    assert len(delays) == relay.HANDSHAKE_ATTEMPTS - 1
    await connector.aclose()


async def test_other_failures_are_not_retried(
    monkeypatch: pytest.MonkeyPatch, delays: list[float]
) -> None:
    connector = RelayConnector("http://127.0.0.1:1", "env", token=TOKEN)
    for failure in (AuthenticationError("no"), TransportError("cannot reach the rendezvous")):
        attempt = Scripted([failure])
        monkeypatch.setattr(connector, "_connect_once", attempt)
        with pytest.raises(type(failure)):
            await connector.connect()
        assert attempt.calls == 1
    assert delays == []
    await connector.aclose()


async def test_a_closed_connector_refuses_to_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    connector = RelayConnector("http://127.0.0.1:1", "env", token=TOKEN)
    attempt = Scripted([])
    monkeypatch.setattr(connector, "_connect_once", attempt)
    await connector.aclose()
    with pytest.raises(TransportError, match="closed"):
        await connector.connect()
    assert attempt.calls == 0
