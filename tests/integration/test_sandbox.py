"""Sandboxed processes, tried as a hostile command would: every escape fails while the same
operation inside the granted roots succeeds (so each test fails when enforcement is off).

Real bubblewrap, seccomp and Landlock through a real `execwire-server`; skipped only where
the host cannot sandbox at all (no bwrap or no user namespaces), which the server then
refuses explicitly (checked in `test_unenforceable_intents_are_refused`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .rawclient import RawClient, ServerProcess, connect, start_params


def _host_can_sandbox() -> bool:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    probe = subprocess.run(
        [
            bwrap,
            "--ro-bind",
            "/",
            "/",
            "--unshare-user",
            "--unshare-pid",
            "--unshare-net",
            "/bin/true",
        ],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _host_can_sandbox(), reason="bubblewrap cannot run here")

ROOT_READ = {"path": {"type": "special", "value": {"kind": "root"}}, "access": "read"}
PROJECT_WRITE = {"path": {"type": "special", "value": {"kind": "project_roots"}}, "access": "write"}


def uri(path: Path | str) -> str:
    return "file://" + str(path)


def sandbox(
    cwd: Path,
    roots: list[Path] | None,
    *,
    entries: list[dict[str, Any]] | None = None,
    network: str = "restricted",
) -> dict[str, Any]:
    """The intent the Codex agent sends (workspace-write unless `entries` says otherwise)."""
    context: dict[str, Any] = {
        "permissions": {
            "type": "managed",
            "file_system": {"type": "restricted", "entries": entries or [ROOT_READ, PROJECT_WRITE]},
            "network": network,
        },
        "cwd": uri(cwd),
        "windowsSandboxLevel": "disabled",
        "useLegacyLandlock": False,
    }
    if roots is not None:
        context["workspaceRoots"] = [uri(root) for root in roots]
    return context


async def run(
    client: RawClient,
    process_id: str,
    script: str,
    context: dict[str, Any] | None,
    cwd: Path,
    **extra: Any,
) -> dict[str, Any]:
    """Start `sh -c script`, wait for it to close; its exit params plus text output."""
    params = {
        **start_params(process_id, ["/bin/sh", "-c", script], cwd=str(cwd)),
        "sandbox": context,
    }
    params["env"] = {"PATH": "/usr/bin:/bin", **params.get("env", {})}
    params.update(extra)
    started = await client.result("process/start", params)
    assert started["sandboxType"] == ("none" if context is None else "linuxSeccomp")
    await client.wait_closed_process(process_id, timeout=30)
    exited = next(e for e in client.events(process_id) if e["method"] == "process/exited")
    stream = "pty" if extra.get("tty") else None
    return {
        **exited["params"],
        "stdout": client.output(process_id, stream or "stdout").decode(errors="replace"),
        "stderr": client.output(process_id, "stderr").decode(errors="replace")
        if not stream
        else "",
    }


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("original")
    return root


async def test_writes_stay_inside_the_writable_roots(
    server: ServerProcess, workspace: Path
) -> None:
    outside = workspace.parent
    async with connect(server.url) as client:
        await client.initialize()
        inside = await run(
            client, "in", "echo ok > inside.txt", sandbox(workspace, [workspace]), workspace
        )
        assert inside["exitCode"] == 0 and (workspace / "inside.txt").read_text() == "ok\n"
        escapes = {
            "absolute": f"echo x > {outside}/escape",
            "dotdot": "echo x > ../escape",
            "proc-root": f"echo x > /proc/self/root{outside}/escape",
            "overwrite": f"echo x > {outside}/outside.txt",
            "mkdir": f"mkdir {outside}/escape",
        }
        for name, script in escapes.items():
            result = await run(client, name, script, sandbox(workspace, [workspace]), workspace)
            assert result["exitCode"] != 0, name
            assert "Read-only file system" in result["stderr"], (name, result)
            assert result["sandboxDenied"] is True
        assert not (outside / "escape").exists()
        assert (outside / "outside.txt").read_text() == "original"


async def test_links_and_renames_do_not_leave_the_roots(
    server: ServerProcess, workspace: Path
) -> None:
    outside = workspace.parent
    os.symlink(outside, workspace / "link-out")
    async with connect(server.url) as client:
        await client.initialize()
        context = sandbox(workspace, [workspace])
        via_link = await run(client, "l", "echo x > link-out/escape", context, workspace)
        assert via_link["exitCode"] != 0 and not (outside / "escape").exists()
        hard = await run(
            client, "h", f"ln {outside}/outside.txt hard && echo x > hard", context, workspace
        )
        assert hard["exitCode"] != 0
        assert (outside / "outside.txt").read_text() == "original"
        moved = await run(client, "m", f"mv {workspace} {outside}/moved", context, workspace)
        assert moved["exitCode"] != 0 and workspace.is_dir()
        removed = await run(client, "r", f"rm -rf {workspace}", context, outside)
        assert removed["exitCode"] != 0 and workspace.is_dir()


async def test_metadata_directories_stay_read_only(server: ServerProcess, workspace: Path) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        context = sandbox(workspace, [workspace])
        result = await run(
            client, "g", "mkdir -p .git/hooks; echo x > .codex/x; ls -a", context, workspace
        )
        assert "Read-only file system" in result["stderr"]
        assert ".git" in result["stdout"]  # masked inside, though it never existed
        # The masks were made for the run only: nothing is left on the host.
        assert sorted(os.listdir(workspace)) == []
        (workspace / ".git").mkdir()
        (workspace / ".git" / "config").write_text("real")
        existing = await run(client, "e", "echo evil > .git/config", context, workspace)
        assert existing["exitCode"] != 0
        assert (workspace / ".git" / "config").read_text() == "real"


async def test_project_roots_bind_to_workspace_roots_only(
    server: ServerProcess, workspace: Path
) -> None:
    second = workspace.parent / "second"
    second.mkdir()
    async with connect(server.url) as client:
        await client.initialize()
        no_roots = await run(client, "c", "echo x > here", sandbox(workspace, None), workspace)
        assert no_roots["exitCode"] != 0 and not (workspace / "here").exists()
        both = sandbox(workspace, [workspace, second])
        result = await run(
            client, "b", f"echo x > here && echo y > {second}/there", both, workspace
        )
        assert result["exitCode"] == 0
        assert (workspace / "here").exists() and (second / "there").exists()
        read_only = sandbox(workspace, [workspace], entries=[ROOT_READ])
        denied = await run(client, "r", "echo x > ro", read_only, workspace)
        assert denied["exitCode"] != 0 and not (workspace / "ro").exists()


async def test_deny_and_minimal_hide_what_they_name(server: ServerProcess, workspace: Path) -> None:
    (workspace / "secret").write_text("s3cret")
    (workspace / "sub").mkdir()
    (workspace / "sub" / ".env").write_text("TOKEN=x")
    (workspace / "plain").write_text("visible")
    entries = [
        ROOT_READ,
        PROJECT_WRITE,
        {"path": {"type": "path", "path": uri(workspace / "secret")}, "access": "deny"},
        {"path": {"type": "glob_pattern", "pattern": "**/.env"}, "access": "deny"},
    ]
    async with connect(server.url) as client:
        await client.initialize()
        context = sandbox(workspace, [workspace], entries=entries)
        result = await run(client, "d", "cat plain; cat secret; cat sub/.env", context, workspace)
        assert "visible" in result["stdout"]
        assert "s3cret" not in result["stdout"] and "TOKEN" not in result["stdout"]
        assert result["stderr"].count("Permission denied") == 2
        minimal = [
            {"path": {"type": "special", "value": {"kind": "minimal"}}, "access": "read"},
            PROJECT_WRITE,
        ]
        hidden = await run(
            client,
            "m",
            f"cat plain; ls {workspace.parent}; ls /root",
            sandbox(workspace, [workspace], entries=minimal),
            workspace,
        )
        assert "visible" in hidden["stdout"] and "outside.txt" not in hidden["stdout"]


async def test_a_writable_root_keeps_devices_and_denials(server: ServerProcess, workspace: Path) -> None:
    """`linuxRootWritePreservesDevices` / `linuxApprovedRootWritePreservesRestrictions`:
    with `/` writable the sandbox still has its own working /dev, and a denied path, even
    reached through a `.git` symlink, stays unreadable (as on codex 0.169.0)."""
    (workspace.parent / "secret").mkdir()
    (workspace.parent / "secret" / "x").write_text("s3cret")
    (workspace / ".git").symlink_to(workspace.parent / "secret")
    entries = [
        {"path": {"type": "special", "value": {"kind": "root"}}, "access": "write"},
        {"path": {"type": "path", "path": uri(workspace.parent / "secret")}, "access": "deny"},
    ]
    script = (
        "ls /dev | tr '\\n' ' '; echo; echo hi > /dev/null && echo devnull-ok;"
        " head -c 4 /dev/urandom | wc -c; echo w > ../written.txt && echo root-write-ok;"
        " cat .git/x; touch .git/y"
    )
    async with connect(server.url) as client:
        await client.initialize()
        result = await run(client, "r", script, sandbox(workspace, [workspace], entries=entries), workspace)
    devices = set(result["stdout"].splitlines()[0].split())
    assert {"null", "urandom", "zero", "pts", "ptmx", "tty"} <= devices and "kmsg" not in devices  # the host's /dev has it
    assert "devnull-ok" in result["stdout"] and "root-write-ok" in result["stdout"]
    assert (workspace.parent / "written.txt").read_text() == "w\n"
    assert "s3cret" not in result["stdout"] and result["stderr"].count("Permission denied") == 2
    assert not (workspace.parent / "secret" / "y").exists()


async def test_network_and_sockets_are_refused(server: ServerProcess, workspace: Path) -> None:
    port = server.url.rsplit(":", 1)[1]
    probe = (
        f'{sys.executable} -I -c "'
        "import socket\n"
        "for family, address in ((socket.AF_INET, ('127.0.0.1', PORT)), (socket.AF_UNIX, '/run/x.sock')):\n"
        "    try:\n"
        "        socket.socket(family).connect(address); print('connected', family)\n"
        "    except OSError as error: print('refused', family, error.errno)\n"
        '"'
    ).replace("PORT", port)
    async with connect(server.url) as client:
        await client.initialize()
        denied = await run(client, "n", probe, sandbox(workspace, [workspace]), workspace)
        assert "connected" not in denied["stdout"]
        assert denied["stdout"].count("refused") == 2
        allowed = await run(
            client, "a", probe, sandbox(workspace, [workspace], network="enabled"), workspace
        )
        assert allowed["stdout"].startswith("connected")


async def test_outside_processes_are_out_of_reach(server: ServerProcess, workspace: Path) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        context = sandbox(workspace, [workspace])
        result = await run(
            client, "k", f"kill -0 {server.process.pid} && echo reached", context, workspace
        )
        assert "reached" not in result["stdout"]
        late = workspace / "late"
        background = await run(
            client, "bg", f"(sleep 1; echo x > {late}) & echo started", context, workspace
        )
        assert background["exitCode"] == 0 and background["stdout"] == "started\n"
        escaped = await run(
            client, "s", f"setsid sh -c 'sleep 1; echo x > {late}' & echo ok", context, workspace
        )
        assert escaped["exitCode"] == 0
        await _sleep(2)
        assert not late.exists()  # every child died with the command


async def test_reports_and_process_shape(server: ServerProcess, workspace: Path) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        context = sandbox(workspace, [workspace])
        quiet_failure = await run(client, "q", "exit 1", context, workspace)
        assert quiet_failure["sandboxDenied"] is False
        message_but_success = await run(
            client, "m", "echo x > /etc/nope; exit 0", context, workspace
        )
        assert message_but_success["sandboxDenied"] is False
        read = await client.result("process/read", {"processId": "q"})
        assert read["sandboxDenied"] is False
        shape = await run(
            client,
            "env",
            'echo "$0"; env | sort',
            context,
            workspace,
            arg0="custom-arg0",
            env={"PATH": "/usr/bin:/bin", "ONLY": "this"},
        )
        lines = shape["stdout"].splitlines()
        assert lines[0] == "custom-arg0"
        assert lines[1:] == ["ONLY=this", "PATH=/usr/bin:/bin", f"PWD={workspace}"]
        tty = await run(client, "t", "test -t 0 && stty size", context, workspace, tty=True)
        assert tty["exitCode"] == 0 and "24 80" in tty["stdout"]


async def test_unrestricted_profiles_write_everywhere(
    server: ServerProcess, workspace: Path
) -> None:
    target = workspace.parent / "anywhere"
    async with connect(server.url) as client:
        await client.initialize()
        disabled = {"permissions": {"type": "disabled"}, "windowsSandboxLevel": "disabled"}
        result = await run(client, "u", f"echo x > {target}", disabled, workspace)
        assert result["exitCode"] == 0 and target.exists()


async def test_unenforceable_intents_are_refused(server: ServerProcess, workspace: Path) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        legacy = {**sandbox(workspace, [workspace]), "useLegacyLandlock": True}
        answer = await client.request(
            "process/start", {**start_params("l", ["true"]), "sandbox": legacy}
        )
        assert answer["error"]["code"] == -32602
        assert answer["error"]["message"].startswith(
            "sandbox intent cannot be enforced on this executor: "
        )
        windows = sandbox(
            workspace,
            [workspace],
            entries=[
                ROOT_READ,
                {"path": {"type": "path", "path": "file:///C:/x"}, "access": "write"},
            ],
        )
        answer = await client.request(
            "process/start", {**start_params("w", ["true"]), "sandbox": windows}
        )
        assert answer["error"] == {
            "code": -32602,
            "message": "failed to prepare process sandbox: invalid sandbox permission path: "
            "'file:///C:/x' is invalid on 'linux'",
        }
        no_level = {
            k: v for k, v in sandbox(workspace, [workspace]).items() if k != "windowsSandboxLevel"
        }
        answer = await client.request(
            "process/start", {**start_params("n", ["true"]), "sandbox": no_level}
        )
        assert answer["error"] == {"code": -32602, "message": "missing field `windowsSandboxLevel`"}


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


# ------------------------------------------------------------------------ file operations

EROFS = {"code": -32603, "message": "Read-only file system (os error 30)"}


def b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


async def test_file_writes_stay_inside_the_writable_roots(
    server: ServerProcess, workspace: Path
) -> None:
    outside = workspace.parent
    os.symlink(outside, workspace / "link-out")
    os.link(outside / "outside.txt", workspace / "hard")
    context = sandbox(workspace, [workspace])
    async with connect(server.url) as client:
        await client.initialize()
        written = await client.request(
            "fs/writeFile",
            {"path": uri(workspace / "in.txt"), "dataBase64": b64("in"), "sandbox": context},
        )
        assert written["result"] == {} and (workspace / "in.txt").read_text() == "in"
        for target in (
            outside / "escape",
            workspace / "link-out" / "escape",
            f"{workspace}/../escape",
            f"/proc/self/root{outside}/escape",
            workspace / ".git" / "config",
        ):
            answer = await client.request(
                "fs/writeFile", {"path": uri(target), "dataBase64": b64("x"), "sandbox": context}
            )
            assert answer["error"] == EROFS, target
        assert not (outside / "escape").exists() and not (workspace / ".git").exists()
        made = await client.request(
            "fs/createDirectory", {"path": uri(workspace / "a" / "b"), "sandbox": context}
        )
        assert made["result"] == {} and (workspace / "a" / "b").is_dir()
        refused = await client.request(
            "fs/createDirectory", {"path": uri(outside / "dir"), "sandbox": context}
        )
        assert refused["error"] == EROFS and not (outside / "dir").exists()
        copied_out = await client.request(
            "fs/copy",
            {
                "sourcePath": uri(workspace / "in.txt"),
                "destinationPath": uri(outside / "copy"),
                "recursive": False,
                "sandbox": context,
            },
        )
        assert copied_out["error"] == EROFS and not (outside / "copy").exists()
        removed = await client.request(
            "fs/remove", {"path": uri(outside / "outside.txt"), "sandbox": context}
        )
        assert removed["error"] == EROFS and (outside / "outside.txt").exists()
        # A hard link inside the root shares its inode: writing through it is a write inside.
        through_link = await client.request(
            "fs/writeFile",
            {"path": uri(workspace / "hard"), "dataBase64": b64("linked"), "sandbox": context},
        )
        assert through_link["result"] == {}


async def test_removing_a_root_is_refused_before_anything_is_deleted(
    server: ServerProcess, workspace: Path
) -> None:
    (workspace / "keep.txt").write_text("keep")
    async with connect(server.url) as client:
        await client.initialize()
        answer = await client.request(
            "fs/remove", {"path": uri(workspace), "sandbox": sandbox(workspace, [workspace])}
        )
        assert answer["error"] == {"code": -32603, "message": "Resource busy (os error 16)"}
        assert (workspace / "keep.txt").read_text() == "keep"


async def test_file_reads_follow_the_intent(server: ServerProcess, workspace: Path) -> None:
    (workspace / "secret").write_text("s3cret")
    (workspace / "plain").write_text("visible")
    entries = [
        ROOT_READ,
        PROJECT_WRITE,
        {"path": {"type": "path", "path": uri(workspace / "secret")}, "access": "deny"},
    ]
    context = sandbox(workspace, [workspace], entries=entries)
    async with connect(server.url) as client:
        await client.initialize()
        plain = await client.result(
            "fs/readFile", {"path": uri(workspace / "plain"), "sandbox": context}
        )
        assert plain == {"dataBase64": b64("visible")}
        secret = await client.request(
            "fs/readFile", {"path": uri(workspace / "secret"), "sandbox": context}
        )
        assert (
            "s3cret" not in str(secret)
            and secret["error"]["message"] == "Permission denied (os error 13)"
        )
        no_cwd = {k: v for k, v in context.items() if k != "cwd"}
        answer = await client.request(
            "fs/readFile", {"path": uri(workspace / "plain"), "sandbox": no_cwd}
        )
        assert answer["error"] == {
            "code": -32602,
            "message": "file system sandbox context with dynamic permissions requires cwd",
        }
        read_only = sandbox(workspace, None, entries=[ROOT_READ])
        write = await client.request(
            "fs/writeFile",
            {"path": uri(workspace / "plain"), "dataBase64": b64("x"), "sandbox": read_only},
        )
        assert write["error"] == EROFS and (workspace / "plain").read_text() == "visible"
        disabled = {"permissions": {"type": "disabled"}, "windowsSandboxLevel": "disabled"}
        anywhere = workspace.parent / "anywhere"
        direct = await client.request(
            "fs/writeFile", {"path": uri(anywhere), "dataBase64": b64("x"), "sandbox": disabled}
        )
        assert direct["result"] == {} and anywhere.read_text() == "x"


async def test_temporary_directory_entries(
    server: ServerProcess, workspace: Path, tmp_path: Path
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    tmp_entries = [
        ROOT_READ,
        PROJECT_WRITE,
        {"path": {"type": "special", "value": {"kind": "tmpdir"}}, "access": "write"},
    ]
    async with connect(server.url) as client:
        await client.initialize()
        context = sandbox(workspace, [workspace], entries=tmp_entries)
        granted = await run(
            client, "t", 'echo x > "$TMPDIR/made"', context, workspace, env={"TMPDIR": str(scratch)}
        )
        assert granted["exitCode"] == 0 and (scratch / "made").exists()
        without = await run(
            client,
            "n",
            'echo x > "$TMPDIR/other"',
            sandbox(workspace, [workspace]),
            workspace,
            env={"TMPDIR": str(scratch)},
        )
        assert without["exitCode"] != 0 and not (scratch / "other").exists()


async def test_concurrent_sandboxes_share_and_remove_their_mount_targets(
    server: ServerProcess, workspace: Path
) -> None:
    context = sandbox(workspace, [workspace])
    async with connect(server.url) as client:
        await client.initialize()
        for name, delay in (("first", "0.2"), ("second", "0.6")):
            params = {
                **start_params(
                    name, ["/bin/sh", "-c", f"sleep {delay}; test -d .git"], cwd=str(workspace)
                )
            }
            params.update(sandbox=context, env={"PATH": "/usr/bin:/bin"})
            await client.result("process/start", params)
        await client.wait_closed_process("first", timeout=30)
        await client.wait_closed_process("second", timeout=30)
        exits = [
            e["params"]["exitCode"]
            for p in ("first", "second")
            for e in client.events(p)
            if e["method"] == "process/exited"
        ]
        assert exits == [0, 0]  # both saw the masked .git for their whole run
    assert sorted(os.listdir(workspace)) == []  # and nothing is left once both ended
