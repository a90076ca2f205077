"""`Executor`: the high-level, subprocess-like API over an `ExecServerClient`.

Defaults, chosen to match what `subprocess` users expect:

* **argv first**: `run(["make", "test"])`. A shell command is `["sh", "-c", "..."]`; a plain
  string is refused rather than guessed at.
* **cwd** defaults to the server's working directory (`environmentInfo.cwd` of
  `initialize`); relative paths (for `cwd` and every filesystem helper) are resolved
  against it.
* **env**: when neither `env` nor `env_policy` is given the child inherits the server's
  environment (`envPolicy` inherit `all`, with the server's default exclusion of names
  matching `*KEY*`, `*SECRET*`, `*TOKEN*`). A given `env` is used verbatim, like
  `subprocess`'s `env=`. With `env_policy` the policy builds the environment and `env`
  is laid over it (see `make_env_policy`).
* **non-zero exit is a result**, not an error, unless `check=True`.
* **timeouts**: `run(timeout=...)` is the command's wall-clock limit, counted from its start:
  on expiry the process group is killed and the result says `timed_out`. `wait(timeout=)`
  bounds only the wait. The client's `request_timeout` bounds single requests.
* **sandbox**: none unless asked for, per call: every process and file method takes
  `sandbox=` (`execwire.Sandbox.read_only(...)` etc.).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import PurePosixPath
from types import TracebackType
from typing import Final, Literal

from .client import ExecServerClient
from .command import CompletedCommand, OutputCapture
from .errors import ExecWireError, OutputLost
from .executor_files import ExecutorFiles
from .filesystem import (
    RemotePath,
    remote_path_from_uri,
)
from .options import DEFAULT_OPTIONS, ClientOptions
from .protocol import models
from .session import ExecSession
from .transports import Connector
from .transports.in_process import EmbeddedServer
from .watch import FileChange, watch_changes

__all__ = ["Executor", "make_env_policy"]

# After a timeout kill, how long to wait for the rest of the output and the close event.
KILL_DRAIN_GRACE: Final = 5.0
# Best-effort budget for terminating still-running processes when an Executor closes.
CLOSE_TERMINATE_BUDGET: Final = 5.0


def make_env_policy(
    inherit: Literal["all", "core", "none"] = "all",
    *,
    exclude: Sequence[str] = (),
    set: Mapping[str, str] | None = None,
    include_only: Sequence[str] = (),
    keep_secrets: bool = False,
) -> models.ExecEnvPolicy:
    """An `envPolicy`: start from the server's environment (`all`, `core` = HOME, PATH,
    SHELL, USER, LANG..., or `none`), drop names matching `*KEY*`/`*SECRET*`/`*TOKEN*`
    unless `keep_secrets`, drop `exclude` globs, add `set`, then keep only `include_only`
    globs when given."""
    return models.ExecEnvPolicy(
        inherit=inherit,
        ignore_default_excludes=keep_secrets,
        exclude=list(exclude),
        set=dict(set or {}),
        include_only=list(include_only),
    )


def _argv(argv: Sequence[str]) -> list[str]:
    if isinstance(argv, str | bytes):
        raise TypeError(
            "argv must be a sequence of strings, e.g. ['ls', '-l'] "
            "(for a shell command use ['sh', '-c', command])"
        )
    items = list(argv)
    if not items:
        raise ValueError("argv must not be empty")
    if not all(isinstance(item, str) for item in items):
        raise TypeError("argv items must be strings")
    return items


class Executor(ExecutorFiles):
    """Run processes and use files on one exec-server.

    Build it with `connect_websocket`, `connect_stdio`, `connect_in_process`, `open`, or
    wrap an existing client with `Executor(client)`. At the end of `async with` it,
    processes it spawned that still run are terminated and an owned client is closed.

    Every process and file method takes `sandbox=`, the portable sandbox intent the server
    enforces for that one call (build it with `execwire.Sandbox`); None runs unsandboxed.
    """

    def __init__(self, client: ExecServerClient) -> None:
        """Wrap a connected client (which the executor will not close)."""
        self._client = client
        self._owns_client = False
        self._sessions: weakref.WeakSet[ExecSession] = weakref.WeakSet()
        self._missing_watch_id = 0
        """The last `fs/watchMissing` id: each watch needs a larger one."""
        environment = client.environment
        self._cwd = (
            remote_path_from_uri(environment.cwd)
            if environment is not None and environment.cwd is not None
            else None
        )

    # -- construction ------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        connector: Connector,
        *,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> Executor:
        """Connect through any `Connector`; the executor owns (and closes) the client."""
        client = await ExecServerClient.open(
            connector, resume_session_id=resume_session_id, options=options
        )
        return await cls._owning(client)

    @classmethod
    async def connect_websocket(
        cls,
        url: str,
        *,
        token: str | None = None,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> Executor:
        """Connect to `ws://host:port`; `token` is sent as `Authorization: Bearer`."""
        client = await ExecServerClient.connect_websocket(
            url, token=token, resume_session_id=resume_session_id, options=options
        )
        return await cls._owning(client)

    @classmethod
    async def connect_relay(
        cls,
        registry_url: str,
        environment_id: str,
        *,
        token: str,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> Executor:
        """Reach environment `environment_id` through the registry at `registry_url` and its
        rendezvous, end-to-end encrypted; `token` is the registry bearer token."""
        client = await ExecServerClient.connect_relay(
            registry_url,
            environment_id,
            token=token,
            resume_session_id=resume_session_id,
            options=options,
        )
        return await cls._owning(client)

    @classmethod
    async def connect_stdio(
        cls,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> Executor:
        """Spawn a server (e.g. `["execwire-server", "--listen", "stdio"]`) and use it over
        its stdin/stdout; it stops when the executor closes."""
        client = await ExecServerClient.connect_stdio(argv, env=env, cwd=cwd, options=options)
        return await cls._owning(client)

    @classmethod
    async def connect_in_process(
        cls, server: EmbeddedServer | None = None, *, options: ClientOptions = DEFAULT_OPTIONS
    ) -> Executor:
        """Use an embedded `execwire_server` in this event loop (created if not given)."""
        client = await ExecServerClient.connect_in_process(server, options=options)
        return await cls._owning(client)

    @classmethod
    async def _owning(cls, client: ExecServerClient) -> Executor:
        try:
            executor = cls(client)
            if executor._cwd is None:  # servers that do not report it in initialize
                info = await client.environment_info()
                if info.cwd is not None:
                    executor._cwd = remote_path_from_uri(info.cwd)
        except BaseException:
            await client.close()
            raise
        executor._owns_client = True
        return executor

    async def __aenter__(self) -> Executor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self, *, terminate_processes: bool = True) -> None:
        """Terminate the processes this executor spawned that still run (unless
        `terminate_processes=False`: the server then keeps them for its detached-session
        TTL), and close the client if the executor owns it."""
        if terminate_processes:
            running = [s for s in self._sessions if s.try_exit_status() is None]
            if running and self._client.connected:
                with contextlib.suppress(TimeoutError, ExecWireError):
                    async with asyncio.timeout(CLOSE_TERMINATE_BUDGET):
                        await asyncio.gather(
                            *(s.terminate() for s in running), return_exceptions=True
                        )
        if self._owns_client:
            await self._client.close()

    # -- properties --------------------------------------------------------------------

    @property
    def client(self) -> ExecServerClient:
        """The underlying typed client (every RPC, raw events)."""
        return self._client

    @property
    def cwd(self) -> PurePosixPath | None:
        """The server's working directory: the default `cwd`, and the base of relative
        paths (None if the server did not report one)."""
        return self._cwd

    # -- processes ---------------------------------------------------------------------

    def watch(
        self,
        path: RemotePath,
        *,
        recursive: bool = True,
        debounce_ms: int | None = None,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> AsyncIterator[FileChange]:
        """The changes below a remote file or directory, as they happen: `async for change
        in executor.watch(path)`. Leaving the loop stops the watch; a lost connection ends
        it with `TransportError` (see `execwire.watch`)."""
        return watch_changes(
            self._client,
            self._uri(path),
            recursive=recursive,
            debounce_ms=debounce_ms,
            sandbox=sandbox,
        )

    async def spawn(
        self,
        argv: Sequence[str],
        *,
        cwd: RemotePath | None = None,
        env: Mapping[str, str] | None = None,
        env_policy: models.ExecEnvPolicy | None = None,
        tty: bool = False,
        stdin: bool = False,
        arg0: str | None = None,
        sandbox: models.FileSystemSandboxContext | None = None,
        process_id: str | None = None,
    ) -> ExecSession:
        """Start a process and return its session (see the module docstring for defaults).

        `stdin=True` keeps stdin writable (`ExecSession.write`); otherwise it is
        /dev/null. `tty=True` runs it under a 24x80 PTY (always writable). `sandbox` is the
        portable sandbox intent (None: unsandboxed). `process_id` defaults to a fresh one.
        """
        items = _argv(argv)
        if env_policy is None and env is None:
            policy: models.ExecEnvPolicy | None = make_env_policy("all")
            environment: dict[str, str] = {}
        else:
            policy = env_policy
            environment = dict(env or {})
        params = models.ExecParams(
            process_id=process_id or f"execwire-{uuid.uuid4().hex[:16]}",
            argv=items,
            cwd=self._uri(cwd if cwd is not None else self._require_cwd()),
            env_policy=policy,
            env=environment,
            tty=tty,
            pipe_stdin=stdin,
            arg0=arg0,
            sandbox=sandbox,
        )
        response = await self._client.process_start(params)
        session = ExecSession(
            self._client,
            self._client.internal.route(params.process_id),
            argv=tuple(items),
            tty=tty,
            sandbox_type=response.sandbox_type,
        )
        self._sessions.add(session)
        return session

    async def attach(self, process_id: str, *, after_seq: int = 0) -> ExecSession:
        """A session for a process of this server session that this executor did not
        start (e.g. after `resume_session_id`); its output after `after_seq` is replayed
        from what the server retains (`processes()` tells which seqs it still has). With
        a server that lists processes, the session's `argv` and `tty` are the process's."""
        info = None
        if self._client.internal.has_extension("execwire/listProcesses"):
            info = next((p for p in await self.processes() if p.process_id == process_id), None)
        await self._client.attach_process(process_id, after_seq=after_seq)
        return ExecSession(
            self._client,
            self._client.internal.route(process_id),
            argv=tuple(info.argv) if info is not None else (),
            tty=info.tty if info is not None else False,
            sandbox_type=None,
        )

    async def processes(self) -> list[models.ProcessInfo]:
        """The processes of this server session, running or still retained after their
        exit, in process id order: id, argv, pid, tty, running, exit code, and the seqs of
        the output still retained (`first_seq` up to `next_seq`). Raises
        `UnsupportedByServer` for servers without `execwire/listProcesses`."""
        self._client.internal.require_extension("execwire/listProcesses")
        return (await self._client.execwire_list_processes()).processes

    async def run(
        self,
        argv: Sequence[str],
        *,
        cwd: RemotePath | None = None,
        env: Mapping[str, str] | None = None,
        env_policy: models.ExecEnvPolicy | None = None,
        tty: bool = False,
        timeout: float | None = None,
        max_output_bytes: int | None = None,
        check: bool = False,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> CompletedCommand:
        """Run a command to completion and collect its output.

        `timeout` (seconds) limits the command's run time from its start; on expiry the
        process group is killed and the result has `timed_out=True`. `max_output_bytes`
        keeps the last that many bytes of each stream. With `check=True` a non-zero exit or
        a timeout raises `CommandFailed` (carrying the result). Output the server evicted
        during a long disconnection raises `OutputLost`, whose `result` holds the rest.
        If the call is cancelled the process is terminated.
        """
        session = await self.spawn(
            argv, cwd=cwd, env=env, env_policy=env_policy, tty=tty, sandbox=sandbox
        )
        stdout, stderr, output = (OutputCapture(max_output_bytes) for _ in range(3))
        lost: list[OutputLost] = []
        timed_out = False
        try:
            deadline = asyncio.timeout(timeout)
            try:
                async with deadline:
                    await _collect(session, stdout, stderr, output, lost)
            except TimeoutError:
                if not deadline.expired():
                    raise
                timed_out = True
                await session.terminate()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(KILL_DRAIN_GRACE):
                        await _collect(session, stdout, stderr, output, lost)
            exit_code = await session.wait()
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(session.close())
            raise
        finally:
            self._client.internal.release_route(session._route)
        result = CompletedCommand(
            argv=session.argv,
            process_id=session.process_id,
            exit_code=exit_code,
            stdout=stdout.value(),
            stderr=stderr.value(),
            output=output.value(),
            stdout_truncated=stdout.truncated,
            stderr_truncated=stderr.truncated,
            output_truncated=output.truncated,
            timed_out=timed_out,
            sandbox_denied=session.sandbox_denied,
        )
        if lost:
            first, last = lost[0], lost[-1]
            raise OutputLost(session.process_id, first.first_seq, last.last_seq, result)
        if check:
            result.check()
        return result


async def _collect(
    session: ExecSession,
    stdout: OutputCapture,
    stderr: OutputCapture,
    output: OutputCapture,
    lost: list[OutputLost],
) -> None:
    """Drain a session's output into the captures, noting (not stopping at) lost output."""
    while True:
        try:
            async for chunk in session.output():
                (stderr if chunk.stream == "stderr" else stdout).add(chunk.data)
                output.add(chunk.data)
            return
        except OutputLost as error:
            lost.append(error)
