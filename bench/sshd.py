"""A throwaway OpenSSH server on 127.0.0.1 for the asyncssh comparison.

`ensure_sshd()` installs Debian's `openssh-server` when `sshd` is missing (we run as root).
`SshKeys.generate()` makes a throwaway host key and a user key authorized for root, and
`running_sshd()` starts `sshd -D -e -f <generated config>` on a free port, in its own process
group, and stops it on exit. Nothing outside the given directory is touched except the
privilege-separation directory `/run/sshd`, which sshd requires.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from .processes import ServerProcess, start_server, wait_for_port

__all__ = ["SshKeys", "SshdUnavailable", "ensure_sshd", "openssh_version", "running_sshd"]

SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")
HOST = "127.0.0.1"


class SshdUnavailable(RuntimeError):
    """sshd cannot be installed, configured or started (the message says why)."""


def _find_sshd() -> str | None:
    # sshd re-executes itself and insists on an absolute path.
    found = shutil.which("sshd")
    if found is not None:
        return os.path.abspath(found)
    return next((path for path in SSHD_CANDIDATES if os.access(path, os.X_OK)), None)


def _apt_get(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(
        ["apt-get", *arguments], env=env, capture_output=True, text=True, check=False
    )


def ensure_sshd() -> str:
    """The absolute path of sshd, installing `openssh-server` with apt-get if needed."""
    sshd = _find_sshd()
    if sshd is not None:
        return sshd
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SshdUnavailable("sshd is missing; install openssh-server (needs root and apt-get)")
    print("bench: sshd is missing: apt-get install -y openssh-server", flush=True)
    install = ("install", "-y", "--no-install-recommends", "openssh-server")
    result = _apt_get(*install)
    if result.returncode != 0:  # a fresh machine may have no package lists yet
        _apt_get("update")
        result = _apt_get(*install)
    sshd = _find_sshd()
    if result.returncode != 0 or sshd is None:
        raise SshdUnavailable(
            f"apt-get install openssh-server failed ({result.returncode}): "
            f"{(result.stderr or result.stdout).strip()[-800:]}"
        )
    return sshd


def openssh_version() -> str:
    """The installed openssh-server package version (or sshd's own banner)."""
    query = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "openssh-server"],
        capture_output=True,
        text=True,
        check=False,
    )
    if query.returncode == 0 and query.stdout:
        return query.stdout.strip()
    return "unknown"


@dataclass(frozen=True)
class SshKeys:
    """Throwaway keys: the server's host key and root's authorized user key."""

    directory: Path
    host_key: Path
    user_key: Path
    authorized_keys: Path

    @classmethod
    def generate(cls, directory: Path) -> SshKeys:
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        keys = cls(
            directory,
            directory / "host_ed25519",
            directory / "user_ed25519",
            directory / "authorized_keys",
        )
        for key in (keys.host_key, keys.user_key):
            for stale in (key, key.with_suffix(".pub")):
                stale.unlink(missing_ok=True)
            subprocess.run(
                [
                    "ssh-keygen",
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    "execwire-bench",
                    "-f",
                    str(key),
                ],
                check=True,
                capture_output=True,
            )
        keys.authorized_keys.write_text(keys.user_key.with_suffix(".pub").read_text())
        keys.authorized_keys.chmod(0o600)
        return keys

    @property
    def host_public_key(self) -> str:
        return self.host_key.with_suffix(".pub").read_text().strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _config(keys: SshKeys, port: int) -> str:
    return "\n".join(
        [
            f"ListenAddress {HOST}",
            f"Port {port}",
            f"HostKey {keys.host_key}",
            f"PidFile {keys.directory / f'sshd-{port}.pid'}",
            f"AuthorizedKeysFile {keys.authorized_keys}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "UseDNS no",
            "StrictModes no",
            "PrintMotd no",
            "PrintLastLog no",
            # The fan-out and concurrency groups open 100+ connections at once.
            "MaxStartups 1000",
            "MaxSessions 1000",
            "Subsystem sftp internal-sftp",
            # sshd runs each command as `$SHELL -c ...`, and Debian's bash sources ~/.bashrc
            # in a top-level shell started by sshd. The account's startup files are not what
            # is compared (root's pyenv setup on our machine costs ~110 ms a command): with
            # SHLVL=1 bash is not top-level and skips them.
            "SetEnv SHLVL=1",
            "LogLevel ERROR",
            "",
        ]
    )


@contextlib.asynccontextmanager
async def running_sshd(
    sshd: str, keys: SshKeys, log_path: Path
) -> AsyncIterator[tuple[ServerProcess, int]]:
    """`sshd -D` on a free loopback port; yields the process and its port."""
    PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)  # "Missing privilege separation directory"
    port = _free_port()
    config = keys.directory / f"sshd_config-{port}"
    config.write_text(_config(keys, port))
    check = await asyncio.to_thread(
        subprocess.run, [sshd, "-t", "-f", str(config)], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise SshdUnavailable(f"sshd rejects its config: {check.stderr.strip()}")
    async with start_server(
        "sshd", [sshd, "-D", "-e", "-f", str(config)], log_path=log_path, url_prefix=None
    ) as server:
        await wait_for_port(server, HOST, port)
        yield server, port
