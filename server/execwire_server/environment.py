"""What `environment/info` (and `initialize`) report about this executor host."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping, Sequence
from importlib import metadata

from execwire import pathuri
from execwire.protocol import models

__all__ = ["CAPABILITIES", "EXECUTOR_VERSION", "describe_host", "tool_directory"]


def _package_version() -> str:
    try:
        return metadata.version("execwire")
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        return "0"


COMPATIBLE_REFERENCE = "0.169.0"
"""The `codex exec-server` release whose protocol and behaviour this server matches."""

EXECUTOR_VERSION = f"{COMPATIBLE_REFERENCE}+execwire.{_package_version()}"
"""`executorVersion`: the reference release it stands in for, so that a client comparing
versions keeps every feature on (semver ignores the `+` build part), and then our own."""


def _shell(environment: Mapping[str, str]) -> models.EnvironmentShell:
    path = environment.get("SHELL")
    if not path:
        try:
            path = pwd.getpwuid(os.getuid()).pw_shell
        except KeyError:
            path = ""
    path = path or "/bin/sh"
    return models.EnvironmentShell(name=os.path.basename(path), path=path)


def _home(environment: Mapping[str, str]) -> str | None:
    home = environment.get("HOME")
    if not home:
        try:
            home = pwd.getpwuid(os.getuid()).pw_dir
        except KeyError:
            return None
    return pathuri.from_native_path(home) if os.path.isabs(home) else None


CAPABILITIES = models.EnvironmentCapabilities(
    fs_watch_missing=True,
    environment_config_read=True,
    capability_discovery_v2=True,
    capability_discovery_sandbox=True,
    http_header_env_vars=True,
    file_write_streaming=True,
    sandboxed_file_streaming=True,
    linux_root_write_preserves_devices=True,
    linux_approved_root_write_preserves_restrictions=True,
)
"""What this executor honours. A flag makes the Codex agent call the methods it names or
rely on a behaviour, so only those served are true (the Linux root-write pair: with `/`
writable the sandbox keeps its own /dev and its denials, checked in test_sandbox); the rest
(network proxy and its review domains, credential masking, shell snapshots, Windows) stay
false, which makes the agent refuse, warn and run unmasked, or skip the feature."""


def describe_host(
    environment: Mapping[str, str] | None = None, prepend_path_dirs: Sequence[str] = ()
) -> models.EnvironmentInfo:
    """Describe this host in the shape of the reference's `environment/info`.

    `temporaryDirectories` is `TMPDIR` when set (as the reference); `prepend_path_dirs` are
    the directories put in front of an inherited `PATH` (the one holding `rg`).
    """
    environment = os.environ if environment is None else environment
    tmpdir = environment.get("TMPDIR")
    identity = f"execwire:{socket.gethostname()}:{os.getuid()}:{sys.prefix}"
    return models.EnvironmentInfo(
        shell=_shell(environment),
        executor_version=EXECUTOR_VERSION,
        provider_id="sha256:" + hashlib.sha256(identity.encode()).hexdigest(),
        cwd=pathuri.from_native_path(os.getcwd()),
        user_home_dir=_home(environment),
        platform_os=pathuri.HOST_OS,
        prepend_path_dirs=[pathuri.from_native_path(path) for path in prepend_path_dirs],
        temporary_directories=(
            [pathuri.from_native_path(tmpdir)] if tmpdir and os.path.isabs(tmpdir) else []
        ),
        temp_dir=pathuri.from_native_path(tempfile.gettempdir()),
        capabilities=CAPABILITIES,
    )


def tool_directory() -> str | None:
    """A new directory holding the tools the agent expects on PATH (`rg`, linked from the
    system's ripgrep); None when ripgrep is not installed. The caller removes it."""
    ripgrep = shutil.which("rg")
    if ripgrep is None:
        return None
    directory = tempfile.mkdtemp(prefix="execwire-tools-")
    os.symlink(os.path.realpath(ripgrep), os.path.join(directory, "rg"))
    return directory
