"""Sessions: detach on disconnect, resume, TTL expiry, retention, long-poll cancellation."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable
from pathlib import Path

from .rawclient import ServerProcess, connect, start_params


async def _wait_for_file(path: Path) -> None:
    for _ in range(500):
        if path.exists():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} never appeared")


async def test_disconnect_detaches_and_resume_reads_what_was_missed(
    server: ServerProcess, tmp_path: Path
) -> None:
    go1, done1, go2 = tmp_path / "go1", tmp_path / "done1", tmp_path / "go2"
    script = (
        f"echo before; until [ -e {go1} ]; do sleep 0.01; done; echo while-detached; "
        f"touch {done1}; until [ -e {go2} ]; do sleep 0.01; done; echo after"
    )
    async with connect(server.url) as first:
        session = await first.initialize()
        await first.result("process/start", start_params("p", ["/bin/sh", "-c", script]))
        await first.wait_for(lambda m: m.get("method") == "process/output")
    go1.touch()
    await _wait_for_file(done1)
    async with connect(server.url) as second:
        for _ in range(100):  # the server may still be noticing the first connection's end
            reply = await second.request("initialize", {"clientName": "t", "resumeSessionId": session})
            if "result" in reply:
                break
            await asyncio.sleep(0.05)
        assert reply["result"]["sessionId"] == session
        await second.send({"method": "initialized"})
        read = await second.result("process/read", {"processId": "p", "afterSeq": 1, "waitMs": 5000})
        assert b"".join(base64.b64decode(c["chunk"]) for c in read["chunks"]) == b"while-detached\n"
        go2.touch()
        await second.wait_closed_process("p")
        # Output made while detached is not pushed again; later output is, with continuing seqs.
        outputs = [m for m in second.events("p") if m["method"] == "process/output"]
        assert [base64.b64decode(m["params"]["chunk"]) for m in outputs] == [b"after\n"]
        assert outputs[0]["params"]["seq"] == 3


async def test_resume_of_an_attached_session_is_refused_and_may_be_retried(server: ServerProcess) -> None:
    async with connect(server.url) as owner, connect(server.url) as other:
        session = await owner.initialize()
        refused = await other.request("initialize", {"clientName": "t", "resumeSessionId": session})
        assert refused["error"] == {
            "code": -32010,
            "message": f"session {session} is already attached to another connection",
        }
        unknown = await other.request("initialize", {"clientName": "t", "resumeSessionId": "nope"})
        assert unknown["error"] == {"code": -32600, "message": "unknown session id nope"}
        fresh = await other.initialize()
        assert fresh != session
        # Process ids belong to sessions: both may use the same one.
        await owner.result("process/start", start_params("same", ["true"]))
        await other.result("process/start", start_params("same", ["true"]))


async def test_expired_detached_session_is_gone_and_its_processes_killed(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = server_factory("--detached-session-ttl", "0.5")
    pid_file = tmp_path / "pid"
    async with connect(server.url) as client:
        session = await client.initialize()
        await client.result("process/start", start_params("s", ["/bin/sh", "-c", f"echo $$ > {pid_file}; exec sleep 300"]))
        for _ in range(100):
            if pid_file.exists() and pid_file.read_text().strip():
                break
            await asyncio.sleep(0.02)
    pid = int(pid_file.read_text())
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the expired session's process is still running")
    async with connect(server.url) as client:
        expired = await client.request("initialize", {"clientName": "t", "resumeSessionId": session})
        assert expired["error"] == {"code": -32600, "message": f"unknown session id {session}"}


async def test_disconnect_during_a_long_poll_detaches_at_once(server: ServerProcess) -> None:
    async with connect(server.url) as first:
        session = await first.initialize()
        await first.result("process/start", start_params("s", ["sleep", "300"]))
        await first.send({"id": 50, "method": "process/read", "params": {"processId": "s", "waitMs": 60000}})
        await asyncio.sleep(0.1)
    # The poll would block for a minute; the resume must not wait for it.
    async with connect(server.url) as second:
        for _ in range(50):
            reply = await second.request("initialize", {"clientName": "t", "resumeSessionId": session})
            if "result" in reply:
                break
            await asyncio.sleep(0.1)
        assert reply.get("result", {}).get("sessionId") == session, reply
        await second.send({"method": "initialized"})
        assert await second.result("process/terminate", {"processId": "s"}) == {"running": True}


async def test_closed_processes_are_forgotten_after_retention(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory("--process-retention", "0.3")
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("once", ["true"]))
        await client.wait_closed_process("once")
        for _ in range(100):
            reply = await client.request("process/read", {"processId": "once"})
            if "error" in reply:
                break
            await asyncio.sleep(0.05)
        assert reply["error"] == {"code": -32600, "message": "unknown process id once"}
        assert (await client.result("process/start", start_params("once", ["true"])))["processId"] == "once"
