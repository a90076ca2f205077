"""What `environment/info` (and `initialize`) report about this executor host."""

from __future__ import annotations

import hashlib
import os
import pwd
import socket
import sys
import tempfile
from collections.abc import Mapping

from execwire import pathuri
from execwire.protocol import models

__all__ = ["EXECUTOR_VERSION", "describe_host"]

EXECUTOR_VERSION = "0.1.0"


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


def describe_host(environment: Mapping[str, str] | None = None) -> models.EnvironmentInfo:
    """Describe this host in the shape of the reference's `environment/info`.

    Every capability flag is false: each names methods beyond the core API that this
    executor does not serve, and advertising one makes the Codex agent call them.
    """
    environment = os.environ if environment is None else environment
    identity = f"execwire:{socket.gethostname()}:{os.getuid()}:{sys.prefix}"
    return models.EnvironmentInfo(
        shell=_shell(environment),
        executor_version=EXECUTOR_VERSION,
        provider_id="sha256:" + hashlib.sha256(identity.encode()).hexdigest(),
        cwd=pathuri.from_native_path(os.getcwd()),
        user_home_dir=_home(environment),
        platform_os=pathuri.HOST_OS,
        prepend_path_dirs=[],
        temporary_directories=[],
        temp_dir=pathuri.from_native_path(tempfile.gettempdir()),
        capabilities=models.EnvironmentCapabilities(),
    )
