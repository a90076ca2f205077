"""`execwire-server` start-up choices an operator relies on: no unauthenticated listener
beyond loopback unless asked, and structured logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from execwire import Executor

SERVER = [sys.executable, "-m", "execwire_server"]


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "CONNECTION_TOKEN" not in k}
    env.update(extra)
    return env


def test_a_listener_beyond_loopback_needs_a_token() -> None:
    refused = subprocess.run(
        [*SERVER, "--listen", "ws://0.0.0.0:0"], capture_output=True, text=True, env=_environment(), timeout=30
    )
    assert refused.returncode == 2
    assert "refusing to listen on 0.0.0.0 without a connection token" in refused.stderr
    assert "--allow-unauthenticated" in refused.stderr


@pytest.mark.parametrize(
    ("arguments", "env"),
    [
        (["--allow-unauthenticated"], {}),
        ([], {"EXECWIRE_CONNECTION_TOKEN": "a-token"}),
    ],
    ids=["allowed-explicitly", "with-a-token"],
)
def test_a_listener_beyond_loopback_starts_when_allowed(arguments: list[str], env: dict[str, str]) -> None:
    server = subprocess.Popen(
        [*SERVER, "--listen", "ws://0.0.0.0:0", *arguments], stdout=subprocess.PIPE, env=_environment(**env)
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().decode().startswith("ws://0.0.0.0:")
    finally:
        server.terminate()
        server.wait(10)


def test_an_unknown_log_level_is_a_usage_error() -> None:
    result = subprocess.run(
        [*SERVER, "--log-level", "LOUD"], capture_output=True, text=True, env=_environment(), timeout=30
    )
    assert result.returncode == 2 and "--log-level" in result.stderr


async def test_json_logs_are_one_object_per_line() -> None:
    server = subprocess.Popen(
        [*SERVER, "--listen", "ws://127.0.0.1:0", "--log-level", "DEBUG", "--log-format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    assert server.stdout is not None
    url = server.stdout.readline().decode().strip()
    async with await Executor.connect_websocket(url) as executor:
        assert (await executor.run(["true"])).exit_code == 0
    server.terminate()
    _, stderr = server.communicate(timeout=10)
    entries = [json.loads(line) for line in stderr.decode().splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    assert any(entry["message"] == "request process/start answered" for entry in entries)
