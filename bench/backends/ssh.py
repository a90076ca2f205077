"""asyncssh against a local OpenSSH server, each operation through asyncssh's natural API:
`conn.run(...)`, a process's stdout stream, and SFTP for files."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from collections.abc import AsyncIterator, Sequence
from importlib import metadata

import asyncssh

from .. import sshd
from ..processes import ServerProcess
from .base import Backend, BackendUnavailable, Client, RunContext, Server

__all__ = ["AsyncSshBackend"]

READ_BYTES = 1 << 16


class SshClient:
    """One SSH connection; its SFTP session is opened on first use."""

    def __init__(self, connection: asyncssh.SSHClientConnection) -> None:
        self._connection = connection
        self._sftp: asyncssh.SFTPClient | None = None

    async def run(self, argv: Sequence[str]) -> bytes:
        result = await self._connection.run(shlex.join(argv), encoding=None)
        if result.exit_status != 0:
            raise RuntimeError(f"{list(argv)} exited with {result.exit_status}")
        stdout = result.stdout
        assert isinstance(stdout, bytes)
        return stdout

    async def stream(self, argv: Sequence[str]) -> int:
        received = 0
        async with self._connection.create_process(shlex.join(argv), encoding=None) as process:
            while chunk := await process.stdout.read(READ_BYTES):
                received += len(chunk)
            await process.wait(check=True)
        return received

    async def _sftp_client(self) -> asyncssh.SFTPClient:
        if self._sftp is None:
            self._sftp = await self._connection.start_sftp_client()
        return self._sftp

    async def read_file(self, path: str) -> bytes:
        sftp = await self._sftp_client()
        async with sftp.open(path, "rb") as remote:  # parallel reads, like `sftp.get`
            data = await remote.read()
        assert isinstance(data, bytes)
        return data

    async def write_file(self, path: str, data: bytes) -> None:
        sftp = await self._sftp_client()
        async with sftp.open(path, "wb") as remote:  # parallel writes, like `sftp.put`
            await remote.write(data)

    async def close(self) -> None:
        if self._sftp is not None:
            self._sftp.exit()
        self._connection.close()
        await self._connection.wait_closed()


class SshServer:
    """A running sshd; the client key and known host are loaded once, not per connection
    (the exec-server back ends do no such per-connection file work either)."""

    def __init__(self, process: ServerProcess, port: int, keys: sshd.SshKeys) -> None:
        self.process = process
        self.port = port
        self._client_keys = [asyncssh.read_private_key(keys.user_key)]
        self._known_hosts = asyncssh.import_known_hosts(
            f"[{sshd.HOST}]:{port} {keys.host_public_key}\n"
        )

    @property
    def pid(self) -> int | None:
        return self.process.pid

    @property
    def message_limit(self) -> int | None:
        return None

    async def connect(self) -> Client:
        connection = await asyncssh.connect(
            sshd.HOST,
            port=self.port,
            username="root",
            client_keys=self._client_keys,
            known_hosts=self._known_hosts,
            agent_path=None,
            config=[],
        )
        return SshClient(connection)


class AsyncSshBackend(Backend):
    name = "asyncssh"
    label = "asyncssh -> local OpenSSH sshd"
    groups = frozenset({"exec", "streaming", "files", "concurrency", "fanout"})

    def __init__(self) -> None:
        self._sshd = ""
        self._keys: sshd.SshKeys | None = None

    async def setup(self, context: RunContext) -> None:
        try:
            self._sshd = await asyncio.to_thread(sshd.ensure_sshd)
            self._keys = await asyncio.to_thread(sshd.SshKeys.generate, context.work_dir / "ssh")
        except (sshd.SshdUnavailable, OSError) as error:
            raise BackendUnavailable(str(error)) from error

    @contextlib.asynccontextmanager
    async def serving(self, context: RunContext, group: str) -> AsyncIterator[Server]:
        assert self._keys is not None, "setup() first"
        log = context.log_dir / f"sshd-{group}.log"
        async with sshd.running_sshd(self._sshd, self._keys, log) as (process, port):
            yield SshServer(process, port, self._keys)

    def versions(self) -> dict[str, str]:
        return {"asyncssh": metadata.version("asyncssh"), "openssh-server": sshd.openssh_version()}
