"""`execwire shell` and `execwire run -t` through a real pseudo-terminal: the client runs
with a PTY slave as its controlling terminal (as in a terminal emulator), the test types
on the master side and reads what the client shows."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from .rawclient import ServerProcess

CLI = [sys.executable, "-c", "import sys; from execwire.cli import main; sys.exit(main())"]
"""The `execwire` command, run by this interpreter."""

PROMPT = b"PROMPT> "
BASH = ["bash", "--norc", "--noprofile", "-i"]


def _set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _become_terminal_session() -> None:  # pragma: no cover - runs in the child
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@dataclass
class Terminal:
    """A client process on a PTY: `type` keys, `expect` what the screen shows."""

    process: subprocess.Popen[bytes]
    master: int
    slave: int
    seen: bytearray = field(default_factory=bytearray)
    cursor: int = 0

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def expect(self, needle: bytes, timeout: float = 10.0) -> bytes:
        """Wait until `needle` shows up after what earlier `expect`s consumed."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.seen.find(needle, self.cursor)
            if found >= 0:
                self.cursor = found + len(needle)
                return bytes(self.seen[: self.cursor])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{needle!r} not seen; the terminal shows {bytes(self.seen[-2000:])!r}")
            readable, _, _ = select.select([self.master], [], [], remaining)
            if readable:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # pragma: no cover - the client is gone
                    raise AssertionError(f"terminal closed before {needle!r}: {bytes(self.seen)!r}") from None

    def drain(self) -> None:
        while select.select([self.master], [], [], 0)[0]:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.seen += data

    def wait(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"the client did not exit; the terminal shows {bytes(self.seen[-2000:])!r}")
            self.drain()
            time.sleep(0.02)
        self.drain()
        return self.process.returncode


@contextlib.contextmanager
def terminal(server: ServerProcess, *arguments: str, rows: int = 24, cols: int = 80) -> Iterator[Terminal]:
    master, slave = os.openpty()
    _set_size(master, rows, cols)
    env = {**os.environ, "TERM": "xterm", "EXECWIRE_URL": server.url}
    process = subprocess.Popen(
        [*CLI, *arguments],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        preexec_fn=_become_terminal_session,
    )
    try:
        yield Terminal(process, master, slave)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
        os.close(slave)


def _raw(attributes: list[object]) -> bool:
    lflag = attributes[3]
    assert isinstance(lflag, int)
    return not lflag & (termios.ECHO | termios.ICANON | termios.ISIG)


def test_shell_session_keys_resize_interrupt_exit_code_and_restore(server: ServerProcess) -> None:
    with terminal(server, "shell", "--env", f"PS1={PROMPT.decode()}", "--", *BASH) as term:
        before = termios.tcgetattr(term.slave)
        assert not _raw(before)
        term.expect(PROMPT)
        assert _raw(termios.tcgetattr(term.slave)), "the client did not put the terminal in raw mode"

        # Typed input runs remotely (the local terminal does not echo or edit: raw mode).
        term.type(b"echo hi$((1+1))\r")
        term.expect(b"hi2\r\n")
        term.expect(PROMPT)

        # The initial size went to the remote PTY; a window change follows (SIGWINCH).
        term.type(b"stty size\r")
        term.expect(b"24 80\r\n")
        term.expect(PROMPT)
        _set_size(term.master, 50, 132)  # the kernel signals the client (its terminal)
        term.process.send_signal(signal.SIGWINCH)
        for _ in range(50):
            term.type(b"echo cols=$(tput cols)\r")
            shown = term.expect(PROMPT)
            if b"cols=132" in shown[-200:]:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"tput cols never followed the resize: {bytes(term.seen[-500:])!r}")
        term.type(b"stty size\r")
        term.expect(b"50 132\r\n")
        term.expect(PROMPT)

        # Ctrl-C interrupts the remote command, not the client.
        term.type(b"sleep 30; echo not-interrupted\r")
        term.expect(b"sleep 30; echo not-interrupted\r\n")
        time.sleep(0.3)
        started = time.monotonic()
        term.type(b"\x03")
        term.expect(PROMPT, timeout=10)
        assert time.monotonic() - started < 10
        assert term.process.poll() is None
        term.type(b"echo still-here\r")
        term.expect(b"still-here\r\n")
        term.expect(PROMPT)
        assert term.seen.count(b"not-interrupted") == 1  # the echoed command line only

        # The remote exit status is the client's; the terminal is as it was.
        term.type(b"exit 3\r")
        assert term.wait() == 3
        assert termios.tcgetattr(term.slave) == before


def test_the_default_shell_is_the_servers_login_shell(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory(env={**os.environ, "SHELL": "/bin/bash"})
    with terminal(server, "shell") as term:
        time.sleep(1.0)  # whatever the login files print
        term.type(b"echo login=$0; shopt -q login_shell && echo is-login\r")
        term.expect(b"is-login\r\n")
        term.type(b"exit 0\r")
        assert term.wait() == 0


def test_sigterm_ends_the_session_and_restores_the_terminal(server: ServerProcess) -> None:
    with terminal(server, "shell", "--env", f"PS1={PROMPT.decode()}", "--", *BASH) as term:
        before = termios.tcgetattr(term.slave)
        term.expect(PROMPT)
        term.process.send_signal(signal.SIGTERM)
        assert term.wait() == 128 + signal.SIGTERM
        assert termios.tcgetattr(term.slave) == before


def test_run_tty_from_a_terminal_is_interactive(server: ServerProcess) -> None:
    script = "stty size; read -r line; echo got:$line; exit 7"
    with terminal(server, "run", "-t", "--", "bash", "-c", f"sleep 0.5; {script}", rows=30, cols=100) as term:
        before = termios.tcgetattr(term.slave)
        term.expect(b"30 100\r\n")
        term.type(b"typed\r")
        term.expect(b"got:typed\r\n")
        assert term.wait() == 7
        assert termios.tcgetattr(term.slave) == before


def test_a_connection_failure_leaves_the_terminal_as_it_was() -> None:
    master, slave = os.openpty()
    try:
        before = termios.tcgetattr(slave)
        process = subprocess.run(
            [*CLI, "shell", "--url", "ws://127.0.0.1:9"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            timeout=60,
            check=False,
        )
        assert process.returncode == 255
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)
