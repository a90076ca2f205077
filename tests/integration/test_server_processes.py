"""Processes over a real websocket: pipes, PTY, stdin, signals, reads, retention."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import sys
from pathlib import Path

from execwire_server.containment import choose_containment

from .rawclient import ServerProcess, connect, start_params


async def test_stdout_and_stderr_are_split_with_ordered_seqs(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        script = "printf 'event output\\n'; sleep 0.05; printf 'event err\\n' >&2; sleep 0.05; exit 7"
        result = await client.result("process/start", start_params("p1", ["/bin/sh", "-c", script]))
        assert result == {"processId": "p1", "sandboxType": "none"}
        await client.wait_closed_process("p1")
        events = client.events("p1")
        assert [(m["method"], m["params"]["seq"]) for m in events] == [
            ("process/output", 1),
            ("process/output", 2),
            ("process/exited", 3),
            ("process/closed", 4),
        ]
        assert events[2]["params"] == {"processId": "p1", "seq": 3, "exitCode": 7, "sandboxDenied": False}
        assert client.output("p1", "stdout") == b"event output\n"
        assert client.output("p1", "stderr") == b"event err\n"
        read = await client.result("process/read", {"processId": "p1"})
        assert read["nextSeq"] == 5 and read["exited"] and read["closed"] and read["exitCode"] == 7
        assert read["failure"] is None and read["sandboxDenied"] is False
        assert [(c["seq"], c["stream"]) for c in read["chunks"]] == [(1, "stdout"), (2, "stderr")]


async def test_pty_processes_see_a_terminal_and_report_stream_pty(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result(
            "process/start",
            start_params("t", ["/bin/sh", "-c", "test -t 0 && test -t 1 && stty size; exit 3"], tty=True),
        )
        await client.wait_closed_process("t")
        assert client.output("t") == b"24 80\r\n"
        assert {m["params"]["stream"] for m in client.events("t") if m["method"] == "process/output"} == {"pty"}
        exited = [m for m in client.events("t") if m["method"] == "process/exited"]
        assert exited[0]["params"]["exitCode"] == 3


async def test_pty_stdin_round_trip_and_kill_reports_exit_code_1(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("t", ["/bin/sh", "-c", "read line; echo got:$line; sleep 300"], tty=True))
        status = await client.result("process/write", {"processId": "t", "chunk": base64.b64encode(b"hello\n").decode(), "writeId": "1"})
        assert status == {"status": "accepted"}
        await client.wait_for(lambda m: m.get("method") == "process/output" and b"got:hello" in client.output("t"))
        assert (await client.result("process/terminate", {"processId": "t"})) == {"running": True}
        await client.wait_closed_process("t")
        exited = [m for m in client.events("t") if m["method"] == "process/exited"]
        assert exited[0]["params"]["exitCode"] == 1


async def test_terminate_kills_the_whole_process_group(server: ServerProcess, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    async with connect(server.url) as client:
        await client.initialize()
        script = f"sleep 300 & echo $! >> {pids}; sleep 300 & echo $! >> {pids}; echo $$ >> {pids}; wait"
        await client.result("process/start", start_params("tree", ["/bin/sh", "-c", script]))
        for _ in range(100):
            if pids.exists() and len(pids.read_text().split()) == 3:
                break
            await asyncio.sleep(0.05)
        assert (await client.result("process/terminate", {"processId": "tree"})) == {"running": True}
        await client.wait_closed_process("tree")
        exited = [m for m in client.events("tree") if m["method"] == "process/exited"]
        assert exited[0]["params"]["exitCode"] == 137
        assert (await client.result("process/terminate", {"processId": "tree"})) == {"running": False}
    for pid in map(int, pids.read_text().split()):
        for _ in range(50):
            if not _alive(pid):
                break
            await asyncio.sleep(0.05)
        assert not _alive(pid), f"process {pid} survived terminate"


async def test_terminate_closes_a_process_whose_escaped_descendant_holds_its_pipes(
    server: ServerProcess, tmp_path: Path
) -> None:
    pid_file = tmp_path / "escaped"
    escape = f"import os, time; os.setsid(); open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    script = f"{sys.executable} -c \"{escape}\" & sleep 300"
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("held", ["/bin/sh", "-c", script]))
        for _ in range(100):
            if pid_file.exists() and pid_file.read_text():
                break
            await asyncio.sleep(0.05)
        escaped = int(pid_file.read_text())
        try:
            assert (await client.result("process/terminate", {"processId": "held"})) == {"running": True}
            await client.wait_closed_process("held", timeout=10)
            assert [m["method"] for m in client.events("held")][-2:] == ["process/exited", "process/closed"]
            if choose_containment_available():
                # With a cgroup per process, terminate reaches the escapee too.
                for _ in range(100):
                    if not _alive(escaped):
                        break
                    await asyncio.sleep(0.05)
                assert not _alive(escaped)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(escaped, 9)


def choose_containment_available() -> bool:
    """Whether this host gives the server a cgroup per process (as it probes at start)."""
    containment = choose_containment()
    if containment is None:
        return False
    containment.close()
    return True


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_interrupt_and_unknown_ids(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("s", ["sleep", "300"]))
        assert await client.result("process/signal", {"processId": "s", "signal": "interrupt"}) == {}
        await client.wait_closed_process("s")
        assert next(m for m in client.events("s") if m["method"] == "process/exited")["params"]["exitCode"] == 130
        assert await client.result("process/signal", {"processId": "nope", "signal": "interrupt"}) == {}
        assert await client.result("process/terminate", {"processId": "nope"}) == {"running": False}
        unknown = await client.request("process/read", {"processId": "nope"})
        assert unknown["error"] == {"code": -32600, "message": "unknown process id nope"}
        write = await client.result("process/write", {"processId": "nope", "chunk": "", "writeId": "w"})
        assert write == {"status": "unknownProcess"}


async def test_stdin_statuses_and_write_ids(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("cat", ["cat"], pipeStdin=True))
        await client.result("process/start", start_params("closed", ["sleep", "300"]))
        chunk = base64.b64encode(b"once\n").decode()
        assert await client.result("process/write", {"processId": "cat", "chunk": chunk, "writeId": "a"}) == {"status": "accepted"}
        assert await client.result("process/write", {"processId": "cat", "chunk": chunk, "writeId": "a"}) == {"status": "accepted"}
        await client.wait_for(lambda m: m.get("method") == "process/output")
        await asyncio.sleep(0.2)
        assert client.output("cat") == b"once\n"  # the repeated write id did not write again
        assert await client.result("process/write", {"processId": "closed", "chunk": chunk, "writeId": "b"}) == {"status": "stdinClosed"}
        await client.result("process/terminate", {"processId": "cat"})
        after_kill = await client.request("process/write", {"processId": "cat", "chunk": chunk, "writeId": "c"})
        assert after_kill["error"] == {"code": -32603, "message": "failed to write to process stdin"}
        await client.result("process/terminate", {"processId": "closed"})


async def test_write_after_natural_exit_is_still_accepted(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("quick", ["true"], pipeStdin=True))
        await client.wait_closed_process("quick")
        status = await client.result("process/write", {"processId": "quick", "chunk": "aGkK", "writeId": "1"})
        assert status == {"status": "accepted"}


async def test_start_errors(server: ServerProcess, tmp_path: Path) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("dup", ["sleep", "300"]))
        duplicate = await client.request("process/start", start_params("dup", ["true"]))
        assert duplicate["error"] == {"code": -32600, "message": "process dup already exists"}
        missing = await client.request("process/start", start_params("m", ["no-such-binary-xyz"]))
        assert missing["error"] == {"code": -32603, "message": "No such file or directory (os error 2)"}
        empty = await client.request("process/start", start_params("e", [""]))
        assert empty["error"] == {"code": -32603, "message": "missing program for pipe spawn"}
        bad_cwd = await client.request("process/start", start_params("c", ["true"], cwd=str(tmp_path / "nope")))
        assert bad_cwd["error"] == {"code": -32603, "message": "No such file or directory (os error 2)"}
        foreign = await client.request("process/start", {**start_params("f", ["true"]), "cwd": "file:///C:/x"})
        assert foreign["error"] == {
            "code": -32602,
            "message": "cwd URI `file:///C:/x` is not valid on this exec-server host: 'file:///C:/x' is invalid on 'linux'",
        }
        sandboxed = await client.result(
            "process/start",
            {**start_params("s", ["true"]), "sandbox": {"permissions": {"type": "disabled"}, "windowsSandboxLevel": "disabled"}},
        )
        assert sandboxed == {"processId": "s", "sandboxType": "linuxSeccomp"}
        managed = await client.request(
            "process/start",
            {
                **start_params("n", ["true"]),
                "enforceManagedNetwork": True,
                "sandbox": {"permissions": {"type": "disabled"}, "windowsSandboxLevel": "disabled"},
            },
        )
        assert managed["error"]["code"] == -32602
        assert managed["error"]["message"].startswith("sandbox intent cannot be enforced on this executor: ")
        await client.result("process/terminate", {"processId": "dup"})


async def test_child_environment_is_exact_unless_a_policy_is_given(server: ServerProcess, tmp_path: Path) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result(
            "process/start",
            {**start_params("env", ["/usr/bin/env"], cwd=str(tmp_path)), "env": {"ONLY": "1"}},
        )
        await client.wait_closed_process("env")
        # Exactly the request's environment, as the reference: no PWD added (run directly,
        # not through a shell, which would set one itself).
        assert client.output("env").decode().split() == ["ONLY=1"]
        await client.result(
            "process/start",
            {**start_params("pwd", ["/usr/bin/env"], cwd=str(tmp_path)), "env": {"PWD": "/given"}},
        )
        await client.wait_closed_process("pwd")
        assert client.output("pwd").decode().split() == ["PWD=/given"]
        policy = {"inherit": "core", "ignoreDefaultExcludes": False, "exclude": [], "set": {"SET": "2"}, "includeOnly": []}
        await client.result(
            "process/start",
            {**start_params("policy", ["/usr/bin/env"]), "env": {"SET": "overlay"}, "envPolicy": policy},
        )
        await client.wait_closed_process("policy")
        lines = set(client.output("policy").decode().split())
        # The inherited PATH, with the directory holding `rg` in front (prependPathDirs).
        assert "SET=overlay" in lines
        assert any(line.startswith("PATH=") and line.endswith(":" + os.environ["PATH"]) for line in lines)


async def test_arg0_is_what_the_child_sees(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("a", ["/bin/sh", "-c", "echo $0"], arg0="custom-name"))
        await client.wait_closed_process("a")
        assert client.output("a") == b"custom-name\n"


async def test_read_cursor_budget_and_long_poll(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        script = "for i in 1 2 3; do printf x$i; sleep 0.05; done"
        await client.result("process/start", start_params("r", ["/bin/sh", "-c", script]))
        await client.wait_closed_process("r")
        one = await client.result("process/read", {"processId": "r", "afterSeq": 0, "maxBytes": 0})
        assert [c["seq"] for c in one["chunks"]] == [1] and one["nextSeq"] == 2
        rest = await client.result("process/read", {"processId": "r", "afterSeq": 1})
        assert [c["seq"] for c in rest["chunks"]] == [2, 3] and rest["nextSeq"] == 6
        beyond = await client.result("process/read", {"processId": "r", "afterSeq": 99, "waitMs": 60000})
        assert beyond["chunks"] == [] and beyond["closed"]  # closed: returns at once
        await client.result("process/start", start_params("slow", ["/bin/sh", "-c", "sleep 0.3; printf late"]))
        polled = await client.result("process/read", {"processId": "slow", "afterSeq": 0, "waitMs": 30000}, timeout=20)
        assert base64.b64decode(polled["chunks"][0]["chunk"]) == b"late"


async def test_output_written_after_exit_by_a_grandchild_arrives_before_closed(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        script = "(sleep 0.3; echo from-grandchild) & echo parent; exit 0"
        await client.result("process/start", start_params("g", ["/bin/sh", "-c", script]))
        await client.wait_closed_process("g")
        assert client.output("g") == b"parent\nfrom-grandchild\n"
        assert client.events("g")[-1]["method"] == "process/closed"


async def test_large_output_is_all_notified_and_retention_keeps_the_newest_mebibyte(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        size = 5 * 1024 * 1024
        await client.result("process/start", start_params("big", ["head", "-c", str(size), "/dev/urandom"]))
        await client.wait_closed_process("big", timeout=60)
        output = client.output("big")
        assert len(output) == size
        chunks = [m for m in client.events("big") if m["method"] == "process/output"]
        assert max(len(base64.b64decode(m["params"]["chunk"])) for m in chunks) <= 8192
        read = await client.result("process/read", {"processId": "big"})
        retained = b"".join(base64.b64decode(c["chunk"]) for c in read["chunks"])
        assert 1024 * 1024 - 8192 < len(retained) <= 1024 * 1024
        assert output.endswith(retained)
        assert read["chunks"][0]["seq"] > 1  # older output was evicted: a seq gap, no error


_PIPE_SIZES = """
import fcntl, os, sys, time
F_GETPIPE_SZ = 1032
before = fcntl.fcntl(1, F_GETPIPE_SZ)
if sys.argv[1] == "stream":
    os.write(1, b"x" * 65536)  # one write into the empty pipe: the server reads a full batch
deadline = time.monotonic() + 10
while sys.argv[1] == "stream" and fcntl.fcntl(1, F_GETPIPE_SZ) == before and time.monotonic() < deadline:
    time.sleep(0.01)
os.write(1, f"|{before} {fcntl.fcntl(1, F_GETPIPE_SZ)}".encode())
"""


async def test_a_pipe_grows_once_its_producer_streams(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        for mode in ("quiet", "stream"):
            argv = [sys.executable, "-c", _PIPE_SIZES, mode]
            await client.result("process/start", start_params(mode, argv))
            await client.wait_closed_process(mode, timeout=30)
        assert client.output("quiet") == b"|65536 65536"
        assert client.output("stream") == b"x" * 65536 + b"|65536 1048576"


async def test_finished_processes_are_reaped(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        for index in range(20):
            await client.result("process/start", start_params(f"q{index}", ["true"]))
        for index in range(20):
            await client.wait_closed_process(f"q{index}")
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    zombies = [pid for pid in children if not _alive(int(pid))]
    assert zombies == []


async def test_output_chunk_size_extension_is_opt_in(server: ServerProcess) -> None:
    size = 1024 * 1024
    async with connect(server.url) as plain:
        result = await plain.result("initialize", {"clientName": "plain"})
        assert "execwire" not in result  # a client that does not ask sees the reference's answer
        await plain.send({"method": "initialized"})
        await plain.result("process/start", start_params("p", ["head", "-c", str(size), "/dev/zero"]))
        await plain.wait_closed_process("p", timeout=30)
        plain_chunks = [m for m in plain.events("p") if m["method"] == "process/output"]
    async with connect(server.url) as bulk:
        result = await bulk.result(
            "initialize", {"clientName": "bulk", "execwire": {"outputChunkBytes": 65536}}
        )
        assert result["execwire"] == {"outputChunkBytes": 65536}
        await bulk.send({"method": "initialized"})
        await bulk.result("process/start", start_params("p", ["head", "-c", str(size), "/dev/zero"]))
        await bulk.wait_closed_process("p", timeout=30)
        bulk_chunks = [m for m in bulk.events("p") if m["method"] == "process/output"]
        assert bulk.output("p") == b"\0" * size
    assert max(len(base64.b64decode(m["params"]["chunk"])) for m in plain_chunks) <= 8192
    assert max(len(base64.b64decode(m["params"]["chunk"])) for m in bulk_chunks) > 8192
    assert max(len(base64.b64decode(m["params"]["chunk"])) for m in bulk_chunks) <= 65536
    async with connect(server.url) as greedy:
        result = await greedy.result(
            "initialize", {"clientName": "g", "execwire": {"outputChunkBytes": 1 << 30}}
        )
        assert result["execwire"] == {"outputChunkBytes": 1 << 20}  # clamped to 1 MiB


async def test_commands_that_inherit_path_find_rg(server: ServerProcess, tmp_path: Path) -> None:
    import shutil

    if shutil.which("rg") is None:
        return
    (tmp_path / "hay.txt").write_text("needle\n")
    policy = {"inherit": "core", "ignoreDefaultExcludes": False, "exclude": [], "set": {}, "includeOnly": []}
    async with connect(server.url) as client:
        await client.initialize()
        (tools,) = (await client.result("environment/info"))["prependPathDirs"]
        tools_dir = tools.removeprefix("file://")
        await client.result(
            "process/start",
            {**start_params("env", ["/usr/bin/env"]), "env": {}, "envPolicy": policy},
        )
        await client.result(
            "process/start",
            {**start_params("rg", [f"{tools_dir}/rg", "-l", "needle", str(tmp_path)]), "env": {}},
        )
        await client.wait_closed_process("env")
        await client.wait_closed_process("rg")
        path = next(line for line in client.output("env").decode().splitlines() if line.startswith("PATH="))
        assert path.removeprefix("PATH=").split(":")[0] == tools_dir
        assert client.output("rg") == f"{tmp_path}/hay.txt\n".encode()
