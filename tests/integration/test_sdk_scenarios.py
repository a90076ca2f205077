"""SDK scenarios against our server over a real websocket, stdio and in-process.

Every `scenario_*` here is also run against the reference (codex exec-server 0.169.0) by
`tests/interop/test_sdk_reference.py`, so each behaviour is checked on both servers.
Processes coordinate with the test through marker files in the work directory (both
servers run on this host), never through sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from execwire import (
    ClientOptions,
    CommandFailed,
    ExecServerClient,
    Executor,
    InProcessConnector,
    InvalidParamsError,
    MessageTooLarge,
    NotFoundError,
    OutputLost,
    ReconnectPolicy,
    ServerInternalError,
    SessionExpiredError,
    StdioConnector,
    TransportError,
    WebSocketConnector,
    WriteRejected,
    base64_strict,
    pathuri,
)
from execwire.protocol import models
from execwire.protocol.methods import REQUESTS
from execwire.sync import Executor as SyncExecutor
from execwire.testing import FaultInjectingConnector
from execwire.transports import Connector

from ..interop.servers import BASE_ENV, running_server

# Liveness bounds: generous, never a speed check. A hung scenario fails (and its server is
# still stopped) instead of hanging the run.
PATIENCE = 60.0
SCENARIO_LIMIT = 180.0
FAST_RECONNECT = ReconnectPolicy(timeout=PATIENCE, initial_delay=0.01, max_delay=0.2)


@dataclass
class Target:
    """One server reached over one transport."""

    name: str
    make_connector: Callable[[], Connector]
    resumable: bool
    url: str | None = None
    """The websocket URL, for targets reached over a websocket."""
    in_process: bool = False


async def open_executor(target: Target) -> tuple[Executor, FaultInjectingConnector]:
    """An executor whose connection the test can cut."""
    faults = FaultInjectingConnector(target.make_connector())
    executor = await Executor.open(faults, options=ClientOptions(reconnect=FAST_RECONNECT))
    return executor, faults


async def until(predicate: Callable[[], bool], what: str) -> None:
    """Wait until `predicate()` holds (liveness only; fails after PATIENCE seconds)."""
    async with asyncio.timeout(PATIENCE):
        while not predicate():
            await asyncio.sleep(0.01)
    assert predicate(), what


def marker(workdir: Path, name: str) -> Path:
    return workdir / name


# -- scenarios ------------------------------------------------------------------------


async def scenario_split_streams(target: Target, workdir: Path) -> None:
    executor, _ = await open_executor(target)
    async with executor:
        result = await executor.run(
            ["sh", "-c", "printf out1; printf err1 >&2; printf out2"], cwd=workdir
        )
        assert result.exit_code == 0 and result.ok
        assert result.stdout == b"out1out2"
        assert result.stderr == b"err1"
        assert sorted(result.output) == sorted(result.stdout + result.stderr)
        session = await executor.spawn(["sh", "-c", "echo to-out; echo to-err >&2"], cwd=workdir)
        chunks = [chunk async for chunk in session.output()]
        assert {chunk.stream for chunk in chunks} == {"stdout", "stderr"}
        assert [chunk.seq for chunk in chunks] == sorted(chunk.seq for chunk in chunks)
        by_stream = {
            stream: b"".join(c.data for c in chunks if c.stream == stream)
            for stream in ("stdout", "stderr")
        }
        assert by_stream == {"stdout": b"to-out\n", "stderr": b"to-err\n"}
        assert await session.wait() == 0


async def scenario_exit_codes(target: Target, workdir: Path) -> None:
    executor, _ = await open_executor(target)
    async with executor:
        assert (await executor.run(["true"], cwd=workdir)).exit_code == 0
        assert (await executor.run(["false"], cwd=workdir)).exit_code == 1
        seven = await executor.run(["sh", "-c", "echo failing >&2; exit 7"], cwd=workdir)
        assert (seven.exit_code, seven.ok, seven.stderr) == (7, False, b"failing\n")
        with pytest.raises(CommandFailed) as failed:
            await executor.run(["sh", "-c", "exit 9"], cwd=workdir, check=True)
        assert failed.value.result.exit_code == 9
        with pytest.raises(ServerInternalError):
            await executor.run(["/nonexistent/program"], cwd=workdir)
        with pytest.raises(InvalidParamsError):
            await executor.client.process_start(
                models.ExecParams.model_construct(
                    process_id="bad-argv", argv=[], cwd="file:///", env={}, tty=False
                )
            )
        session = await executor.spawn(["sh", "-c", "exit 4"], cwd=workdir)
        assert await session.wait() == 4
        assert session.try_exit_status() == 4


async def scenario_environment(target: Target, workdir: Path) -> None:
    executor, _ = await open_executor(target)
    async with executor:
        assert executor.cwd is not None and executor.cwd.is_absolute()
        inherited = await executor.run(["sh", "-c", "echo $INTEROP_PLAIN"], cwd=workdir)
        assert inherited.stdout == b"plain\n"  # envPolicy inherit all by default
        secret = await executor.run(["sh", "-c", "echo x${INTEROP_API_KEY}x"], cwd=workdir)
        assert secret.stdout == b"xx\n"  # ...minus the default *KEY* exclusion
        exact = await executor.run(
            ["/bin/sh", "-c", "echo $FOO:$INTEROP_PLAIN"], cwd=workdir, env={"FOO": "bar"}
        )
        assert exact.stdout == b"bar:\n"  # a given env is used verbatim
        here = await executor.run(["pwd"], cwd=workdir)
        assert here.stdout.decode().strip() == str(workdir)


async def scenario_pty(target: Target, workdir: Path) -> None:
    executor, _ = await open_executor(target)
    async with executor:
        result = await executor.run(
            ["sh", "-c", "test -t 0 && test -t 1 && echo tty-yes"], cwd=workdir, tty=True
        )
        assert result.exit_code == 0
        assert b"tty-yes" in result.stdout and result.stderr == b""
        session = await executor.spawn(
            ["sh", "-c", "read line; echo got-$line"], cwd=workdir, tty=True
        )
        await session.write("abc\n")
        chunks = [chunk async for chunk in session.output()]
        assert {chunk.stream for chunk in chunks} == {"pty"}
        assert b"got-abc" in b"".join(chunk.data for chunk in chunks)
        assert await session.wait() == 0


async def scenario_stdin(target: Target, workdir: Path) -> None:
    executor, _ = await open_executor(target)
    async with executor:
        session = await executor.spawn(
            ["sh", "-c", "read a; echo got:$a; read b; echo got:$b >&2"], cwd=workdir, stdin=True
        )
        await session.write(b"one\n")
        await session.write("two\n")
        chunks = [chunk async for chunk in session.output()]
        assert b"".join(c.data for c in chunks if c.stream == "stdout") == b"got:one\n"
        assert b"".join(c.data for c in chunks if c.stream == "stderr") == b"got:two\n"
        assert await session.wait() == 0
        closed = await executor.spawn(["sleep", "30"], cwd=workdir)
        with pytest.raises(WriteRejected) as rejected:
            await closed.write("nobody reads this")
        assert rejected.value.status == "stdinClosed"
        assert await closed.terminate() is True


async def scenario_file_round_trip(target: Target, workdir: Path) -> None:
    executor, _ = await open_executor(target)
    async with executor:
        data = os.urandom(128 * 1024)
        nested = workdir / "a" / "b"
        await executor.mkdir(nested)
        await executor.write_bytes(nested / "blob.bin", data)
        assert await executor.read_bytes(nested / "blob.bin") == data
        stat = await executor.stat(nested / "blob.bin")
        assert (stat.size, stat.is_file, stat.is_dir, stat.path) == (
            len(data), True, False, nested / "blob.bin"
        )
        await executor.copy(nested / "blob.bin", workdir / "copy.bin")
        assert await executor.read_bytes(workdir / "copy.bin") == data
        await executor.write_text(workdir / "text.txt", "héllo wörld\n")
        assert await executor.read_text(workdir / "text.txt") == "héllo wörld\n"
        names = [entry.name for entry in await executor.listdir(workdir)]
        assert {"a", "copy.bin", "text.txt"} <= set(names)
        assert names == sorted(names)
        await executor.remove(workdir / "copy.bin")
        assert not await executor.exists(workdir / "copy.bin")
        await executor.remove(workdir / "copy.bin", missing_ok=True)
        with pytest.raises(NotFoundError):
            await executor.remove(workdir / "copy.bin")
        with pytest.raises(FileNotFoundError):
            await executor.read_bytes(workdir / "missing.bin")
        await executor.remove(workdir / "a", recursive=True)
        assert not await executor.exists(workdir / "a")
        assert (workdir / "text.txt").read_text() == "héllo wörld\n"  # it really is remote-side


async def scenario_large_file(target: Target, workdir: Path) -> None:
    """Messages over the reference's 16 MiB frame limit are fragmented; over its 64 MiB
    message limit they are refused before sending, and the connection stays usable."""
    executor, faults = await open_executor(target)
    async with executor:
        data = os.urandom(20 << 20)
        await executor.write_bytes(workdir / "big.bin", data)
        assert await executor.read_bytes(workdir / "big.bin") == data
        # The typed stub gets the same answer as its model (base64 text, re-encoded when
        # the transport decoded it on arrival).
        answer = await executor.client.fs_read_file(
            models.FsReadFileParams(path=pathuri.from_native_path(workdir / "big.bin"))
        )
        assert base64_strict.decode(answer.data_base64) == data
        if target.url is not None:
            with pytest.raises(MessageTooLarge):
                await executor.write_bytes(workdir / "huge.bin", bytes(50 << 20))
            assert (await executor.stat(workdir / "big.bin")).size == len(data)
            assert faults.connections == 1 and executor.client.reconnects == 0


async def scenario_terminate(target: Target, workdir: Path) -> None:
    executor, _ = await open_executor(target)
    async with executor:
        session = await executor.spawn(["sh", "-c", "echo started; exec sleep 60"], cwd=workdir)
        async for chunk in session.output():
            assert chunk.data == b"started\n"
            break
        assert session.try_exit_status() is None
        assert await session.terminate() is True
        assert await session.wait() == 128 + 9  # killed by SIGKILL
        assert await session.terminate() is False
        result = await executor.run(["sleep", "60"], cwd=workdir, timeout=0.2)
        assert result.timed_out and not result.ok and result.exit_code == 128 + 9
        interrupted = await executor.spawn(["sleep", "60"], cwd=workdir)
        await interrupted.interrupt()
        assert await interrupted.wait() == 128 + 2  # SIGINT


async def scenario_events(target: Target, workdir: Path) -> None:
    executor, _ = await open_executor(target)
    async with executor:
        events = executor.client.events()
        session = await executor.spawn(["sh", "-c", "echo a; exit 5"], cwd=workdir)
        seen: list[Any] = []
        async for event in events:
            if event.process_id == session.process_id:
                seen.append(event)
                if isinstance(event, models.ProcessClosedNotification):
                    break
        # Exit and output race for seqs on the reference; closed is always last.
        assert sorted(type(event).__name__ for event in seen) == [
            "ProcessClosedNotification",
            "ProcessExitedNotification",
            "ProcessOutputNotification",
        ]
        assert isinstance(seen[-1], models.ProcessClosedNotification)
        assert [event.seq for event in seen] == [1, 2, 3]
        exited = [e for e in seen if isinstance(e, models.ProcessExitedNotification)]
        assert exited[0].exit_code == 5


async def scenario_resume_mid_stream(target: Target, workdir: Path) -> None:
    """Cut the connection three times while a process streams; every line arrives once."""
    executor, faults = await open_executor(target)
    stop = marker(workdir, "stop")
    script = (
        f"i=0; while [ ! -e {stop} ]; do i=$((i+1)); echo line-$i; sleep 0.002; done; "
        "echo last-$i"
    )
    async with executor:
        session = await executor.spawn(["sh", "-c", script], cwd=workdir)
        received = bytearray()
        cuts = 0
        async for chunk in session.output():
            received += chunk.data
            lines = received.count(b"\n")
            if cuts < 3 and lines >= 40 * (cuts + 1):
                faults.cut()
                cuts += 1
            elif cuts == 3 and lines >= 160:
                stop.touch()
        assert await session.wait() == 0
        await until(lambda: executor.client.reconnects == 3, "the third resume completed")
        lines = received.decode().splitlines()
        count = int(lines[-1].removeprefix("last-"))
        assert lines == [f"line-{i}" for i in range(1, count + 1)] + [f"last-{count}"]


async def scenario_resume_detached_output(target: Target, workdir: Path) -> None:
    """Output produced while disconnected comes from the catch-up read, exactly once."""
    executor, faults = await open_executor(target)
    cut, produced, resumed = (marker(workdir, name) for name in ("cut", "produced", "resumed"))
    script = (
        "for i in $(seq 1 100); do echo a-$i; done; "
        f"while [ ! -e {cut} ]; do sleep 0.01; done; "
        "for i in $(seq 1 2000); do echo b-$i; echo e-$i >&2; done; "
        f"touch {produced}; while [ ! -e {resumed} ]; do sleep 0.01; done; "
        "for i in $(seq 1 100); do echo c-$i; done; exit 3"
    )
    async with executor:
        session = await executor.spawn(["sh", "-c", script], cwd=workdir)
        stdout, stderr = bytearray(), bytearray()
        async for chunk in session.output():
            (stderr if chunk.stream == "stderr" else stdout).extend(chunk.data)
            if stdout.endswith(b"a-100\n") and not cut.exists():
                faults.refuse_connections()
                faults.cut()
                cut.touch()
                await until(produced.exists, "the process wrote its detached output")
                faults.accept_connections()
                await until(lambda: executor.client.reconnects == 1, "the session resumed")
                resumed.touch()
        assert await session.wait() == 3
        expected = [f"a-{i}" for i in range(1, 101)] + [f"b-{i}" for i in range(1, 2001)]
        expected += [f"c-{i}" for i in range(1, 101)]
        assert stdout.decode().splitlines() == expected
        assert stderr.decode().splitlines() == [f"e-{i}" for i in range(1, 2001)]


async def scenario_resume_refused_while_attached(target: Target, workdir: Path) -> None:
    """The server has not noticed the dead link: resume is refused (-32010) until it does."""
    executor, faults = await open_executor(target)
    go = marker(workdir, "go")
    script = f"echo before; while [ ! -e {go} ]; do sleep 0.01; done; echo after"
    async with executor:
        session = await executor.spawn(["sh", "-c", script], cwd=workdir)
        output = session.output()
        first = await anext(output)
        assert first.data == b"before\n"
        faults.cut(silently=True)
        go.touch()
        await until(lambda: faults.connections >= 3, "resume attempts were refused")
        assert executor.client.reconnects == 0 and not executor.client.connected
        faults.release_silent_cuts()
        rest = [chunk.data async for chunk in output]
        assert rest == [b"after\n"]
        assert await session.wait() == 0
        await until(lambda: executor.client.reconnects == 1, "the resume completed")


async def scenario_output_lost(target: Target, workdir: Path) -> None:
    """More than the server's 1 MiB retention while disconnected: OutputLost, not a gap."""
    executor, faults = await open_executor(target)
    go, produced = marker(workdir, "go"), marker(workdir, "produced")
    size = 3 * 1024 * 1024
    script = (
        f"echo start; while [ ! -e {go} ]; do sleep 0.01; done; "
        f"head -c {size} /dev/zero | tr '\\0' x; echo; echo end; touch {produced}"
    )
    async with executor:
        session = await executor.spawn(["sh", "-c", script], cwd=workdir)
        output = session.output()
        assert (await anext(output)).data == b"start\n"
        faults.refuse_connections()
        faults.cut()
        go.touch()
        await until(produced.exists, "the process produced its output while detached")
        faults.accept_connections()
        with pytest.raises(OutputLost) as lost:
            await anext(output)
        assert lost.value.process_id == session.process_id
        assert lost.value.first_seq == 2
        assert lost.value.last_seq is not None and lost.value.last_seq >= 2
        rest = b"".join([chunk.data async for chunk in session.output()])
        assert rest.endswith(b"x\nend\n")
        assert 0 < len(rest) < size
        assert set(rest[:-5]) == {ord("x")}
        assert await session.wait() == 0


async def scenario_unknown_session(target: Target, workdir: Path) -> None:
    connector = target.make_connector()
    with pytest.raises(SessionExpiredError) as expired:
        await ExecServerClient.open(connector, resume_session_id=str(uuid.uuid4()), options=ClientOptions(reconnect=FAST_RECONNECT))
    assert expired.value.code == -32600


async def scenario_sync_api(target: Target, workdir: Path) -> None:
    """The generated blocking facade, from a plain thread, on the same server."""

    def blocking_session() -> None:
        executor = (
            SyncExecutor.connect_in_process()  # its own embedded server, on the sync loop
            if target.in_process
            else SyncExecutor.open(target.make_connector())
        )
        with executor:
            result = executor.run(["sh", "-c", "echo out; echo err >&2; exit 2"], cwd=workdir)
            assert (result.exit_code, result.stdout, result.stderr) == (2, b"out\n", b"err\n")
            session = executor.spawn(["sh", "-c", "read x; echo got-$x"], cwd=workdir, stdin=True)
            session.write("y\n")
            assert [chunk.data for chunk in session.output()] == [b"got-y\n"]
            assert session.wait() == 0 and session.try_exit_status() == 0
            executor.write_bytes(workdir / "sync.bin", b"\x00\x01")
            assert executor.read_bytes(workdir / "sync.bin") == b"\x00\x01"
            assert [entry.name for entry in executor.listdir(workdir)] == ["sync.bin"]
            events = executor.client.events()
            executor.spawn(["true"], cwd=workdir)
            for event in events:
                if isinstance(event, models.ProcessClosedNotification):
                    break
            with pytest.raises(NotFoundError):
                executor.stat(workdir / "missing")

    await asyncio.to_thread(blocking_session)


async def scenario_attach_from_new_client(target: Target, workdir: Path) -> None:
    """A new client resumes a detached session by id and re-attaches to its process."""
    first, _ = await open_executor(target)
    go = marker(workdir, "go")
    script = f"echo one; while [ ! -e {go} ]; do sleep 0.01; done; echo two; exit 6"
    session = await first.spawn(["sh", "-c", script], cwd=workdir, process_id="long-job")
    assert (await anext(session.output())).data == b"one\n"
    session_id = first.client.session_id
    await first.close(terminate_processes=False)  # detach; the server keeps the process
    go.touch()
    second = await Executor.open(target.make_connector(), resume_session_id=session_id, options=ClientOptions(reconnect=FAST_RECONNECT))
    async with second:
        attached = await second.attach("long-job")
        assert b"".join([chunk.data async for chunk in attached.output()]) == b"one\ntwo\n"
        assert await attached.wait() == 6
        again = await second.attach("long-job", after_seq=1)
        assert [chunk.data async for chunk in again.output()] == [b"two\n"]


async def scenario_output_chunk_size(target: Target, workdir: Path) -> None:
    """The client asks for 64 KiB chunks: our server applies it and says so; the reference
    ignores the ask and keeps its 8 KiB chunks. Output is whole either way."""
    executor, _ = await open_executor(target)
    async with executor:
        extensions = executor.client.server_extensions
        if target.name.startswith("execwire"):
            everything = sorted(name for name, spec in REQUESTS.items() if spec.extension)
            assert extensions == models.ExecwireExtensions(
                output_chunk_bytes=65536, walk_tree=True, methods=everything
            )
        session = await executor.spawn(["head", "-c", str(1 << 20), "/dev/zero"], cwd=workdir)
        sizes = [len(chunk.data) async for chunk in session.output()]
        assert sum(sizes) == 1 << 20
        if extensions is None:
            assert max(sizes) <= 8192
        else:
            assert 8192 < max(sizes) <= 65536


async def scenario_examples(target: Target, workdir: Path) -> None:
    """The quick starts and the usage example run as written (as a user would run them)."""
    if target.url is None:
        pytest.skip("the examples connect over a websocket")
    examples = Path(__file__).resolve().parents[2] / "examples"
    expected = {
        "quickstart_async.py": "exit 3, stdout b'hello\\n', stderr b'oops\\n'",
        "quickstart_sync.py": "exit 3, stdout b'hello\\n', stderr b'oops\\n'",
        "sdk_usage.py": "check=True raised for exit 2",
    }
    for script, text in expected.items():
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(examples / script), target.url,
            cwd=workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await process.communicate()
        assert process.returncode == 0, f"{script}: {stderr.decode()}"
        assert text in stdout.decode(), f"{script} printed {stdout.decode()!r}"


SCENARIOS: dict[str, Callable[[Target, Path], Awaitable[None]]] = {
    "split_streams": scenario_split_streams,
    "exit_codes": scenario_exit_codes,
    "environment": scenario_environment,
    "pty": scenario_pty,
    "stdin": scenario_stdin,
    "file_round_trip": scenario_file_round_trip,
    "large_file": scenario_large_file,
    "terminate": scenario_terminate,
    "events": scenario_events,
    "resume_mid_stream": scenario_resume_mid_stream,
    "resume_detached_output": scenario_resume_detached_output,
    "resume_refused_while_attached": scenario_resume_refused_while_attached,
    "output_lost": scenario_output_lost,
    "unknown_session": scenario_unknown_session,
    "sync_api": scenario_sync_api,
    "attach_from_new_client": scenario_attach_from_new_client,
    "output_chunk_size": scenario_output_chunk_size,
    "examples": scenario_examples,
}
RESUME_SCENARIOS = frozenset(
    {
        "resume_mid_stream",
        "resume_detached_output",
        "resume_refused_while_attached",
        "output_lost",
        "unknown_session",
        "attach_from_new_client",
    }
)


def cases(transports: tuple[str, ...]) -> list[Any]:
    """(scenario, transport) pairs: resume scenarios only where a session can be resumed."""
    return [
        pytest.param(name, transport, id=f"{name}-{transport}")
        for name in SCENARIOS
        for transport in transports
        if transport != "stdio" or name not in RESUME_SCENARIOS | {"examples"}
        if transport != "in-process" or name != "examples"
    ]


# -- our server -----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def execwire_target(transport: str, workdir: Path) -> AsyncIterator[Target]:
    """Our server over `transport`, stopped afterwards."""
    if transport == "websocket":
        async with running_server("execwire", workdir) as server:
            yield Target(
                f"execwire {server.url}", lambda: WebSocketConnector(server.url), True, server.url
            )
    elif transport == "stdio":
        argv = [sys.executable, "-m", "execwire_server", "--listen", "stdio"]
        env = dict(BASE_ENV, HOME=str(Path.home()))
        yield Target(
            "execwire stdio", lambda: StdioConnector(argv, env=env, cwd=workdir), False
        )
    else:
        from execwire_server.server import ExecServer

        with _environment(BASE_ENV):
            server = ExecServer()
        try:
            yield Target(
                "execwire in-process", lambda: InProcessConnector(server), True, in_process=True
            )
        finally:
            await server.shutdown()


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Any:
    """Give the embedded server the same environment the external servers get."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values, HOME=str(Path.home()))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.parametrize(("name", "transport"), cases(("websocket", "stdio", "in-process")))
async def test_scenario(name: str, transport: str, tmp_path: Path) -> None:
    async with execwire_target(transport, tmp_path) as target:
        async with asyncio.timeout(SCENARIO_LIMIT):
            await SCENARIOS[name](target, tmp_path)


async def test_stdio_loss_is_final(tmp_path: Path) -> None:
    """A stdio server lives and dies with its pipes: no resume, a clear TransportError."""
    async with execwire_target("stdio", tmp_path) as target:
        executor, faults = await open_executor(target)
        session = await executor.spawn(["sleep", "30"], cwd=tmp_path)
        faults.cut()  # kills the server's process group
        with pytest.raises(TransportError):
            async for _ in session.output():
                pass
        with pytest.raises(TransportError):
            await executor.stat(tmp_path)
        assert faults.connections == 1
        await executor.close()


async def test_session_expired_after_ttl(tmp_path: Path) -> None:
    """Kept away longer than the detached-session TTL: a clear terminal error, everywhere."""
    from execwire_server.server import ExecServer

    server = ExecServer(detached_session_ttl=0.2)
    faults = FaultInjectingConnector(InProcessConnector(server))
    try:
        executor = await Executor.open(faults, options=ClientOptions(reconnect=FAST_RECONNECT))
        session = await executor.spawn(["sleep", "30"], cwd=tmp_path)
        faults.refuse_connections()
        faults.cut()
        await asyncio.sleep(0.6)  # let the TTL elapse (a precondition, not a measurement)
        faults.accept_connections()
        with pytest.raises(SessionExpiredError):
            async for _ in session.output():
                pass
        with pytest.raises(SessionExpiredError):
            await executor.client.environment_info()
        assert not executor.client.connected
        await executor.close()
    finally:
        await server.shutdown()
