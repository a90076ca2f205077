"""Start and stop exec-server processes (`reference` = codex 0.169.0, `execwire` = ours)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ServerKind = Literal["reference", "execwire"]
KINDS: tuple[ServerKind, ...] = ("reference", "execwire")

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache"
CODEX_VERSION = "0.169.0"
CODEX_PREFIX = CACHE_DIR / "codex"
CODEX_BIN = CODEX_PREFIX / "node_modules" / ".bin" / "codex"
EXECWIRE_BIN = REPO_ROOT / ".venv" / "bin" / "execwire-server"
LISTEN = "ws://127.0.0.1:0"


def scratch_dir() -> Path:
    """Where CODEX_HOMEs and other per-test directories go: never below the temp dir.

    The reference cannot sandbox with its CODEX_HOME under /tmp (it fails closed), and the
    agent's workspace-write intent makes /tmp writable, so "outside the workspace" must not
    be there either. A checkout below /tmp uses the user's cache directory instead.
    """
    temp = Path(tempfile.gettempdir()).resolve()
    cache = CACHE_DIR.resolve()
    base = Path.home() / ".cache" / "execwire-interop" if cache.is_relative_to(temp) else cache
    base.mkdir(parents=True, exist_ok=True)
    return base
STARTUP_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0

# The same environment is given to both servers so that `envPolicy` inheritance is
# comparable. The INTEROP_* names exercise the default excludes (*KEY*, *SECRET*, *TOKEN*).
BASE_ENV: dict[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "USER": "interop",
    "LOGNAME": "interop",
    "SHELL": "/bin/sh",
    "INTEROP_PLAIN": "plain",
    "INTEROP_API_KEY": "k",
    "INTEROP_SECRET_VALUE": "s",
    "INTEROP_AUTH_TOKEN": "t",
    "INTEROP_EXCLUDED": "x",
}


class ServerUnavailable(RuntimeError):
    """The server exited (or stayed silent) before printing its listen URL."""


@dataclass
class ServerProcess:
    """A running server: its kind, websocket URL and process handle."""

    kind: ServerKind
    url: str
    proc: asyncio.subprocess.Process
    stderr_path: Path
    scratch: Path
    _stopped: bool = field(default=False, repr=False)

    def stderr_tail(self, limit: int = 2000) -> str:
        """The last `limit` characters the server wrote on stderr."""
        try:
            return self.stderr_path.read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    async def stop(self) -> None:
        """SIGTERM the server (and its process group), then SIGKILL after a grace period."""
        if self._stopped:
            return
        self._stopped = True
        await _terminate(self.proc)
        shutil.rmtree(self.scratch, ignore_errors=True)


def reference_installed() -> bool:
    """Whether the pinned codex binary is present and reports the pinned version."""
    if not CODEX_BIN.exists():
        return False
    try:
        out = subprocess.run(
            [str(CODEX_BIN), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.stdout.strip().endswith(CODEX_VERSION)


@functools.cache
def ensure_reference() -> Path:
    """Install `@openai/codex@0.169.0` into `.cache/codex` unless already there (idempotent)."""
    CODEX_PREFIX.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / "codex.install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not reference_installed():
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed to install the reference codex binary")
            subprocess.run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(CODEX_PREFIX),
                    "--save-exact",
                    "--no-audit",
                    "--no-fund",
                    f"@openai/codex@{CODEX_VERSION}",
                ],
                check=True,
            )
            if not reference_installed():
                raise RuntimeError(f"{CODEX_BIN} does not report version {CODEX_VERSION}")
    return CODEX_BIN


def server_command(kind: ServerKind) -> list[str]:
    """The argv that starts a server of `kind` listening on an ephemeral loopback port."""
    if kind == "reference":
        # The native binary, not the npm `codex` node wrapper: signals reach the server itself.
        return [str(native_reference_binary()), "exec-server", "--listen", LISTEN]
    override = os.environ.get("INTEROP_EXECWIRE_CMD")  # e.g. to test the harness itself
    if override:
        return [*shlex.split(override), "--listen", LISTEN]
    exe = str(EXECWIRE_BIN) if EXECWIRE_BIN.exists() else shutil.which("execwire-server")
    return [exe or "execwire-server", "--listen", LISTEN]


def native_reference_binary() -> Path:
    """The platform binary inside the npm package (the npm `codex` is a node wrapper)."""
    ensure_reference()
    found = sorted(CODEX_PREFIX.glob("node_modules/@openai/codex-*/vendor/*/bin/codex"))
    if not found:
        raise RuntimeError("the codex npm package has no native binary for this platform")
    return found[0]


async def start_server(kind: ServerKind, cwd: Path, env: dict[str, str] | None = None) -> ServerProcess:
    """Start a server of `kind` with working directory `cwd` and wait for its URL line.

    Raises `ServerUnavailable` when it exits or times out before printing a `ws://` URL.
    """
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # CODEX_HOME must not live under /tmp, or the reference warns (and cannot sandbox).
    scratch = Path(tempfile.mkdtemp(prefix=f"interop-{kind}-", dir=scratch_dir()))
    codex_home = scratch / "codex-home"
    codex_home.mkdir()
    stderr_path = scratch / "stderr.log"
    env = dict(BASE_ENV, HOME=str(Path.home()), CODEX_HOME=str(codex_home), **(env or {}))
    with open(stderr_path, "wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            *server_command(kind),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
        )
    server = ServerProcess(kind, "", proc, stderr_path, scratch)
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), STARTUP_TIMEOUT_S)
    except TimeoutError:
        line = b""
    url = line.decode(errors="replace").strip()
    if not url.startswith("ws://"):
        tail = server.stderr_tail()
        await server.stop()
        raise ServerUnavailable(
            f"{kind} server printed {url!r} instead of a ws:// URL "
            f"(exit code {proc.returncode}); stderr: {tail.strip()!r}"
        )
    server.url = url
    return server


@contextlib.asynccontextmanager
async def running_server(
    kind: ServerKind, cwd: Path, env: dict[str, str] | None = None
) -> AsyncIterator[ServerProcess]:
    """`async with running_server(kind, cwd) as server:` → started, always stopped."""
    server = await start_server(kind, cwd, env)
    try:
        yield server
    finally:
        await server.stop()


async def _terminate(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, wait up to STOP_GRACE_S, then SIGKILL; signals the group we created too."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.returncode is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE_S)
        except TimeoutError:
            continue
    if proc.returncode is None:
        await proc.wait()
