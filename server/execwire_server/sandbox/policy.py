"""Portable sandbox intent → the paths and network rule this host enforces.

A request carries a `FileSystemSandboxContext`: a permission profile whose paths are
symbolic (`:root`, `:minimal`, `project_roots`, `tmpdir`, globs) or PathUris. `resolve`
binds it to this executor, as codex 0.169.0 does (live-findings Part C):

* `project_roots` (alias `current_working_directory`) expands to each of `workspaceRoots`
  (joined with `subpath`); with no workspace roots it grants nothing, not the cwd;
* `tmpdir` is the context's `temporaryDirectories`, else `TMPDIR` of the environment;
  `slash_tmp` is `/tmp`; `minimal` is the platform read roots; `unknown` is ignored;
* relative globs are matched below the sandbox cwd, absolute ones anywhere; matches are
  found by a bounded scan when the sandbox is built (a pattern that matches too much is
  refused rather than half applied);
* for one path the strongest access wins (deny > write > read), and a longer path is more
  specific than its parents (the mount order in `bwrap` realises that).

Everything here only reads the file system (realpath, glob scans); nothing is created.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from execwire import pathuri
from execwire.protocol import models

from ..errors import INVALID_PARAMS, INVALID_REQUEST, RpcError

__all__ = [
    "PLATFORM_READ_ROOTS",
    "PROTECTED_NAMES",
    "Access",
    "Grant",
    "SandboxPolicy",
    "resolve",
]

Access = Literal["read", "write", "deny"]
Purpose = Literal["process", "fs"]

PROTECTED_NAMES: Final = (b".git", b".codex", b".agents", b".aws")
"""Kept read-only inside every writable root, whether they exist or not."""
PLATFORM_READ_ROOTS: Final = (
    b"/bin",
    b"/sbin",
    b"/usr",
    b"/etc",
    b"/lib",
    b"/lib64",
    b"/nix/store",
    b"/run/current-system/sw",
)
"""What `minimal` makes readable: what a shell and its tools need to start."""
GLOB_SCAN_MAX_DEPTH: Final = 32
GLOB_SCAN_MAX_ENTRIES: Final = 100_000
GLOB_MAX_MATCHES: Final = 8192
_STRENGTH: Final[dict[Access, int]] = {"read": 0, "write": 1, "deny": 2}
_DYNAMIC_REQUIRES_CWD: Final = "file system sandbox context with dynamic permissions requires cwd"
UNENFORCEABLE: Final = "sandbox intent cannot be enforced on this executor"


@dataclass(frozen=True, slots=True)
class Grant:
    """One resolved path and what the sandboxed side may do below it."""

    path: bytes
    access: Access


@dataclass(frozen=True, slots=True)
class SandboxPolicy:
    """What a sandboxed command or file operation may touch on this host.

    `unrestricted` profiles (`disabled`, `external`, `unrestricted` file systems) keep
    the whole file system writable; the rest start read-only (`full_read`) or empty and
    add `grants`, sorted so that parents come before what they contain.
    """

    unrestricted: bool
    network: bool
    full_read: bool = True
    grants: tuple[Grant, ...] = ()
    cwd: bytes = b"/"

    @property
    def writable_roots(self) -> tuple[bytes, ...]:
        """Paths granted write access (the file system's root `/` when `:root` is written)."""
        return tuple(grant.path for grant in self.grants if grant.access == "write")

    @property
    def denied(self) -> tuple[bytes, ...]:
        """Paths whose contents are hidden."""
        return tuple(grant.path for grant in self.grants if grant.access == "deny")

    def protected_paths(self) -> list[bytes]:
        """`.git`, `.codex`, `.agents`, `.aws` below every writable root."""
        return [
            os.path.join(root, name) for root in self.writable_roots for name in PROTECTED_NAMES
        ]


@dataclass
class _Context:
    purpose: Purpose
    sandbox_cwd: bytes | None
    workspace_roots: list[bytes]
    temporary_directories: list[bytes]
    grants: dict[bytes, Access] = field(default_factory=dict)
    full_read: bool = False

    def grant(self, path: bytes, access: Access) -> None:
        path = os.path.realpath(path)
        if path == b"/" and access == "read":
            self.full_read = True
            return
        if path == b"/" and access == "write":
            self.full_read = True
        current = self.grants.get(path)
        if current is None or _STRENGTH[access] > _STRENGTH[current]:
            self.grants[path] = access


def resolve(
    context: models.FileSystemSandboxContext,
    *,
    purpose: Purpose,
    command_cwd: bytes | None,
    environment: Mapping[str, str],
) -> SandboxPolicy:
    """Bind `context` to this host; raises `RpcError` with the reference's texts.

    `command_cwd` is the process's working directory (`process/start`), the fallback for a
    context without `cwd`; file operations pass None and need `cwd` when the profile has
    cwd-relative entries.
    """
    permissions = context.permissions
    sandbox_cwd = _sandbox_cwd(context, purpose, command_cwd)
    if isinstance(permissions, models.DisabledPermissionProfile):
        return SandboxPolicy(unrestricted=True, network=True, cwd=sandbox_cwd)
    if isinstance(permissions, models.ExternalPermissionProfile):
        return SandboxPolicy(
            unrestricted=True,
            network=permissions.network == "enabled",
            cwd=sandbox_cwd,
        )
    network = permissions.network == "enabled"
    file_system = permissions.file_system
    if isinstance(file_system, models.UnrestrictedFileSystemPermissions):
        return SandboxPolicy(unrestricted=True, network=network, cwd=sandbox_cwd)
    if context.cwd is None and purpose == "fs" and _is_cwd_dependent(file_system.entries):
        raise RpcError(INVALID_PARAMS, _DYNAMIC_REQUIRES_CWD)
    state = _Context(
        purpose=purpose,
        sandbox_cwd=sandbox_cwd,
        workspace_roots=[
            _native(uri, purpose, "sandbox workspace root") for uri in context.workspace_roots
        ],
        temporary_directories=_temporary_directories(context, purpose, environment),
    )
    max_depth = file_system.glob_scan_max_depth or GLOB_SCAN_MAX_DEPTH
    for entry in file_system.entries:
        access: Access = "deny" if entry.access == "none" else entry.access
        for path in _entry_paths(entry.path, state, max_depth):
            if entry.missing_path_behavior == "skip" and not os.path.lexists(path):
                continue
            state.grant(path, access)
    grants = sorted(
        (Grant(path, access) for path, access in state.grants.items()),
        key=lambda grant: (path_depth(grant.path), _STRENGTH[grant.access], grant.path),
    )
    return SandboxPolicy(
        unrestricted=False,
        network=network,
        full_read=state.full_read,
        grants=tuple(grants),
        cwd=sandbox_cwd,
    )


def path_depth(path: bytes) -> int:
    """Components below `/` (`/` itself is 0)."""
    return len([part for part in path.split(b"/") if part])


def is_within(path: bytes, root: bytes) -> bool:
    """`path` is `root` or below it (both normalized, absolute)."""
    return path == root or root == b"/" or path.startswith(root + b"/")


# ----------------------------------------------------------------------- context fields


def _native(uri: str, purpose: Purpose, label: str) -> bytes:
    try:
        return pathuri.to_native_path(uri)
    except pathuri.PathUriError as error:
        code = INVALID_PARAMS if purpose == "process" else INVALID_REQUEST
        raise RpcError(
            code, f"{label} URI `{uri}` is not valid on this exec-server host: {error}"
        ) from None


def _sandbox_cwd(
    context: models.FileSystemSandboxContext, purpose: Purpose, command_cwd: bytes | None
) -> bytes:
    if context.cwd is not None:
        return _native(context.cwd, purpose, "sandbox cwd")
    if command_cwd is not None:
        return command_cwd
    return os.getcwdb()


def _temporary_directories(
    context: models.FileSystemSandboxContext, purpose: Purpose, environment: Mapping[str, str]
) -> list[bytes]:
    if context.temporary_directories:
        return [
            _native(uri, purpose, "sandbox temporary directory")
            for uri in context.temporary_directories
        ]
    tmpdir = environment.get("TMPDIR")
    return [os.fsencode(tmpdir)] if tmpdir and os.path.isabs(tmpdir) else []


def _is_cwd_dependent(entries: Iterable[models.FileSystemSandboxEntry]) -> bool:
    for entry in entries:
        path = entry.path
        if isinstance(path, models.GlobPatternFileSystemPath) and not path.pattern.startswith("/"):
            return True
        if isinstance(path, models.SpecialFileSystemPath) and isinstance(
            path.value,
            models.ProjectRootsSpecialPath | models.CurrentWorkingDirectorySpecialPath,
        ):
            return True
    return False


# ---------------------------------------------------------------------------- entries


def _entry_paths(
    path: models.PathFileSystemPath | models.GlobPatternFileSystemPath | models.SpecialFileSystemPath,
    state: _Context,
    max_depth: int,
) -> list[bytes]:
    if isinstance(path, models.PathFileSystemPath):
        try:
            return [pathuri.to_native_path(path.path)]
        except pathuri.PathUriError as error:
            if state.purpose == "process":
                raise RpcError(
                    INVALID_PARAMS,
                    f"failed to prepare process sandbox: invalid sandbox permission path: {error}",
                ) from None
            raise RpcError(INVALID_REQUEST, f"invalid sandbox permission path URI: {error}") from None
    if isinstance(path, models.GlobPatternFileSystemPath):
        pattern = os.fsencode(path.pattern)
        if not pattern.startswith(b"/"):
            pattern = os.path.join(state.sandbox_cwd or b"/", pattern)
        return expand_glob(os.path.normpath(pattern), max_depth)
    special = path.value
    if isinstance(special, models.RootSpecialPath):
        return [b"/"]
    if isinstance(special, models.MinimalSpecialPath):
        return [root for root in PLATFORM_READ_ROOTS if os.path.exists(root)]
    if isinstance(special, models.ProjectRootsSpecialPath | models.CurrentWorkingDirectorySpecialPath):
        subpath = os.fsencode(special.subpath or "")
        return [os.path.normpath(os.path.join(root, subpath)) for root in state.workspace_roots]
    if isinstance(special, models.TmpdirSpecialPath):
        return list(state.temporary_directories)
    if isinstance(special, models.SlashTmpSpecialPath):
        return [b"/tmp"]
    return []  # `unknown`: a placeholder for kinds newer than this executor


# ------------------------------------------------------------------------------- globs

_GLOB_CHARS: Final = re.compile(rb"[*?\[]")


def expand_glob(pattern: bytes, max_depth: int) -> list[bytes]:
    """Existing paths matching `pattern` (absolute; `*`, `?`, `[...]`, `**`).

    The scan starts at the pattern's longest literal directory and goes at most
    `max_depth` levels down (fewer when the pattern has no `**`). A scan that would visit
    more than `GLOB_SCAN_MAX_ENTRIES` entries or match more than `GLOB_MAX_MATCHES` paths
    is refused: a deny rule applied to only part of its matches would be a silent hole.
    """
    parts = [part for part in pattern.split(b"/") if part]
    literal: list[bytes] = []
    for part in parts:
        if _GLOB_CHARS.search(part):
            break
        literal.append(part)
    base = b"/" + b"/".join(literal)
    if len(literal) == len(parts):
        return [base] if os.path.lexists(base) else []
    rest = parts[len(literal) :]
    matcher = re.compile(_translate(rest), re.DOTALL)
    depth_limit = max_depth if b"**" in rest else len(rest)
    matches: list[bytes] = []
    visited = 0
    stack: list[tuple[bytes, int]] = [(base, 0)]
    while stack:
        directory, depth = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            visited += 1
            if visited > GLOB_SCAN_MAX_ENTRIES:
                raise RpcError(
                    INVALID_PARAMS,
                    f"{UNENFORCEABLE}: glob `{os.fsdecode(pattern)}` needs a scan of more than "
                    f"{GLOB_SCAN_MAX_ENTRIES} entries",
                )
            relative = os.path.relpath(entry.path, base)
            if matcher.fullmatch(relative):
                matches.append(entry.path)
                if len(matches) > GLOB_MAX_MATCHES:
                    raise RpcError(
                        INVALID_PARAMS,
                        f"{UNENFORCEABLE}: glob `{os.fsdecode(pattern)}` matches more than "
                        f"{GLOB_MAX_MATCHES} paths",
                    )
            if depth + 1 < depth_limit and _is_real_directory(entry):
                stack.append((entry.path, depth + 1))
    return matches


def _is_real_directory(entry: os.DirEntry[bytes]) -> bool:
    try:
        return stat.S_ISDIR(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        return False


def _translate(parts: list[bytes]) -> bytes:
    """Glob components → a regex over `/`-joined relative paths; `**` spans directories."""
    pieces: list[bytes] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == b"**":
            pieces.append(b".*" if last else b"(?:.*/)?")
            continue
        pieces.append(_translate_component(part) + (b"" if last else b"/"))
    return b"".join(pieces)


def _translate_component(part: bytes) -> bytes:
    out: list[bytes] = []
    index = 0
    while index < len(part):
        char = part[index : index + 1]
        index += 1
        if char == b"*":
            out.append(b"[^/]*")
        elif char == b"?":
            out.append(b"[^/]")
        elif char == b"[":
            end = part.find(b"]", index + 1 if part[index : index + 1] in (b"!", b"]") else index)
            if end < 0:
                out.append(re.escape(char))
                continue
            body = part[index:end].replace(b"\\", b"\\\\")
            if body.startswith(b"!"):
                body = b"^" + body[1:]
            out.append(b"[" + body + b"]")
            index = end + 1
        else:
            out.append(re.escape(char))
    return b"".join(out)
