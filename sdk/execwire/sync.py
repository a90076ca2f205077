# Generated from the async API by `make codegen` (codegen/sync_facade.py); do not edit.
"""Blocking API of execwire: the same classes, methods and fields as the async API.

    from execwire.sync import Executor

    with Executor.connect_websocket("ws://127.0.0.1:8765") as executor:
        result = executor.run(["uname", "-a"])
        for chunk in executor.spawn(["make"]).output():
            print(chunk.data)

Every method runs the async implementation on one shared event-loop thread
(`execwire.event_loop_thread`) and blocks for its result; async iterators become
iterators. There is no second implementation to drift.

Why generated rather than a dynamic wrapper: a `__getattr__` proxy would hide every method
from editors and `mypy --strict`, and a hand-written typed wrapper is a second tree to keep
in step. This file is written by `codegen/sync_facade.py` from the async classes'
signatures, so it is fully typed, and `make check-codegen` (and a unit test) fail when it is
stale. Do not edit it; change the async API and regenerate.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Iterable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from types import TracebackType
from typing import Literal

from execwire import client as async_client
from execwire import executor as async_executor
from execwire import http as async_http
from execwire import missing_watch as async_missing_watch
from execwire import remote_file as async_remote_file
from execwire import session as async_session
from execwire.client import ClientEvent
from execwire.command import CompletedCommand
from execwire.event_loop_thread import LoopThread, shared_loop
from execwire.filesystem import DirEntry, FileStat, RemotePath, TreeWalk
from execwire.options import DEFAULT_OPTIONS, ClientOptions
from execwire.process_cursor import OutputChunk
from execwire.protocol import models
from execwire.protocol.methods import ServerNotification
from execwire.remote_file import MAX_BLOCK_BYTES
from execwire.session import WRITE_FROM_CHUNK_BYTES, BinaryReader, SignalName
from execwire.transfer import LocalFile, Progress
from execwire.transports import Connector
from execwire.transports.in_process import EmbeddedServer
from execwire.watch import FileChange

__all__ = ["ExecServerClient", "ExecSession", "Executor", "HttpResponse", "MissingWatch", "RemoteFile"]


class ExecServerClient:
    """Typed async client of one exec-server session.

    Build it with `connect_websocket`, `connect_relay`, `connect_stdio`,
    `connect_in_process` or `open` (any `Connector`), each taking `options=`
    (`ClientOptions`: timeouts, resume policy, extensions asked for); `with` it, or
    call `close()`. Every RPC of the API is a method (`process_start`, `fs_read_file`, ...)
    taking and returning the generated models. `server_extensions` says which execwire
    extensions the server applied.

    Blocking: see `execwire.sync`.
    """
    __slots__ = ("_async", "_loop")

    _async: async_client.ExecServerClient
    _loop: LoopThread

    @classmethod
    def _wrap(cls, loop: LoopThread, wrapped: async_client.ExecServerClient) -> ExecServerClient:
        self = cls.__new__(cls)
        self._loop = loop
        self._async = wrapped
        return self

    @property
    def async_api(self) -> async_client.ExecServerClient:
        """The async object this one drives (use it only on its loop thread)."""
        return self._async

    def __repr__(self) -> str:
        return repr(self._async)

    def initialize(self, params: models.InitializeParams) -> models.InitializeResponse:
        """Open or resume a session on this connection."""
        return self._loop.run(self._async.initialize(params))

    def environment_info(self) -> models.EnvironmentInfo:
        """Describe the executor host: shell, cwd, home, temp dirs, capabilities."""
        return self._loop.run(self._async.environment_info())

    def environment_status(self) -> models.EnvironmentStatusResponse:
        """Report whether the executor is ready."""
        return self._loop.run(self._async.environment_status())

    def process_read(self, params: models.ReadParams) -> models.ReadResponse:
        """Read retained output after a seq cursor, optionally long-polling."""
        return self._loop.run(self._async.process_read(params))

    def process_write(self, params: models.WriteParams) -> models.WriteResponse:
        """Write bytes to a process's stdin (idempotent per writeId)."""
        return self._loop.run(self._async.process_write(params))

    def process_signal(self, params: models.SignalParams) -> models.EmptyResponse:
        """Interrupt a process (SIGINT to its process group)."""
        return self._loop.run(self._async.process_signal(params))

    def process_terminate(self, params: models.TerminateParams) -> models.TerminateResponse:
        """Kill a process and its whole process group."""
        return self._loop.run(self._async.process_terminate(params))

    def fs_read_file(self, params: models.FsReadFileParams) -> models.FsReadFileResponse:
        """Read a whole file (at most 512 MiB) as base64."""
        return self._loop.run(self._async.fs_read_file(params))

    def fs_write_file(self, params: models.FsWriteFileParams) -> models.EmptyResponse:
        """Create or truncate a file with the given bytes."""
        return self._loop.run(self._async.fs_write_file(params))

    def fs_create_directory(self, params: models.FsCreateDirectoryParams) -> models.EmptyResponse:
        """Create a directory (recursive by default, like mkdir -p)."""
        return self._loop.run(self._async.fs_create_directory(params))

    def fs_get_metadata(self, params: models.FsGetMetadataParams) -> models.FsGetMetadataResponse:
        """Stat a path (following symlinks; isSymlink comes from lstat)."""
        return self._loop.run(self._async.fs_get_metadata(params))

    def fs_read_directory(
        self,
        params: models.FsReadDirectoryParams,
    ) -> models.FsReadDirectoryResponse:
        """List a directory's entries (no . or ..; unreadable entries skipped)."""
        return self._loop.run(self._async.fs_read_directory(params))

    def fs_remove(self, params: models.FsRemoveParams) -> models.EmptyResponse:
        """Remove a file, symlink or directory (recursive and force by default)."""
        return self._loop.run(self._async.fs_remove(params))

    def fs_copy(self, params: models.FsCopyParams) -> models.EmptyResponse:
        """Copy a file, symlink or (with recursive) a directory tree."""
        return self._loop.run(self._async.fs_copy(params))

    def fs_canonicalize(self, params: models.FsCanonicalizeParams) -> models.FsCanonicalizeResponse:
        """Resolve an existing path to its canonical absolute form (symlinks, . and .. resolved)."""
        return self._loop.run(self._async.fs_canonicalize(params))

    def fs_walk(self, params: models.FsWalkParams) -> models.FsWalkResponse:
        """List a directory tree breadth-first, children in name order, within limits."""
        return self._loop.run(self._async.fs_walk(params))

    def execwire_walk_tree(self, params: models.FsWalkTreeParams) -> models.FsWalkTreeResponse:
        """fs/walk answered as a tree: the same entries in the same order, each a name below its parent (an execwire extension).
        """
        return self._loop.run(self._async.execwire_walk_tree(params))

    def execwire_resize(self, params: models.ResizeParams) -> models.EmptyResponse:
        """Resize the terminal of a PTY process (an execwire extension)."""
        return self._loop.run(self._async.execwire_resize(params))

    def execwire_close_stdin(self, params: models.CloseStdinParams) -> models.EmptyResponse:
        """Close the stdin of a pipe process started with pipeStdin, so it reads end of file (an execwire extension).
        """
        return self._loop.run(self._async.execwire_close_stdin(params))

    def execwire_signal(self, params: models.ExecwireSignalParams) -> models.EmptyResponse:
        """Send a signal to a process's whole process group (an execwire extension of process/signal).
        """
        return self._loop.run(self._async.execwire_signal(params))

    def execwire_list_processes(self) -> models.ListProcessesResponse:
        """The processes of this session, running or retained (an execwire extension)."""
        return self._loop.run(self._async.execwire_list_processes())

    def execwire_file_digest(self, params: models.FileDigestParams) -> models.FileDigestResponse:
        """Size and SHA-256 of a handle's content: what a read handle's file holds, or what a replace handle was written (an execwire extension).
        """
        return self._loop.run(self._async.execwire_file_digest(params))

    def execwire_commit_file(self, params: models.CommitFileParams) -> models.EmptyResponse:
        """Close a replace handle, letting its content take the file's place only if it has the expected size and SHA-256 (an execwire extension).
        """
        return self._loop.run(self._async.execwire_commit_file(params))

    def execwire_discard_file(self, params: models.DiscardFileParams) -> models.EmptyResponse:
        """Close a handle without effect: a replace handle's new content is removed and the file stays as it was (an execwire extension).
        """
        return self._loop.run(self._async.execwire_discard_file(params))

    def execwire_watch(self, params: models.WatchParams) -> models.EmptyResponse:
        """Watch a file or directory tree for changes, delivered as execwire/changed notifications (an execwire extension).
        """
        return self._loop.run(self._async.execwire_watch(params))

    def execwire_unwatch(self, params: models.UnwatchParams) -> models.EmptyResponse:
        """Stop a watch; unknown watch ids are fine (an execwire extension)."""
        return self._loop.run(self._async.execwire_unwatch(params))

    def fs_open(self, params: models.FsOpenParams) -> models.FsOpenResponse:
        """Open a file under a client-chosen handle id, to read or to replace it block by block."""
        return self._loop.run(self._async.fs_open(params))

    def fs_read_block(self, params: models.FsReadBlockParams) -> models.FsReadBlockResponse:
        """Read up to len bytes (1..=1 MiB) at offset from a read handle; eof when fewer came."""
        return self._loop.run(self._async.fs_read_block(params))

    def fs_write_block(self, params: models.FsWriteBlockParams) -> models.EmptyResponse:
        """Write a chunk (1..=1 MiB) at offset through a replace handle."""
        return self._loop.run(self._async.fs_write_block(params))

    def fs_close(self, params: models.FsCloseParams) -> models.EmptyResponse:
        """Close a handle (a replace handle's content takes the file's place); unknown ids are fine.
        """
        return self._loop.run(self._async.fs_close(params))

    def fs_watch_missing(
        self,
        params: models.FsWatchMissingParams,
    ) -> models.FsWatchMissingResponse:
        """Watch paths that do not exist yet: one fs/missingChanged when one appears or a directory above it changes.
        """
        return self._loop.run(self._async.fs_watch_missing(params))

    def http_request(self, params: models.HttpRequestParams) -> models.HttpRequestResponse:
        """Make an HTTP(S) request from the executor; the body comes in the answer, or streamed as http/request/bodyDelta notifications.
        """
        return self._loop.run(self._async.http_request(params))

    def capability_roots_discover_v1(
        self,
        params: models.CapabilityRootsDiscoverParams,
    ) -> models.CapabilityRootsDiscoverResponse:
        """Find plugin manifests, MCP/app configs and skills below roots, with their contents."""
        return self._loop.run(self._async.capability_roots_discover_v1(params))

    def capabilities_discover_v2(
        self,
        params: models.CapabilitiesDiscoverV2Params,
    ) -> models.CapabilitiesDiscoverV2Response:
        """Installed skills (and plugins) of the executor, with their frontmatter; the first answer is kept for the server's lifetime.
        """
        return self._loop.run(self._async.capabilities_discover_v2(params))

    def environment_config_read(
        self,
        params: models.EnvironmentConfigReadParams,
    ) -> models.EnvironmentConfigReadResponse:
        """The executor's Codex configuration layers (system, user, trusted project) for a cwd, cut to the requested key paths.
        """
        return self._loop.run(self._async.environment_config_read(params))

    def initialized(self) -> None:
        """Client notification that completes the handshake; its params are ignored."""
        self._loop.run(self._async.initialized())

    @classmethod
    def open(
        cls,
        connector: Connector,
        *,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> ExecServerClient:
        """Connect through `connector` and initialize (or resume `resume_session_id`)."""
        loop = shared_loop()
        return ExecServerClient._wrap(
            loop,
            loop.run(
                async_client.ExecServerClient.open(
                    connector,
                    resume_session_id=resume_session_id,
                    options=options,
                ),
            ),
        )

    @classmethod
    def connect_websocket(
        cls,
        url: str,
        *,
        token: str | None = None,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> ExecServerClient:
        """Connect to `ws://host:port`; `token` is sent as `Authorization: Bearer` (never logged).
        """
        loop = shared_loop()
        return ExecServerClient._wrap(
            loop,
            loop.run(
                async_client.ExecServerClient.connect_websocket(
                    url,
                    token=token,
                    resume_session_id=resume_session_id,
                    options=options,
                ),
            ),
        )

    @classmethod
    def connect_relay(
        cls,
        registry_url: str,
        environment_id: str,
        *,
        token: str,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> ExecServerClient:
        """Reach environment `environment_id` through the registry at `registry_url` and
        its rendezvous, end-to-end encrypted (Noise hybridIK); `token` is the registry
        bearer token. Every reconnect takes a fresh bundle and stream, then resumes.
        """
        loop = shared_loop()
        return ExecServerClient._wrap(
            loop,
            loop.run(
                async_client.ExecServerClient.connect_relay(
                    registry_url,
                    environment_id,
                    token=token,
                    resume_session_id=resume_session_id,
                    options=options,
                ),
            ),
        )

    @classmethod
    def connect_stdio(
        cls,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> ExecServerClient:
        """Spawn a server (e.g. `["execwire-server", "--listen", "stdio"]`) and talk over its
        stdin/stdout. The server stops when the client closes; a lost pipe is final.
        """
        loop = shared_loop()
        return ExecServerClient._wrap(
            loop,
            loop.run(
                async_client.ExecServerClient.connect_stdio(
                    argv,
                    env=env,
                    cwd=cwd,
                    options=options,
                ),
            ),
        )

    @classmethod
    def connect_in_process(
        cls,
        server: EmbeddedServer | None = None,
        *,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> ExecServerClient:
        """Serve the session from an embedded `execwire_server` in this event loop (no
        sockets). Without `server` one is created, and shut down by `close()`.
        """
        loop = shared_loop()
        return ExecServerClient._wrap(
            loop,
            loop.run(async_client.ExecServerClient.connect_in_process(server, options=options)),
        )

    def __enter__(self) -> ExecServerClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._loop.run(self._async.__aexit__(exc_type, exc, tb))

    @property
    def session_id(self) -> str:
        """The server's session id (a bearer secret: pass it only to a trusted resume)."""
        return self._async.session_id

    @property
    def environment(self) -> models.EnvironmentInfo | None:
        """What `initialize` reported about the executor host (None from old servers);
        `environment_info()` asks the server again.
        """
        return self._async.environment

    @property
    def server_extensions(self) -> models.ExecwireExtensions | None:
        """The execwire extensions the server applies to this session (e.g. its output
        chunk size); None when the client did not ask or the server has none (the
        reference: 8 KiB output chunks).
        """
        return self._async.server_extensions

    @property
    def connected(self) -> bool:
        """A transport is up and the session is attached (false while reconnecting)."""
        return self._async.connected

    @property
    def reconnects(self) -> int:
        """How many times the session was resumed after a lost transport."""
        return self._async.reconnects

    @property
    def target(self) -> str:
        """Where the client connects (no credentials)."""
        return self._async.target

    def events(self) -> Iterator[ClientEvent]:
        """Every process event from now on, in seq order per process, each once.

        Yields `ProcessOutputNotification`, `ProcessExitedNotification`,
        `ProcessClosedNotification`, and `OutputGap` where the server evicted output.
        Ends when the client closes; raises its terminal error if the session is lost.
        Events wait in the iterator until read; dropping the iterator unsubscribes it.
        """
        return self._loop.iterate(self._loop.call(self._async.events))

    def process_events(self, process_id: str) -> Iterator[ServerNotification]:
        """The events of one process this client started or attached, from the first one
        not yet consumed, ending after `process/closed`.

        Raises `OutputLost` where output was evicted (iterate again to continue after it).
        One consumer per process: events are handed out once.
        """
        return self._loop.iterate(self._loop.call(self._async.process_events, process_id))

    def attach_process(self, process_id: str, *, after_seq: int = 0) -> None:
        """Track a process this client did not start (e.g. after `resume_session_id`):
        its events after `after_seq` become available through `process_events`.
        """
        self._loop.run(self._async.attach_process(process_id, after_seq=after_seq))

    def forget_process(self, process_id: str) -> None:
        """Stop keeping a process's events for `process_events` and drop the undelivered
        ones (`events()` subscribers still get them).
        """
        self._loop.call(self._async.forget_process, process_id)

    def process_start(self, params: models.ExecParams) -> models.ExecResponse:
        """Start a process (pipes or a PTY) under a client-chosen process id.

        Its events are tracked from before the request is sent, so none is missed; they wait
        for `process_events(process_id)` until consumed or `forget_process(process_id)`.
        """
        return self._loop.run(self._async.process_start(params))

    def close(self) -> None:
        """Close the connection (the server keeps the session's processes for its
        detached-session TTL, then kills them) and release the connector.
        """
        self._loop.run(self._async.close())


class ExecSession:
    """A process started by `Executor.spawn` (or found again by `Executor.attach`).

    `output()` streams its chunks, `wait()` gives its exit code. At the end of `with` it, the
    process is terminated on exit if it is still running.

    Blocking: see `execwire.sync`.
    """
    __slots__ = ("_async", "_loop")

    _async: async_session.ExecSession
    _loop: LoopThread

    @classmethod
    def _wrap(cls, loop: LoopThread, wrapped: async_session.ExecSession) -> ExecSession:
        self = cls.__new__(cls)
        self._loop = loop
        self._async = wrapped
        return self

    @property
    def async_api(self) -> async_session.ExecSession:
        """The async object this one drives (use it only on its loop thread)."""
        return self._async

    def __repr__(self) -> str:
        return repr(self._async)

    @property
    def process_id(self) -> str:
        """The process id within the server session."""
        return self._async.process_id

    @property
    def argv(self) -> tuple[str, ...]:
        """The argv it was started with (for an attached process: as the server lists it,
        empty when it cannot).
        """
        return self._async.argv

    @property
    def tty(self) -> bool:
        """It runs under a PTY (its output is the single stream `pty`)."""
        return self._async.tty

    @property
    def sandbox_type(self) -> str | None:
        """Which sandbox wrapper the server used (`none` when unsandboxed)."""
        return self._async.sandbox_type

    @property
    def sandbox_denied(self) -> bool:
        """The exit was classified as a sandbox denial."""
        return self._async.sandbox_denied

    def output(self) -> Iterator[OutputChunk]:
        """Output chunks in seq order, each once, until the process has closed its streams.

        Raises `OutputLost` where the server evicted output before this client saw it
        (calling `output()` again continues after the gap). One consumer at a time.
        """
        return self._loop.iterate(self._loop.call(self._async.output))

    def write(self, data: bytes | str) -> None:
        """Write to the process's stdin (str is UTF-8 encoded).

        Needs `spawn(stdin=True)` or `tty=True`; raises `WriteRejected` otherwise (also
        after `close_stdin()`). Each write carries a unique writeId, so a write repeated
        after a reconnect is applied once. The reference protocol cannot close stdin: use
        `close_stdin()` (an execwire extension) or, on a PTY, write its EOF (Ctrl-D, \\x04).
        """
        self._loop.run(self._async.write(data))

    def write_from(
        self,
        source: AsyncIterable[bytes] | Iterable[bytes] | BinaryReader,
        *,
        close: bool = False,
        chunk_bytes: int = WRITE_FROM_CHUNK_BYTES,
    ) -> int:
        """Write everything `source` yields to stdin, in order; returns the bytes written.

        `source` is an async iterable of bytes, an iterable of bytes, or a binary file
        object (read `chunk_bytes` at a time). Blocking sources are read in a worker thread,
        never on the event loop. At most one chunk is held at a time and each write is
        awaited before the next read, so memory stays bounded whatever the source's size;
        while the server's stdin backlog for a slow reader is full the write is retried
        after a pause. With `close=True`, `close_stdin()` follows the last byte.
        """
        return self._loop.run(self._async.write_from(source, close=close, chunk_bytes=chunk_bytes))

    def close_stdin(self) -> None:
        """Close the process's stdin once the writes sent before are delivered, so it
        reads end of file (`execwire/closeStdin`). Later writes raise `WriteRejected`.

        Raises `InvalidRequestError` for a PTY process (write Ctrl-D instead) or when
        stdin is already closed or was never piped, `UnsupportedByServer` when the
        server does not serve the extension.
        """
        self._loop.run(self._async.close_stdin())

    def resize(self, rows: int, cols: int) -> None:
        """Set the terminal size of a PTY process (`execwire/resize`); the process gets
        SIGWINCH. Raises `InvalidRequestError` for a process without a terminal.
        """
        self._loop.run(self._async.resize(rows, cols))

    def signal(self, name: SignalName) -> None:
        """Send a signal to the process's whole process group (`execwire/signal`); not
        sent once the process has exited. `interrupt` also works with servers without the
        extension (as `process/signal`).
        """
        self._loop.run(self._async.signal(name))

    def terminate(self) -> bool:
        """Kill the process and its process group; true if it was still running."""
        return self._loop.run(self._async.terminate())

    def interrupt(self) -> None:
        """Send an interrupt (SIGINT to its process group; Ctrl-C on a PTY)."""
        self._loop.run(self._async.interrupt())

    def wait(self, timeout: float | None = None) -> int:
        """The exit code, once the process has exited.

        `timeout` (seconds) bounds the wait only: on expiry `ExecTimeout` is raised and the
        process keeps running. Output may still arrive after the exit, until it closes.
        """
        return self._loop.run(self._async.wait(timeout))

    def try_exit_status(self) -> int | None:
        """The exit code if the process has exited, else None (does not block)."""
        return self._loop.call(self._async.try_exit_status)

    def wait_closed(self) -> None:
        """Until the process has exited and all its output has been received."""
        self._loop.run(self._async.wait_closed())

    def close(self) -> None:
        """Terminate the process if it still runs, and stop tracking it."""
        self._loop.run(self._async.close())

    def __enter__(self) -> ExecSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._loop.run(self._async.__aexit__(exc_type, exc, tb))


class RemoteFile:
    """An open file on the executor: read blocks (`read`) or write a new content (`replace`).

    Blocking: see `execwire.sync`.
    """
    __slots__ = ("_async", "_loop")

    _async: async_remote_file.RemoteFile
    _loop: LoopThread

    @classmethod
    def _wrap(cls, loop: LoopThread, wrapped: async_remote_file.RemoteFile) -> RemoteFile:
        self = cls.__new__(cls)
        self._loop = loop
        self._async = wrapped
        return self

    @property
    def async_api(self) -> async_remote_file.RemoteFile:
        """The async object this one drives (use it only on its loop thread)."""
        return self._async

    def __repr__(self) -> str:
        return repr(self._async)

    @property
    def handle_id(self) -> str:
        """The handle's id on this connection."""
        return self._async.handle_id

    @property
    def mode(self) -> Literal['read', 'replace']:
        """`read` or `replace`."""
        return self._async.mode

    def read_block(self, offset: int, length: int = MAX_BLOCK_BYTES) -> tuple[bytes, bool]:
        """Up to `length` (1..1 MiB) bytes at `offset`, and whether the end was reached."""
        return self._loop.run(self._async.read_block(offset, length))

    def blocks(self, block_size: int = MAX_BLOCK_BYTES) -> Iterator[bytes]:
        """The file from its start, `block_size` bytes at a time (the last may be shorter);
        a few blocks are requested ahead.
        """
        return self._loop.iterate(self._loop.call(self._async.blocks, block_size))

    def write(self, data: bytes) -> None:
        """Append `data` to a `replace` handle's new content (in blocks of at most 1 MiB, a
        few in flight at once).
        """
        self._loop.run(self._async.write(data))

    def close(self) -> None:
        """Close the handle (idempotent); a `replace` content then takes the file's place."""
        self._loop.run(self._async.close())

    def digest(self) -> tuple[int, str]:
        """Size and lower-case hex SHA-256 of the content: the file (`read`), or what was
        written so far (`replace`). The server reads back what it has not hashed yet; from
        the first digest on it hashes blocks that come in order as they pass (so asking
        right after opening a `replace` handle makes later digests and `commit` cheap). An
        execwire extension (`UnsupportedByServer` elsewhere).
        """
        return self._loop.run(self._async.digest())

    def commit(self, size: int, sha256: str) -> None:
        """Close a `replace` handle, its content taking the file's place only if it has
        `size` bytes and SHA-256 `sha256` (lower-case hex); otherwise raise
        `ChecksumMismatch`, the file keeping its old content. An execwire extension.
        """
        self._loop.run(self._async.commit(size, sha256))

    def discard(self) -> None:
        """Close the handle without effect: a `replace` handle's new content is dropped
        and the file stays as it was (idempotent). An execwire extension.
        """
        self._loop.run(self._async.discard())

    def __enter__(self) -> RemoteFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._loop.run(self._async.__aexit__(exc_type, exc, traceback))


class HttpResponse:
    """Status and headers of an executor's HTTP response, and its body.

    Blocking: see `execwire.sync`.
    """
    __slots__ = ("_async", "_loop")

    _async: async_http.HttpResponse
    _loop: LoopThread

    @classmethod
    def _wrap(cls, loop: LoopThread, wrapped: async_http.HttpResponse) -> HttpResponse:
        self = cls.__new__(cls)
        self._loop = loop
        self._async = wrapped
        return self

    @property
    def async_api(self) -> async_http.HttpResponse:
        """The async object this one drives (use it only on its loop thread)."""
        return self._async

    def __repr__(self) -> str:
        return repr(self._async)

    @property
    def status(self) -> int:
        """The HTTP status code."""
        return self._async.status

    @property
    def headers(self) -> list[tuple[str, str]]:
        """Header names (lower case) and values, in the order received."""
        return self._async.headers

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), or None."""
        return self._loop.call(self._async.header, name)

    def body(self) -> Iterator[bytes]:
        """The body, part by part (once); a streamed one as the executor receives it."""
        return self._loop.iterate(self._loop.call(self._async.body))

    def read(self) -> bytes:
        """The whole body."""
        return self._loop.run(self._async.read())


class MissingWatch:
    """A watch on missing paths: `watching` says whether the executor took it.

    Blocking: see `execwire.sync`.
    """
    __slots__ = ("_async", "_loop")

    _async: async_missing_watch.MissingWatch
    _loop: LoopThread

    @classmethod
    def _wrap(cls, loop: LoopThread, wrapped: async_missing_watch.MissingWatch) -> MissingWatch:
        self = cls.__new__(cls)
        self._loop = loop
        self._async = wrapped
        return self

    @property
    def async_api(self) -> async_missing_watch.MissingWatch:
        """The async object this one drives (use it only on its loop thread)."""
        return self._async

    def __repr__(self) -> str:
        return repr(self._async)

    @property
    def watch_id(self) -> int:
        """The id the watch was made under."""
        return self._async.watch_id

    @property
    def watching(self) -> bool:
        """False when the executor refused the watch: a path exists or cannot come to exist."""
        return self._async.watching

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the change; False when `timeout` (seconds) passed first, or when the
        executor did not take the watch.
        """
        return self._loop.run(self._async.wait(timeout))


class Executor:
    """Run processes and use files on one exec-server.

    Build it with `connect_websocket`, `connect_stdio`, `connect_in_process`, `open`, or
    wrap an existing client with `Executor(client)`. At the end of `with` it,
    processes it spawned that still run are terminated and an owned client is closed.

    Every process and file method takes `sandbox=`, the portable sandbox intent the server
    enforces for that one call (build it with `execwire.Sandbox`); None runs unsandboxed.

    Blocking: see `execwire.sync`.
    """
    __slots__ = ("_async", "_loop")

    _async: async_executor.Executor
    _loop: LoopThread

    def __init__(self, client: ExecServerClient) -> None:
        """Wrap a connected client (which the executor will not close)."""
        self._loop = client._loop
        self._async = self._loop.call(async_executor.Executor, client._async)

    @classmethod
    def _wrap(cls, loop: LoopThread, wrapped: async_executor.Executor) -> Executor:
        self = cls.__new__(cls)
        self._loop = loop
        self._async = wrapped
        return self

    @property
    def async_api(self) -> async_executor.Executor:
        """The async object this one drives (use it only on its loop thread)."""
        return self._async

    def __repr__(self) -> str:
        return repr(self._async)

    def read_bytes(
        self,
        path: RemotePath,
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> bytes:
        """The whole content of a remote file (the server refuses files over 512 MiB)."""
        return self._loop.run(self._async.read_bytes(path, sandbox=sandbox))

    def read_text(
        self,
        path: RemotePath,
        encoding: str = "utf-8",
        errors: str = "strict",
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> str:
        """A remote file decoded as text."""
        return self._loop.run(self._async.read_text(path, encoding, errors, sandbox=sandbox))

    def write_bytes(
        self,
        path: RemotePath,
        data: bytes,
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Create or truncate a remote file with `data` (its directory must exist)."""
        self._loop.run(self._async.write_bytes(path, data, sandbox=sandbox))

    def write_text(
        self,
        path: RemotePath,
        text: str,
        encoding: str = "utf-8",
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Create or truncate a remote file with `text`."""
        self._loop.run(self._async.write_text(path, text, encoding, sandbox=sandbox))

    def mkdir(
        self,
        path: RemotePath,
        *,
        parents: bool = True,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Create a directory: like `mkdir -p` by default (existing directories are fine);
        with `parents=False` a single mkdir that fails if it exists or its parent does not.
        """
        self._loop.run(self._async.mkdir(path, parents=parents, sandbox=sandbox))

    def stat(
        self,
        path: RemotePath,
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> FileStat:
        """Metadata of a remote path; raises `NotFoundError` (a `FileNotFoundError`)."""
        return self._loop.run(self._async.stat(path, sandbox=sandbox))

    def canonicalize(
        self,
        path: RemotePath,
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> PurePosixPath:
        """The remote path with every symlink, `.` and `..` resolved; it must exist
        (`NotFoundError` otherwise).
        """
        return self._loop.run(self._async.canonicalize(path, sandbox=sandbox))

    def walk(
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
        return self._loop.run(
            self._async.walk(
                path,
                max_depth=max_depth,
                max_directories=max_directories,
                max_entries=max_entries,
                follow_directory_symlinks=follow_directory_symlinks,
                skip_hidden_directories=skip_hidden_directories,
                sandbox=sandbox,
            ),
        )

    def open_file(
        self,
        path: RemotePath,
        mode: Literal['read', 'replace'] = "read",
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> RemoteFile:
        """Open a remote file to read it in blocks, or (`replace`) to write a new content
        that takes its place when closed; use it as an async context manager.
        """
        return RemoteFile._wrap(
            self._loop,
            self._loop.run(self._async.open_file(path, mode, sandbox=sandbox)),
        )

    def download(
        self,
        remote_path: RemotePath,
        destination: LocalFile,
        *,
        progress: Progress | None = None,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> int:
        """Copy a remote file of any size to `destination` (a local path, or a binary file
        object written at its position); returns the number of bytes.

        The file comes in 1 MiB blocks, several in flight, so memory stays bounded. A path
        is written to a temporary file beside it that takes its place at the end; the size
        and SHA-256 of what arrived are checked against the server's (`ChecksumMismatch`,
        and nothing kept, when they differ). `progress(done, total)` is called after each
        block. Against a server without execwire's extensions (the reference) the copy is
        the same but not checked.
        """
        return self._loop.run(
            self._async.download(remote_path, destination, progress=progress, sandbox=sandbox),
        )

    def upload(
        self,
        source: LocalFile,
        remote_path: RemotePath,
        *,
        progress: Progress | None = None,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> int:
        """Copy `source` (a local path, or a binary file object read from its position to
        its end) to a remote file of any size; returns the number of bytes.

        The data goes in 1 MiB blocks, several in flight, so memory stays bounded, into a
        new file beside the target that takes its place only once the server has checked
        its size and SHA-256 (`ChecksumMismatch` otherwise). Any failure or cancellation
        leaves the target as it was and no partial file behind. `progress(done, total)` is
        called as blocks are acknowledged (total None when unknown, e.g. for a pipe).
        Against a server without execwire's extensions (the reference) the data is
        streamed the same way but not checked, and ends with `fs/close`.
        """
        return self._loop.run(
            self._async.upload(source, remote_path, progress=progress, sandbox=sandbox),
        )

    def http_request(
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
        return HttpResponse._wrap(
            self._loop,
            self._loop.run(
                self._async.http_request(
                    method,
                    url,
                    headers=headers,
                    body=body,
                    timeout=timeout,
                    follow_redirects=follow_redirects,
                    stream=stream,
                ),
            ),
        )

    def watch_missing(self, paths: Sequence[RemotePath]) -> MissingWatch:
        """Watch paths that do not exist yet; `MissingWatch.wait()` returns once one of them
        (or a directory above it) appears or changes. One watch per connection: a new one
        replaces the last.
        """
        return MissingWatch._wrap(self._loop, self._loop.run(self._async.watch_missing(paths)))

    def exists(
        self,
        path: RemotePath,
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> bool:
        """Whether a remote path exists (following symlinks)."""
        return self._loop.run(self._async.exists(path, sandbox=sandbox))

    def listdir(
        self,
        path: RemotePath,
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> list[DirEntry]:
        """The entries of a remote directory, sorted by name (no `.`/`..`)."""
        return self._loop.run(self._async.listdir(path, sandbox=sandbox))

    def remove(
        self,
        path: RemotePath,
        *,
        recursive: bool = False,
        missing_ok: bool = False,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Remove a file, symlink or empty directory; a whole tree with `recursive=True`.
        A missing path raises `NotFoundError` unless `missing_ok`.
        """
        self._loop.run(
            self._async.remove(path, recursive=recursive, missing_ok=missing_ok, sandbox=sandbox),
        )

    def copy(
        self,
        source: RemotePath,
        destination: RemotePath,
        *,
        recursive: bool = False,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Copy a file or symlink on the server; a directory tree needs `recursive=True`."""
        self._loop.run(self._async.copy(source, destination, recursive=recursive, sandbox=sandbox))

    @classmethod
    def open(
        cls,
        connector: Connector,
        *,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> Executor:
        """Connect through any `Connector`; the executor owns (and closes) the client."""
        loop = shared_loop()
        return Executor._wrap(
            loop,
            loop.run(
                async_executor.Executor.open(
                    connector,
                    resume_session_id=resume_session_id,
                    options=options,
                ),
            ),
        )

    @classmethod
    def connect_websocket(
        cls,
        url: str,
        *,
        token: str | None = None,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> Executor:
        """Connect to `ws://host:port`; `token` is sent as `Authorization: Bearer`."""
        loop = shared_loop()
        return Executor._wrap(
            loop,
            loop.run(
                async_executor.Executor.connect_websocket(
                    url,
                    token=token,
                    resume_session_id=resume_session_id,
                    options=options,
                ),
            ),
        )

    @classmethod
    def connect_relay(
        cls,
        registry_url: str,
        environment_id: str,
        *,
        token: str,
        resume_session_id: str | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> Executor:
        """Reach environment `environment_id` through the registry at `registry_url` and its
        rendezvous, end-to-end encrypted; `token` is the registry bearer token.
        """
        loop = shared_loop()
        return Executor._wrap(
            loop,
            loop.run(
                async_executor.Executor.connect_relay(
                    registry_url,
                    environment_id,
                    token=token,
                    resume_session_id=resume_session_id,
                    options=options,
                ),
            ),
        )

    @classmethod
    def connect_stdio(
        cls,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> Executor:
        """Spawn a server (e.g. `["execwire-server", "--listen", "stdio"]`) and use it over
        its stdin/stdout; it stops when the executor closes.
        """
        loop = shared_loop()
        return Executor._wrap(
            loop,
            loop.run(
                async_executor.Executor.connect_stdio(argv, env=env, cwd=cwd, options=options),
            ),
        )

    @classmethod
    def connect_in_process(
        cls,
        server: EmbeddedServer | None = None,
        *,
        options: ClientOptions = DEFAULT_OPTIONS,
    ) -> Executor:
        """Use an embedded `execwire_server` in this event loop (created if not given)."""
        loop = shared_loop()
        return Executor._wrap(
            loop,
            loop.run(async_executor.Executor.connect_in_process(server, options=options)),
        )

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._loop.run(self._async.__aexit__(exc_type, exc, tb))

    def close(self, *, terminate_processes: bool = True) -> None:
        """Terminate the processes this executor spawned that still run (unless
        `terminate_processes=False`: the server then keeps them for its detached-session
        TTL), and close the client if the executor owns it.
        """
        self._loop.run(self._async.close(terminate_processes=terminate_processes))

    @property
    def client(self) -> ExecServerClient:
        """The underlying typed client (every RPC, raw events)."""
        return ExecServerClient._wrap(self._loop, self._async.client)

    @property
    def cwd(self) -> PurePosixPath | None:
        """The server's working directory: the default `cwd`, and the base of relative
        paths (None if the server did not report one).
        """
        return self._async.cwd

    def watch(
        self,
        path: RemotePath,
        *,
        recursive: bool = True,
        debounce_ms: int | None = None,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> Iterator[FileChange]:
        """The changes below a remote file or directory, as they happen: `async for change
        in executor.watch(path)`. Leaving the loop stops the watch; a lost connection ends
        it with `TransportError` (see `execwire.watch`).
        """
        return self._loop.iterate(
            self._loop.call(
                self._async.watch,
                path,
                recursive=recursive,
                debounce_ms=debounce_ms,
                sandbox=sandbox,
            ),
        )

    def spawn(
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
        return ExecSession._wrap(
            self._loop,
            self._loop.run(
                self._async.spawn(
                    argv,
                    cwd=cwd,
                    env=env,
                    env_policy=env_policy,
                    tty=tty,
                    stdin=stdin,
                    arg0=arg0,
                    sandbox=sandbox,
                    process_id=process_id,
                ),
            ),
        )

    def attach(self, process_id: str, *, after_seq: int = 0) -> ExecSession:
        """A session for a process of this server session that this executor did not
        start (e.g. after `resume_session_id`); its output after `after_seq` is replayed
        from what the server retains (`processes()` tells which seqs it still has). With
        a server that lists processes, the session's `argv` and `tty` are the process's.
        """
        return ExecSession._wrap(
            self._loop,
            self._loop.run(self._async.attach(process_id, after_seq=after_seq)),
        )

    def processes(self) -> list[models.ProcessInfo]:
        """The processes of this server session, running or still retained after their
        exit, in process id order: id, argv, pid, tty, running, exit code, and the seqs of
        the output still retained (`first_seq` up to `next_seq`). Raises
        `UnsupportedByServer` for servers without `execwire/listProcesses`.
        """
        return self._loop.run(self._async.processes())

    def run(
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
        return self._loop.run(
            self._async.run(
                argv,
                cwd=cwd,
                env=env,
                env_policy=env_policy,
                tty=tty,
                timeout=timeout,
                max_output_bytes=max_output_bytes,
                check=check,
                sandbox=sandbox,
            ),
        )
