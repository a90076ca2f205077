"""`capabilities/discoverV2`: the plugins and skills installed on the executor.

As codex 0.169.0 finds them (probed against the binary):

* **Plugins** live in the Codex home's cache, `plugins/cache/<marketplace>/<plugin>/<version>`.
  The version is `local` when there is one, else the highest (semver, or by name when
  either is not semver); only real directories with plain names count. A plugin needs a
  readable JSON-object manifest (`.codex-plugin/plugin.json`, else `.claude-plugin/`, else
  `.cursor-plugin/`) whose `name`, if any, is a string, `interface`/`interface.displayName` an object
  and a string (or null) and `apps` a string (or null); otherwise it is left out with a
  warning. Its MCP and apps configs follow the manifest's `mcpServers`/`apps` declarations
  (a `./` path, or inline servers), else `.mcp.json`/`.app.json`. Every `SKILL.md` below the
  version directory is one of its skills.
* **Skills** outside plugins: `CODEX_HOME/skills`, `~/.agents/skills` and
  `/etc/codex/skills`. A skill's frontmatter (YAML between `---` lines) needs a string
  `description`; its `name` defaults to the directory's name and takes the namespace of the
  nearest plugin manifest above it (`ns:name`, at most 129 characters).
  `agents/openai.yaml` beside it gives `dependencies` and `policy`.
* **Warnings** say only that something could not be loaded: one per plugin or skill root
  with a problem, after one for unreadable remote-install records.

As the reference, the server keeps its first answer for its lifetime.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from execwire.pathuri import from_native_path
from execwire.protocol import models

__all__ = ["INCOMPLETE", "UNRESOLVED", "discover_capabilities"]

INCOMPLETE: Final = "some capability metadata could not be loaded; discovery may be incomplete"
UNRESOLVED: Final = "some capability locations could not be resolved; discovery may be incomplete"
MAX_SKILL_BYTES: Final = 1024 * 1024
MAX_STANDALONE_DEPTH: Final = 6
MAX_SKILL_NAME: Final = 129
MANIFESTS: Final = (".codex-plugin", ".claude-plugin", ".cursor-plugin")
REMOTE_INSTALL: Final = ".codex-remote-plugin-install.json"
PRODUCTS: Final = frozenset({"codex", "chatgpt", "atlas"})

_MARKETPLACE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_PLUGIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_VERSION_NAME = re.compile(r"[A-Za-z0-9._+-]+")
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


class _Problems:
    """Whether any location could not be resolved, and one warning per troubled location."""

    def __init__(self) -> None:
        self.unresolved = False
        self.metadata: list[str] = []

    def warnings(self) -> list[str]:
        return ([UNRESOLVED] if self.unresolved else []) + self.metadata


def discover_capabilities(environment: Mapping[str, str]) -> models.CapabilitiesDiscoverV2Response:
    """Everything `capabilities/discoverV2` reports (reads below the roots only)."""
    home = Path(environment.get("HOME") or os.path.expanduser("~"))
    codex_home = Path(environment.get("CODEX_HOME") or home / ".codex")
    problems = _Problems()
    plugins = _plugins(codex_home / "plugins" / "cache", problems)
    skills: list[models.ExecutorSkill] = []
    for root_id, root in (
        ("codex-home-skills", codex_home / "skills"),
        ("user-agent-skills", home / ".agents" / "skills"),
        ("system-skills", Path("/etc/codex/skills")),
    ):
        skills.extend(_standalone_skills(root_id, root, problems))
    return models.CapabilitiesDiscoverV2Response(
        plugins=plugins, skills=skills, warnings=problems.warnings()
    )


# --------------------------------------------------------------------------- plugins


def _plugins(cache: Path, problems: _Problems) -> list[models.ExecutorPlugin]:
    found: list[models.ExecutorPlugin] = []
    for marketplace in _directories(cache, _MARKETPLACE_NAME):
        for package in _directories(marketplace, _PLUGIN_NAME):
            version = _chosen_version(package)
            if version is None:
                continue
            plugin_id = f"{package.name}@{marketplace.name}"
            remote_id = _remote_plugin_id(package, problems)
            plugin, troubled = _plugin(plugin_id, package / version, remote_id)
            if troubled:
                problems.metadata.append(INCOMPLETE)
            if plugin is not None:
                found.append(plugin)
    return sorted(found, key=lambda plugin: plugin.id.encode())


def _directories(parent: Path, name: re.Pattern[str]) -> list[Path]:
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return []
    return [parent / n for n in names if name.fullmatch(n) and (parent / n).is_dir()]


def _chosen_version(package: Path) -> str | None:
    try:
        names = os.listdir(package)
    except OSError:
        return None
    versions = [
        name
        for name in names
        if _VERSION_NAME.fullmatch(name) and name not in (".", "..") and _real_directory(package / name)
    ]
    if not versions:
        return None
    if "local" in versions:
        return "local"
    best = versions[0]
    for version in versions[1:]:
        if _version_after(version, best):
            best = version
    return best


def _real_directory(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _version_after(candidate: str, current: str) -> bool:
    left, right = _SEMVER.fullmatch(candidate), _SEMVER.fullmatch(current)
    if left is None or right is None:
        return candidate > current
    return _semver_key(left) > _semver_key(right)


def _semver_key(match: re.Match[str]) -> tuple[Any, ...]:
    core = (int(match[1]), int(match[2]), int(match[3]))
    if match[4] is None:
        return (*core, 1, ())  # a release comes after its pre-releases
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in match[4].split("."))
    return (*core, 0, parts)


def _remote_plugin_id(package: Path, problems: _Problems) -> str | None:
    record = package / REMOTE_INSTALL
    if not record.exists():
        return None
    try:
        data = json.loads(record.read_bytes())
        remote = data.get("remote_plugin_id") if isinstance(data, dict) else None
        if data.get("schema_version") != 1 or not isinstance(remote, str) or not remote.strip():
            raise ValueError("not a remote-install record")
    except (OSError, ValueError, AttributeError):
        problems.unresolved = True
        return None
    return remote.strip()


def _plugin(
    plugin_id: str, root: Path, remote_id: str | None
) -> tuple[models.ExecutorPlugin | None, bool]:
    """The plugin at `root` (None when its manifest or a declaration is unusable), and
    whether anything of it could not be loaded."""
    manifest_path = next((root / d / "plugin.json" for d in MANIFESTS if (root / d / "plugin.json").is_file()), None)
    if manifest_path is None:
        return None, True
    try:
        text = manifest_path.read_text(encoding="utf-8")
        manifest = json.loads(text)
    except (OSError, ValueError):
        return None, True
    if not isinstance(manifest, dict) or not isinstance(manifest.get("name", ""), str):
        return None, True
    interface = manifest.get("interface")
    if interface is not None and not isinstance(interface, dict):
        return None, True
    shown = interface.get("displayName") if interface else None
    if shown is not None and not isinstance(shown, str):
        return None, True
    apps = manifest.get("apps")
    if apps is not None and not isinstance(apps, str):
        return None, True
    name: str = manifest.get("name", "")
    if shown and shown.strip():
        display_name = shown.strip()
    elif name.strip():
        display_name = name
    else:
        display_name = root.name
    skills, troubled = _skills_below(root, None, None)
    mcp_config, mcp_troubled = _mcp_config(root, manifest_path, manifest.get("mcpServers"))
    apps_config, apps_troubled = _declared_file(root, apps, ".app.json")
    plugin = models.ExecutorPlugin(
        id=plugin_id,
        display_name=display_name,
        remote_plugin_id=remote_id,
        version=root.name,
        root=from_native_path(str(root)),
        files=models.DiscoveredPluginFiles(
            manifest=_text_file(manifest_path, text),
            mcp_config=mcp_config,
            apps_config=apps_config,
        ),
        skills=[skill for skill in skills if isinstance(skill, models.ExecutorPluginSkill)],
    )
    return plugin, troubled or mcp_troubled or apps_troubled


def _text_file(path: Path, contents: str) -> models.CapabilityTextFile:
    return models.CapabilityTextFile(path=from_native_path(str(path)), contents=contents)


def _read_text_file(path: Path) -> models.CapabilityTextFile | None:
    try:
        return _text_file(path, path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _declared_path(root: Path, declared: str) -> Path | None:
    """A manifest's `./relative` declaration as a path below `root`; None if it is not one."""
    if not declared.startswith("./") or ".." in Path(declared).parts:
        return None
    return root / declared[2:]


def _mcp_config(
    root: Path, manifest_path: Path, declared: Any
) -> tuple[models.CapabilityTextFile | None, bool]:
    """The MCP config (inline servers, a declared file, else `.mcp.json`) and whether a
    declaration could not be followed."""
    if isinstance(declared, dict):
        inline = json.dumps(declared, ensure_ascii=False, separators=(",", ":"))
        return _text_file(manifest_path, inline), False
    if isinstance(declared, str):
        path = _declared_path(root, declared)
        if path is not None:
            found = _read_text_file(path)
            return found, found is None
        return _read_text_file(root / ".mcp.json"), True
    return _read_text_file(root / ".mcp.json"), False


def _declared_file(
    root: Path, declared: str | None, default: str
) -> tuple[models.CapabilityTextFile | None, bool]:
    if declared is None:
        return _read_text_file(root / default), False
    path = _declared_path(root, declared)
    found = _read_text_file(path) if path is not None else None
    return found, found is None


# --------------------------------------------------------------------------- skills


def _standalone_skills(root_id: str, root: Path, problems: _Problems) -> list[models.ExecutorSkill]:
    discovery_root = models.SkillDiscoveryRoot(id=root_id, path=from_native_path(str(root)))
    skills, troubled = _skills_below(root, discovery_root, MAX_STANDALONE_DEPTH)
    if troubled:
        problems.metadata.append(INCOMPLETE)
    return [skill for skill in skills if isinstance(skill, models.ExecutorSkill)]


def _skills_below(
    root: Path, discovery_root: models.SkillDiscoveryRoot | None, max_depth: int | None
) -> tuple[list[models.ExecutorSkill | models.ExecutorPluginSkill], bool]:
    """The skills of every `SKILL.md` below `root` in path order (standalone ones when a
    `discovery_root` is given, a plugin's otherwise), and whether any could not be read."""
    skills: list[models.ExecutorSkill | models.ExecutorPluginSkill] = []
    troubled = False
    for path in sorted(_skill_files(root, max_depth), key=str):
        front = _frontmatter(path)
        description = front.get("description") if front is not None else None
        name = front.get("name", path.parent.name) if front is not None else None
        if not isinstance(description, str) or not isinstance(name, str):
            troubled = True
            continue
        namespace = _namespace(path.parent, root)
        if namespace is not None:
            name = f"{namespace}:{name}"
        if len(name) > MAX_SKILL_NAME:
            troubled = True
            continue
        metadata = front.get("metadata") if front is not None else None
        short = metadata.get("short-description") if isinstance(metadata, dict) else None
        extras = _agent_metadata(path.parent)
        common: dict[str, Any] = {
            "name": name,
            "description": description,
            "short_description": short if isinstance(short, str) else None,
            "path": from_native_path(str(path)),
            "dependencies": extras[0],
            "policy": extras[1],
        }
        if discovery_root is None:
            skills.append(models.ExecutorPluginSkill(**common))
        else:
            skills.append(models.ExecutorSkill(**common, discovery_root=discovery_root))
    return skills, troubled


def _skill_files(root: Path, max_depth: int | None) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root, followlinks=True):
        if max_depth is not None and len(Path(directory).relative_to(root).parts) >= max_depth:
            subdirectories.clear()
        if "SKILL.md" in files:
            yield Path(directory) / "SKILL.md"


def _namespace(directory: Path, root: Path) -> str | None:
    """The `name` of the nearest readable plugin manifest at or above `directory` (within
    `root`), or its directory's name when that name is blank."""
    current = directory
    while True:
        for manifest_directory in MANIFESTS:
            try:
                manifest = json.loads((current / manifest_directory / "plugin.json").read_bytes())
            except (OSError, ValueError):
                continue
            if isinstance(manifest, dict) and isinstance(manifest.get("name", ""), str):
                name: str = manifest.get("name", "")
                return name if name.strip() else current.name
        if current == root or root not in current.parents:
            return None
        current = current.parent


def _frontmatter(path: Path) -> dict[str, Any] | None:
    """The YAML mapping between a `SKILL.md`'s leading `---` lines; None if it has none."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read(MAX_SKILL_BYTES)
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            try:
                value = _load_yaml("\n".join(lines[1:index]))
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _load_yaml(text: str) -> object:
    """A YAML document's value; ValueError when it is not YAML. PyYAML is loaded here, on
    the first skill read: a server that never discovers skills never loads it."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def _agent_metadata(
    skill_directory: Path,
) -> tuple[models.SkillDependencies | None, models.SkillPolicy | None]:
    """`dependencies` and `policy` from `agents/openai.yaml` (each None when absent or not
    decodable, as the reference leaves them)."""
    try:
        with open(skill_directory / "agents" / "openai.yaml", encoding="utf-8") as file:
            document = _load_yaml(file.read(MAX_SKILL_BYTES))
    except (OSError, ValueError):
        return None, None
    if not isinstance(document, dict):
        return None, None
    return _dependencies(document.get("dependencies")), _policy(document.get("policy"))


def _scalar(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def _dependencies(value: Any) -> models.SkillDependencies | None:
    if not isinstance(value, dict) or not isinstance(value.get("tools"), list):
        return None
    tools = []
    for tool in value["tools"]:
        if not isinstance(tool, dict):
            continue
        kind, name = _scalar(tool.get("type")), _scalar(tool.get("value"))
        if kind is None or name is None:
            continue
        tools.append(
            models.SkillToolDependency(
                type=kind,
                value=name,
                description=_scalar(tool.get("description")),
                transport=_scalar(tool.get("transport")),
                command=_scalar(tool.get("command")),
                url=_scalar(tool.get("url")),
            )
        )
    return models.SkillDependencies(tools=tools) if tools else None


def _policy(value: Any) -> models.SkillPolicy | None:
    if not isinstance(value, dict):
        return None
    allow = value.get("allow_implicit_invocation")
    products = value.get("products", [])
    if allow is not None and not isinstance(allow, bool):
        return None
    if not isinstance(products, list) or not all(p in PRODUCTS for p in products):
        return None
    return models.SkillPolicy(allow_implicit_invocation=allow, products=products)
