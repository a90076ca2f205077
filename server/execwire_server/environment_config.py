"""`environmentConfig/read`: the executor's Codex configuration layers for a cwd.

As codex 0.169.0 answers it: the system file (`/etc/codex/config.toml`), the user's
(`config.toml` in `CODEX_HOME`, default `~/.codex`) and, for a trusted project only, each
`.codex/config.toml` from the project root (the git work tree holding cwd, else cwd) down
to cwd. A project is trusted when the user config says `trust_level = "trusted"` under
`[projects."<root>"]`. Every layer keeps only the requested key paths and is written back
as TOML; a project file that does not parse fails the request, an untrusted project is not
read at all. Requirements come from `/etc/codex/requirements.toml`.
"""

from __future__ import annotations

import os
import re
import socket
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from execwire.pathuri import from_native_path
from execwire.protocol import models

from .errors import INTERNAL_ERROR, INVALID_PARAMS, RpcError

__all__ = ["read_environment_config"]

SYSTEM_DIR: Final = Path("/etc/codex")
_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")


def read_environment_config(
    params: models.EnvironmentConfigReadParams,
    cwd: bytes,
    environment: Mapping[str, str],
) -> models.EnvironmentConfigReadResponse:
    """The answer for `params` (`cwd` already converted); raises the reference's errors."""
    if not params.config_paths and not params.requirements_paths:
        raise RpcError(INVALID_PARAMS, "at least one config or requirements path is required")
    home = Path(environment.get("HOME") or os.path.expanduser("~"))
    codex_home = Path(environment.get("CODEX_HOME") or home / ".codex")
    config_layers: list[models.ConfigLayer] = []
    user_config: dict[str, Any] = {}
    for source, path in (("system", SYSTEM_DIR / "config.toml"), ("user", codex_home / "config.toml")):
        document = _load(path, source)
        if document is None:
            continue
        if source == "user":
            user_config = document
        config_layers.append(_layer(source, path, document, params.config_paths))
    for path in _project_files(Path(os.fsdecode(cwd)), user_config):
        document = _load(path, "project")
        if document is not None:
            config_layers.append(_layer("project", path, document, params.config_paths))
    requirement_layers: list[models.ConfigLayer] = []
    requirements = SYSTEM_DIR / "requirements.toml"
    document = _load(requirements, "system requirements") if params.requirements_paths else None
    if document is not None:
        requirement_layers.append(_layer("system", requirements, document, params.requirements_paths))
    return models.EnvironmentConfigReadResponse(
        user_home_dir=from_native_path(str(home)),
        codex_home_dir=from_native_path(str(codex_home)),
        hostname=socket.gethostname(),
        config=models.ConfigLayers(layers=config_layers, cloud_insertion_index=0),
        requirements=models.ConfigLayers(layers=requirement_layers, cloud_insertion_index=0),
    )


def _load(path: Path, kind: str) -> dict[str, Any] | None:
    try:
        text = path.read_text()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as error:
        raise RpcError(
            INTERNAL_ERROR, f"failed to load executor-local config: {kind} config file {path}: {error}"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RpcError(
            INTERNAL_ERROR,
            f"failed to load executor-local config: Error parsing {kind} config file {path}: "
            + _parse_error(text, str(error)),
        ) from None


def _parse_error(text: str, message: str) -> str:
    """A TOML error framed as the toml crate frames it (the reason is tomllib's)."""
    found = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", message)
    if found is None:
        return f"TOML parse error: {message}\n"
    reason, line, column = found.group(1), int(found.group(2)), int(found.group(3))
    source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    gutter = " " * len(str(line))
    return (
        f"TOML parse error at line {line}, column {column}\n{gutter} |\n{line} | {source}\n"
        f"{gutter} | {' ' * (column - 1)}^\n{reason}\n"
    )


def _project_files(cwd: Path, user_config: Mapping[str, Any]) -> list[Path]:
    root = _git_root(cwd) or cwd
    projects = user_config.get("projects")
    settings = projects.get(str(root)) if isinstance(projects, dict) else None
    if not (isinstance(settings, dict) and settings.get("trust_level") == "trusted"):
        return []
    directories = [cwd, *cwd.parents]
    chain = directories[: directories.index(root) + 1] if root in directories else [cwd]
    return [directory / ".codex" / "config.toml" for directory in reversed(chain)]


def _git_root(cwd: Path) -> Path | None:
    """The work tree holding `cwd`: a `.git` file, or a `.git` directory with a HEAD."""
    for directory in (cwd, *cwd.parents):
        marker = directory / ".git"
        if marker.is_file() or (marker / "HEAD").is_file():
            return directory
    return None


def _layer(
    source: str, path: Path, document: Mapping[str, Any], paths: Sequence[Sequence[str]]
) -> models.ConfigLayer:
    return models.ConfigLayer(
        source=f"{source} ({path})",
        base_dir=from_native_path(str(path.parent)),
        toml=_dumps(_select(document, paths)),
    )


def _select(document: Mapping[str, Any], paths: Sequence[Sequence[str]]) -> dict[str, Any]:
    """The parts of `document` at the requested key paths, in the document's order."""
    selected: dict[str, Any] = {}
    for key, value in document.items():
        wanted = [path[1:] for path in paths if path and path[0] == key]
        if not wanted:
            continue
        if any(not rest for rest in wanted) or not isinstance(value, dict):
            if any(not rest for rest in wanted):
                selected[key] = value
            continue
        inner = _select(value, wanted)
        if inner:
            selected[key] = inner
    return selected


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04X}", escaped)
    return f'"{escaped}"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return str(value.isoformat() if hasattr(value, "isoformat") else value)


def _dumps(table: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> str:
    """TOML as the reference writes it: a table's values, then its sub-tables (a table that
    has only sub-tables gets no header of its own)."""
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, dict)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, dict)]
    out = "".join(f"{_key(k)} = {_value(v)}\n" for k, v in scalars)
    for key, value in tables:
        path = (*prefix, key)
        body = _dumps(value, path)
        if any(not isinstance(v, dict) for v in value.values()):
            header = "[" + ".".join(_key(part) for part in path) + "]\n"
            body = header + body
        out += ("\n" if out else "") + body
    return out
