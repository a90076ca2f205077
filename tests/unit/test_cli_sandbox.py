"""`execwire run` sandbox flags: parsing into the sandbox context, usage errors, the denial hint
(no real server: a scripted one where a connection is needed)."""

from __future__ import annotations

import argparse
from pathlib import PurePosixPath
from typing import Any

import pytest

from execwire import ExecServerClient, Executor, Sandbox, cli
from execwire.cli import run as cli_run

from .test_sdk_client import ScriptedConnector, ServerSide

SERVER_CWD = PurePosixPath("/srv/home")


def parse(*flags: str) -> argparse.Namespace:
    return cli._parser().parse_args(["run", "--url", "ws://127.0.0.1:1", *flags, "--", "true"])


def build(*flags: str, server_cwd: PurePosixPath | None = SERVER_CWD) -> dict[str, Any] | None:
    context = cli_run.build_sandbox(parse(*flags), server_cwd)
    return None if context is None else context.to_wire()


def test_no_flags_no_sandbox() -> None:
    assert build() is None


def test_read_only_uses_the_servers_cwd_by_default() -> None:
    assert build("--sandbox", "read-only") == Sandbox.read_only("/srv/home").to_wire()


def test_read_only_with_cwd_network_and_denials() -> None:
    flags = ["--sandbox", "read-only", "--cwd", "proj", "--network"]
    flags += ["--deny", ".env", "--deny", "/etc/shadow", "--deny", "**/*.pem"]
    assert build(*flags) == Sandbox.read_only(
        "/srv/home/proj",
        network=True,
        # a plain relative path is taken from the cwd; a relative glob is left to the server
        deny=["/srv/home/proj/.env", "/etc/shadow", "**/*.pem"],
    ).to_wire()


def test_workspace_write_defaults_to_the_cwd_as_its_root() -> None:
    assert build("--sandbox", "workspace-write", "--cwd", "/work") == (
        Sandbox.workspace_write("/work", cwd="/work").to_wire()
    )


def test_writable_roots_imply_workspace_write() -> None:
    flags = ["--cwd", "/work", "--writable-root", "out", "--writable-root", "/cache"]
    expected = Sandbox.workspace_write(["/work/out", "/cache"], cwd="/work").to_wire()
    assert build(*flags) == expected
    assert build("--sandbox", "workspace-write", *flags) == expected


def test_full_access() -> None:
    assert build("--sandbox", "full-access") == Sandbox.full_access().to_wire()


def test_a_sandbox_needs_a_cwd_when_the_server_reports_none() -> None:
    with pytest.raises(ValueError, match="cwd"):
        build("--sandbox", "read-only", server_cwd=None)
    with pytest.raises(ValueError, match="cwd"):
        build("--sandbox", "read-only", "--cwd", "relative", server_cwd=None)
    assert build("--sandbox", "read-only", "--cwd", "/abs", server_cwd=None) == (
        Sandbox.read_only("/abs").to_wire()
    )


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--sandbox", "read-only", "--writable-root", "/x"], "--writable-root needs"),
        (["--sandbox", "full-access", "--writable-root", "/x"], "--writable-root needs"),
        (["--deny", "/x"], "--deny needs"),
        (["--sandbox", "full-access", "--deny", "/x"], "--deny needs"),
        (["--network"], "--network needs"),
        (["--sandbox", "full-access", "--network"], "--network needs"),
    ],
)
def test_flags_that_cannot_be_honoured_are_usage_errors(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--url", "ws://127.0.0.1:1", *flags, "--", "true"])
    assert exit_info.value.code == cli.EXIT_USAGE
    assert message in capsys.readouterr().err


def test_an_unknown_mode_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse("--sandbox", "danger")
    assert exit_info.value.code == cli.EXIT_USAGE
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("denied", [True, False])
async def test_run_sends_the_sandbox_and_reports_a_denial(
    denied: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    starts: list[dict[str, Any]] = []

    async def serve(conn: ServerSide) -> None:
        await conn.handshake()  # the scripted server's cwd is /work
        start = await conn.request("process/start")
        starts.append(start["params"])
        process_id = start["params"]["processId"]
        conn.reply(start, {"processId": process_id, "sandboxType": "linuxSeccomp"})
        exited = {"processId": process_id, "seq": 1, "exitCode": 1, "sandboxDenied": denied}
        conn.notify("process/exited", exited)
        conn.notify("process/closed", {"processId": process_id, "seq": 2})

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    options = parse("--sandbox", "workspace-write", "--deny", "*.key")
    code = await cli_run.run_command(Executor(client), options)
    await connector.finished()
    await client.close()

    assert code == 1  # the remote exit status, denial or not
    expected = Sandbox.workspace_write("/work", cwd="/work", deny=["*.key"])
    assert starts[0]["sandbox"] == expected.to_wire()
    assert (cli.SANDBOX_DENIED_HINT in capsys.readouterr().err) is denied
