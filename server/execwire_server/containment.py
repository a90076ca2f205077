"""No process outlives its owner: each spawned process in a cgroup of its own.

A command can leave its process group (`setsid`, a double fork): killing the group then
misses it. Where the host lets this server make cgroup v2 groups (root, or a delegated
subtree), every process is spawned into a fresh cgroup `execwire-<server pid>-<n>/p-<n>`,
and
killing it writes `cgroup.kill`, which reaches every descendant however it detached. The
cgroup lives with its session: a process that exited keeps its cgroup (and any daemon it
left) until the session ends, is terminated, or the server stops.

The child joins its cgroup at birth: the server process moves itself into the cgroup for
the instant of the spawn (one `cgroup.procs` write each way, ~30 µs) rather than giving the
child a `preexec_fn`, which would make every spawn a full fork (measured: 0.5 -> 4 ms).

If the server is SIGKILLed it cannot clean up, so a guardian does: a `sh` in a session of
its own, reading a pipe only the server holds; at end of file (the server is gone, however
it ended) it kills the server's whole `execwire-<pid>-<n>` tree and removes it.

Without a usable cgroup v2 (no mount, no permission, controllers in the way) processes are
killed by process group, as the reference does; `describe()` says which ran (logged at
start-up).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import os
import signal
import subprocess
from collections import deque
from collections.abc import Callable
from typing import Final, TypeVar

__all__ = ["Cage", "CgroupContainment", "choose_containment"]

logger = logging.getLogger(__name__)

GUARDIAN_WAIT: Final = 6.0
"""Seconds a stopping server waits for the guardian's clean-up (its own loop gives up at 5)."""
READY_CAGES: Final = 8
"""Cgroups kept made ahead of the spawns that will use them."""
_SERVERS: Final = itertools.count(1)
"""Tells apart the trees of several servers in one process (tests embed many)."""

_T = TypeVar("_T")

_GUARDIAN: Final = """
read _ignored
root="$1"
[ -d "$root" ] || exit 0
echo 1 > "$root/cgroup.kill" 2>/dev/null
tries=0
while [ "$tries" -lt 100 ]; do
    for cage in "$root"/p-*; do [ -d "$cage" ] && rmdir "$cage" 2>/dev/null; done
    rmdir "$root" 2>/dev/null && exit 0
    sleep 0.05
    tries=$((tries + 1))
done
"""


def _write(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _cgroup2_mount() -> str | None:
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            fields = line.split()
            if len(fields) >= 3 and fields[2] == "cgroup2":
                return fields[1]
    return None


def _own_cgroup() -> str | None:
    with open("/proc/self/cgroup", encoding="utf-8") as cgroups:
        for line in cgroups:
            if line.startswith("0::"):
                return line[3:].strip()
    return None


class Cage:
    """The cgroup of one spawned process (and of everything it forks)."""

    __slots__ = ("_containment", "path")

    def __init__(self, containment: CgroupContainment, path: str) -> None:
        self._containment = containment
        self.path = path

    def spawn(self, start: Callable[[], _T]) -> _T:
        """Run `start` (which spawns the child) with the server inside this cgroup, so the
        child is born in it."""
        return self._containment.spawn_into(self.path, start)

    def kill(self) -> None:
        """SIGKILL everything in the cgroup (descendants that left the process group too)."""
        try:
            _write(os.path.join(self.path, "cgroup.kill"), b"1")
        except OSError as error:
            if error.errno == errno.ENOENT and not os.path.isdir(self.path):
                return
            self._kill_each()

    def _kill_each(self) -> None:  # kernels before 5.14 have no cgroup.kill
        with contextlib.suppress(OSError):
            with open(os.path.join(self.path, "cgroup.procs"), encoding="ascii") as procs:
                for line in procs:
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(line), signal.SIGKILL)

    def empty(self) -> bool:
        """No process is left in the cgroup."""
        try:
            with open(os.path.join(self.path, "cgroup.events"), encoding="ascii") as events:
                return "populated 0" in events.read()
        except OSError:
            return True

    def remove(self) -> bool:
        """Remove the cgroup once it is empty; False while processes remain."""
        try:
            os.rmdir(self.path)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True

    def kill_and_remove(self) -> None:
        """Kill what is left and remove the cgroup once the kernel has emptied it."""
        self.kill()
        if not self.remove():
            asyncio.get_running_loop().call_later(0.05, self._remove_later, 100)

    def _remove_later(self, tries: int) -> None:
        if not self.remove() and tries > 0:
            asyncio.get_running_loop().call_later(0.05, self._remove_later, tries - 1)


class CgroupContainment:
    """This server's cgroup tree: one `Cage` per spawned process, a guardian for SIGKILL."""

    def __init__(self, root: str, home: str) -> None:
        self.root = root
        self._home = home
        self._numbers = itertools.count(1)
        self._guardian: subprocess.Popen[bytes] | None = None
        self._guardian_pipe = -1
        self._ready: deque[Cage] = deque()
        self._refilling = False

    def describe(self) -> str:
        """What contains the processes, for the start-up log."""
        return f"cgroup v2 per process under {self.root} (cgroup.kill reaches detached descendants)"

    def cage(self) -> Cage:
        """A fresh cgroup for the next process: made ahead of time (making one takes
        ~0.1 ms, which would otherwise be on every spawn's path)."""
        try:
            cage = self._ready.popleft()
        except IndexError:
            cage = self._make()
        if len(self._ready) < READY_CAGES // 2 and not self._refilling:
            self._refill()
        return cage

    def _make(self) -> Cage:
        path = os.path.join(self.root, f"p-{next(self._numbers)}")
        os.mkdir(path)
        return Cage(self, path)

    def _refill(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._refilling = True

        def make_some() -> list[Cage]:
            made: list[Cage] = []
            with contextlib.suppress(OSError):
                while len(self._ready) + len(made) < READY_CAGES:
                    made.append(self._make())
            return made

        def done(future: asyncio.Future[list[Cage]]) -> None:
            self._refilling = False
            if not future.cancelled() and future.exception() is None:
                self._ready.extend(future.result())

        loop.run_in_executor(None, make_some).add_done_callback(done)

    def spawn_into(self, path: str, start: Callable[[], _T]) -> _T:
        """Run `start` with this process in the cgroup at `path`, then move back."""
        _write(os.path.join(path, "cgroup.procs"), b"0")
        try:
            return start()
        finally:
            _write(os.path.join(self._home, "cgroup.procs"), b"0")

    def start_guardian(self) -> None:
        """Start the `sh` that cleans up if this server dies without doing it itself."""
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        try:
            self._guardian = subprocess.Popen(
                ["/bin/sh", "-c", _GUARDIAN, "execwire-guardian", self.root],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                close_fds=True,
            )
        finally:
            os.close(read_end)
        self._guardian_pipe = write_end  # never written: its end of file is the signal

    def close(self) -> None:
        """Kill every cage's processes and remove the tree (server shutdown): what the
        guardian does when its pipe ends, so ending it here is the one way it happens."""
        if self._guardian is None:
            return
        os.close(self._guardian_pipe)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._guardian.wait(GUARDIAN_WAIT)
        self._guardian = None


def choose_containment() -> CgroupContainment | None:
    """A cgroup tree for this server when the host allows one (probed: make a cgroup,
    move in and back out), else None (process groups only)."""
    try:
        mount, own = _cgroup2_mount(), _own_cgroup()
        if mount is None or own is None:
            return None
        home = os.path.normpath(mount + own)
        root = os.path.join(home, f"execwire-{os.getpid()}-{next(_SERVERS)}")
        os.mkdir(root)
    except OSError as error:
        logger.debug("no cgroup containment: %s", error)
        return None
    try:
        containment = CgroupContainment(root, home)
        probe = containment.cage()
        try:
            containment.spawn_into(probe.path, lambda: None)
        finally:
            probe.remove()
        containment.start_guardian()
        return containment
    except OSError as error:
        logger.debug("no cgroup containment: %s", error)
        with contextlib.suppress(OSError):
            os.rmdir(root)
        return None
