"""The process-control extensions on the wire: execwire/resize, closeStdin, signal and
listProcesses (a real server over a websocket, a raw client that asked for them)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from .rawclient import RawClient, ServerProcess, connect, start_params

METHODS = ["execwire/resize", "execwire/closeStdin", "execwire/signal", "execwire/listProcesses"]


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[RawClient]:
    async with connect(server.url) as raw:
        result = await raw.result("initialize", {"clientName": "tests", "execwire": {"methods": METHODS}})
        assert result["execwire"]["methods"] == sorted(METHODS)
        await raw.send({"method": "initialized", "params": {}})
        yield raw


def _chunk(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def _write(client: RawClient, process_id: str, data: bytes, write_id: str) -> Any:
    return await client.result("process/write", {"processId": process_id, "chunk": _chunk(data), "writeId": write_id})


async def _exit_code(client: RawClient, process_id: str) -> int:
    await client.wait_closed_process(process_id)
    (exited,) = [m for m in client.events(process_id) if m["method"] == "process/exited"]
    code: int = exited["params"]["exitCode"]
    return code


async def _until_output(client: RawClient, process_id: str, needle: bytes, timeout: float = 10) -> None:
    await client.wait_for(lambda m: needle in client.output(process_id), timeout)


# -- resize --------------------------------------------------------------------------------


async def test_resize_changes_the_pty_size_and_the_child_sees_sigwinch(client: RawClient) -> None:
    script = "trap 'stty size' WINCH; stty size; echo ready; while :; do sleep 0.02; done"
    await client.result("process/start", start_params("t", ["/bin/bash", "-c", script], tty=True))
    await _until_output(client, "t", b"ready")
    assert await client.result("execwire/resize", {"processId": "t", "rows": 40, "cols": 132}) == {}
    await _until_output(client, "t", b"40 132")
    assert client.output("t").startswith(b"24 80\r\n")
    await client.result("process/terminate", {"processId": "t"})


async def test_resize_errors(client: RawClient) -> None:
    await client.result("process/start", start_params("pipe", ["sleep", "300"]))
    await client.result("process/start", start_params("t", ["sleep", "300"], tty=True))
    no_terminal = await client.request("execwire/resize", {"processId": "pipe", "rows": 10, "cols": 10})
    assert no_terminal["error"] == {"code": -32600, "message": "process pipe has no terminal"}
    unknown = await client.request("execwire/resize", {"processId": "nope", "rows": 10, "cols": 10})
    assert unknown["error"] == {"code": -32600, "message": "unknown process id nope"}
    for rows, cols in ((0, 10), (10, 0)):
        zero = await client.request("execwire/resize", {"processId": "t", "rows": rows, "cols": cols})
        assert zero["error"]["code"] == -32602
        assert "at least 1" in zero["error"]["message"]
    too_big = await client.request("execwire/resize", {"processId": "t", "rows": 65536, "cols": 10})
    assert too_big["error"]["code"] == -32602
    missing = await client.request("execwire/resize", {"processId": "t", "rows": 10})
    assert missing["error"] == {"code": -32602, "message": "missing field `cols`"}
    for process_id in ("pipe", "t"):
        await client.result("process/terminate", {"processId": process_id})


async def test_resize_after_the_terminal_is_gone_is_a_no_op(client: RawClient) -> None:
    await client.result("process/start", start_params("t", ["true"], tty=True))
    await client.wait_closed_process("t")
    assert await client.result("execwire/resize", {"processId": "t", "rows": 5, "cols": 5}) == {}


# -- closeStdin ----------------------------------------------------------------------------


async def test_close_stdin_delivers_queued_writes_then_end_of_file(client: RawClient) -> None:
    await client.result("process/start", start_params("wc", ["wc", "-c"], pipeStdin=True))
    payload = bytes(range(256)) * 4096  # 1 MiB: more than a pipe holds, so it is queued
    for index in range(4):
        assert await _write(client, "wc", payload, f"w{index}") == {"status": "accepted"}
    assert await client.result("execwire/closeStdin", {"processId": "wc"}) == {}
    assert await _exit_code(client, "wc") == 0
    assert client.output("wc", "stdout").strip() == str(4 * len(payload)).encode()
    # After closeStdin, writes answer the reference's status for a process without stdin.
    assert await _write(client, "wc", b"late", "w9") == {"status": "stdinClosed"}


async def test_close_stdin_lets_cat_finish_with_exact_bytes(client: RawClient) -> None:
    await client.result("process/start", start_params("cat", ["cat"], pipeStdin=True))
    assert await _write(client, "cat", b"no newline at the end", "1") == {"status": "accepted"}
    await client.result("execwire/closeStdin", {"processId": "cat"})
    assert await _exit_code(client, "cat") == 0
    assert client.output("cat", "stdout") == b"no newline at the end"


async def test_close_stdin_errors(client: RawClient) -> None:
    await client.result("process/start", start_params("cat", ["cat"], pipeStdin=True))
    await client.result("process/start", start_params("nostdin", ["sleep", "300"]))
    await client.result("process/start", start_params("t", ["sleep", "300"], tty=True))
    assert await client.result("execwire/closeStdin", {"processId": "cat"}) == {}
    twice = await client.request("execwire/closeStdin", {"processId": "cat"})
    assert twice["error"] == {"code": -32600, "message": "stdin of process cat is already closed"}
    never = await client.request("execwire/closeStdin", {"processId": "nostdin"})
    assert never["error"] == {"code": -32600, "message": "stdin of process nostdin is already closed"}
    pty = await client.request("execwire/closeStdin", {"processId": "t"})
    assert pty["error"] == {
        "code": -32600,
        "message": "process t has a terminal: write its EOF character (Ctrl-D) instead",
    }
    unknown = await client.request("execwire/closeStdin", {"processId": "nope"})
    assert unknown["error"] == {"code": -32600, "message": "unknown process id nope"}
    assert await _exit_code(client, "cat") == 0
    for process_id in ("nostdin", "t"):
        await client.result("process/terminate", {"processId": process_id})


async def test_close_stdin_after_a_natural_exit_succeeds_once(client: RawClient) -> None:
    await client.result("process/start", start_params("quick", ["true"], pipeStdin=True))
    await client.wait_closed_process("quick")
    assert await client.result("execwire/closeStdin", {"processId": "quick"}) == {}
    again = await client.request("execwire/closeStdin", {"processId": "quick"})
    assert again["error"]["message"] == "stdin of process quick is already closed"


# -- signal --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "number"),
    [("interrupt", 2), ("terminate", 15), ("hangup", 1), ("quit", 3), ("user1", 10), ("user2", 12)],
)
async def test_each_signal_reaches_the_process(client: RawClient, name: str, number: int) -> None:
    script = f"trap 'echo got-{number}; exit {number}' {number}; echo ready; while :; do sleep 0.02; done"
    await client.result("process/start", start_params("p", ["/bin/bash", "-c", script]))
    await _until_output(client, "p", b"ready")
    assert await client.result("execwire/signal", {"processId": "p", "signal": name}) == {}
    assert await _exit_code(client, "p") == number
    assert f"got-{number}".encode() in client.output("p", "stdout")


async def test_signal_goes_to_the_whole_process_group(client: RawClient, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"sleep 300 & echo $! > {pids}; echo ready; wait"
    await client.result("process/start", start_params("tree", ["/bin/sh", "-c", script]))
    await _until_output(client, "tree", b"ready")
    child = int(pids.read_text())
    await client.result("execwire/signal", {"processId": "tree", "signal": "kill"})
    assert await _exit_code(client, "tree") == 137
    for _ in range(100):
        try:
            Path(f"/proc/{child}/stat").read_text()
        except FileNotFoundError:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the backgrounded child survived the group signal")


async def test_signal_errors_and_exited_processes(client: RawClient) -> None:
    await client.result("process/start", start_params("done", ["true"]))
    await client.wait_closed_process("done")
    assert await client.result("execwire/signal", {"processId": "done", "signal": "kill"}) == {}
    unknown = await client.request("execwire/signal", {"processId": "nope", "signal": "kill"})
    assert unknown["error"] == {"code": -32600, "message": "unknown process id nope"}
    bad = await client.request("execwire/signal", {"processId": "done", "signal": "SIGKILL"})
    assert bad["error"]["code"] == -32602
    assert bad["error"]["message"].startswith("unknown variant `SIGKILL`, expected one of")
    # process/signal stays the reference's: interrupt only, unknown ids are fine.
    reference = await client.request("process/signal", {"processId": "done", "signal": "kill"})
    assert reference["error"]["code"] == -32602
    assert await client.result("process/signal", {"processId": "nope", "signal": "interrupt"}) == {}


# -- listProcesses -------------------------------------------------------------------------


async def test_list_processes_in_id_order_with_state_and_seqs(client: RawClient) -> None:
    assert await client.result("execwire/listProcesses") == {"processes": []}
    await client.result("process/start", start_params("b-sleeper", ["sleep", "300"], tty=True))
    await client.result("process/start", start_params("a-printer", ["/bin/sh", "-c", "echo one; echo two >&2; exit 4"]))
    await client.wait_closed_process("a-printer")
    listed = (await client.result("execwire/listProcesses", {}))["processes"]
    assert [p["processId"] for p in listed] == ["a-printer", "b-sleeper"]
    printer, sleeper = listed
    assert printer == {
        "processId": "a-printer",
        "argv": ["/bin/sh", "-c", "echo one; echo two >&2; exit 4"],
        "pid": None,
        "tty": False,
        "running": False,
        "exitCode": 4,
        "firstSeq": 1,
        "nextSeq": 5,  # two chunks, exited, closed
    }
    assert sleeper["running"] is True and sleeper["tty"] is True and sleeper["exitCode"] is None
    assert isinstance(sleeper["pid"], int) and sleeper["pid"] > 1
    assert sleeper["argv"] == ["sleep", "300"]
    assert sleeper["firstSeq"] == sleeper["nextSeq"] == 1  # nothing printed yet
    await client.result("process/terminate", {"processId": "b-sleeper"})
    with_params = await client.request("execwire/listProcesses", {"all": True})
    assert with_params["error"]["code"] == -32602


async def test_list_processes_first_seq_follows_eviction(client: RawClient) -> None:
    # 3 MiB of output in 8 KiB chunks: the first ones are evicted (1 MiB retained).
    await client.result("process/start", start_params("big", ["head", "-c", str(3 << 20), "/dev/zero"]))
    await client.wait_closed_process("big")
    (info,) = (await client.result("execwire/listProcesses"))["processes"]
    assert info["firstSeq"] > 1
    read = await client.result("process/read", {"processId": "big"})
    assert read["chunks"][0]["seq"] == info["firstSeq"]
    assert read["nextSeq"] == info["nextSeq"]
