"""`capabilities/discoverV2`: the skills installed on the executor, with their frontmatter.

execwire looks where the Codex home keeps skills (`CODEX_HOME/skills`, default
`~/.codex/skills`): every `SKILL.md` below it whose frontmatter (the `---` block at its top)
has a `name` and a `description` is a skill; `metadata.short-description` is its short
description. A `SKILL.md` without them is left out, and the answer then carries the
reference's warning that discovery may be incomplete. Installed plugins are not discovered
yet (the list is empty). As the reference, the first answer is kept for the server's
lifetime.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from execwire.pathuri import from_native_path
from execwire.protocol import models

__all__ = ["discover_skills"]

INCOMPLETE: Final = "some capability metadata could not be loaded; discovery may be incomplete"
MAX_SKILL_BYTES: Final = 1024 * 1024
MAX_DEPTH: Final = 6


def discover_skills(environment: Mapping[str, str]) -> models.CapabilitiesDiscoverV2Response:
    """Walk the Codex home's skills directory (no I/O beyond it)."""
    home = Path(environment.get("HOME") or os.path.expanduser("~"))
    root = Path(environment.get("CODEX_HOME") or home / ".codex") / "skills"
    discovery_root = models.SkillDiscoveryRoot(id="codex-home-skills", path=from_native_path(str(root)))
    skills: list[models.ExecutorSkill] = []
    warnings: list[str] = []
    for path in sorted(_skill_files(root)):
        front = _frontmatter(path)
        name, description = front.get("name"), front.get("description")
        if not name or not description:
            if INCOMPLETE not in warnings:
                warnings.append(INCOMPLETE)
            continue
        skills.append(
            models.ExecutorSkill(
                name=name,
                description=description,
                short_description=front.get("metadata.short-description"),
                path=from_native_path(str(path)),
                discovery_root=discovery_root,
            )
        )
    return models.CapabilitiesDiscoverV2Response(plugins=[], skills=skills, warnings=warnings)


def _skill_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(root):
        if len(Path(directory).relative_to(root).parts) >= MAX_DEPTH:
            subdirectories.clear()
        if "SKILL.md" in files:
            found.append(Path(directory) / "SKILL.md")
    return found


def _frontmatter(path: Path) -> dict[str, str]:
    """`key: value` pairs of the frontmatter; one nested level as `parent.key`."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read(MAX_SKILL_BYTES)
    except (OSError, UnicodeDecodeError):
        return {}
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    values: dict[str, str] = {}
    parent = ""
    for line in lines[1:]:
        if line.strip() == "---":
            return values
        if not line.strip() or line.lstrip().startswith("#") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        nested = line.startswith((" ", "\t"))
        key, value = key.strip(), value.strip()
        if not nested:
            parent = key if not value else ""
        name = f"{parent}.{key}" if nested and parent else key
        if value:
            values[name] = value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'" else value
    return {}  # no closing ---
