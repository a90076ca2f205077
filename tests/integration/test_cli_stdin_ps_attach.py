"""`execwire run` forwarding stdin, `run --detach`, `ps` and `attach`, as a user runs them
(the console script in a subprocess against a real server)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from execwire import ClientOptions, Executor
from execwire.cli import run as cli_run

from .rawclient import ServerProcess

CLI = [sys.executable, "-c", "import sys; from execwire.cli import main; sys.exit(main())"]
"""The `execwire` command, run by this interpreter."""

TIMEOUT = 60


def execwire(
    server: ServerProcess, *arguments: str, stdin: bytes | None = None, stdin_file: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI; stdin from `stdin` (a pipe), `stdin_file`, or /dev/null."""
    env = {**os.environ, "EXECWIRE_URL": server.url}
    env.pop("EXECWIRE_SESSION", None)
    source = open(stdin_file, "rb") if stdin_file is not None else None
    try:
        return subprocess.run(
            [*CLI, *arguments],
            input=stdin,
            stdin=source if source is not None else (None if stdin is not None else subprocess.DEVNULL),
            capture_output=True,
            env=env,
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        if source is not None:
            source.close()


def test_piped_stdin_reaches_cat_byte_for_byte(server: ServerProcess) -> None:
    data = os.urandom(3 << 20) + b"no newline at the end"
    result = execwire(server, "run", "--", "cat", stdin=data)
    assert result.returncode == 0, result.stderr
    assert result.stdout == data


def test_stdin_from_a_file_and_wc(server: ServerProcess, tmp_path: Path) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(b"a" * 5_000_001)
    result = execwire(server, "run", "--", "wc", "-c", stdin_file=source)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"5000001"


def test_commands_that_read_stdin_end_and_keep_their_status(server: ServerProcess) -> None:
    assert execwire(server, "run", "--", "cat").stdout == b""  # /dev/null: at once
    result = execwire(server, "run", "--", "sh", "-c", "read line; echo got:$line; exit 3", stdin=b"hello\n")
    assert (result.returncode, result.stdout) == (3, b"got:hello\n")
    tar = execwire(server, "run", "--", "sh", "-c", "tar xO", stdin=_tar_of(b"inside the archive\n"))
    assert (tar.returncode, tar.stdout) == (0, b"inside the archive\n")


def test_no_stdin_and_a_process_that_stops_reading(server: ServerProcess) -> None:
    ignored = execwire(server, "run", "-n", "--", "cat", stdin=b"not forwarded")
    assert (ignored.returncode, ignored.stdout) == (0, b"")
    # The command exits long before the input ends: the client does not wait for it.
    started = time.monotonic()
    endless = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        assert endless.stdout is not None
        env = {**os.environ, "EXECWIRE_URL": server.url}
        head = subprocess.run(
            [*CLI, "run", "--", "head", "-n", "2"],
            stdin=endless.stdout,
            capture_output=True,
            env=env,
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        endless.kill()
        endless.wait()
    assert (head.returncode, head.stdout) == (0, b"y\ny\n")
    assert time.monotonic() - started < TIMEOUT


def test_run_tty_with_piped_stdin_ends_with_ctrl_d(server: ServerProcess) -> None:
    result = execwire(server, "run", "-t", "--", "bash", "--norc", "--noprofile", stdin=b"echo hi$((1+1))\nexit 5\n")
    assert result.returncode == 5, result.stderr
    assert b"hi2\r\n" in result.stdout
    cat = execwire(server, "run", "-t", "--", "cat", stdin=b"typed\n")
    assert cat.returncode == 0
    assert cat.stdout.count(b"typed\r\n") == 2  # the terminal's echo, then cat's copy


async def test_servers_without_close_stdin_get_no_stdin(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Against the reference (no extensions) stdin is not forwarded: `cat` could never
    end. The old behaviour: stdin is /dev/null."""
    monkeypatch.setattr(cli_run, "is_terminal", lambda fd: False)
    spawned: list[bool] = []
    async with await Executor.connect_in_process(options=ClientOptions(output_chunk_bytes=None)) as executor:
        spawn = executor.spawn

        async def recording_spawn(*args: object, **kwargs: object) -> object:
            spawned.append(bool(kwargs.get("stdin")))
            return await spawn(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(executor, "spawn", recording_spawn)
        options = _run_options(["--", "cat"])
        assert await cli_run.run_command(executor, options) == 0
    assert spawned == [False]
    assert capsysbinary.readouterr().out == b""


def _run_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    cli_run.add_run_command(commands, argparse.ArgumentParser(add_help=False))
    return parser.parse_args(["run", *argv])


def _tar_of(content: bytes) -> bytes:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("file.txt")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


# -- detach, ps, attach --------------------------------------------------------------------


def _detach(server: ServerProcess, *argv: str) -> dict[str, str]:
    result = execwire(server, "run", "--detach", "--", *argv)
    assert result.returncode == 0, result.stderr
    ids = dict(line.split("=", 1) for line in result.stdout.decode().split())
    assert set(ids) == {"EXECWIRE_SESSION", "EXECWIRE_PROCESS"}
    return ids


def test_detach_ps_and_attach(server: ServerProcess, tmp_path: Path) -> None:
    go = tmp_path / "go"
    script = f"echo one; echo err >&2; while [ ! -e {go} ]; do sleep 0.05; done; echo two; exit 5"
    ids = _detach(server, "sh", "-c", script)
    session, process = ids["EXECWIRE_SESSION"], ids["EXECWIRE_PROCESS"]

    table = execwire(server, "ps", "--session", session)
    assert table.returncode == 0, table.stderr
    header, row = table.stdout.decode().splitlines()
    assert header.split() == ["ID", "PID", "TTY", "STATE", "ARGV"]
    assert row.split()[:4] == [process, row.split()[1], "no", "running"]
    assert row.split()[1].isdigit()
    assert row.endswith(f"sh -c '{script}'")

    listed = orjson.loads(execwire(server, "ps", "--json", "--session", session).stdout)
    assert [(p["processId"], p["argv"], p["running"], p["tty"]) for p in listed] == [
        (process, ["sh", "-c", script], True, False)
    ]
    assert listed[0]["firstSeq"] == 1 and listed[0]["nextSeq"] == 3

    go.touch()
    attached = execwire(server, "attach", "--session", session, process)
    assert attached.returncode == 5, attached.stderr
    assert (attached.stdout, attached.stderr) == (b"one\ntwo\n", b"err\n")

    later = execwire(server, "attach", "--session", session, "--after-seq", "2", process)
    assert (later.returncode, later.stdout, later.stderr) == (5, b"two\n", b"")

    done = execwire(server, "ps", "--session", session).stdout.decode().splitlines()[1].split()
    assert done[1:5] == ["-", "no", "exited", "5"]


def test_ps_of_a_new_session_and_attach_errors(server: ServerProcess) -> None:
    empty = execwire(server, "ps")
    assert (empty.returncode, empty.stdout.decode().split()) == (0, ["ID", "PID", "TTY", "STATE", "ARGV"])
    assert orjson.loads(execwire(server, "ps", "--json").stdout) == []
    unknown = execwire(server, "attach", "nope")
    assert unknown.returncode == 255
    assert unknown.stderr == b"execwire: no process nope in a new session (give --session)\n"
    expired = execwire(server, "ps", "--session", "00000000-0000-0000-0000-000000000000")
    assert expired.returncode == 255
    assert b"unknown session id" in expired.stderr
