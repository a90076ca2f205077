"""Builders of portable sandbox intent, serialized the way the Codex agent sends it.

    from execwire import Sandbox

    await executor.run(["make"], sandbox=Sandbox.workspace_write("/srv/project"))
    await executor.read_text("/etc/hosts", sandbox=Sandbox.read_only("/srv/project"))

Each builder returns the generated `execwire.protocol.models.FileSystemSandboxContext`,
which every `Executor` method (and every process/fs params model) takes as `sandbox=`.
The intent is portable: the executor binds it to its own host. `root` stands for its whole
filesystem, `project_roots` for each of `workspaceRoots`, `tmpdir` for its temporary
directory ($TMPDIR) and `slash_tmp` for /tmp.

Paths are the executor's POSIX paths and must be absolute (the builders do not know the
server's working directory; `Executor.cwd` does). Each item of `deny` takes all access away
from what it names, overriding read and write grants:

* a `str` containing `*`, `?` or `[` is a glob pattern; a relative pattern is matched from
  the sandbox cwd by the server, e.g. `"**/*.pem"`;
* any other `str`, and every `os.PathLike` (`PurePosixPath`), is one literal absolute path,
  so a path that contains glob characters is given as `PurePosixPath(...)`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Final, Literal, TypeGuard

from .filesystem import RemotePath, remote_path_to_uri
from .protocol import models

__all__ = ["GLOB_CHARACTERS", "Sandbox", "is_glob"]

GLOB_CHARACTERS: Final = frozenset("*?[")
"""A `str` deny item containing any of these is a glob pattern rather than a path."""


def is_glob(item: RemotePath) -> TypeGuard[str]:
    """Whether a deny item is taken as a glob pattern (see the module docstring)."""
    return isinstance(item, str) and not GLOB_CHARACTERS.isdisjoint(item)


class Sandbox:
    """Factories of `FileSystemSandboxContext` (a namespace: not instantiated).

    `read_only` and `workspace_write` build managed profiles in the shape, field values and
    key order the Codex agent sends (`read_only` is its default mode byte for byte);
    `full_access` sends the `disabled` profile, a sandbox context without restrictions.
    """

    @staticmethod
    def read_only(
        cwd: RemotePath, *, network: bool = False, deny: Iterable[RemotePath] = ()
    ) -> models.FileSystemSandboxContext:
        """Read everything, write nothing: the agent's default mode.

        `cwd` (absolute) anchors relative deny globs and is the one workspace root.
        `network=True` allows network access. `deny`: paths or globs to hide.
        """
        cwd_uri = _absolute_uri(cwd, "cwd")
        return _managed([_read_root(), *_deny_entries(deny)], cwd_uri, [cwd_uri], network)

    @staticmethod
    def workspace_write(
        roots: RemotePath | Iterable[RemotePath],
        *,
        cwd: RemotePath | None = None,
        network: bool = False,
        deny: Iterable[RemotePath] = (),
        tmp: bool = False,
    ) -> models.FileSystemSandboxContext:
        """Read everything, write only under `roots` (one path or several, absolute).

        `cwd` anchors relative deny globs (default: the first root). `tmp=True` also allows
        writing the executor's temporary directory and /tmp, which many build tools need.
        `network=True` allows network access. `deny`: paths or globs to hide, even inside
        a root.
        """
        items: list[RemotePath] = (
            [roots] if isinstance(roots, str | os.PathLike) else list(roots)
        )
        if not items:
            raise ValueError("workspace_write needs at least one writable root")
        # Duplicates would only repeat the same grant; dict keeps the given order.
        root_uris = list(dict.fromkeys(_absolute_uri(root, "writable root") for root in items))
        cwd_uri = _absolute_uri(cwd, "cwd") if cwd is not None else root_uris[0]
        entries = [
            _read_root(),
            _special_entry(models.ProjectRootsSpecialPath(kind="project_roots"), "write"),
        ]
        if tmp:
            entries.append(_special_entry(models.TmpdirSpecialPath(kind="tmpdir"), "write"))
            entries.append(_special_entry(models.SlashTmpSpecialPath(kind="slash_tmp"), "write"))
        entries.extend(_deny_entries(deny))
        return _managed(entries, cwd_uri, root_uris, network)

    @staticmethod
    def full_access() -> models.FileSystemSandboxContext:
        """No filesystem or network restriction (the `disabled` profile)."""
        return models.FileSystemSandboxContext(
            permissions=models.DisabledPermissionProfile(type="disabled"),
            windows_sandbox_level="disabled",
        )


def _special_entry(
    value: models.RootSpecialPath
    | models.ProjectRootsSpecialPath
    | models.TmpdirSpecialPath
    | models.SlashTmpSpecialPath,
    access: Literal["read", "write"],
) -> models.FileSystemSandboxEntry:
    return models.FileSystemSandboxEntry(
        path=models.SpecialFileSystemPath(type="special", value=value), access=access
    )


def _read_root() -> models.FileSystemSandboxEntry:
    # A fresh entry per context: models are mutable, a shared one could be changed through any.
    return _special_entry(models.RootSpecialPath(kind="root"), "read")


def _deny_entries(items: Iterable[RemotePath]) -> list[models.FileSystemSandboxEntry]:
    if isinstance(items, str):
        # A bare string would otherwise be taken character by character.
        raise TypeError("deny must be a collection of paths or globs, e.g. deny=['/etc/shadow']")
    entries: list[models.FileSystemSandboxEntry] = []
    for item in items:
        path: models.PathFileSystemPath | models.GlobPatternFileSystemPath
        if is_glob(item):
            path = models.GlobPatternFileSystemPath(type="glob_pattern", pattern=item)
        else:
            path = models.PathFileSystemPath(type="path", path=_absolute_uri(item, "deny path"))
        entries.append(models.FileSystemSandboxEntry(path=path, access="deny"))
    return entries


def _absolute_uri(path: RemotePath, role: str) -> str:
    posix = PurePosixPath(os.fspath(path))
    if not posix.is_absolute():
        raise ValueError(
            f"sandbox {role} must be an absolute path on the server, got {str(posix)!r}"
        )
    return remote_path_to_uri(posix, None)


def _managed(
    entries: list[models.FileSystemSandboxEntry],
    cwd_uri: str,
    root_uris: list[str],
    network: bool,
) -> models.FileSystemSandboxContext:
    # The proxy-settings mode and legacy-landlock values are the ones the agent sends, so a
    # server sees the same intent from execwire as from Codex.
    return models.FileSystemSandboxContext(
        permissions=models.ManagedPermissionProfile(
            type="managed",
            file_system=models.RestrictedFileSystemPermissions(type="restricted", entries=entries),
            network="enabled" if network else "restricted",
        ),
        cwd=cwd_uri,
        workspace_roots=root_uris,
        windows_sandbox_level="disabled",
        windows_sandbox_proxy_settings_mode="reconcile",
        use_legacy_landlock=False,
    )
