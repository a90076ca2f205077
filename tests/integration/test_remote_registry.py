"""The executor's registry client and reconnect policy against a scripted HTTP server.

A small aiohttp app plays registry and rendezvous with programmable answers, so each rule
(percent-encoding, response validation, retry classes, redaction, re-registration on
401/403/404/410 upgrades) is checked in isolation. Backoffs are shrunk; nothing is timed.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from execwire.relay.noise import NoiseIdentity
from execwire.relay.ordering import DEFAULT_MAX_PENDING_BYTES
from execwire.transports.relay import RelayConnector
from execwire_server.remote import (
    Registration,
    RegistryAuthError,
    RegistryClient,
    RegistryError,
    RemoteExecutor,
    redact_url,
)
from execwire_server.server import ExecServer

TOKEN = "registry-test-token-93af"
KEY = NoiseIdentity.generate().public_key


@dataclass
class Script:
    """What the fake registry answers, and what it saw."""

    register: list[tuple[int, Any]] = field(default_factory=list)
    validate: list[tuple[int, Any]] = field(default_factory=list)
    upgrades: list[int] = field(default_factory=list)
    """Statuses for the next rendezvous upgrades; 101 accepts (then closes at once)."""
    seen: list[web.Request] = field(default_factory=list)
    bodies: list[Any] = field(default_factory=list)
    upgrade_paths: list[str] = field(default_factory=list)
    base_url: str = ""

    def registration(self, environment_id: str = "env-1", **overrides: Any) -> dict[str, Any]:
        body = {
            "environment_id": environment_id,
            "url": f"{self.base_url.replace('http', 'ws', 1)}/rendezvous?sig=secret-sig",
            "security_profile": "noise_hybrid_ik_v1",
            "executor_registration_id": "reg-1",
        }
        body.update(overrides)
        return body


@pytest.fixture
async def script() -> AsyncIterator[Script]:
    script = Script()

    async def answer(queue: list[tuple[int, Any]], request: web.Request) -> web.StreamResponse:
        script.seen.append(request)
        script.bodies.append(await request.json())
        status, body = queue.pop(0)
        if isinstance(body, bytes):
            return web.Response(status=status, body=body)
        if status in (301, 302):
            return web.Response(status=status, headers={"Location": "/elsewhere"})
        return web.json_response(body, status=status)

    async def rendezvous(request: web.Request) -> web.StreamResponse:
        script.upgrade_paths.append(request.path_qs)
        status = script.upgrades.pop(0) if script.upgrades else 503
        if status != 101:
            return web.Response(status=status)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.close()
        return ws

    async def register(request: web.Request) -> web.StreamResponse:
        return await answer(script.register, request)

    async def validate(request: web.Request) -> web.StreamResponse:
        return await answer(script.validate, request)

    app = web.Application()
    app.router.add_post("/api/cloud/environment/{env}/register", register)
    app.router.add_post("/api/cloud/environment/{env}/validate", validate)
    app.router.add_get("/rendezvous", rendezvous)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    script.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield script
    await runner.cleanup()


def client(script: Script, environment_id: str = "env-1") -> RegistryClient:
    # A base path: segments are appended to it.
    return RegistryClient(f"{script.base_url}/api/", environment_id, TOKEN)


# --------------------------------------------------------------------------- register


async def test_register_sends_the_reference_request(script: Script) -> None:
    environment_id = "team/name? #%"
    script.register.append((200, script.registration(environment_id)))
    async with client(script, environment_id) as registry:
        registration = await registry.register(KEY)
    request = script.seen[0]
    assert request.raw_path == "/api/cloud/environment/team%2Fname%3F%20%23%25/register"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert script.bodies[0] == {"security_profile": "noise_hybrid_ik_v1", "executor_public_key": KEY.to_json()}
    assert registration.registration_id == "reg-1"
    assert "secret-sig" not in repr(registration)


@pytest.mark.parametrize("environment_id", ["", ".", ".."])
def test_dot_segments_are_refused_without_a_request(environment_id: str) -> None:
    with pytest.raises(ValueError):
        RegistryClient("http://127.0.0.1:1", environment_id, TOKEN)


@pytest.mark.parametrize(
    "base_url", ["ftp://h", "http://", "http://u:p@h", "http://h/?q=1", "ws://h"]
)
def test_bad_base_urls_are_refused(base_url: str) -> None:
    with pytest.raises(ValueError):
        RegistryClient(base_url, "env-1", TOKEN)


@pytest.mark.parametrize(
    "overrides",
    [
        {"environment_id": "env-2"},
        {"security_profile": "other"},
        {"executor_registration_id": "  "},
        {"url": "http://127.0.0.1/rendezvous"},
        {"url": "ws:///rendezvous"},
        {"url": 5},
    ],
)
async def test_invalid_registrations_are_refused(script: Script, overrides: dict[str, Any]) -> None:
    script.register.append((200, script.registration(**overrides)))
    async with client(script) as registry:
        with pytest.raises(RegistryError) as caught:
            await registry.register(KEY)
    assert not caught.value.retriable


@pytest.mark.parametrize(
    ("status", "retriable", "auth"),
    [(500, True, False), (503, True, False), (408, True, False), (429, True, False),
     (404, False, False), (302, False, False), (401, False, True), (403, False, True)],
)  # fmt: skip
async def test_error_statuses_are_classified(
    script: Script, status: int, retriable: bool, auth: bool
) -> None:
    script.register.append((status, {"error": {"code": "nope", "message": "no"}}))
    async with client(script) as registry:
        with pytest.raises(RegistryError) as caught:
            await registry.register(KEY)
    assert caught.value.retriable is retriable
    assert isinstance(caught.value, RegistryAuthError) is auth
    assert caught.value.status == status
    assert len(script.seen) == 1  # no redirect followed


async def test_error_texts_never_carry_the_token(script: Script) -> None:
    script.register.append((400, {"error": {"code": "bad", "message": f"Bearer {TOKEN} refused"}}))
    script.register.append((500, f"echo: {TOKEN}".encode()))
    async with client(script) as registry:
        for _ in range(2):
            with pytest.raises(RegistryError) as caught:
                await registry.register(KEY)
            assert TOKEN not in str(caught.value)
            assert "[redacted]" in str(caught.value)
        assert TOKEN not in repr(registry)


def test_redact_url() -> None:
    assert redact_url("wss://h/r?role=environment&sig=x#f") == "wss://h/r"
    assert "sig" not in repr(Registration("e", "r", "wss://h/r?sig=x"))


# --------------------------------------------------------------------------- validate


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, {"valid": True}, True),
        (200, {"valid": False}, False),
        (200, {"valid": "true"}, False),
        (200, {"valid": 1}, False),
        (200, {}, False),
        (200, b"not json", False),
        (500, {"valid": True}, False),
        (401, {"valid": True}, False),
    ],
)
async def test_validate_requires_exactly_valid_true(
    script: Script, status: int, body: Any, expected: bool
) -> None:
    script.validate.append((status, body))
    async with client(script) as registry:
        assert await registry.validate("reg-1", "stream-1", KEY, "authz") is expected
    request = script.seen[0]
    assert request.headers["x-codex-noise-stream-id"] == "stream-1"
    assert script.bodies[0] == {
        "executor_registration_id": "reg-1",
        "harness_public_key": KEY.to_json(),
        "harness_key_authorization": "authz",
    }


# --------------------------------------------------------------------------- reconnect policy


async def run_executor(script: Script, until: Callable[[], bool]) -> None:
    """Run a RemoteExecutor (tiny backoffs) until ``until()`` holds, then stop it."""
    exec_server = ExecServer()
    executor = RemoteExecutor(
        exec_server, client(script), backoff_initial=0.001, backoff_max=0.002
    )
    task = asyncio.create_task(executor.run())
    try:
        for _ in range(5000):
            if until() or task.done():
                break
            await asyncio.sleep(0.002)
        if task.done():
            task.result()
        assert until()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await exec_server.shutdown()


async def test_registration_retries_transient_failures(script: Script) -> None:
    script.register += [(503, {}), (429, {}), (408, {}), (200, script.registration())]
    script.upgrades = [101]
    await run_executor(script, lambda: len(script.upgrade_paths) >= 1)
    assert len(script.seen) == 4


async def test_registration_stops_on_authentication_errors(script: Script) -> None:
    script.register.append((401, {"error": {"code": "unauthorized"}}))
    exec_server = ExecServer()
    executor = RemoteExecutor(exec_server, client(script), backoff_initial=0.001)
    with pytest.raises(RegistryAuthError):
        await executor.run()
    await exec_server.shutdown()


@pytest.mark.parametrize("status", [401, 403, 404, 410])
async def test_refused_upgrade_triggers_reregistration(script: Script, status: int) -> None:
    script.register += [(200, script.registration()), (200, script.registration())]
    script.upgrades = [status, 101]
    await run_executor(script, lambda: len(script.upgrade_paths) >= 2)
    assert len(script.seen) == 2


@pytest.mark.parametrize("status", [400, 500, 502])
async def test_other_upgrade_failures_keep_the_registration(script: Script, status: int) -> None:
    script.register.append((200, script.registration()))
    script.upgrades = [status, status, 101, 101]
    await run_executor(script, lambda: len(script.upgrade_paths) >= 4)
    assert len(script.seen) == 1


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    ("arguments", "stdin", "message"),
    [
        (["--remote", "http://127.0.0.1:1"], "", "--environment-id"),
        (["--remote", "http://127.0.0.1:1", "--environment-id", "e"], "", "bearer"),
        (["--remote", "http://127.0.0.1:1", "--environment-id", "e", "--registration-bearer-stdin"], "\n", "bearer"),
        (["--remote", "http://127.0.0.1:1", "--environment-id", "..", "--registration-bearer-stdin"], "t\n", "`..`"),
    ],
)  # fmt: skip
def test_cli_refuses_incomplete_remote_settings(
    arguments: list[str], stdin: str, message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "execwire_server", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_cli_exits_when_registration_is_refused_for_good() -> None:
    async def main() -> tuple[int, str]:
        async def refuse(request: web.Request) -> web.Response:
            return web.json_response({"error": {"code": "unauthorized"}}, status=401)

        app = web.Application()
        app.router.add_post("/cloud/environment/{env}/register", refuse)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "execwire_server", "--remote", url, "--environment-id", "e",
            env={"PATH": "/usr/bin:/bin", "EXECWIRE_REGISTRATION_TOKEN": TOKEN},
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        await runner.cleanup()
        assert process.returncode is not None
        return process.returncode, stderr.decode()

    code, stderr = asyncio.run(main())
    assert code == 1
    assert "HTTP 401" in stderr and TOKEN not in stderr


# --------------------------------------------------------------------------- stream window


async def test_executor_window_fits_the_sdk_harness_buffer() -> None:
    """The executor's bulk send window needs a harness that buffers as much out of order;
    the executor itself keeps the reference's receive bound."""
    exec_server = ExecServer()
    registry = RegistryClient("http://127.0.0.1:1/", "env-1", TOKEN)
    executor_config = RemoteExecutor(exec_server, registry)._stream_config
    harness_config = RelayConnector("http://127.0.0.1:1", "env-1", token=TOKEN)._config
    assert executor_config.send_window_bytes > DEFAULT_MAX_PENDING_BYTES
    assert executor_config.send_window_bytes <= harness_config.receive_buffer_bytes
    assert executor_config.receive_buffer_bytes == DEFAULT_MAX_PENDING_BYTES
    assert harness_config.send_window_bytes <= executor_config.receive_buffer_bytes
    await registry.aclose()
    await exec_server.shutdown()
