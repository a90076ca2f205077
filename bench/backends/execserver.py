"""Exec-server back ends, all driven by one SDK client (`SdkClient` over `execwire.Executor`).

* `ExecwireBackend`:   our `execwire-server --listen ws://127.0.0.1:0`;
* `ReferenceBackend`:  the native `codex exec-server` 0.169.0 (installed like `make interop`);
* `RelayBackend`:      our server in remote mode, reached through `execwire-rendezvous`
  (Noise end to end) with the SDK's `RelayConnector`.

They differ only in how the server is started and which `Connector` reaches it; everything
the workloads do goes through `SdkClient`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from execwire import (
    Connector,
    Executor,
    ExecWireError,
    RelayConnector,
    Sandbox,
    WebSocketConnector,
)
from execwire.protocol import models
from execwire.relay.framing import MAX_MESSAGE_LEN as RELAY_MAX_MESSAGE

from ..processes import ServerFailed, ServerProcess, start_server
from .base import Backend, BackendUnavailable, Client, RunContext, Server

__all__ = ["ExecwireBackend", "ReferenceBackend", "RelayBackend", "SdkClient"]

EXEC_SERVER_GROUPS = frozenset(
    {"exec", "sandbox", "walk", "blocks", "streaming", "files", "concurrency", "fanout"}
)
LISTEN = "ws://127.0.0.1:0"


class SdkClient:
    """The one client code path for every exec-server back end: `execwire.Executor`."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    async def run(self, argv: Sequence[str]) -> bytes:
        return await self._run(argv, None)

    async def run_sandboxed(self, argv: Sequence[str], writable_root: str) -> bytes:
        return await self._run(argv, Sandbox.workspace_write(writable_root))

    async def _run(
        self, argv: Sequence[str], sandbox: models.FileSystemSandboxContext | None
    ) -> bytes:
        result = await self._executor.run(argv, sandbox=sandbox)
        if result.exit_code != 0:
            raise RuntimeError(f"{list(argv)} exited with {result.exit_code}: {result.stderr!r}")
        return result.stdout

    async def stream(self, argv: Sequence[str]) -> int:
        session = await self._executor.spawn(argv)
        received = 0
        async for chunk in session.output():
            received += len(chunk.data)
        exit_code = await session.wait()
        if exit_code != 0:
            raise RuntimeError(f"{list(argv)} exited with {exit_code}")
        return received

    async def walk(self, path: str) -> int:
        return len(await self._executor.walk(path))

    async def read_blocks(self, path: str) -> int:
        async with await self._executor.open_file(path) as source:
            return sum([len(block) async for block in source.blocks()])

    async def write_blocks(self, path: str, data: bytes) -> None:
        async with await self._executor.open_file(path, "replace") as target:
            await target.write(data)

    async def read_file(self, path: str) -> bytes:
        return await self._executor.read_bytes(path)

    async def write_file(self, path: str, data: bytes) -> None:
        await self._executor.write_bytes(path, data)

    async def close(self) -> None:
        await self._executor.close()


@dataclass
class SdkServer:
    """A running exec-server, reached through connectors from `connector`."""

    process: ServerProcess
    """The server (for the relay: the executor; the rendezvous is infrastructure)."""
    connector: Callable[[], Connector]
    message_limit: int | None = None
    """None: answers of any size (a plain websocket); the relay carries at most 64 MiB."""

    @property
    def pid(self) -> int | None:
        return self.process.pid

    async def connect(self) -> Client:
        return SdkClient(await Executor.open(self.connector()))


def _server_env(context: RunContext, name: str) -> dict[str, str]:
    """The same minimal environment for every server; a fresh CODEX_HOME (not under /tmp)."""
    codex_home = tempfile.mkdtemp(prefix=f"codex-home-{name}-", dir=context.work_dir)
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
        "CODEX_HOME": codex_home,
    }


class _WebSocketExecServer(Backend):
    """An exec-server listening on a loopback websocket."""

    # `keystroke` runs the `execwire` CLI, and `stall` a second client process, both given
    # the websocket URL.
    groups = EXEC_SERVER_GROUPS | {"keystroke", "stall"}

    def command(self) -> list[str]:
        raise NotImplementedError

    @contextlib.asynccontextmanager
    async def serving(self, context: RunContext, group: str) -> AsyncIterator[Server]:
        async with start_server(
            self.name,
            self.command(),
            log_path=context.log_dir / f"{self.name}-{group}.log",
            env=_server_env(context, self.name),
            cwd=context.work_dir,
        ) as process:
            url = process.url
            yield SdkServer(process, lambda: WebSocketConnector(url))


class ExecwireBackend(_WebSocketExecServer):
    name = "execwire"
    label = "execwire-server (ours), execwire SDK"
    # `transfer` (1 GiB each way through the CLI) has absolute targets: ours only.
    groups = _WebSocketExecServer.groups | {"transfer"}

    def command(self) -> list[str]:
        return [sys.executable, "-m", "execwire_server", "--listen", LISTEN]

    def versions(self) -> dict[str, str]:
        return {"execwire": metadata.version("execwire")}


class ReferenceBackend(_WebSocketExecServer):
    name = "reference"
    label = "codex exec-server 0.169.0, execwire SDK"

    def __init__(self) -> None:
        self._binary: Path | None = None
        self._version = ""

    async def setup(self, context: RunContext) -> None:
        # The pinned install of `make interop` (npm @openai/codex into .cache/codex).
        from tests.interop.servers import CODEX_VERSION, native_reference_binary

        try:
            self._binary = await asyncio.to_thread(native_reference_binary)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
            raise BackendUnavailable(f"cannot install codex {CODEX_VERSION}: {error}") from error
        self._version = CODEX_VERSION

    def command(self) -> list[str]:
        assert self._binary is not None, "setup() first"
        return [str(self._binary), "exec-server", "--listen", LISTEN]

    def versions(self) -> dict[str, str]:
        return {"codex": self._version}


# ----------------------------------------------------------------------------- relay

RELAY_ENVIRONMENT = "bench"
RELAY_READY_TIMEOUT = 30.0


class RelayBackend(Backend):
    """Our server in remote mode, reached through the rendezvous (Noise end to end).

    Server side: `execwire-rendezvous` (registry + rendezvous on one port) and
    `execwire-server --remote URL --environment-id bench`, the registration bearer on
    stdin. Client side: the SDK's `RelayConnector` (with the Noise handshake), through
    the same `SdkClient` as the other exec-server back ends. With many clients, all their
    streams share the executor's one socket to the rendezvous (the `concurrency` group is
    the "128 concurrent streams on one executor socket" case).
    """

    name = "relay"
    label = "execwire-server --remote via execwire-rendezvous (Noise), execwire SDK"
    # Not `fanout`: an executor socket carries at most 128 streams (the reference's limit).
    groups = EXEC_SERVER_GROUPS - {"fanout"}

    @contextlib.asynccontextmanager
    async def serving(self, context: RunContext, group: str) -> AsyncIterator[Server]:
        token = secrets.token_urlsafe(24)
        token_file = context.work_dir / f"rendezvous-{group}.token"
        token_file.write_text(token + "\n")
        token_file.chmod(0o600)
        env = _server_env(context, self.name)
        async with (
            start_server(
                "execwire-rendezvous",
                [
                    sys.executable,
                    "-m",
                    "execwire_rendezvous",
                    "--listen",
                    "127.0.0.1:0",
                    "--token-file",
                    str(token_file),
                ],
                log_path=context.log_dir / f"rendezvous-{group}.log",
                env=env,
                url_prefix="http://",
            ) as rendezvous,
            start_server(
                "execwire-server --remote",
                [
                    sys.executable,
                    "-m",
                    "execwire_server",
                    "--remote",
                    rendezvous.url,
                    "--environment-id",
                    RELAY_ENVIRONMENT,
                    "--registration-bearer-stdin",
                ],
                log_path=context.log_dir / f"relay-{group}.log",
                env=env,
                cwd=context.work_dir,
                stdin=token.encode() + b"\n",
                url_prefix=None,
            ) as executor,
        ):
            server = SdkServer(
                executor,
                lambda: RelayConnector(rendezvous.url, RELAY_ENVIRONMENT, token=token),
                RELAY_MAX_MESSAGE,
            )
            await _until_reachable(server)
            yield server


async def _until_reachable(server: SdkServer) -> None:
    """Until a session can be opened (the executor registers asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RELAY_READY_TIMEOUT
    while True:
        try:
            client = await server.connect()
        except ExecWireError as error:
            if server.process.proc.returncode is not None or loop.time() > deadline:
                raise ServerFailed(
                    f"the remote executor is not reachable: {error}; "
                    f"log: {server.process.log_tail()!r}"
                ) from error
            await asyncio.sleep(0.1)
            continue
        await client.close()
        return
