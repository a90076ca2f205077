"""`python -m bench.client_microbench`: client CPU per `process/output` notification.

The SDK client is the bottleneck of every streaming benchmark, so this measures it alone.
A fake exec-server answers `initialize` and `process/start`, then pushes pre-encoded
`process/output` notifications as fast as the link takes them; the client consumes them
through `Executor.spawn(...).output()` (what `make bench` does) and the client process's
CPU time is divided by the number of notifications.

Two links:

* `socket`: the fake server is a separate process speaking raw websocket frames (pre-built
  headers, no websocket library), so nearly all of the CPU it costs is outside the client
  and the client's transport is measured as users get it;
* `memory`: an in-process transport hands the client the same bytes without a socket,
  several messages per event-loop turn (as a socket read does): the SDK's own cost.

    python -m bench.client_microbench                      # both links, 8 KiB and 64 KiB
    python -m bench.client_microbench --link memory --chunk 8192 --megabytes 128

`--chunk` forces the server's chunk size; `auto` applies what the client asks for in its
`initialize` (the execwire `outputChunkBytes` extension), like our server. Run it against
another SDK tree with `PYTHONPATH=/path/to/sdk`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import inspect
import os
import statistics
import struct
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from execwire import Executor, WebSocketConnector
from execwire.errors import TransportError

MIB = 1 << 20
DEFAULT_CHUNK = 8192
MAX_CHUNK = 1 << 20
MESSAGES_PER_TURN = 16
"""Memory link: messages handed over per event-loop turn (a socket read brings several)."""
WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


# ----------------------------------------------------------------------- the fake server


class FakeSession:
    """The server side of one connection, I/O-free: requests in, messages out."""

    def __init__(self, total_bytes: int, forced_chunk: int | None) -> None:
        self._total = total_bytes
        self._forced_chunk = forced_chunk
        self.chunk_bytes = forced_chunk or DEFAULT_CHUNK
        self.started: str | None = None
        """The process id of the last `process/start` answered: stream its output now."""
        self.starts = 0

    def handle(self, raw: bytes) -> list[bytes]:
        message = orjson.loads(raw)
        method, request_id = message.get("method"), message.get("id")
        if request_id is None:
            return []  # `initialized`
        params = message.get("params") or {}
        result: dict[str, Any]
        if method == "initialize":
            result = {
                "sessionId": str(uuid.uuid4()),
                "environmentInfo": {"shell": {"name": "sh", "path": "/bin/sh"}, "cwd": "file:///tmp"},
            }
            asked = (params.get("execwire") or {}).get("outputChunkBytes")
            if asked is not None:
                if self._forced_chunk is None:
                    self.chunk_bytes = min(max(int(asked), DEFAULT_CHUNK), MAX_CHUNK)
                result["execwire"] = {"outputChunkBytes": self.chunk_bytes}
        elif method == "process/start":
            self.started = params["processId"]
            self.starts += 1
            result = {"processId": self.started}
        elif method == "process/terminate":
            result = {"running": False}
        else:
            error = {"code": -32601, "message": f"not faked: {method}"}
            return [orjson.dumps({"id": request_id, "error": error})]
        return [orjson.dumps({"id": request_id, "result": result})]

    def stream(self, process_id_text: str | None = None) -> Iterator[bytes]:
        """Every notification of the started process: its output, then exited and closed."""
        process_id = orjson.dumps(process_id_text or self.started)
        chunk = base64.b64encode(os.urandom(self.chunk_bytes))
        count = self._total // self.chunk_bytes
        head = b'{"method":"process/output","params":{"processId":%b,"seq":' % process_id
        tail = b',"stream":"stdout","chunk":"%b"}}' % chunk
        for seq in range(1, count + 1):
            yield b"%b%d%b" % (head, seq, tail)
        yield (
            b'{"method":"process/exited","params":{"processId":%b,"seq":%d,"exitCode":0,'
            b'"sandboxDenied":false}}' % (process_id, count + 1)
        )
        yield b'{"method":"process/closed","params":{"processId":%b,"seq":%d}}' % (
            process_id,
            count + 2,
        )


def _frame(payload: bytes) -> bytes:
    """One unmasked text frame (server to client)."""
    size = len(payload)
    if size < 126:
        return struct.pack("!BB", 0x81, size) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


async def _read_frames(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The next whole client message (opcode, unmasked payload), fragments joined."""
    parts: list[bytes] = []
    first_opcode = 0
    while True:
        head = await reader.readexactly(2)
        fin, opcode = head[0] & 0x80, head[0] & 0x0F
        size = head[1] & 0x7F
        if size == 126:
            size = struct.unpack("!H", await reader.readexactly(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", await reader.readexactly(8))[0]
        mask = await reader.readexactly(4) if head[1] & 0x80 else b"\0\0\0\0"
        data = await reader.readexactly(size)
        if size:
            key = int.from_bytes((mask * (size // 4 + 1))[:size], "big")
            data = (int.from_bytes(data, "big") ^ key).to_bytes(size, "big")
        if opcode >= 8:
            return opcode, data  # control frames are never fragmented
        first_opcode = first_opcode or opcode
        parts.append(data)
        if fin:
            return first_opcode, b"".join(parts)


async def _serve_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, total: int, chunk: int | None
) -> None:
    request = await reader.readuntil(b"\r\n\r\n")
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + WEBSOCKET_GUID).digest())
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: %b\r\n\r\n" % accept
    )
    session = FakeSession(total, chunk)
    streaming: asyncio.Task[None] | None = None
    streamed = 0

    async def push() -> None:
        batch: list[bytes] = []
        for message in session.stream():
            batch.append(_frame(message))
            if len(batch) == 32:
                writer.writelines(batch)
                batch.clear()
                await writer.drain()
        writer.writelines(batch)
        await writer.drain()

    try:
        while True:
            opcode, payload = await _read_frames(reader)
            if opcode == 8:  # close: answer it and hang up
                writer.write(b"\x88\x02\x03\xe8")
                await writer.drain()
                return
            if opcode == 9:
                writer.write(b"\x8a" + bytes([len(payload)]) + payload)
                continue
            if opcode not in (1, 2):
                continue
            for reply in session.handle(payload):
                writer.write(_frame(reply))
            if session.starts != streamed:
                streamed = session.starts
                streaming = asyncio.create_task(push())
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        if streaming is not None:
            streaming.cancel()
        writer.close()


async def serve(total: int, chunk: int | None) -> None:
    """Listen on an ephemeral port; print the URL first; serve until killed."""
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(r, w, total, chunk), "127.0.0.1", 0, limit=1 << 24
    )
    host, port = server.sockets[0].getsockname()[:2]
    print(f"ws://{host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


# ----------------------------------------------------------------------- the memory link


class MemoryTransport:
    """The client end of an in-process link to a `FakeSession` (no socket).

    The notifications of the next process are built before it starts (`prepare`), so the
    measured CPU is the client's alone."""

    def __init__(self, session: FakeSession) -> None:
        self._session = session
        self._inbound: deque[bytes] = deque()
        self._arrived = asyncio.Event()
        self._prepared: list[bytes] = []
        self._stream: deque[bytes] = deque()
        self._streamed = 0
        self._turn = 0
        self._closed = False

    def prepare(self, process_id: str) -> None:
        self._prepared = list(self._session.stream(process_id))

    async def send(self, message: bytes) -> None:
        if self._closed:
            raise TransportError("closed")
        self._inbound.extend(self._session.handle(message))
        if self._session.starts != self._streamed:
            self._streamed = self._session.starts
            self._stream.extend(self._prepared)
            self._prepared = []
        self._arrived.set()

    async def receive(self) -> bytes | None:
        while True:
            if self._closed:
                return None
            if self._inbound:
                return self._inbound.popleft()
            if self._stream:
                self._turn += 1
                if self._turn % MESSAGES_PER_TURN == 0:
                    await asyncio.sleep(0)  # the next socket read: other tasks run now
                return self._stream.popleft()
            self._arrived.clear()
            await self._arrived.wait()

    async def close(self) -> None:
        self.abort()

    def abort(self) -> None:
        self._closed = True
        self._arrived.set()


class MemoryConnector:
    def __init__(self, total: int, chunk: int | None) -> None:
        self._total, self._chunk = total, chunk
        self.transport: MemoryTransport | None = None

    @property
    def target(self) -> str:
        return "memory"

    @property
    def resumable(self) -> bool:
        return False

    async def connect(self) -> MemoryTransport:
        self.transport = MemoryTransport(FakeSession(self._total, self._chunk))
        return self.transport

    async def aclose(self) -> None:
        return None


# ----------------------------------------------------------------------- the client


@dataclass
class Sample:
    messages: int
    chunk_bytes: int
    cpu_seconds: float
    wall_seconds: float
    received: int


def _client_options(asked: int | None) -> dict[str, Any]:
    """No reconnects and `asked` output chunks, spelled as this tree's SDK takes them
    (`options=ClientOptions(...)`; older trees took keyword arguments, some without
    `output_chunk_bytes`)."""
    parameters = inspect.signature(Executor.open).parameters
    if "options" in parameters:
        import execwire

        options_type: Any = execwire.ClientOptions
        return {"options": options_type(reconnect=None, output_chunk_bytes=asked)}
    if "output_chunk_bytes" in parameters:
        return {"reconnect": None, "output_chunk_bytes": asked}
    return {"reconnect": None}


async def _one_stream(executor: Executor, process_id: str) -> tuple[int, int]:
    session = await executor.spawn(["fake"], process_id=process_id)
    received = messages = 0
    async for chunk in session.output():
        received += len(chunk.data)
        messages += 1
    await session.wait()
    return received, messages


async def measure(connector: Any, repetitions: int, asked: int | None) -> list[Sample]:
    """`repetitions` streams after one warm-up, on one client."""
    executor = await Executor.open(connector, **_client_options(asked))
    samples: list[Sample] = []
    try:
        for repetition in range(repetitions + 1):  # the first one warms up
            process_id = f"bench-{repetition}"
            if isinstance(connector, MemoryConnector):
                assert connector.transport is not None
                connector.transport.prepare(process_id)
            cpu, wall = time.process_time(), time.perf_counter()
            received, messages = await _one_stream(executor, process_id)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if repetition:
                chunk_bytes = received // max(messages, 1)
                samples.append(Sample(messages, chunk_bytes, cpu, wall, received))
    finally:
        await executor.close()
    return samples


@contextlib.asynccontextmanager
async def _server_process(total: int, chunk: int | None) -> Any:
    argv = [sys.executable, "-m", "bench.client_microbench", "--serve", "--megabytes",
            str(total // MIB), "--chunk", str(chunk or "auto")]
    process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        yield (await process.stdout.readline()).decode().strip()
    finally:
        process.kill()
        await process.wait()


def _report(link: str, chunk: str, samples: list[Sample]) -> None:
    per_message = statistics.median(s.cpu_seconds / s.messages for s in samples) * 1e6
    per_mib = statistics.median(s.cpu_seconds / (s.received / MIB) for s in samples) * 1e3
    rate = statistics.median(s.received / 1e6 / s.wall_seconds for s in samples)
    print(
        f"{link:6} chunk {chunk:>6} ({samples[0].chunk_bytes:>6} B/msg): "
        f"{per_message:7.2f} us CPU/msg  {per_mib:6.2f} ms CPU/MiB  {rate:7.1f} MB/s wall "
        f"({samples[0].messages} msgs x {len(samples)})",
        flush=True,
    )


async def run(args: argparse.Namespace) -> None:
    total = args.megabytes * MIB
    for link in args.link.split(","):
        for chunk_text in args.chunk.split(","):
            forced = None if chunk_text == "auto" else int(chunk_text)
            asked = args.ask if forced is None else forced
            if link == "memory":
                samples = await measure(MemoryConnector(total, forced), args.repetitions, asked)
            else:
                async with _server_process(total, forced) as url:
                    samples = await measure(WebSocketConnector(url), args.repetitions, asked)
            _report(link, chunk_text, samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--link", default="memory,socket", help="memory, socket or both")
    parser.add_argument("--chunk", default="8192,65536", help="chunk sizes, or auto")
    parser.add_argument("--ask", type=int, default=65536, help="what the client asks for with --chunk auto")
    parser.add_argument("--megabytes", type=int, default=128, help="output per stream (MiB)")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        chunk = None if args.chunk == "auto" else int(args.chunk)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args.megabytes * MIB, chunk))
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
