"""Every `Executor` process and file method puts its `sandbox=` into the request params."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from execwire import ExecServerClient, Executor, Sandbox, sync
from execwire.protocol import models

from .test_sdk_client import ScriptedConnector, ServerSide, metadata

SANDBOX = Sandbox.workspace_write("/work", deny=["**/.env"], tmp=True)

Call = Callable[[Executor, models.FileSystemSandboxContext | None], Awaitable[object]]

# (the method the server sees, the call)
CALLS: list[tuple[str, Call]] = [
    ("fs/readFile", lambda e, s: e.read_bytes("f", sandbox=s)),
    ("fs/readFile", lambda e, s: e.read_text("/work/f", sandbox=s)),
    ("fs/writeFile", lambda e, s: e.write_bytes("f", b"x", sandbox=s)),
    ("fs/writeFile", lambda e, s: e.write_text("f", "x", sandbox=s)),
    ("fs/createDirectory", lambda e, s: e.mkdir("d", sandbox=s)),
    ("fs/getMetadata", lambda e, s: e.stat("f", sandbox=s)),
    ("fs/getMetadata", lambda e, s: e.exists("f", sandbox=s)),
    ("fs/readDirectory", lambda e, s: e.listdir("d", sandbox=s)),
    ("fs/remove", lambda e, s: e.remove("f", sandbox=s)),
    ("fs/copy", lambda e, s: e.copy("f", "g", sandbox=s)),
    ("process/start", lambda e, s: e.spawn(["true"], sandbox=s)),
    ("process/start", lambda e, s: e.run(["true"], sandbox=s)),
]

FILE_METHODS = [
    "read_bytes", "read_text", "write_bytes", "write_text", "mkdir", "stat", "exists",
    "listdir", "remove", "copy", "spawn", "run",
]


def answer(conn: ServerSide, request: dict[str, Any]) -> None:
    """A plausible success for each method (a started process exits at once)."""
    method = request["method"]
    if method == "fs/readFile":
        conn.reply(request, {"dataBase64": "eA=="})
    elif method == "fs/getMetadata":
        conn.reply(request, metadata(1))
    elif method == "fs/readDirectory":
        conn.reply(request, {"entries": []})
    elif method == "process/start":
        process_id = request["params"]["processId"]
        conn.reply(request, {"processId": process_id})
        conn.notify("process/exited", {"processId": process_id, "seq": 1, "exitCode": 0})
        conn.notify("process/closed", {"processId": process_id, "seq": 2})
    else:
        conn.reply(request, {})


@pytest.mark.parametrize("sandbox", [SANDBOX, None], ids=["sandboxed", "unsandboxed"])
@pytest.mark.parametrize(("method", "call"), CALLS, ids=[f"{m}-{i}" for i, (m, _) in enumerate(CALLS)])
async def test_the_sandbox_goes_into_the_params(
    method: str, call: Call, sandbox: models.FileSystemSandboxContext | None
) -> None:
    seen: list[dict[str, Any]] = []

    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        request = await conn.request(method)
        seen.append(request["params"])
        answer(conn, request)

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    await call(Executor(client), sandbox)
    await connector.finished()
    await client.close()
    [params] = seen
    if sandbox is None:
        assert "sandbox" not in params  # omitted, as the agent omits it, not null
    else:
        assert params["sandbox"] == SANDBOX.to_wire()


@pytest.mark.parametrize("name", FILE_METHODS)
def test_the_sync_facade_takes_the_same_sandbox_keyword(name: str) -> None:
    for cls in (Executor, sync.Executor):
        parameter = inspect.signature(getattr(cls, name)).parameters["sandbox"]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
        assert parameter.default is None


def test_the_sync_facade_sends_the_sandbox() -> None:
    seen: list[dict[str, Any]] = []

    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        request = await conn.request("fs/writeFile")
        seen.append(request["params"])
        answer(conn, request)

    with sync.Executor.open(ScriptedConnector(serve)) as executor:
        executor.write_text("notes.txt", "hi", sandbox=SANDBOX)
    assert seen[0]["sandbox"] == SANDBOX.to_wire()
    assert seen[0]["path"] == "file:///work/notes.txt"
