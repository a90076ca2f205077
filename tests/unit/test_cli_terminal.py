"""The CLI's terminal helpers without a server: raw mode and its restoration, window size,
chunked reads of pipes and files, the `ps` table."""

from __future__ import annotations

import asyncio
import fcntl
import os
import struct
import termios
from pathlib import Path

import pytest

from execwire.cli.processes import format_table
from execwire.cli.terminal import raw_mode, read_chunks, window_size
from execwire.protocol import models


def test_raw_mode_is_undone_on_an_exception() -> None:
    master, slave = os.openpty()
    try:
        before = termios.tcgetattr(slave)
        with pytest.raises(RuntimeError), raw_mode(slave):
            lflag = termios.tcgetattr(slave)[3]
            assert not lflag & (termios.ECHO | termios.ICANON | termios.ISIG)
            raise RuntimeError("boom")
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


def test_window_size() -> None:
    master, slave = os.openpty()
    read, write = os.pipe()
    try:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 42, 117, 0, 0))
        assert window_size(slave) == (42, 117)
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
        assert window_size(slave) is None
        assert window_size(read) is None
    finally:
        for fd in (master, slave, read, write):
            os.close(fd)


async def test_read_chunks_of_a_pipe_are_bounded_and_end_at_eof() -> None:
    read, write = os.pipe()
    payload = os.urandom(200_000)

    def produce() -> None:
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)

    producing = asyncio.get_running_loop().run_in_executor(None, produce)
    chunks = [chunk async for chunk in read_chunks(read, 4096)]
    await producing
    os.close(read)
    assert b"".join(chunks) == payload
    assert max(len(chunk) for chunk in chunks) <= 4096


async def test_read_chunks_of_a_regular_file_and_dev_null(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.write_bytes(b"x" * 10_000)
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = [chunk async for chunk in read_chunks(fd, 3000)]
    finally:
        os.close(fd)
    assert [len(chunk) for chunk in chunks] == [3000, 3000, 3000, 1000]
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        assert [chunk async for chunk in read_chunks(null)] == []
    finally:
        os.close(null)


def test_ps_table() -> None:
    processes = [
        models.ProcessInfo(
            process_id="build", argv=["make", "-j8", "all targets"], pid=4321, tty=False,
            running=True, exit_code=None, first_seq=1, next_seq=9,
        ),
        models.ProcessInfo(
            process_id="sh", argv=["bash"], pid=None, tty=True,
            running=False, exit_code=130, first_seq=3, next_seq=7,
        ),
    ]
    assert format_table(processes).splitlines() == [
        "ID     PID   TTY  STATE       ARGV",
        "build  4321  no   running     make -j8 'all targets'",
        "sh     -     yes  exited 130  bash",
    ]
