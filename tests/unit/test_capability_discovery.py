"""`capabilities/discoverV2` (plugins and skills) over a Codex home made for the test."""

from __future__ import annotations

import json
from pathlib import Path

from execwire.pathuri import from_native_path
from execwire.protocol import models
from execwire_server.capability_discovery import INCOMPLETE, discover_capabilities


def test_skills_with_frontmatter_are_found_and_the_rest_warned_about(tmp_path: Path) -> None:
    skills = tmp_path / "skills"
    (skills / "b").mkdir(parents=True)
    (skills / "b" / "SKILL.md").write_text(
        '---\nname: "b-skill"\ndescription: Second\nmetadata:\n  short-description: short\n---\nbody\n'
    )
    (skills / "a" / "deep").mkdir(parents=True)
    (skills / "a" / "deep" / "SKILL.md").write_text("---\nname: a\ndescription: First\n---\n")
    (skills / "broken").mkdir()
    (skills / "broken" / "SKILL.md").write_text("no frontmatter\n")
    answer = discover_capabilities({"CODEX_HOME": str(tmp_path), "HOME": "/nowhere"})
    assert [(s.name, s.description, s.short_description) for s in answer.skills] == [
        ("a", "First", None),
        ("b-skill", "Second", "short"),
    ]
    assert answer.skills[0].path == from_native_path(skills / "a" / "deep" / "SKILL.md")
    assert answer.skills[0].discovery_root.id == "codex-home-skills"
    assert answer.warnings == [INCOMPLETE] and answer.plugins == []
    assert discover_capabilities({"CODEX_HOME": str(tmp_path / "none")}).skills == []


def _plugin(home: Path, marketplace: str, name: str, version: str, manifest: object) -> Path:
    root = home / "plugins" / "cache" / marketplace / name / version
    (root / ".codex-plugin").mkdir(parents=True)
    (root / ".codex-plugin" / "plugin.json").write_text(json.dumps(manifest))
    return root


def test_installed_plugins_their_files_and_skills(tmp_path: Path) -> None:
    # The shapes below were observed on codex 0.169.0 with the same layouts.
    old = _plugin(tmp_path, "mkt", "tools", "1.2.0", {"name": "tools"})
    root = _plugin(tmp_path, "mkt", "tools", "1.10.0", {"name": "tools", "mcpServers": "./cfg/m.json"})
    (root / "cfg").mkdir()
    (root / "cfg" / "m.json").write_text('{"mcpServers":{}}')
    (root / ".app.json").write_text('{"apps":{}}')
    (root / "skills" / "hello" / "agents").mkdir(parents=True)
    (root / "skills" / "hello" / "SKILL.md").write_text("---\ndescription: Say hello\n---\n")
    (root / "skills" / "hello" / "agents" / "openai.yaml").write_text(
        "dependencies:\n  tools:\n    - type: mcp\n      value: github\n      url: https://x\n"
        "policy:\n  allow_implicit_invocation: false\n"
    )
    (root / "nested" / ".codex-plugin").mkdir(parents=True)
    (root / "nested" / ".codex-plugin" / "plugin.json").write_text('{"name": "sub"}')
    (root / "nested" / "g" / "SKILL.md").parent.mkdir(parents=True)
    (root / "nested" / "g" / "SKILL.md").write_text("---\nname: g\ndescription: G\n---\n")
    inline = _plugin(tmp_path, "alpha", "zeta", "local", {"name": "z", "mcpServers": {"s": {"command": "x"}}, "interface": {"displayName": " Zeta "}})
    _plugin(tmp_path, "alpha", "zeta", "9.0.0", {"name": "ignored: local wins"})
    (tmp_path / "plugins" / "cache" / "alpha" / "zeta" / ".codex-remote-plugin-install.json").write_text(
        '{"schema_version": 1, "remote_plugin_id": " plugins~abc "}'
    )
    _plugin(tmp_path, "mkt", "broken", "1.0.0", {"name": None})
    _plugin(tmp_path, "mkt", ".hidden", "1.0.0", {"name": "never"})
    answer = discover_capabilities({"CODEX_HOME": str(tmp_path), "HOME": "/nowhere"})
    assert [p.id for p in answer.plugins] == ["tools@mkt", "zeta@alpha"]
    tools, zeta = answer.plugins
    assert (tools.version, tools.display_name, tools.remote_plugin_id) == ("1.10.0", "tools", None)
    assert tools.root == from_native_path(root) and old.exists()
    assert tools.files.mcp_config is not None and tools.files.mcp_config.contents == '{"mcpServers":{}}'
    assert tools.files.apps_config is not None and tools.files.apps_config.path == from_native_path(root / ".app.json")
    assert [(s.name, s.description) for s in tools.skills] == [("sub:g", "G"), ("tools:hello", "Say hello")]
    hello = tools.skills[1]
    assert hello.dependencies is not None and hello.dependencies.tools[0].url == "https://x"
    assert hello.policy == models.SkillPolicy(allow_implicit_invocation=False, products=[])
    assert (zeta.version, zeta.display_name, zeta.remote_plugin_id) == ("local", "Zeta", "plugins~abc")
    assert zeta.files.mcp_config == models.CapabilityTextFile(
        path=from_native_path(inline / ".codex-plugin" / "plugin.json"), contents='{"s":{"command":"x"}}'
    )
    assert answer.warnings == [INCOMPLETE]  # the plugin whose name is null
    wire = answer.to_wire()["plugins"][1]
    assert wire["files"]["appsConfig"] is None and "remotePluginId" in wire
