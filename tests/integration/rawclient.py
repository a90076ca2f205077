"""A minimal raw JSON-RPC client and server launcher for the server's integration tests.

Deliberately independent of the SDK: these tests check the server's wire behaviour.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import websockets
from websockets.asyncio.client import ClientConnection


@dataclass
class ServerProcess:
    """An `execwire-server` child process."""

    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def start_server(*arguments: str, env: dict[str, str] | None = None) -> ServerProcess:
    """Start `execwire-server --listen ws://127.0.0.1:0 ...` and read its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "execwire_server", "--listen", "ws://127.0.0.1:0", *arguments],
        stdout=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().decode().strip()
    assert url.startswith("ws://127.0.0.1:"), url
    return ServerProcess(process, url)


@dataclass
class RawClient:
    """Sends JSON-RPC messages and sorts what comes back into responses and notifications."""

    ws: ClientConnection
    responses: dict[Any, dict[str, Any]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[Any] = field(default_factory=list)
    """Response ids in the order they arrived."""
    closed: bool = False
    _next_id: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = orjson.loads(raw)
                if "id" in message and "method" not in message:
                    self.responses[message["id"]] = message
                    self.arrivals.append(message["id"])
                else:
                    self.notifications.append(message)
                self._changed.set()
        except websockets.ConnectionClosed:
            pass
        self.closed = True
        self._changed.set()

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else orjson.dumps(message).decode())

    async def request(self, method: str, params: Any = None, timeout: float = 10) -> dict[str, Any]:
        """Send a request and wait for its response (the whole message)."""
        self._next_id += 1
        request_id = self._next_id
        message: dict[str, Any] = {"id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        await self.send(message)
        return await self.response(request_id, timeout)

    async def response(self, request_id: Any, timeout: float = 10) -> dict[str, Any]:
        async def wait() -> dict[str, Any]:
            while request_id not in self.responses:
                if self.closed:
                    raise ConnectionError("closed before the response")
                self._changed.clear()
                await self._changed.wait()
            return self.responses.pop(request_id)

        return await asyncio.wait_for(wait(), timeout)

    async def result(self, method: str, params: Any = None, timeout: float = 10) -> Any:
        """Send a request and return its result, failing on an error reply."""
        response = await self.request(method, params, timeout)
        assert "result" in response, response
        return response["result"]

    async def initialize(self, resume: str | None = None) -> str:
        params: dict[str, Any] = {"clientName": "tests"}
        if resume is not None:
            params["resumeSessionId"] = resume
        result = await self.result("initialize", params)
        await self.send({"method": "initialized", "params": {}})
        session_id: str = result["sessionId"]
        return session_id

    async def wait_for(self, predicate: Any, timeout: float = 10) -> dict[str, Any]:
        """The first notification matching `predicate`."""

        async def wait() -> dict[str, Any]:
            while True:
                for message in self.notifications:
                    if predicate(message):
                        return message
                if self.closed:
                    raise ConnectionError("closed while waiting")
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(wait(), timeout)

    async def wait_closed_process(self, process_id: str, timeout: float = 10) -> dict[str, Any]:
        return await self.wait_for(
            lambda m: m.get("method") == "process/closed" and m["params"]["processId"] == process_id,
            timeout,
        )

    def events(self, process_id: str) -> list[dict[str, Any]]:
        """This process's notifications, in seq order."""
        mine = [m for m in self.notifications if m.get("params", {}).get("processId") == process_id]
        return sorted(mine, key=lambda m: m["params"]["seq"])

    def output(self, process_id: str, stream: str | None = None) -> bytes:
        return b"".join(
            base64.b64decode(m["params"]["chunk"])
            for m in self.events(process_id)
            if m["method"] == "process/output" and (stream is None or m["params"]["stream"] == stream)
        )

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


@contextlib.asynccontextmanager
async def connect(url: str, **kwargs: Any) -> AsyncIterator[RawClient]:
    """A connected `RawClient`."""
    ws = await websockets.connect(url, compression=None, max_size=None, **kwargs)
    client = RawClient(ws)
    client.start()
    try:
        yield client
    finally:
        await client.close()


def start_params(process_id: str, argv: list[str], cwd: str = "/tmp", **extra: Any) -> dict[str, Any]:
    """`process/start` params with an absolute native cwd."""
    params: dict[str, Any] = {
        "processId": process_id,
        "argv": argv,
        "cwd": "file://" + cwd,
        "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        "tty": False,
    }
    params.update(extra)
    return params
