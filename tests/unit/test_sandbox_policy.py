"""Sandbox intent resolution, the bubblewrap plan and the denial rule, without running bwrap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from execwire.protocol import models
from execwire_server.errors import RpcError
from execwire_server.sandbox import bwrap
from execwire_server.sandbox.denial import DenialScanner, is_denial
from execwire_server.sandbox.policy import expand_glob, resolve

ROOT_READ = {"path": {"type": "special", "value": {"kind": "root"}}, "access": "read"}
PROJECT_WRITE = {"path": {"type": "special", "value": {"kind": "project_roots"}}, "access": "write"}


def context(
    cwd: Path | None, roots: list[Path], entries: list[dict[str, Any]], **extra: Any
) -> models.FileSystemSandboxContext:
    raw: dict[str, Any] = {
        "permissions": {
            "type": "managed",
            "file_system": {"type": "restricted", "entries": entries},
            "network": "restricted",
        },
        "workspaceRoots": [f"file://{root}" for root in roots],
        "windowsSandboxLevel": "disabled",
        **extra,
    }
    if cwd is not None:
        raw["cwd"] = f"file://{cwd}"
    return models.FileSystemSandboxContext.model_validate(raw)


def grants(policy: Any) -> list[tuple[str, str]]:
    return [(grant.path.decode(), grant.access) for grant in policy.grants]


def test_project_roots_expand_to_workspace_roots_only(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    policy = resolve(
        context(first, [first, second], [ROOT_READ, PROJECT_WRITE]),
        purpose="process",
        command_cwd=None,
        environment={},
    )
    assert policy.full_read and grants(policy) == [(str(first), "write"), (str(second), "write")]
    no_roots = resolve(
        context(first, [], [ROOT_READ, PROJECT_WRITE]),
        purpose="process",
        command_cwd=None,
        environment={},
    )
    assert grants(no_roots) == []


def test_strongest_access_wins_and_specials_resolve(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("x")
    entries = [
        ROOT_READ,
        PROJECT_WRITE,
        {"path": {"type": "path", "path": f"file://{tmp_path}/secret"}, "access": "read"},
        {"path": {"type": "path", "path": f"file://{tmp_path}/secret"}, "access": "none"},
        {"path": {"type": "special", "value": {"kind": "tmpdir"}}, "access": "write"},
        {"path": {"type": "special", "value": {"kind": "slash_tmp"}}, "access": "write"},
        {"path": {"type": "special", "value": {"kind": "unknown", "path": "x"}}, "access": "write"},
    ]
    policy = resolve(
        context(tmp_path, [tmp_path], entries),
        purpose="process",
        command_cwd=None,
        environment={"TMPDIR": "/var/tmp"},
    )
    assert dict(grants(policy)) == {
        str(tmp_path): "write",
        f"{tmp_path}/secret": "deny",
        "/var/tmp": "write",
        "/tmp": "write",
    }


def test_fs_calls_need_cwd_for_dynamic_entries(tmp_path: Path) -> None:
    with pytest.raises(RpcError) as raised:
        resolve(
            context(None, [tmp_path], [ROOT_READ, PROJECT_WRITE]),
            purpose="fs",
            command_cwd=None,
            environment={},
        )
    assert (raised.value.code, raised.value.message) == (
        -32602,
        "file system sandbox context with dynamic permissions requires cwd",
    )
    assert resolve(
        context(None, [], [ROOT_READ]), purpose="fs", command_cwd=None, environment={}
    ).full_read


def test_windows_permission_paths_are_refused_with_the_reference_texts(tmp_path: Path) -> None:
    entries = [ROOT_READ, {"path": {"type": "path", "path": "file:///C:/x"}, "access": "write"}]
    for purpose, code, text in (
        (
            "process",
            -32602,
            "failed to prepare process sandbox: invalid sandbox permission path: 'file:///C:/x' is invalid on 'linux'",
        ),
        ("fs", -32600, "invalid sandbox permission path URI: 'file:///C:/x' is invalid on 'linux'"),
    ):
        with pytest.raises(RpcError) as raised:
            resolve(
                context(tmp_path, [], entries), purpose=purpose, command_cwd=None, environment={}
            )  # type: ignore[arg-type]
        assert (raised.value.code, raised.value.message) == (code, text)


def test_globs_match_below_their_literal_prefix(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/.env", "a/b/.env", "a/b/keep", ".env"):
        (tmp_path / name).write_text("x")
    found = sorted(
        Path(p.decode()).relative_to(tmp_path).as_posix()
        for p in expand_glob(str(tmp_path).encode() + b"/**/.env", 32)
    )
    assert found == [".env", "a/.env", "a/b/.env"]
    one_level = expand_glob(str(tmp_path).encode() + b"/*/.env", 32)
    assert [Path(p.decode()).relative_to(tmp_path).as_posix() for p in one_level] == ["a/.env"]


def test_plan_mounts_in_order_and_protects_metadata(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "denied").write_text("x")
    entries = [
        ROOT_READ,
        PROJECT_WRITE,
        {"path": {"type": "path", "path": f"file://{tmp_path}/denied"}, "access": "deny"},
    ]
    policy = resolve(
        context(tmp_path, [tmp_path], entries), purpose="process", command_cwd=None, environment={}
    )
    plan = bwrap.plan(
        policy, cwd=str(tmp_path).encode(), tty=False, deny_file=b"/deny", seccomp_fd=7
    )
    args = [arg.decode() for arg in plan.args]
    root = str(tmp_path)
    order = [args.index(token) for token in ("--ro-bind", "--dev", "--bind-try")]
    assert order == sorted(order) and args[:3] == ["--ro-bind", "/", "/"]
    assert ["--ro-bind", f"{root}/.git", f"{root}/.git"] == args[
        args.index(f"{root}/.git") - 1 : args.index(f"{root}/.git") + 2
    ]
    assert [s.path.decode() for s in plan.synthetic] == [
        f"{root}/.codex",
        f"{root}/.agents",
        f"{root}/.aws",
    ]
    assert args[args.index("/deny") : args.index("/deny") + 2] == ["/deny", f"{root}/denied"]
    for flag in (
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--die-with-parent",
        "--new-session",
        "--disable-userns",
    ):
        assert flag in args
    assert args[-2:] == ["--seccomp", "7"]


def test_unrestricted_and_networked_plans(tmp_path: Path) -> None:
    policy = resolve(
        models.FileSystemSandboxContext.model_validate(
            {"permissions": {"type": "disabled"}, "windowsSandboxLevel": "disabled"}
        ),
        purpose="process",
        command_cwd=str(tmp_path).encode(),
        environment={},
    )
    args = [
        a.decode()
        for a in bwrap.plan(
            policy, cwd=b"/", tty=True, deny_file=b"/d", keep_root_privileges=True
        ).args
    ]
    assert (
        args[:3] == ["--bind", "/", "/"]
        and "--unshare-net" not in args
        and "--unshare-user" not in args
    )
    assert "--new-session" not in args  # a PTY keeps its controlling terminal


def test_denial_rule_matches_the_reference() -> None:
    assert not is_denial(0, True)
    assert is_denial(1, True)
    assert not is_denial(1, False)
    assert not is_denial(126, False) and not is_denial(127, False)
    assert is_denial(159, False)
    scanner = DenialScanner()
    scanner.feed(b"cannot create x: Read-only fi")
    assert not scanner.seen
    scanner.feed(b"le system\n")
    assert scanner.seen


async def test_a_host_without_bubblewrap_refuses_sandboxed_requests() -> None:
    from execwire_server.sandbox.runtime import SandboxRuntime

    runtime = SandboxRuntime(bwrap_path="/nonexistent/bwrap")
    with pytest.raises(RpcError) as raised:
        await runtime.ensure_available()
    assert raised.value.code == -32602
    assert raised.value.message == (
        "sandbox intent cannot be enforced on this executor: bubblewrap (bwrap) is not installed"
    )
