"""A user script over the execwire SDK; `make typecheck` runs `mypy --strict` on it.

It uses the high-level `Executor` (run, spawn, files), the typed low-level client (generated
params and results, typed events), the error tree and the blocking API, the way an
orchestrator would. Run it against a server: `python examples/sdk_usage.py ws://HOST:PORT`.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import PurePosixPath
from typing import assert_never

import execwire.sync as blocking
from execwire import (
    ClientEvent,
    CommandFailed,
    Executor,
    NotFoundError,
    OutputGap,
    OutputLost,
    TransportError,
    make_env_policy,
)
from execwire.protocol import models


def describe(event: ClientEvent) -> str:
    """One line per event; mypy checks that every kind is handled."""
    if isinstance(event, models.ProcessOutputNotification):
        return f"{event.process_id} #{event.seq} {event.stream}: {event.chunk!r}"
    if isinstance(event, models.ProcessExitedNotification):
        return f"{event.process_id} #{event.seq} exited with {event.exit_code}"
    if isinstance(event, models.ProcessClosedNotification):
        return f"{event.process_id} #{event.seq} closed"
    if isinstance(event, models.FsMissingChangedNotification):
        return f"watch {event.watch_id}: a missing path changed"
    if isinstance(event, models.HttpRequestBodyDeltaNotification):
        return f"http {event.request_id} #{event.seq}: {len(event.delta_base64)} bytes"
    if isinstance(event, models.WatchChangedNotification):
        return f"watch {event.watch_id}: {len(event.changes)} changes"
    if isinstance(event, OutputGap):
        return f"{event.process_id} lost seqs {event.first_seq}..{event.last_seq}"
    assert_never(event)


async def build_and_test(executor: Executor, workdir: PurePosixPath) -> int:
    """Write a script, run it with a deadline, stream a second process, then clean up."""
    await executor.mkdir(workdir)
    await executor.write_text(workdir / "job.sh", "echo building; echo 'warning: x' >&2\n")
    result = await executor.run(["sh", "job.sh"], cwd=workdir, timeout=30, max_output_bytes=65536)
    print(f"exit {result.exit_code}, stderr {result.stderr_text!r}, timed out: {result.timed_out}")

    env = {"GREETING": "hello"}
    session = await executor.spawn(
        ["sh", "-c", "echo $GREETING from $USER"], env=env, env_policy=make_env_policy("core")
    )
    try:
        async for chunk in session.output():
            print(f"[{chunk.stream} #{chunk.seq}] {chunk.data.decode(errors='replace')}", end="")
    except OutputLost as lost:
        print(f"lost output seqs {lost.first_seq}..{lost.last_seq}")
    code = await session.wait()

    try:
        await executor.run(["sh", "-c", "exit 2"], check=True)
    except CommandFailed as failure:
        print(f"check=True raised for exit {failure.result.exit_code}")
    try:
        await executor.stat(workdir / "missing")
    except NotFoundError as missing:
        print(f"{missing.method} -> {missing.code}")

    for entry in await executor.listdir(workdir):
        stat = await executor.stat(entry.path)
        print(f"{entry.name}: {stat.size} bytes, modified {stat.modified_at:%H:%M:%S}")
    await executor.remove(workdir, recursive=True)
    return code


async def low_level(executor: Executor) -> None:
    """The typed client: one method per RPC, generated models in and out, typed events."""
    client = executor.client
    events = client.events()
    started = await client.process_start(
        models.ExecParams(
            process_id="usage-ls",
            argv=["ls", "/"],
            cwd="file:///",
            env={"PATH": "/usr/bin:/bin"},
            tty=False,
        )
    )
    print(f"started {started.process_id} ({started.sandbox_type})")
    async for event in events:
        print(describe(event))
        if isinstance(event, models.ProcessClosedNotification):
            break
    info = await client.environment_info()
    print(f"executor {info.executor_version} on {info.platform_os}, cwd {info.cwd}")


async def main(url: str) -> None:
    try:
        async with await Executor.connect_websocket(url) as executor:
            await build_and_test(executor, PurePosixPath("/tmp/execwire-usage"))
            await low_level(executor)
    except TransportError as error:
        print(f"cannot reach {url}: {error}", file=sys.stderr)
        raise SystemExit(1) from None


def blocking_usage(url: str) -> None:
    """The same API without async: `execwire.sync` drives the async code on a loop thread."""
    with blocking.Executor.connect_websocket(url) as executor:
        result = executor.run(["uname", "-s"])
        print(f"blocking run: {result.stdout_text.strip()} (exit {result.exit_code})")
        session = executor.spawn(["sh", "-c", "echo one; echo two"])
        print([chunk.data for chunk in session.output()], session.wait())


if __name__ == "__main__":
    server_url = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8765"
    asyncio.run(main(server_url))
    blocking_usage(server_url)
