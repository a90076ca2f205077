"""`execwire.Sandbox`: the builders serialize exactly like the Codex agent's sandbox intent."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import orjson
import pytest

from execwire import Sandbox
from execwire.protocol import models

ROOT_READ = {"path": {"type": "special", "value": {"kind": "root"}}, "access": "read"}
PROJECT_ROOTS_WRITE = {
    "path": {"type": "special", "value": {"kind": "project_roots"}}, "access": "write"
}
TMPDIR_WRITE = {"path": {"type": "special", "value": {"kind": "tmpdir"}}, "access": "write"}
SLASH_TMP_WRITE = {"path": {"type": "special", "value": {"kind": "slash_tmp"}}, "access": "write"}

# What the Codex agent sends for its default (read-only) mode, byte for byte.
AGENT_READ_ONLY = (
    b'{"permissions":{"type":"managed","file_system":{"type":"restricted","entries":'
    b'[{"path":{"type":"special","value":{"kind":"root"}},"access":"read"}]},'
    b'"network":"restricted"},"cwd":"file:///abs/cwd","workspaceRoots":["file:///abs/cwd"],'
    b'"windowsSandboxLevel":"disabled","windowsSandboxProxySettingsMode":"reconcile",'
    b'"useLegacyLandlock":false}'
)
TOP_LEVEL_ORDER = [
    "permissions", "cwd", "workspaceRoots", "windowsSandboxLevel",
    "windowsSandboxProxySettingsMode", "useLegacyLandlock",
]


def managed(
    entries: list[dict[str, Any]], cwd: str, roots: list[str], network: str = "restricted"
) -> dict[str, Any]:
    return {
        "permissions": {
            "type": "managed",
            "file_system": {"type": "restricted", "entries": entries},
            "network": network,
        },
        "cwd": cwd,
        "workspaceRoots": roots,
        "windowsSandboxLevel": "disabled",
        "windowsSandboxProxySettingsMode": "reconcile",
        "useLegacyLandlock": False,
    }


def deny_path(uri: str) -> dict[str, Any]:
    return {"path": {"type": "path", "path": uri}, "access": "deny"}


def deny_glob(pattern: str) -> dict[str, Any]:
    return {"path": {"type": "glob_pattern", "pattern": pattern}, "access": "deny"}


def test_read_only_is_the_agents_message_byte_for_byte() -> None:
    context = Sandbox.read_only("/abs/cwd")
    assert isinstance(context, models.FileSystemSandboxContext)
    # The client encodes params with orjson; these are the bytes that go on the wire.
    assert orjson.dumps(context.to_wire()) == AGENT_READ_ONLY
    assert context.to_wire() == orjson.loads(AGENT_READ_ONLY)
    assert list(context.to_wire()) == TOP_LEVEL_ORDER
    assert list(context.to_wire()["permissions"]) == ["type", "file_system", "network"]


def test_read_only_accepts_posix_paths_and_normalizes_them() -> None:
    assert Sandbox.read_only(PurePosixPath("/abs/x/../cwd/")).to_wire() == orjson.loads(
        AGENT_READ_ONLY
    )


def test_read_only_with_network_and_denials() -> None:
    context = Sandbox.read_only(
        "/home/me/proj", network=True, deny=["/home/me/.ssh", "**/*.pem", "/etc/[ab]*"]
    )
    assert context.to_wire() == managed(
        [
            ROOT_READ,
            deny_path("file:///home/me/.ssh"),
            deny_glob("**/*.pem"),
            deny_glob("/etc/[ab]*"),
        ],
        "file:///home/me/proj",
        ["file:///home/me/proj"],
        network="enabled",
    )


def test_workspace_write_defaults() -> None:
    context = Sandbox.workspace_write("/srv/project")
    wire = context.to_wire()
    assert wire == managed(
        [ROOT_READ, PROJECT_ROOTS_WRITE], "file:///srv/project", ["file:///srv/project"]
    )
    assert list(wire) == TOP_LEVEL_ORDER


def test_workspace_write_with_everything() -> None:
    context = Sandbox.workspace_write(
        ["/srv/a b", PurePosixPath("/srv/other"), "/srv/a b"],
        cwd="/srv/other/sub",
        network=True,
        tmp=True,
        deny=["secrets/*", PurePosixPath("/srv/a b/[literal]")],
    )
    assert context.to_wire() == managed(
        [
            ROOT_READ,
            PROJECT_ROOTS_WRITE,
            TMPDIR_WRITE,
            SLASH_TMP_WRITE,
            deny_glob("secrets/*"),
            deny_path("file:///srv/a%20b/[literal]"),
        ],
        "file:///srv/other/sub",
        ["file:///srv/a%20b", "file:///srv/other"],  # duplicates dropped, order kept
        network="enabled",
    )


def test_full_access() -> None:
    wire = Sandbox.full_access().to_wire()
    assert wire["permissions"] == {"type": "disabled"}
    assert wire["windowsSandboxLevel"] == "disabled"
    # The generated model writes these two defaults out; a reader takes them as absent.
    assert wire == {
        "permissions": {"type": "disabled"},
        "workspaceRoots": [],
        "windowsSandboxLevel": "disabled",
        "useLegacyLandlock": False,
    }


@pytest.mark.parametrize(
    "context",
    [
        Sandbox.read_only("/r", network=True, deny=["/x", "*.key"]),
        Sandbox.workspace_write(["/a", "/b"], tmp=True, deny=["/a/.git"]),
        Sandbox.full_access(),
    ],
)
def test_the_wire_form_validates_back_to_the_same_model(
    context: models.FileSystemSandboxContext,
) -> None:
    assert models.FileSystemSandboxContext.model_validate(context.to_wire()) == context


def test_every_context_is_independent() -> None:
    first = Sandbox.read_only("/a")
    second = Sandbox.read_only("/b")
    assert isinstance(first.permissions, models.ManagedPermissionProfile)
    assert isinstance(first.permissions.file_system, models.RestrictedFileSystemPermissions)
    first.permissions.file_system.entries[0].access = "deny"
    assert second.to_wire()["permissions"]["file_system"]["entries"] == [ROOT_READ]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Sandbox.read_only("relative"),
        lambda: Sandbox.workspace_write("relative"),
        lambda: Sandbox.workspace_write(["/ok", "relative"]),
        lambda: Sandbox.workspace_write("/ok", cwd="relative"),
        lambda: Sandbox.read_only("/ok", deny=["relative/path"]),
        lambda: Sandbox.workspace_write([]),
    ],
)
def test_relative_paths_and_no_roots_are_refused(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


def test_a_bare_string_is_not_a_deny_list() -> None:
    with pytest.raises(TypeError, match="collection"):
        Sandbox.read_only("/r", deny="/etc/shadow")
