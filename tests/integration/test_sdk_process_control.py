"""The SDK's process control: `ExecSession.close_stdin / write_from / resize / signal`,
`Executor.processes / attach`, through an embedded server, and over a websocket with the
blocking façade."""

from __future__ import annotations

import asyncio
import hashlib
import io
import signal
from collections.abc import AsyncIterator, Iterator

import pytest

from execwire import (
    ClientOptions,
    ExecSession,
    Executor,
    InvalidRequestError,
    UnsupportedByServer,
    WriteRejected,
)
from execwire.sync import Executor as SyncExecutor

from .rawclient import ServerProcess

WAIT = 30.0


async def _output(session: ExecSession) -> bytes:
    return b"".join([chunk.data async for chunk in session.output()])


async def test_write_from_an_async_iterator_then_close_stdin() -> None:
    async def produce() -> AsyncIterator[bytes]:
        for index in range(64):
            yield bytes([index]) * 100_000  # 6.4 MB in all, cut into 64 KiB writes
            await asyncio.sleep(0)

    async with await Executor.connect_in_process() as executor:
        session = await executor.spawn(["sha256sum"], stdin=True)
        written = await session.write_from(produce(), close=True)
        assert written == 6_400_000
        output = await asyncio.wait_for(_output(session), WAIT)
        expected = hashlib.sha256(b"".join(bytes([i]) * 100_000 for i in range(64))).hexdigest()
        assert output.split()[0].decode() == expected
        assert await session.wait() == 0


async def test_write_from_a_file_object_and_an_iterable() -> None:
    async with await Executor.connect_in_process() as executor:
        cat = await executor.spawn(["cat"], stdin=True)
        data = bytes(range(256)) * 1000
        assert await cat.write_from(io.BytesIO(data), chunk_bytes=4096) == len(data)
        await cat.close_stdin()
        assert await asyncio.wait_for(_output(cat), WAIT) == data

        def lines() -> Iterator[bytes]:
            yield b"one\n"
            yield b""
            yield b"two\n"

        wc = await executor.spawn(["wc", "-l"], stdin=True)
        assert await wc.write_from(lines(), close=True) == 8
        assert (await asyncio.wait_for(_output(wc), WAIT)).strip() == b"2"
        with pytest.raises(TypeError, match="use write"):
            await wc.write_from(b"bytes")  # type: ignore[arg-type]


async def test_write_from_waits_while_a_slow_reader_lets_the_backlog_fill() -> None:
    # 24 MiB for a reader that starts late: more than the server's 8 MiB stdin backlog.
    total = 24 << 20
    async with await Executor.connect_in_process() as executor:
        session = await executor.spawn(["sh", "-c", "sleep 1; wc -c"], stdin=True)
        chunks = (b"x" * (1 << 20) for _ in range(24))
        assert await session.write_from(chunks, close=True) == total
        assert (await asyncio.wait_for(_output(session), WAIT)).strip() == str(total).encode()


async def test_close_stdin_errors_and_later_writes() -> None:
    async with await Executor.connect_in_process() as executor:
        cat = await executor.spawn(["cat"], stdin=True)
        await cat.write("last words")
        await cat.close_stdin()
        with pytest.raises(WriteRejected, match="stdinClosed"):
            await cat.write("more")
        with pytest.raises(InvalidRequestError, match="already closed"):
            await cat.close_stdin()
        assert await asyncio.wait_for(_output(cat), WAIT) == b"last words"
        pty = await executor.spawn(["cat"], tty=True)
        with pytest.raises(InvalidRequestError, match=r"has a terminal: write its EOF character"):
            await pty.close_stdin()
        await pty.write(b"\x04")  # Ctrl-D ends cat on a terminal
        assert await asyncio.wait_for(pty.wait(), WAIT) == 0


async def test_resize_and_signal() -> None:
    async with await Executor.connect_in_process() as executor:
        script = "trap 'stty size' WINCH; trap 'echo bye; exit 9' USR1; echo ready; while :; do sleep 0.02; done"
        session = await executor.spawn(["bash", "-c", script], tty=True)
        seen = b""
        chunks = session.output()
        while b"ready" not in seen:
            seen += (await asyncio.wait_for(anext(chunks), WAIT)).data
        await session.resize(33, 99)
        while b"33 99" not in seen:
            seen += (await asyncio.wait_for(anext(chunks), WAIT)).data
        await session.signal("user1")
        async for chunk in chunks:
            seen += chunk.data
        assert b"bye" in seen
        assert await session.wait() == 9
        await session.signal("kill")  # exited: nothing is sent, no error
        pipe = await executor.spawn(["sleep", "300"])
        with pytest.raises(InvalidRequestError, match="has no terminal"):
            await pipe.resize(10, 10)
        await pipe.signal("terminate")
        assert await asyncio.wait_for(pipe.wait(), WAIT) == 128 + signal.SIGTERM


async def test_processes_and_attach_from_a_seq() -> None:
    async with await Executor.connect_in_process() as executor:
        first = await executor.spawn(["sh", "-c", "echo one; echo two >&2; exit 4"], process_id="a")
        await first.wait_closed()
        sleeper = await executor.spawn(["sleep", "300"], tty=True, process_id="b")
        listed = await executor.processes()
        assert [(p.process_id, p.running, p.exit_code, p.tty) for p in listed] == [
            ("a", False, 4, False),
            ("b", True, None, True),
        ]
        assert listed[0].argv == ["sh", "-c", "echo one; echo two >&2; exit 4"]
        assert (listed[0].first_seq, listed[0].next_seq) == (1, 5)
        assert listed[0].pid is None and listed[1].pid is not None

        whole = await executor.attach("a")
        assert whole.argv == ("sh", "-c", "echo one; echo two >&2; exit 4")
        assert [(c.seq, c.stream, c.data) for c in [c async for c in whole.output()]] == [
            (1, "stdout", b"one\n"),
            (2, "stderr", b"two\n"),
        ]
        assert await whole.wait() == 4
        await sleeper.terminate()


async def test_attach_resumes_after_seq_in_a_resumed_session(server: ServerProcess) -> None:
    owner = await Executor.connect_websocket(server.url)
    session = await owner.spawn(["sh", "-c", "echo one; read x; echo two; exit 6"], stdin=True, process_id="p")
    chunks = session.output()
    assert (await asyncio.wait_for(anext(chunks), WAIT)).data == b"one\n"
    session_id = owner.client.session_id
    await owner.close(terminate_processes=False)
    async with await Executor.connect_websocket(server.url, resume_session_id=session_id) as again:
        (info,) = await again.processes()
        assert (info.process_id, info.running, info.next_seq) == ("p", True, 2)
        attached = await again.attach("p", after_seq=1)
        assert attached.argv[0] == "sh" and not attached.tty
        await attached.write("go\n")
        await attached.close_stdin()
        assert [c.data async for c in attached.output()] == [b"two\n"]
        assert await attached.wait() == 6


async def test_without_the_extensions_the_methods_say_so() -> None:
    options = ClientOptions(output_chunk_bytes=None)  # asks for no extension
    async with await Executor.connect_in_process(options=options) as executor:
        session = await executor.spawn(["cat"], stdin=True, tty=True)
        for call in (session.close_stdin(), session.resize(5, 5), session.signal("kill"), executor.processes()):
            with pytest.raises(UnsupportedByServer, match="reference exec-server has none"):
                await call
        await session.signal("interrupt")  # falls back to process/signal
        assert await asyncio.wait_for(session.wait(), WAIT) != 0


def test_the_blocking_facade(server: ServerProcess) -> None:
    with SyncExecutor.connect_websocket(server.url) as executor:
        session = executor.spawn(["wc", "-c"], stdin=True)
        assert session.write_from(io.BytesIO(b"12345"), close=True) == 5
        assert b"".join(chunk.data for chunk in session.output()).strip() == b"5"
        (info,) = executor.processes()
        assert info.exit_code == 0 and info.argv == ["wc", "-c"]
        shell = executor.spawn(["sleep", "300"], tty=True)
        shell.resize(10, 20)
        shell.signal("kill")
        assert shell.wait(timeout=WAIT) != 0
