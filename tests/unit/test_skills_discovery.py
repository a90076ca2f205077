"""`capabilities/discoverV2`'s skill discovery over a Codex home made for the test."""

from __future__ import annotations

from pathlib import Path

from execwire.pathuri import from_native_path
from execwire_server.skills_discovery import INCOMPLETE, discover_skills


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
    answer = discover_skills({"CODEX_HOME": str(tmp_path), "HOME": "/nowhere"})
    assert [(s.name, s.description, s.short_description) for s in answer.skills] == [
        ("a", "First", None),
        ("b-skill", "Second", "short"),
    ]
    assert answer.skills[0].path == from_native_path(skills / "a" / "deep" / "SKILL.md")
    assert answer.skills[0].discovery_root.id == "codex-home-skills"
    assert answer.warnings == [INCOMPLETE] and answer.plugins == []
    assert discover_skills({"CODEX_HOME": str(tmp_path / "none")}).skills == []
