"""A tiny scenario DSL and its runner.

A scenario is a list of steps run in order against one server. Steps talk over one or
more websocket connections (the current one unless `conn=` is given) and everything
sent or received is appended to a transcript (a list of JSON events):

    {"conn": 0, "send": {...}}        a JSON message we sent
    {"conn": 0, "send_raw": "..."}    a text frame sent verbatim (`send_binary` for binary)
    {"conn": 0, "recv": {...}}        a message the server sent (`recv_text` if not JSON)
    {"conn": 0, "closed": ...}        the server closed the connection ("no close frame"
                                      when the TCP stream just ended)
    {"conn": 0, "open": true}         `check_closed` timed out: still open
    {"conn": 0, "timeout": "..."}     a wait gave up
    {"snapshot": {...}}               the work directory tree (`snapshot()`)

Strings in sent messages may use placeholders: `$tmp` (work directory, native path),
`$uri` (its file:// URI), `$session` (the last session id seen) and any name captured
with `init(capture=...)`/`call(capture=...)`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import stat
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Json: TypeAlias = Any
"""Any JSON value (None, bool, int, float, str, list, dict)."""
Event: TypeAlias = dict[str, Json]

DEFAULT_TIMEOUT_S = 10.0
_PLACEHOLDER = re.compile(r"\$([a-z][a-z0-9_]*)")


class _Absent:
    """Marker for an omitted `params` member."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


# --------------------------------------------------------------------------- runtime


@dataclass
class Conn:
    """One websocket connection and the messages it has delivered but not yet pulled."""

    index: int
    ws: ClientConnection
    inbox: asyncio.Queue[tuple[str, Json]] = field(default_factory=asyncio.Queue)
    reader: asyncio.Task[None] | None = None
    is_closed: bool = False
    client_closed: bool = False
    requests: dict[str, tuple[str, Json]] = field(default_factory=dict)  # id -> method, params
    started: set[str] = field(default_factory=set)  # processes whose last start succeeded
    failed: set[str] = field(default_factory=set)  # processes whose last start failed
    seqs: dict[str, set[int]] = field(default_factory=dict)  # notification seqs per process
    closed_seq: dict[str, int] = field(default_factory=dict)  # seq of process/closed

    def finished(self, pid: str) -> bool:
        """`process/closed` arrived and, for processes started here, every seq before it.

        Notifications of one process can arrive in any order (even `closed` before
        `exited`), so waiting for `closed` alone would leave stragglers behind."""
        last = self.closed_seq.get(pid)
        if last is None:
            return False
        return pid not in self.started or self.seqs[pid] >= set(range(1, last + 1))

    async def read_loop(self) -> None:
        """Move frames into `inbox`; finish with a ("closed", detail) item."""
        detail: Json = "no close frame"
        try:
            async for frame in self.ws:
                if isinstance(frame, bytes):
                    self.inbox.put_nowait(("binary", frame.decode(errors="replace")))
                else:
                    self.inbox.put_nowait(("text", frame))
        except ConnectionClosed:
            pass
        finally:
            rcvd = self.ws.protocol.close_rcvd
            if rcvd is not None:
                detail = {"code": rcvd.code, "reason": rcvd.reason}
            self.inbox.put_nowait(("closed", detail))


def id_key(value: Json) -> str:
    """A key that distinguishes ids by JSON type as well as value (1 vs "1" vs 1.0)."""
    return json.dumps(value)


class Runtime:
    """State shared by the steps of one scenario run."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.url = url
        self.workdir = workdir
        self.vars: dict[str, str] = {"tmp": str(workdir), "uri": workdir.as_uri()}
        self.conns: list[Conn] = []
        self.current = 0
        self.transcript: list[Event] = []
        self.next_id = 1
        self.cleanups: list[Callable[[], Awaitable[None]]] = []

    # -- helpers used by steps
    def conn(self, index: int | None) -> Conn:
        """The connection `index`, or the current one."""
        return self.conns[self.current if index is None else index]

    def sub(self, value: Json) -> Json:
        """Replace `$name` placeholders in every string of `value`."""
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda m: self.vars.get(m.group(1), m.group(0)), value)
        if isinstance(value, list):
            return [self.sub(v) for v in value]
        if isinstance(value, dict):
            return {k: self.sub(v) for k, v in value.items()}
        return value

    def record(self, conn: Conn | None, **event: Json) -> None:
        """Append an event (tagged with the connection index) to the transcript."""
        self.transcript.append(({"conn": conn.index} if conn else {}) | event)

    async def open_conn(self) -> Conn:
        """Open a new connection and make it current."""
        ws = await connect(
            self.url,
            compression=None,
            max_size=None,
            proxy=None,
            ping_interval=None,
            open_timeout=DEFAULT_TIMEOUT_S,
            close_timeout=1,
        )
        conn = Conn(len(self.conns), ws)
        conn.reader = asyncio.create_task(conn.read_loop())
        self.conns.append(conn)
        self.current = conn.index
        return conn

    async def send(self, conn: Conn, frame: str | bytes) -> bool:
        """Send one frame; records a close instead when the connection is gone."""
        try:
            await conn.ws.send(frame)
            return True
        except ConnectionClosed:
            await self.pull(conn, DEFAULT_TIMEOUT_S)  # surface the close event
            return False

    async def pull(self, conn: Conn, timeout: float) -> Json | None:
        """Take the next frame of `conn`, record it and return the parsed message.

        Returns None on timeout or close (both recorded as the close event only).
        """
        if conn.is_closed:
            return None
        try:
            kind, payload = await asyncio.wait_for(conn.inbox.get(), max(timeout, 0.0))
        except TimeoutError:
            return None
        if kind == "closed":
            conn.is_closed = True
            if not conn.client_closed:
                self.record(conn, closed=payload)
            return None
        if kind == "binary":
            self.record(conn, recv_binary=payload)
            return None
        try:
            msg = json.loads(payload)
        except ValueError:
            self.record(conn, recv_text=payload)
            return None
        self._track(conn, msg)
        self.record(conn, recv=msg)
        if isinstance(msg, dict) and isinstance(msg.get("result"), dict):
            session = msg["result"].get("sessionId")
            if isinstance(session, str):
                self.vars["session"] = session
        return msg

    def _track(self, conn: Conn, msg: Json) -> None:
        """Remember which processes started and closed (for `settle`)."""
        if not isinstance(msg, dict):
            return
        params = msg.get("params")
        if str(msg.get("method")).startswith("process/") and isinstance(params, dict):
            pid, seq = str(params.get("processId")), params.get("seq")
            if isinstance(seq, int):
                conn.seqs.setdefault(pid, set()).add(seq)
                if msg["method"] == "process/closed":
                    conn.closed_seq[pid] = seq
            return
        method, sent = conn.requests.get(id_key(msg.get("id")), ("", None))
        if method == "process/start" and "method" not in msg and isinstance(sent, dict):
            pid = str(sent.get("processId"))
            if "result" in msg:
                conn.started.add(pid)
                conn.failed.discard(pid)
            elif pid not in conn.started:  # "already exists" must not hide the running one
                conn.failed.add(pid)

    async def pull_until(
        self, conn: Conn, done: Callable[[Json], bool], timeout: float, what: str
    ) -> Json | None:
        """Pull messages until `done(msg)` holds; records a timeout event if it never does."""
        deadline = time.monotonic() + timeout
        while not conn.is_closed:
            msg = await self.pull(conn, deadline - time.monotonic())
            if msg is not None and done(msg):
                return msg
            if time.monotonic() >= deadline:
                self.record(conn, timeout=what)
                return None
        return None


# --------------------------------------------------------------------------- steps


class Step:
    """One scenario step."""

    async def run(self, rt: Runtime) -> None:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Send(Step):
    """Send a JSON message (dict/list/scalar), a raw text frame (str) or a binary frame."""

    msg: Json
    raw: bool = False
    conn: int | None = None

    async def run(self, rt: Runtime) -> None:
        conn = rt.conn(self.conn)
        msg = rt.sub(self.msg)
        if isinstance(msg, bytes):
            rt.record(conn, send_binary=msg.decode(errors="replace"))
            await rt.send(conn, msg)
        elif self.raw:
            rt.record(conn, send_raw=msg)
            await rt.send(conn, msg)
        else:
            if isinstance(msg, dict) and "id" in msg and isinstance(msg.get("method"), str):
                conn.requests[id_key(msg["id"])] = (msg["method"], msg.get("params"))
            rt.record(conn, send=msg)
            await rt.send(conn, json.dumps(msg))


@dataclass(frozen=True)
class Call(Step):
    """Send a request and pull messages until its response (matched by id) arrives."""

    method: str
    params: Json = ABSENT
    id: Json = None  # None → next automatic integer id
    conn: int | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    capture: str | None = None  # store result.sessionId (or the whole result) under this name
    min_ms: int | None = None  # record whether the call took at least this long

    async def run(self, rt: Runtime) -> None:
        conn = rt.conn(self.conn)
        rid = self.id
        if rid is None:
            rid, rt.next_id = rt.next_id, rt.next_id + 1
        msg: dict[str, Json] = {"id": rid, "method": self.method}
        if self.params is not ABSENT:
            msg["params"] = self.params
        started = time.monotonic()
        await Send(msg, conn=conn.index).run(rt)
        want = id_key(rid)
        reply = await rt.pull_until(
            conn,
            lambda m: isinstance(m, dict) and "method" not in m and id_key(m.get("id")) == want,
            self.timeout,
            f"response to {self.method} id {rid}",
        )
        if self.min_ms is not None:
            took = (time.monotonic() - started) * 1000
            rt.record(conn, took_at_least_ms={str(self.min_ms): took >= self.min_ms})
        if self.capture and isinstance(reply, dict) and "result" in reply:
            result = reply["result"]
            value = result.get("sessionId") if isinstance(result, dict) else None
            rt.vars[self.capture] = value if isinstance(value, str) else json.dumps(result)


@dataclass(frozen=True)
class Expect(Step):
    """Pull until `n` non-notification messages (responses/errors) have arrived."""

    n: int = 1
    timeout: float = DEFAULT_TIMEOUT_S
    conn: int | None = None

    async def run(self, rt: Runtime) -> None:
        conn = rt.conn(self.conn)
        seen = 0

        def done(msg: Json) -> bool:
            nonlocal seen
            if not (isinstance(msg, dict) and "method" in msg):
                seen += 1
            return seen >= self.n

        await rt.pull_until(conn, done, self.timeout, f"{self.n} response(s)")


@dataclass(frozen=True)
class Quiet(Step):
    """Pull whatever arrives during `seconds` (e.g. to show that nothing does)."""

    seconds: float
    conn: int | None = None

    async def run(self, rt: Runtime) -> None:
        conn = rt.conn(self.conn)
        deadline = time.monotonic() + self.seconds
        while not conn.is_closed and time.monotonic() < deadline:
            await rt.pull(conn, deadline - time.monotonic())


@dataclass(frozen=True)
class WaitProcess(Step):
    """Pull until `pid` has closed and all its notifications arrived (`Conn.finished`)."""

    pid: str
    timeout: float = DEFAULT_TIMEOUT_S
    conn: int | None = None

    async def run(self, rt: Runtime) -> None:
        conn = rt.conn(self.conn)
        if conn.finished(self.pid) or self.pid in conn.failed:
            return
        await rt.pull_until(
            conn, lambda _m: conn.finished(self.pid), self.timeout, f"process/closed of {self.pid}"
        )


@dataclass(frozen=True)
class Settle(Step):
    """Pull until every process started on this connection has sent `process/closed`."""

    timeout: float = DEFAULT_TIMEOUT_S
    conn: int | None = None

    async def run(self, rt: Runtime) -> None:
        conn = rt.conn(self.conn)

        def done(_msg: Json = None) -> bool:
            return all(conn.finished(pid) for pid in conn.started)

        if not done():
            await rt.pull_until(conn, done, self.timeout, "process/closed of every started process")


@dataclass(frozen=True)
class Collect(Step):
    """Pull until `until(msg)` holds for a received message."""

    until: Callable[[Json], bool]
    what: str
    timeout: float = DEFAULT_TIMEOUT_S
    conn: int | None = None

    async def run(self, rt: Runtime) -> None:
        await rt.pull_until(rt.conn(self.conn), self.until, self.timeout, self.what)


@dataclass(frozen=True)
class CheckClosed(Step):
    """Wait up to `timeout` for the server to close the connection; records `open` if not."""

    timeout: float = 2.0
    conn: int | None = None

    async def run(self, rt: Runtime) -> None:
        conn = rt.conn(self.conn)
        deadline = time.monotonic() + self.timeout
        while not conn.is_closed and time.monotonic() < deadline:
            await rt.pull(conn, deadline - time.monotonic())
        if not conn.is_closed:
            rt.record(conn, open=True)


@dataclass(frozen=True)
class Sleep(Step):
    """Do nothing for `seconds` (messages stay queued)."""

    seconds: float

    async def run(self, rt: Runtime) -> None:
        await asyncio.sleep(self.seconds)


@dataclass(frozen=True)
class Connect(Step):
    """Open a new connection; it becomes the current one."""

    async def run(self, rt: Runtime) -> None:
        conn = await rt.open_conn()
        rt.record(conn, connect=True)


@dataclass(frozen=True)
class Disconnect(Step):
    """Close a connection from the client side (websocket close handshake)."""

    conn: int | None = None

    async def run(self, rt: Runtime) -> None:
        conn = rt.conn(self.conn)
        conn.client_closed = True
        rt.record(conn, disconnect=True)
        await conn.ws.close()
        if conn.reader:
            await conn.reader
        conn.is_closed = True


@dataclass(frozen=True)
class Use(Step):
    """Make connection `index` the current one."""

    index: int

    async def run(self, rt: Runtime) -> None:
        rt.current = self.index


@dataclass(frozen=True)
class Local(Step):
    """Run a Python callable on the work directory (e.g. to change files mid-scenario)."""

    action: Callable[[Path], None]

    async def run(self, rt: Runtime) -> None:
        self.action(rt.workdir)


@dataclass(frozen=True)
class Let(Step):
    """Define placeholder `name` from the current placeholder values."""

    name: str
    derive: Callable[[dict[str, str]], str]

    async def run(self, rt: Runtime) -> None:
        rt.vars[self.name] = self.derive(rt.vars)


@dataclass(frozen=True)
class Snapshot(Step):
    """Record the work directory tree: type, content (files) and target (symlinks)."""

    async def run(self, rt: Runtime) -> None:
        rt.record(None, snapshot=tree(rt.workdir))


HTTP_ROUTES: dict[str, tuple[str, list[tuple[str, str]], bytes, float]] = {
    # path: (status line, headers, body, delay before answering in seconds)
    "/hello": (
        "200 OK",
        [("Content-Type", "text/plain"), ("X-Multi", "a"), ("X-Multi", "b")],
        b"hello",
        0.0,
    ),
    "/redirect": ("302 Found", [("Location", "/hello")], b"", 0.0),
    "/missing": ("404 Not Found", [], b"nope", 0.0),
    "/slow": ("200 OK", [], b"slow", 2.0),
}


@dataclass(frozen=True)
class ServeHttp(Step):
    """Start a local HTTP/1.1 server; `$http` is its base URL, each request is recorded.

    Routes: HTTP_ROUTES, plus `/echo` (answers the request body) and `/drip` (body sent in
    two parts 0.5 s apart, to keep a streamed response active).
    """

    async def run(self, rt: Runtime) -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await _serve_one(rt, reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        rt.vars["http"] = f"http://127.0.0.1:{port}"

        async def close() -> None:
            server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

        rt.cleanups.append(close)


async def _serve_one(
    rt: Runtime, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    method, target, _version = head[0].split(" ", 2)
    headers = [tuple(line.split(":", 1)) for line in head[1:] if line]
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
    body = await reader.readexactly(length) if length else b""
    rt.record(
        None,
        http_request={
            "method": method,
            "target": target,
            "headers": [[k.lower(), v.strip()] for k, v in headers],
            "body": body.decode(errors="replace"),
        },
    )
    if target == "/drip":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nfirst")
        await writer.drain()
        await asyncio.sleep(0.5)
        writer.write(b"end")
        await writer.drain()
        return
    status, extra, payload, delay = HTTP_ROUTES.get(target, ("200 OK", [], body, 0.0))
    await asyncio.sleep(delay)
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(payload)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in extra]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
    await writer.drain()


def tree(root: Path) -> dict[str, Json]:
    """Describe every entry under `root` by relative path (no symlink following)."""
    out: dict[str, Json] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            out[rel] = {"symlink": str(path.readlink())}
        elif stat.S_ISDIR(st.st_mode):
            out[rel] = {"dir": True}
        elif stat.S_ISREG(st.st_mode):
            data = path.read_bytes()
            try:
                out[rel] = {"file": data.decode()}
            except UnicodeDecodeError:
                out[rel] = {"file_b64": base64.b64encode(data).decode()}
        else:
            kinds = {
                stat.S_IFIFO: "fifo",
                stat.S_IFSOCK: "socket",
                stat.S_IFCHR: "char device",
                stat.S_IFBLK: "block device",
            }
            out[rel] = {"special": kinds.get(stat.S_IFMT(st.st_mode), "unknown")}
    return out


# --------------------------------------------------------------------------- builders

StepLike: TypeAlias = "Step | Iterable[StepLike]"


def flatten(steps: Iterable[StepLike]) -> tuple[Step, ...]:
    """Flatten nested step lists (helpers may return several steps)."""
    out: list[Step] = []
    for item in steps:
        if isinstance(item, Step):
            out.append(item)
        else:
            out.extend(flatten(item))
    return tuple(out)


def send(msg: Json, *, conn: int | None = None) -> Step:
    """Send a JSON message; a `str` is sent verbatim as a text frame, `bytes` as binary."""
    return Send(msg, raw=isinstance(msg, str), conn=conn)


def notify(method: str, params: Json = ABSENT, *, conn: int | None = None) -> Step:
    """Send a notification."""
    msg: dict[str, Json] = {"method": method}
    if params is not ABSENT:
        msg["params"] = params
    return Send(msg, conn=conn)


def call(
    method: str,
    params: Json = ABSENT,
    *,
    id: Json = None,
    conn: int | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    capture: str | None = None,
    min_ms: int | None = None,
) -> Step:
    """Send a request and wait for its response."""
    return Call(method, params, id, conn, timeout, capture, min_ms)


def init(
    client: str = "interop",
    *,
    resume: str | None = None,
    capture: str | None = None,
    conn: int | None = None,
) -> list[Step]:
    """`initialize` (optionally resuming `resume`, e.g. "$s1") then `initialized`."""
    params: dict[str, Json] = {"clientName": client}
    if resume is not None:
        params["resumeSessionId"] = resume
    return [
        call("initialize", params, capture=capture, conn=conn),
        notify("initialized", conn=conn),
    ]


def expect(n: int = 1, *, timeout: float = DEFAULT_TIMEOUT_S, conn: int | None = None) -> Step:
    """Wait for `n` responses/errors."""
    return Expect(n, timeout, conn)


def quiet(seconds: float, *, conn: int | None = None) -> Step:
    """Collect whatever arrives for `seconds`."""
    return Quiet(seconds, conn)


def wait_process(pid: str, *, timeout: float = DEFAULT_TIMEOUT_S, conn: int | None = None) -> Step:
    """Wait for `process/closed` of `pid`."""
    return WaitProcess(pid, timeout, conn)


def settle(*, timeout: float = DEFAULT_TIMEOUT_S, conn: int | None = None) -> Step:
    """Wait until every process started on the connection has closed."""
    return Settle(timeout, conn)


def collect(
    until: Callable[[Json], bool],
    what: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    conn: int | None = None,
) -> Step:
    """Collect messages until `until(msg)` holds."""
    return Collect(until, what, timeout, conn)


def serve_http() -> Step:
    """Start the local HTTP test server (`$http`)."""
    return ServeHttp()


def check_closed(timeout: float = 2.0, *, conn: int | None = None) -> Step:
    """Did the server close the connection within `timeout`?"""
    return CheckClosed(timeout, conn)


def sleep(seconds: float) -> Step:
    """Pause."""
    return Sleep(seconds)


def connect_new() -> Step:
    """Open another connection (becomes current)."""
    return Connect()


def disconnect(conn: int | None = None) -> Step:
    """Close a connection from the client side."""
    return Disconnect(conn)


def use(index: int) -> Step:
    """Switch the current connection."""
    return Use(index)


def local(action: Callable[[Path], None]) -> Step:
    """Run `action(workdir)` locally."""
    return Local(action)


def let(name: str, derive: Callable[[dict[str, str]], str]) -> Step:
    """Set placeholder `name` to `derive(placeholders)`."""
    return Let(name, derive)


def snapshot() -> Step:
    """Record the work directory tree."""
    return Snapshot()


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """A named scenario; `setup` prepares the (per server) work directory first."""

    name: str
    group: str
    steps: tuple[Step, ...]
    setup: Callable[[Path], None] | None = None
    doc: str = ""
    divergence: str | None = None  # why execwire deliberately answers differently


async def run_case(case: Case, url: str, workdir: Path) -> list[Event]:
    """Run `case` against the server at `url`; returns the raw transcript."""
    workdir.mkdir(parents=True, exist_ok=True)
    if case.setup is not None:
        case.setup(workdir)
    rt = Runtime(url, workdir)
    await rt.open_conn()
    try:
        for step in case.steps:
            await step.run(rt)
    finally:
        for cleanup in rt.cleanups:
            await cleanup()
        for conn in rt.conns:
            conn.client_closed = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(), 2)
            if conn.reader:
                conn.reader.cancel()
                with contextlib.suppress(BaseException):
                    await conn.reader
    return rt.transcript
