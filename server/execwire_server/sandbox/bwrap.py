"""A resolved `SandboxPolicy` → the bubblewrap command line that enforces it.

Mount order is what makes the policy (later mounts cover earlier ones):

1. the base: `/` read-only (`:root` read), writable (`:root` write) or an empty tmpfs
   (`:minimal` and path reads only), then a private `/dev`;
2. grants, parents before children: `--ro-bind` for reads, `--bind` for writes;
3. `.git`, `.codex`, `.agents`, `.aws` re-mounted read-only in every writable root; missing
   ones become read-only empty tmpfs directories, so they cannot be created either;
4. denied paths last: a directory becomes an empty, unreadable tmpfs, anything else is
   covered by an empty file of mode 000;
5. a new `/proc` for the new pid namespace.

Mount targets that do not exist inside a writable root (a missing `.git`, a denied path
not created yet) must exist on the host for bubblewrap to mount on them; `plan` lists
them as `synthetic` and the runtime creates them before and removes them after the run.
Everything here is pure: `plan` only inspects the file system.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Literal

from .policy import PLATFORM_READ_ROOTS, PROTECTED_NAMES, SandboxPolicy, is_within

__all__ = ["BwrapPlan", "Synthetic", "plan"]


@dataclass(frozen=True, slots=True)
class Synthetic:
    """A mount target to create on the host for the run, and remove afterwards."""

    path: bytes
    kind: Literal["directory", "file"]


@dataclass(slots=True)
class BwrapPlan:
    """bubblewrap's arguments (before `--` and the command) and the targets to create."""

    args: list[bytes] = field(default_factory=list)
    synthetic: list[Synthetic] = field(default_factory=list)

    def add(self, *args: bytes | str) -> None:
        self.args.extend(os.fsencode(arg) for arg in args)


def plan(
    policy: SandboxPolicy,
    *,
    cwd: bytes,
    tty: bool,
    deny_file: bytes,
    runtime_reads: tuple[bytes, ...] = (),
    seccomp_fd: int | None = None,
    keep_root_privileges: bool = False,
    read_only_last: tuple[bytes, ...] = (),
    synthetic: frozenset[bytes] = frozenset(),
) -> BwrapPlan:
    """bubblewrap arguments for `policy`.

    `deny_file` is an empty mode-000 file that covers denied files; `runtime_reads` are
    paths the sandbox's own launcher needs (its interpreter) when `/` is not readable.
    `keep_root_privileges` keeps the caller's capabilities for unrestricted profiles (an
    executor running as root stays root inside, as without a sandbox). `read_only_last`
    are re-mounted read-only over everything (the sandbox's own launcher). `synthetic` are
    mount targets another sandbox made and will remove: they count as missing here, so
    this sandbox holds them too (and masks them the same way) until it ends.
    """
    result = BwrapPlan()
    if policy.unrestricted:
        result.add("--bind", "/", "/")
    else:
        _restricted_mounts(result, policy, deny_file, runtime_reads, synthetic)
    for path in read_only_last:
        result.add("--ro-bind-try", path, path)
    result.add("--proc", "/proc")
    if not (policy.unrestricted and keep_root_privileges):
        result.add("--unshare-user", "--disable-userns", "--cap-drop", "ALL")
    result.add("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try")
    if not policy.network:
        result.add("--unshare-net")
    result.add("--die-with-parent")
    if not tty:
        # No controlling terminal to reach (TIOCSTI) for a command that was given none.
        result.add("--new-session")
    result.add("--chdir", cwd)
    if seccomp_fd is not None:
        result.add("--seccomp", str(seccomp_fd))
    return result


def _restricted_mounts(
    result: BwrapPlan,
    policy: SandboxPolicy,
    deny_file: bytes,
    runtime_reads: tuple[bytes, ...],
    synthetic: frozenset[bytes],
) -> None:
    writable = [grant.path for grant in policy.grants if grant.access == "write"]
    if b"/" in writable:
        result.add("--bind", "/", "/")
    elif policy.full_read:
        result.add("--ro-bind", "/", "/")
    else:
        result.add("--perms", "0755", "--tmpfs", "/")
        # Merged-/usr hosts have /bin -> usr/bin and the like: links reveal nothing, and
        # without them nothing granted below /usr can be started by its usual name.
        for path in PLATFORM_READ_ROOTS:
            if os.path.islink(path):
                result.add("--symlink", os.readlink(path), path)
        for path in runtime_reads:
            result.add("--ro-bind-try", path, path)
    result.add("--dev", "/dev")
    for grant in policy.grants:
        if grant.path == b"/" or grant.access == "deny":
            continue
        if grant.access == "write":
            result.add("--bind-try", grant.path, grant.path)
        elif not policy.full_read or any(
            is_within(grant.path, root) and grant.path != root for root in writable
        ):
            result.add("--ro-bind-try", grant.path, grant.path)
    for root in writable:
        if os.path.isdir(root):
            _protect_metadata(result, root, writable, synthetic)
    for path in policy.denied:
        _deny(result, path, policy, writable, deny_file, synthetic)


def _protect_metadata(
    result: BwrapPlan, root: bytes, writable: list[bytes], synthetic: frozenset[bytes]
) -> None:
    for name in PROTECTED_NAMES:
        path = os.path.join(root, name)
        try:
            if path in synthetic:
                raise FileNotFoundError(path)
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            result.synthetic.append(Synthetic(path, "directory"))
            result.add("--perms", "0555", "--tmpfs", path, "--remount-ro", path)
            continue
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            # bubblewrap mounts on what a link points to: protect that, when writable.
            target = os.path.realpath(path)
            if os.path.exists(target) and any(is_within(target, other) for other in writable):
                result.add("--ro-bind", target, target)
            continue
        result.add("--ro-bind", path, path)


def _deny(
    result: BwrapPlan,
    path: bytes,
    policy: SandboxPolicy,
    writable: list[bytes],
    deny_file: bytes,
    synthetic: frozenset[bytes],
) -> None:
    try:
        if path in synthetic:
            raise FileNotFoundError(path)
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        # Only creatable below a writable root: cover its first missing component.
        if not any(is_within(path, root) for root in writable):
            return
        missing = path
        parent = os.path.dirname(missing)
        while parent != missing and (parent in synthetic or not os.path.lexists(parent)):
            missing, parent = parent, os.path.dirname(parent)
        result.synthetic.append(Synthetic(missing, "file"))
        result.add("--ro-bind", deny_file, missing)
        return
    except OSError:
        return
    if not policy.full_read and not any(
        is_within(path, grant.path) for grant in policy.grants if grant.access != "deny"
    ):
        return  # not visible in the sandbox in the first place
    # Denied paths are resolved (`policy.resolve`): this is the file or directory itself.
    if stat.S_ISDIR(mode):
        result.add("--perms", "0000", "--tmpfs", path, "--remount-ro", path)
    else:
        result.add("--ro-bind", deny_file, path)
