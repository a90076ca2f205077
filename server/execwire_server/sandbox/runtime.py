"""What this executor can enforce, and the wrapping of a command into the sandbox.

One `SandboxRuntime` per server. On first use it checks, once, that bubblewrap is there,
that it can create user, pid and network namespaces here and that libseccomp loads; when
one of them is missing every sandboxed request is refused with -32602 `sandbox intent
cannot be enforced on this executor: <reason>`: nothing runs unsandboxed by mistake.

`wrap_process` turns an intent and a command into the argv to spawn:
`bwrap <mounts, namespaces, seccomp> -- <launcher> <landlock spec> -- command`, the launcher
being the native build of `launch.c` where a C compiler made one, else `launcher.py`.
Mount targets bubblewrap needs on the host (a missing `.git` in a writable root, a denied
path not created yet) are created here, counted across concurrent sandboxes and removed
when the last one using them ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from execwire.protocol import models

from ..errors import INTERNAL_ERROR, INVALID_PARAMS, RpcError
from . import bwrap, fs_helper, landlock, launcher, native_launcher, seccomp
from .policy import UNENFORCEABLE, SandboxPolicy, is_within, resolve

__all__ = ["SandboxRuntime", "WrappedCommand", "refuse", "refuse_unenforceable"]

logger = logging.getLogger(__name__)

PACKAGE_DIR: Final = Path(__file__).resolve().parent.parent
LAUNCHER: Final = Path(__file__).resolve().parent / "launcher.py"
FS_HELPER: Final = Path(__file__).resolve().parent / "fs_helper.py"
_PROBE_TIMEOUT_SECONDS: Final = 10.0
_LIBRARY_PATHS: Final = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/etc/ld.so.cache")


def refuse(reason: str) -> RpcError:
    """The error for an intent this executor cannot enforce."""
    return RpcError(INVALID_PARAMS, f"{UNENFORCEABLE}: {reason}")


def refuse_unenforceable(
    context: models.FileSystemSandboxContext, *, enforce_managed_network: bool = False
) -> None:
    """Refuse, up front, intents whose enforcement this executor does not have.

    codex 0.169.0 accepts them and its helper dies before the command runs (exit 101);
    an explicit error at the request is clearer, and nothing runs.
    """
    if enforce_managed_network:
        raise refuse(
            "enforceManagedNetwork needs a managed network proxy, and this executor runs none"
        )
    permissions = context.permissions
    restricted_fs = isinstance(permissions, models.ManagedPermissionProfile) and isinstance(
        permissions.file_system, models.RestrictedFileSystemPermissions
    )
    if context.use_legacy_landlock and restricted_fs:
        raise refuse(
            "useLegacyLandlock asks for Landlock alone, which cannot isolate a restricted "
            "file system; send useLegacyLandlock: false"
        )


@dataclass(slots=True)
class WrappedCommand:
    """The argv to spawn, the fds it inherits, and what to undo once it has exited."""

    argv: list[bytes]
    pass_fds: tuple[int, ...]
    _release: Callable[[], None] | None = field(default=None, repr=False)

    def spawned(self) -> None:
        """The child has its copies of `pass_fds`: close ours."""
        for fd in self.pass_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.pass_fds = ()

    def release(self) -> None:
        """The sandbox has ended: remove the mount targets made for it (idempotent)."""
        self.spawned()
        release, self._release = self._release, None
        if release is not None:
            release()


class SandboxRuntime:
    """bubblewrap + seccomp + Landlock on this host; see the module docstring.

    `native_launcher=False` keeps launcher.py even where a C compiler could build the
    native one (both are tested to behave the same)."""

    def __init__(self, bwrap_path: str | None = None, *, native_launcher: bool = True) -> None:
        self._bwrap = bwrap_path or shutil.which("bwrap") or "/usr/bin/bwrap"
        self._unavailable: str | None = None
        self._checked = False
        self._check_lock = asyncio.Lock()
        self._python = os.path.realpath(sys.executable)
        self._launcher: list[bytes] = [*self._python_command(), os.fsencode(str(LAUNCHER))]
        """How a sandboxed command starts: the native launcher, or launcher.py."""
        self._launcher_dir: bytes | None = None
        self._prefer_native = native_launcher
        self._synthetic: dict[bytes, int] = {}
        self._created: set[bytes] = set()
        self._deny_file: bytes | None = None
        self._runtime_reads: tuple[bytes, ...] | None = None
        self._privileged = os.geteuid() == 0

    @property
    def landlock_abi(self) -> int:
        """The Landlock ABI the launcher applies (0: mounts and seccomp only)."""
        return landlock.abi_version()

    def _python_command(self) -> list[bytes]:
        """This interpreter, isolated and without site-packages (fast to start)."""
        return [os.fsencode(self._python), b"-I", b"-S"]

    async def ensure_available(self) -> None:
        """Raise the refusal when this host cannot sandbox (checked once)."""
        if not self._checked:
            async with self._check_lock:
                if not self._checked:
                    self._unavailable = await self._probe()
                    self._checked = True
                    if self._unavailable is not None:
                        logger.warning("sandboxed requests will be refused: %s", self._unavailable)
        if self._unavailable is not None:
            raise refuse(self._unavailable)

    async def _probe(self) -> str | None:
        if not os.access(self._bwrap, os.X_OK):
            return "bubblewrap (bwrap) is not installed"
        try:
            seccomp.compile_filter("restricted")
        except seccomp.SeccompUnavailable as error:
            return str(error)
        try:
            process = await asyncio.create_subprocess_exec(
                self._bwrap,
                "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--unshare-user", "--unshare-pid", "--unshare-net", "--die-with-parent",
                "--", "/bin/true",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )  # fmt: skip
            _, stderr = await asyncio.wait_for(process.communicate(), _PROBE_TIMEOUT_SECONDS)
        except (OSError, TimeoutError) as error:
            return f"bubblewrap does not run: {error}"
        if process.returncode != 0:
            detail = stderr.decode(errors="replace").strip() or f"exit status {process.returncode}"
            return f"bubblewrap cannot create user, pid and network namespaces here ({detail})"
        native = await native_launcher.build() if self._prefer_native else None
        if native is not None:
            self._launcher = [os.fsencode(str(native))]
            self._launcher_dir = os.fsencode(str(native.parent))
        logger.info(
            "sandbox: bubblewrap %s, landlock ABI %d, %s launcher",
            self._bwrap,
            self.landlock_abi,
            "native" if native is not None else "python",
        )
        return None

    async def wrap_process(
        self,
        context: models.FileSystemSandboxContext,
        command: list[str],
        *,
        cwd: bytes,
        environment: dict[str, str],
        tty: bool,
        arg0: str | None,
        enforce_managed_network: bool,
    ) -> WrappedCommand:
        """`process/start` with a sandbox: refuse what cannot be enforced, else wrap."""
        refuse_unenforceable(context, enforce_managed_network=enforce_managed_network)
        policy = resolve(context, purpose="process", command_cwd=cwd, environment=environment)
        await self.ensure_available()
        try:
            encoded = [os.fsencode(part) for part in command]
        except UnicodeEncodeError:
            encoded = [part.encode("utf-8", "surrogatepass") for part in command]
        return self._wrap(
            policy, encoded, cwd=cwd, tty=tty, arg0=arg0, lc_ctype=environment.get("LC_CTYPE")
        )

    async def run_file_operation(
        self, policy: SandboxPolicy, operation: str, args: list[Any], data: bytes = b""
    ) -> Any:
        """Run one `fs_ops` function inside the sandbox `policy` describes; its result
        (bytes for `read_file`), or the `RpcError` the reference sends for its failure.

        `data` is `write_file`'s content. A removal that would reach a mount of the
        sandbox (a writable root, a masked path) is refused before anything is deleted,
        where the reference deletes what it can and then fails with EBUSY.
        """
        await self.ensure_available()
        if operation == "remove":
            _refuse_removing_mounts(policy, args[0])
        request: dict[str, Any] = {"operation": operation, "args": fs_helper.encode_value(args)}
        ours, theirs = socket.socketpair() if operation == "open_handle" else (None, None)
        extra_fds: tuple[int, ...] = ()
        if theirs is not None:
            request["fd_socket"] = theirs.fileno()
            extra_fds = (theirs.fileno(),)
        helper = [
            *self._python_command(),
            os.fsencode(str(FS_HELPER)),
            json.dumps(request).encode("utf-8", "surrogateescape"),
        ]
        wrapped = self._wrap(policy, helper, cwd=b"/", tty=False, arg0=None)
        try:
            process = await asyncio.create_subprocess_exec(
                *wrapped.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=wrapped.pass_fds + extra_fds,
                env={"PATH": os.defpath},
            )
            wrapped.spawned()
            if theirs is not None:
                theirs.close()
            stdout, stderr = await process.communicate(data)
            received = _received_descriptor(ours) if ours is not None else None
        finally:
            wrapped.release()
            for end in (ours, theirs):
                if end is not None:
                    end.close()
        header, _, rest = stdout.partition(b"\n")
        try:
            answer = json.loads(header)
        except ValueError:
            if received is not None:
                os.close(received)
            detail = stderr.decode(errors="replace").strip()
            raise RpcError(
                INTERNAL_ERROR,
                f"fs sandbox helper failed with status exit status: {process.returncode}: {detail}",
            ) from None
        if "error" in answer:
            if received is not None:
                os.close(received)
            code, message = answer["error"]
            raise RpcError(code, message)
        result = fs_helper.decode_value(answer["ok"])
        if operation == "open_handle":
            if received is None:
                raise RpcError(INTERNAL_ERROR, "fs sandbox helper sent no file descriptor")
            return (received, *result)
        return rest if operation == "read_file" else result

    def _wrap(
        self,
        policy: SandboxPolicy,
        command: list[bytes],
        *,
        cwd: bytes,
        tty: bool,
        arg0: str | None,
        lc_ctype: str | None = None,
    ) -> WrappedCommand:
        """The argv that runs `command` under `policy` through the launcher (after
        `ensure_available`). `lc_ctype` is the command's own `LC_CTYPE`, which the launcher
        restores: Python sets one at start-up when it finds the C locale."""
        seccomp_fd = self._seccomp_fd(policy)
        try:
            plan = bwrap.plan(
                policy,
                cwd=cwd,
                tty=tty,
                deny_file=self._deny_path(),
                runtime_reads=self._runtime_paths() if not policy.full_read else (),
                seccomp_fd=seccomp_fd,
                keep_root_privileges=self._privileged,
                read_only_last=self._runtime_protected(),
                synthetic=frozenset(self._synthetic),
            )
            release = self._create_synthetic(plan.synthetic)
        except BaseException:
            if seccomp_fd is not None:
                os.close(seccomp_fd)
            raise
        spec = launcher.encode_spec(
            arg0=arg0,
            lc_ctype=lc_ctype,
            network=policy.network,
            readable=self._readable(policy),
            writable=self._writable(policy),
        )
        argv = [
            os.fsencode(self._bwrap),
            *plan.args,
            b"--",
            *self._launcher,
            *spec,
            b"--",
            *command,
        ]
        fds = (seccomp_fd,) if seccomp_fd is not None else ()
        return WrappedCommand(argv, fds, release)

    # -- pieces ------------------------------------------------------------------------

    @staticmethod
    def _seccomp_fd(policy: SandboxPolicy) -> int | None:
        if not policy.network:
            return seccomp.filter_fd("restricted")
        if not policy.unrestricted:
            return seccomp.filter_fd("vm-sockets")
        return None

    def _readable(self, policy: SandboxPolicy) -> list[bytes]:
        if policy.unrestricted or policy.full_read:
            return [b"/"]
        granted = [grant.path for grant in policy.grants if grant.access != "deny"]
        # The launcher's own needs (an interpreter for the file helper) stay readable.
        return [b"/proc", *granted, *self._runtime_paths()]

    @staticmethod
    def _writable(policy: SandboxPolicy) -> list[bytes]:
        if policy.unrestricted:
            return [b"/"]
        return list(policy.writable_roots)

    def _deny_path(self) -> bytes:
        """An empty file nobody may read: what covers denied files."""
        if self._deny_file is None or not os.path.exists(self._deny_file):
            directory = tempfile.mkdtemp(prefix="execwire-sandbox-")
            path = os.path.join(directory, "denied")
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0)
            os.close(fd)
            os.chmod(path, 0)
            self._deny_file = os.fsencode(path)
        return self._deny_file

    def _runtime_protected(self) -> tuple[bytes, ...]:
        """What no sandbox may change, whatever it may write: the launcher it starts with
        and the file that covers denied paths."""
        paths = [os.path.dirname(self._deny_path())]
        if self._launcher_dir is not None:
            paths.append(self._launcher_dir)
        return tuple(paths)

    def _runtime_paths(self) -> tuple[bytes, ...]:
        """What the launcher needs when `/` is not readable: the interpreter and its
        standard library, the system's shared libraries, and this package."""
        if self._runtime_reads is None:
            paths = {
                os.path.realpath(sys.base_prefix),
                os.path.dirname(self._python),
                os.path.dirname(os.path.realpath(os.__file__)),
                str(PACKAGE_DIR),
                *_LIBRARY_PATHS,
                *([os.fsdecode(self._launcher_dir)] if self._launcher_dir else []),
            }
            self._runtime_reads = tuple(
                sorted(
                    os.fsencode(path)
                    for path in paths
                    if os.path.exists(path) and not os.path.islink(path)
                )
            )
        return self._runtime_reads

    def _create_synthetic(self, targets: list[bwrap.Synthetic]) -> Callable[[], None]:
        taken: list[bytes] = []
        try:
            for target in targets:
                count = self._synthetic.get(target.path, 0)
                if count == 0 and not os.path.lexists(target.path):
                    if target.kind == "directory":
                        os.mkdir(target.path, 0o555)
                    else:
                        os.close(os.open(target.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0))
                    self._created.add(target.path)
                self._synthetic[target.path] = count + 1
                taken.append(target.path)
        except OSError as error:
            self._drop(taken)
            raise refuse(f"cannot prepare mount target {os.fsdecode(error.filename or b'')}: "
                         f"{error.strerror}") from None
        return lambda: self._drop(taken)

    def _drop(self, paths: list[bytes]) -> None:
        for path in paths:
            count = self._synthetic.get(path, 0) - 1
            if count > 0:
                self._synthetic[path] = count
                continue
            self._synthetic.pop(path, None)
            if path in self._created:
                self._created.discard(path)
                _remove_if_untouched(path)

    def close(self) -> None:
        """Remove what is left (server shutdown)."""
        for path in list(self._created):
            _remove_if_untouched(path)
        self._created.clear()
        self._synthetic.clear()
        if self._deny_file is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._deny_file)
                os.rmdir(os.path.dirname(self._deny_file))


def _remove_if_untouched(path: bytes) -> None:
    """Remove a mount target made for a sandbox, unless something real is there now."""
    try:
        os.rmdir(path)
        return
    except OSError as error:
        if error.errno != errno.ENOTDIR:
            return  # not empty, busy or gone: leave it
    with contextlib.suppress(OSError):
        info = os.lstat(path)
        if info.st_size == 0 and info.st_mode & 0o777 == 0:
            os.unlink(path)


def _refuse_removing_mounts(policy: SandboxPolicy, path: bytes) -> None:
    target = os.path.realpath(path)
    mounts = [*policy.writable_roots, *policy.denied, *policy.protected_paths()]
    if any(is_within(mount, target) for mount in mounts):
        raise RpcError(INTERNAL_ERROR, "Resource busy (os error 16)")


def _received_descriptor(channel: socket.socket) -> int | None:
    """The descriptor the helper sent over `channel` (it has exited: nothing to wait for)."""
    channel.setblocking(False)
    try:
        _, fds, _, _ = socket.recv_fds(channel, 1, 1)
    except (BlockingIOError, OSError):
        return None
    for extra in fds[1:]:
        os.close(extra)
    return fds[0] if fds else None
