"""`capabilityRoots/discoverV1` against an embedded server: plugin, inherited and nested
manifests, skills with metadata, declared and default MCP configs, and the warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from execwire import Executor
from execwire.errors import InvalidRequestError
from execwire.pathuri import from_native_path
from execwire.protocol import models


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def discover(executor: Executor, *paths: Path) -> list[models.CapabilityRootDiscovery]:
    response = await executor.client.capability_roots_discover_v1(
        models.CapabilityRootsDiscoverParams(
            roots=[
                models.CapabilityRootDiscoverRequest(id=str(n), path=from_native_path(path))
                for n, path in enumerate(paths)
            ]
        )
    )
    return response.roots


async def test_plugins_skills_and_configs_are_found(tmp_path: Path) -> None:
    plugin = tmp_path / "plug"
    write(plugin, ".codex-plugin/plugin.json", '{"mcpServers": "./mcp.json", "apps": "../x.json"}')
    write(plugin, "mcp.json", "{}")
    write(plugin, "skills/a/SKILL.md", "skill a")
    write(plugin, "skills/a/agents/openai.yaml", "meta")
    write(plugin, "nested/.claude-plugin/plugin.json", "{}")
    write(plugin, "nested/deep/SKILL.md", "deep")
    async with await Executor.connect_in_process() as executor:
        root, nested, missing, file = await discover(
            executor, plugin, plugin / "nested" / "deep", tmp_path / "missing", plugin / "mcp.json"
        )
    assert root.plugin is not None and root.plugin.mcp_config is not None
    assert root.plugin.mcp_config.contents == "{}" and root.plugin.apps_config is None
    assert [s.instructions.contents for s in root.skills] == ["deep", "skill a"]
    assert root.skills[1].metadata is not None and root.skills[1].metadata.contents == "meta"
    assert [m.path.rsplit("/", 2)[-2] for m in root.namespace_manifests] == [
        ".codex-plugin",
        ".claude-plugin",
    ]
    assert root.warnings == [
        f"ignoring apps in {from_native_path(plugin / '.codex-plugin/plugin.json')}: path must start with `./`"
    ]
    # A root inside a plugin is not one, but inherits the nearest manifest above it.
    assert nested.plugin is None and nested.namespace_manifests[0].path.endswith(
        ".claude-plugin/plugin.json"
    )
    assert missing.error is not None and "No such file or directory (os error 2)" in missing.error
    assert (
        file.error == f"capability root {from_native_path(plugin / 'mcp.json')} is not a directory"
    )


async def test_at_most_128_roots(tmp_path: Path) -> None:
    async with await Executor.connect_in_process() as executor:
        with pytest.raises(InvalidRequestError, match="at most 128 roots"):
            await discover(executor, *([tmp_path] * 129))
