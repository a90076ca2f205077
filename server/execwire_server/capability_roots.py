"""`capabilityRoots/discoverV1`: plugin manifests, MCP/app configs and skills below roots.

What codex 0.169.0 finds and reads, in the same order, with the same limits and warning
texts: each root is walked (depth 6, 2000 directories, 20 000 entries, directory symlinks
followed); `SKILL.md` files (with `agents/openai.yaml` beside them) and `plugin.json` in a
`.codex-plugin`, `.claude-plugin` or `.cursor-plugin` directory are read, each at most
1 MiB and 16 MiB per root. The root's own manifest, else the nearest ancestor's, comes
first among the namespace manifests and, when it is the root's own, makes the root a
plugin (its `mcpServers`/`apps` declarations name files below the root; `.mcp.json` is the
default MCP config unless the servers are declared inline).

Every file access goes through `FileOps`, so a sandboxed request sees what its sandbox sees.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from typing import Any, Final

from execwire.pathuri import from_native_path
from execwire.protocol import models

from .errors import INVALID_REQUEST, NOT_FOUND, RpcError
from .fs_ops import Metadata, walk_entries

__all__ = ["MAX_ROOTS", "discover"]

MAX_ROOTS: Final = 128
MAX_SCAN_DEPTH: Final = 6
MAX_DIRECTORIES: Final = 2_000
MAX_ENTRIES: Final = 20_000
MAX_FILE_BYTES: Final = 1024 * 1024
MAX_BUNDLE_BYTES: Final = 16 * 1024 * 1024
SKILL_FILE: Final = b"SKILL.md"
SKILL_METADATA: Final = b"agents/openai.yaml"
DEFAULT_MCP_CONFIG: Final = b".mcp.json"
MANIFEST_DIRECTORIES: Final = (b".codex-plugin", b".claude-plugin", b".cursor-plugin")

FileOps = Callable[..., Awaitable[Any]]
"""`await ops(operation, *args)`: an `fs_ops` function, run as the request's sandbox says."""


class _Budget:
    def __init__(self) -> None:
        self.used = 0

    def fits(self, size: int) -> bool:
        return self.used + size <= MAX_BUNDLE_BYTES


async def discover(
    params: models.CapabilityRootsDiscoverParams,
    ops_for: Callable[[models.FileSystemSandboxContext | None], FileOps],
) -> models.CapabilityRootsDiscoverResponse:
    """Discover every root (in order); only too many roots fails the request."""
    if len(params.roots) > MAX_ROOTS:
        raise RpcError(
            INVALID_REQUEST, f"capability root discovery accepts at most {MAX_ROOTS} roots"
        )
    roots = [await _discover_root(root, ops_for(root.sandbox)) for root in params.roots]
    return models.CapabilityRootsDiscoverResponse(roots=roots)


async def _discover_root(
    request: models.CapabilityRootDiscoverRequest, ops: FileOps
) -> models.CapabilityRootDiscovery:
    uri = request.path
    result = models.CapabilityRootDiscovery(
        id=request.id, path=uri, skills=[], namespace_manifests=[], warnings=[]
    )
    try:
        root = _native(uri)
        metadata: Metadata = Metadata(*await ops("get_metadata", root, False))
    except RpcError as error:
        result.error = f"failed to inspect capability root {uri}: {error.message}"
        return result
    if not metadata.is_directory:
        result.error = f"capability root {uri} is not a directory"
        return result
    try:
        groups, errors, truncated = await ops(
            "walk", root, MAX_SCAN_DEPTH, MAX_DIRECTORIES, MAX_ENTRIES, True, False
        )
    except RpcError as error:
        result.error = f"failed to scan capability root {uri}: {error.message}"
        return result
    warnings = result.warnings
    for path, message in errors:
        warnings.append(f"failed to scan capability path {from_native_path(path)}: {message}")
    if truncated:
        warnings.append(f"capability scan reached its traversal limit (root: {uri})")
    files = [path for path, kind in walk_entries(groups) if kind == "file"]
    skills = sorted(
        (path for path in files if os.path.basename(path) == SKILL_FILE), key=from_native_path
    )
    manifests = sorted(
        (path for path in files if _manifest_priority(path) is not None),
        key=lambda path: (from_native_path(_plugin_root(path)), _manifest_priority(path)),
    )
    budget = _Budget()
    root_manifest = await _first_manifest(ops, root, budget, warnings)
    inherited = root_manifest or await _ancestor_manifest(ops, root, budget, warnings)
    seen: set[bytes] = set()
    if inherited is not None:
        seen.add(_plugin_root(_native(inherited.path)))
        result.namespace_manifests.append(inherited)
    for path in manifests:
        if _plugin_root(path) in seen:
            continue
        seen.add(_plugin_root(path))
        manifest = await _read_text(ops, path, budget, warnings)
        if manifest is not None:
            result.namespace_manifests.append(manifest)
    if root_manifest is not None:
        result.plugin = await _plugin_files(ops, root, root_manifest, budget, warnings)
    for path in skills:
        instructions = await _read_text(ops, path, budget, warnings)
        if instructions is None:
            continue
        metadata_path = os.path.join(os.path.dirname(path), SKILL_METADATA)
        result.skills.append(
            models.DiscoveredSkillFiles(
                instructions=instructions,
                metadata=await _read_text(ops, metadata_path, budget, warnings),
            )
        )
    return result


def _native(uri: str) -> bytes:
    from .filesystem import native_path

    return native_path(uri)


def _manifest_priority(path: bytes) -> int | None:
    if os.path.basename(path) != b"plugin.json":
        return None
    directory = os.path.basename(os.path.dirname(path))
    return MANIFEST_DIRECTORIES.index(directory) if directory in MANIFEST_DIRECTORIES else None


def _plugin_root(manifest: bytes) -> bytes:
    return os.path.dirname(os.path.dirname(manifest))


async def _first_manifest(
    ops: FileOps, root: bytes, budget: _Budget, warnings: list[str]
) -> models.CapabilityTextFile | None:
    for directory in MANIFEST_DIRECTORIES:
        manifest = await _read_text(
            ops, os.path.join(root, directory, b"plugin.json"), budget, warnings
        )
        if manifest is not None:
            return manifest
    return None


async def _ancestor_manifest(
    ops: FileOps, root: bytes, budget: _Budget, warnings: list[str]
) -> models.CapabilityTextFile | None:
    current = root
    while current != b"/":
        current = os.path.dirname(current)
        manifest = await _first_manifest(ops, current, budget, warnings)
        if manifest is not None:
            return manifest
    return None


async def _read_text(
    ops: FileOps, path: bytes, budget: _Budget, warnings: list[str]
) -> models.CapabilityTextFile | None:
    """A capability file's text, or None (missing, not a file, or a warning said why)."""
    uri = from_native_path(path)
    try:
        metadata = Metadata(*await ops("get_metadata", path, False))
    except RpcError as error:
        if error.code != NOT_FOUND:
            warnings.append(f"failed to inspect capability file {uri}: {error.message}")
        return None
    if not metadata.is_file:
        return None
    if metadata.size > MAX_FILE_BYTES:
        warnings.append(f"capability file {uri} exceeds the {MAX_FILE_BYTES}-byte limit")
        return None
    if not budget.fits(metadata.size):
        warnings.append(f"capability root bundle exceeds the {MAX_BUNDLE_BYTES}-byte limit")
        return None
    try:
        data: bytes = await ops("read_file", path, False, MAX_FILE_BYTES)
    except RpcError as error:
        warnings.append(f"failed to read capability file {uri}: {error.message}")
        return None
    if len(data) > MAX_FILE_BYTES or not budget.fits(len(data)):
        warnings.append(f"capability file {uri} exceeded its read limit")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        warnings.append(
            f"capability file {uri} is not UTF-8: invalid utf-8 sequence of "
            f"{error.end - error.start} bytes from index {error.start}"
        )
        return None
    budget.used += len(data)
    return models.CapabilityTextFile(path=uri, contents=text)


async def _plugin_files(
    ops: FileOps,
    root: bytes,
    manifest: models.CapabilityTextFile,
    budget: _Budget,
    warnings: list[str],
) -> models.DiscoveredPluginFiles:
    try:
        declarations = json.loads(manifest.contents)
    except ValueError:
        declarations = None
    if not isinstance(declarations, dict):
        declarations = {}
    servers, apps = declarations.get("mcpServers"), declarations.get("apps")
    mcp_path = None
    if not isinstance(servers, dict):  # inline servers need no file
        mcp_path = _declared(root, "mcpServers", servers, manifest.path, warnings)
        if mcp_path is None:
            mcp_path = os.path.join(root, DEFAULT_MCP_CONFIG)
    apps_path = _declared(root, "apps", apps, manifest.path, warnings)
    return models.DiscoveredPluginFiles(
        manifest=manifest,
        mcp_config=await _read_text(ops, mcp_path, budget, warnings) if mcp_path else None,
        apps_config=await _read_text(ops, apps_path, budget, warnings) if apps_path else None,
    )


def _declared(
    root: bytes, field: str, value: object, manifest_uri: str, warnings: list[str]
) -> bytes | None:
    if not isinstance(value, str):
        return None
    if not value.startswith("./"):
        warnings.append(f"ignoring {field} in {manifest_uri}: path must start with `./`")
        return None
    relative = value[2:]
    if not relative or ".." in relative.replace("\\", "/").split("/"):
        warnings.append(
            f"ignoring {field} in {manifest_uri}: path must remain below the capability root"
        )
        return None
    return os.path.normpath(os.path.join(root, os.fsencode(relative)))
