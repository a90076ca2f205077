"""No secret reaches a log line, a repr or an error: every component runs at DEBUG with its
output captured, through the success and the failure paths, and the captures are searched
for every secret the run used (bearer tokens, signed-URL signatures and nonces, harness key
authorizations, session ids)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from execwire_rendezvous import Rendezvous

from execwire import AuthenticationError, ExecServerClient, Executor, ExecWireError
from execwire.transports.relay import RelayConnector
from execwire.transports.websocket import WebSocketConnector

from .test_remote_support import ENV, TOKEN, remote_executor

CONNECTION_TOKEN = "listener-secret-5f2c9a"


class _Recording:
    """Stands in for `inner`, noting the secrets one of its methods returns."""

    def __init__(self, inner: Any, method: str, keep: Callable[[Any], list[str]], into: list[str]) -> None:
        self._inner, self._method, self._keep, self._into = inner, method, keep, into

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name != self._method:
            return attribute

        def recorded(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            self._into.extend(self._keep(result))
            return result

        return recorded


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return sorted({secret for secret in secrets if secret and secret in text})


async def test_remote_mode_logs_and_errors_hold_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [TOKEN]
    errors: list[str] = []
    async with Rendezvous(token=TOKEN) as rendezvous:
        # Observe what is issued: signatures, nonces and harness key authorizations.
        rendezvous._signer = _Recording(  # type: ignore[assignment]
            rendezvous._signer, "issue", lambda query: [query["sig"], query["nonce"]], secrets
        )
        rendezvous.registry = _Recording(  # type: ignore[assignment]
            rendezvous.registry, "authorize", lambda result: [result[1]], secrets
        )
        log = tmp_path / "executor.log"
        async with remote_executor(rendezvous.base_url, log):
            await rendezvous.wait_for(lambda: rendezvous.executor_connected(ENV), 30)
            async with await Executor.connect_relay(rendezvous.base_url, ENV, token=TOKEN) as executor:
                result = await executor.run(["sh", "-c", "echo ok; exit 3"])
                assert (result.stdout, result.exit_code) == (b"ok\n", 3)
                secrets.append(executor.client.session_id)
                errors.append(repr(executor.client))
            wrong = TOKEN + "-wrong"
            with pytest.raises(ExecWireError) as refused:
                await Executor.connect_relay(rendezvous.base_url, ENV, token=wrong)
            errors.append(str(refused.value))
            secrets.append(wrong)
            connector = RelayConnector(rendezvous.base_url, ENV, token=TOKEN)
            errors.append(repr(connector))
            await connector.aclose()
        executor_log = log.read_text(errors="replace")
    assert "DEBUG" in executor_log  # the executor did log at DEBUG
    secrets = [secret for secret in secrets if len(secret) >= 8]
    assert len(secrets) >= 5  # the token, at least one signature, nonce and authorization
    assert _leaks(executor_log, secrets) == []
    assert _leaks(caplog.text, secrets) == []
    assert _leaks("\n".join(errors), secrets) == []


async def test_the_listener_and_its_clients_keep_the_connection_token_to_themselves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    env = {**os.environ, "EXECWIRE_CONNECTION_TOKEN": CONNECTION_TOKEN}
    server = subprocess.Popen(
        [sys.executable, "-m", "execwire_server", "--listen", "ws://127.0.0.1:0", "--log-level", "DEBUG"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    errors: list[str] = []
    try:
        assert server.stdout is not None
        url = server.stdout.readline().decode().strip()
        async with await Executor.connect_websocket(url, token=CONNECTION_TOKEN) as executor:
            assert (await executor.run(["true"])).exit_code == 0
            errors.append(repr(executor.client))
        with pytest.raises(AuthenticationError) as refused:
            await ExecServerClient.connect_websocket(url, token=CONNECTION_TOKEN[::-1])
        errors.append(str(refused.value))
        errors.append(repr(WebSocketConnector(url, token=CONNECTION_TOKEN)))
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    secrets = [CONNECTION_TOKEN, CONNECTION_TOKEN[::-1]]
    assert _leaks(stderr.decode(errors="replace"), secrets) == []
    assert _leaks(caplog.text, secrets) == []
    assert _leaks("\n".join(errors), secrets) == []
