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
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from types import TracebackType
from typing import Final, Literal

from .client import (
    DEFAULT_CLIENT_NAME,
    DEFAULT_OUTPUT_CHUNK_BYTES,
    DEFAULT_RECONNECT,
    ExecServerClient,
    ReconnectPolicy,
)
from .command import CompletedCommand, OutputCapture
from .errors import ExecWireError, NotFoundError, OutputLost
from .filesystem import (
    DirEntry,
    FileStat,
    RemotePath,
    TreeWalk,
    remote_path_from_uri,
    remote_path_to_uri,
)
from .http import HttpResponse
from .missing_watch import MissingWatch
from .protocol import models
from .remote_file import RemoteFile
from .session import ExecSession
from .transports import Connector
from .transports.in_process import EmbeddedServer
from .transports.websocket import DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_OPEN_TIMEOUT

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


class Executor:
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
        client_name: str = DEFAULT_CLIENT_NAME,
        reconnect: ReconnectPolicy | None = DEFAULT_RECONNECT,
        request_timeout: float | None = None,
        resume_session_id: str | None = None,
        output_chunk_bytes: int | None = DEFAULT_OUTPUT_CHUNK_BYTES,
    ) -> Executor:
        """Connect through any `Connector`; the executor owns (and closes) the client.
        `output_chunk_bytes`: see `ExecServerClient` (None: keep the 8 KiB default)."""
        client = await ExecServerClient.open(
            connector,
            client_name=client_name,
            reconnect=reconnect,
            request_timeout=request_timeout,
            resume_session_id=resume_session_id,
            output_chunk_bytes=output_chunk_bytes,
        )
        return await cls._owning(client)

    @classmethod
    async def connect_websocket(
        cls,
        url: str,
        *,
        token: str | None = None,
        client_name: str = DEFAULT_CLIENT_NAME,
        reconnect: ReconnectPolicy | None = DEFAULT_RECONNECT,
        request_timeout: float | None = None,
        resume_session_id: str | None = None,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        max_message_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES,
        output_chunk_bytes: int | None = DEFAULT_OUTPUT_CHUNK_BYTES,
    ) -> Executor:
        """Connect to `ws://host:port`; `token` is sent as `Authorization: Bearer`.
        Requests over `max_message_bytes` (default 64 MiB, the reference's limit; a file
        write can carry about 3/4 of it) raise `MessageTooLarge`."""
        client = await ExecServerClient.connect_websocket(
            url,
            token=token,
            client_name=client_name,
            reconnect=reconnect,
            request_timeout=request_timeout,
            resume_session_id=resume_session_id,
            open_timeout=open_timeout,
            max_message_bytes=max_message_bytes,
            output_chunk_bytes=output_chunk_bytes,
        )
        return await cls._owning(client)

    @classmethod
    async def connect_relay(
        cls,
        registry_url: str,
        environment_id: str,
        *,
        token: str,
        client_name: str = DEFAULT_CLIENT_NAME,
        reconnect: ReconnectPolicy | None = DEFAULT_RECONNECT,
        request_timeout: float | None = None,
        resume_session_id: str | None = None,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        output_chunk_bytes: int | None = DEFAULT_OUTPUT_CHUNK_BYTES,
    ) -> Executor:
        """Reach environment `environment_id` through the registry at `registry_url` and its
        rendezvous, end-to-end encrypted; `token` is the registry bearer token."""
        client = await ExecServerClient.connect_relay(
            registry_url,
            environment_id,
            token=token,
            client_name=client_name,
            reconnect=reconnect,
            request_timeout=request_timeout,
            resume_session_id=resume_session_id,
            open_timeout=open_timeout,
            output_chunk_bytes=output_chunk_bytes,
        )
        return await cls._owning(client)

    @classmethod
    async def connect_stdio(
        cls,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        client_name: str = DEFAULT_CLIENT_NAME,
        request_timeout: float | None = None,
        output_chunk_bytes: int | None = DEFAULT_OUTPUT_CHUNK_BYTES,
    ) -> Executor:
        """Spawn a server (e.g. `["execwire-server", "--listen", "stdio"]`) and use it over
        its stdin/stdout; it stops when the executor closes."""
        client = await ExecServerClient.connect_stdio(
            argv,
            env=env,
            cwd=cwd,
            client_name=client_name,
            request_timeout=request_timeout,
            output_chunk_bytes=output_chunk_bytes,
        )
        return await cls._owning(client)

    @classmethod
    async def connect_in_process(
        cls,
        server: EmbeddedServer | None = None,
        *,
        client_name: str = DEFAULT_CLIENT_NAME,
        reconnect: ReconnectPolicy | None = DEFAULT_RECONNECT,
        request_timeout: float | None = None,
        output_chunk_bytes: int | None = DEFAULT_OUTPUT_CHUNK_BYTES,
    ) -> Executor:
        """Use an embedded `execwire_server` in this event loop (created if not given)."""
        client = await ExecServerClient.connect_in_process(
            server,
            client_name=client_name,
            reconnect=reconnect,
            request_timeout=request_timeout,
            output_chunk_bytes=output_chunk_bytes,
        )
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
            self._client._route(params.process_id),
            argv=tuple(items),
            tty=tty,
            sandbox_type=response.sandbox_type,
        )
        self._sessions.add(session)
        return session

    async def attach(self, process_id: str, *, after_seq: int = 0) -> ExecSession:
        """A session for a process of this server session that this executor did not
        start (e.g. after `resume_session_id`); its output after `after_seq` is replayed
        from what the server retains."""
        await self._client.attach_process(process_id, after_seq=after_seq)
        return ExecSession(
            self._client, self._client._route(process_id), argv=(), tty=False, sandbox_type=None
        )

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
            self._client._drop_route(session._route)
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

    # -- files -------------------------------------------------------------------------

    async def read_bytes(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> bytes:
        """The whole content of a remote file (the server refuses files over 512 MiB)."""
        params = models.FsReadFileParams(path=self._uri(path), sandbox=sandbox)
        return await self._client._fs_read_file_bytes(params)

    async def read_text(
        self,
        path: RemotePath,
        encoding: str = "utf-8",
        errors: str = "strict",
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> str:
        """A remote file decoded as text."""
        return (await self.read_bytes(path, sandbox=sandbox)).decode(encoding, errors)

    async def write_bytes(
        self,
        path: RemotePath,
        data: bytes,
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Create or truncate a remote file with `data` (its directory must exist)."""
        # The base64 goes straight into the request message, not through the model.
        params = models.FsWriteFileParams(path=self._uri(path), data_base64="", sandbox=sandbox)
        await self._client._fs_write_file_bytes(params, data)

    async def write_text(
        self,
        path: RemotePath,
        text: str,
        encoding: str = "utf-8",
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Create or truncate a remote file with `text`."""
        await self.write_bytes(path, text.encode(encoding), sandbox=sandbox)

    async def mkdir(
        self,
        path: RemotePath,
        *,
        parents: bool = True,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Create a directory: like `mkdir -p` by default (existing directories are fine);
        with `parents=False` a single mkdir that fails if it exists or its parent does not."""
        params = models.FsCreateDirectoryParams(
            path=self._uri(path), recursive=parents, sandbox=sandbox
        )
        await self._client.fs_create_directory(params)

    async def stat(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> FileStat:
        """Metadata of a remote path; raises `NotFoundError` (a `FileNotFoundError`)."""
        uri = self._uri(path)
        response = await self._client.fs_get_metadata(
            models.FsGetMetadataParams(path=uri, sandbox=sandbox)
        )
        return FileStat.from_wire(remote_path_from_uri(uri), response)

    async def canonicalize(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> PurePosixPath:
        """The remote path with every symlink, `.` and `..` resolved; it must exist
        (`NotFoundError` otherwise)."""
        response = await self._client.fs_canonicalize(
            models.FsCanonicalizeParams(path=self._uri(path), sandbox=sandbox)
        )
        return remote_path_from_uri(response.path)

    async def walk(
        self,
        path: RemotePath,
        *,
        max_depth: int = 64,
        max_directories: int = 10_000,
        max_entries: int = 50_000,
        follow_directory_symlinks: bool = False,
        skip_hidden_directories: bool = False,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> TreeWalk:
        """The directories and regular files below `path`, breadth-first (one request).

        `max_depth` 0 lists `path`'s children only. The limits' maxima are the defaults;
        reaching one sets `truncated`. Symlinks are left out unless
        `follow_directory_symlinks` (then a link to a directory is one, walked once).
        `skip_hidden_directories` lists dot-directories without entering them.
        """
        response = await self._client.fs_walk(
            models.FsWalkParams(
                path=self._uri(path),
                options=models.WalkOptions(
                    max_depth=max_depth,
                    max_directories=max_directories,
                    max_entries=max_entries,
                    follow_directory_symlinks=follow_directory_symlinks,
                    prune_hidden_directories=skip_hidden_directories,
                ),
                sandbox=sandbox,
            )
        )
        return TreeWalk.from_wire(response)

    async def open_file(
        self,
        path: RemotePath,
        mode: Literal["read", "replace"] = "read",
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> RemoteFile:
        """Open a remote file to read it in blocks, or (`replace`) to write a new content
        that takes its place when closed; use it as an async context manager."""
        handle_id = uuid.uuid4().hex  # 32 bytes, the most a handle id may have
        await self._client.fs_open(
            models.FsOpenParams(handle_id=handle_id, path=self._uri(path), mode=mode, sandbox=sandbox)
        )
        return RemoteFile(self._client, handle_id, mode)

    async def http_request(
        self,
        method: str,
        url: str,
        *,
        headers: Sequence[tuple[str, str] | models.HttpHeader] = (),
        body: bytes | None = None,
        timeout: float | None = None,
        follow_redirects: bool = True,
        stream: bool = False,
    ) -> HttpResponse:
        """Make an HTTP(S) request from the executor (`http/request`).

        `headers` are (name, value) pairs, or `models.HttpHeader` to append an executor
        environment variable to a value. `timeout` (seconds) bounds the exchange. With
        `stream`, the answer comes as soon as the headers do and `HttpResponse.body()`
        yields the body as it arrives; otherwise it is in the answer.
        """
        request_id = uuid.uuid4().hex
        parts = self._client._http_body(request_id) if stream else None
        params = models.HttpRequestParams(
            method=method,
            url=url,
            headers=[
                header
                if isinstance(header, models.HttpHeader)
                else models.HttpHeader(name=header[0], value=header[1])
                for header in headers
            ],
            body_base64=body,
            timeout_ms=None if timeout is None else int(timeout * 1000),
            request_id=request_id,
            stream_response=stream,
            redirect_policy="follow" if follow_redirects else "stop",
        )
        try:
            response = await self._client.http_request(params)
        except BaseException:
            self._client._http_body_done(request_id)
            raise
        return HttpResponse(response, client=self._client, request_id=request_id, parts=parts)

    async def watch_missing(self, paths: Sequence[RemotePath]) -> MissingWatch:
        """Watch paths that do not exist yet; `MissingWatch.wait()` returns once one of them
        (or a directory above it) appears or changes. One watch per connection: a new one
        replaces the last."""
        self._missing_watch_id += 1
        watch_id = self._missing_watch_id
        changed = self._client._missing_watch(watch_id)
        try:
            response = await self._client.fs_watch_missing(
                models.FsWatchMissingParams(
                    watch_id=watch_id, missing=[self._uri(path) for path in paths]
                )
            )
        except BaseException:
            self._client._missing_watch_done(watch_id)
            raise
        if not response.watching:
            self._client._missing_watch_done(watch_id)
        return MissingWatch(watch_id, response.watching, changed if response.watching else None)

    async def exists(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> bool:
        """Whether a remote path exists (following symlinks)."""
        try:
            await self.stat(path, sandbox=sandbox)
        except NotFoundError:
            return False
        return True

    async def listdir(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> list[DirEntry]:
        """The entries of a remote directory, sorted by name (no `.`/`..`)."""
        uri = self._uri(path)
        response = await self._client.fs_read_directory(
            models.FsReadDirectoryParams(path=uri, sandbox=sandbox)
        )
        directory = remote_path_from_uri(uri)
        return sorted(
            (
                DirEntry(
                    name=entry.file_name,
                    path=directory / entry.file_name,
                    is_file=entry.is_file,
                    is_dir=entry.is_directory,
                )
                for entry in response.entries
            ),
            key=lambda entry: entry.name,
        )

    async def remove(
        self,
        path: RemotePath,
        *,
        recursive: bool = False,
        missing_ok: bool = False,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Remove a file, symlink or empty directory; a whole tree with `recursive=True`.
        A missing path raises `NotFoundError` unless `missing_ok`."""
        params = models.FsRemoveParams(
            path=self._uri(path), recursive=recursive, force=missing_ok, sandbox=sandbox
        )
        await self._client.fs_remove(params)

    async def copy(
        self,
        source: RemotePath,
        destination: RemotePath,
        *,
        recursive: bool = False,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Copy a file or symlink on the server; a directory tree needs `recursive=True`."""
        params = models.FsCopyParams(
            source_path=self._uri(source),
            destination_path=self._uri(destination),
            recursive=recursive,
            sandbox=sandbox,
        )
        await self._client.fs_copy(params)

    # -- paths -------------------------------------------------------------------------

    def _require_cwd(self) -> PurePosixPath:
        if self._cwd is None:
            raise ValueError("the server did not report its cwd: pass cwd= explicitly")
        return self._cwd

    def _uri(self, path: RemotePath) -> str:
        return remote_path_to_uri(path, self._cwd)


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
