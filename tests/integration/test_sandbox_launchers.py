"""The two sandbox launchers (native `launch.c` and `launcher.py`) behave the same.

Run here without bubblewrap, so what is checked is the launcher's own layer: Landlock
confines writes to the writable roots, the command's arg0 and `LC_CTYPE` are its own, and
a command that cannot run exits 127 with the reason.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from execwire_server.sandbox import landlock, launcher, native_launcher

pytestmark = pytest.mark.skipif(landlock.abi_version() < 1, reason="no Landlock on this kernel")


def _launchers() -> list[list[str]]:
    found = [[sys.executable, "-I", "-S", launcher.__file__]]
    native = asyncio.run(native_launcher.build())
    if native is not None:
        found.append([str(native)])
    return found


@pytest.fixture(
    params=_launchers(), ids=lambda command: "native" if len(command) == 1 else "python"
)
def launch(request: pytest.FixtureRequest) -> list[str]:
    command: list[str] = request.param
    return command


def run(
    launch: list[str],
    tmp_path: Path,
    script: str,
    *,
    arg0: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    spec = launcher.encode_spec(
        arg0=arg0,
        lc_ctype=None,
        network=False,
        readable=[b"/"],
        writable=[os.fsencode(tmp_path / "rw")],
    )
    return subprocess.run(
        [*launch, *map(os.fsdecode, spec), "--", "/bin/sh", "-c", script],
        capture_output=True,
        text=True,
        env=env if env is not None else {"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        check=False,
    )


def test_writes_are_confined_to_the_writable_roots(launch: list[str], tmp_path: Path) -> None:
    (tmp_path / "rw").mkdir()
    result = run(launch, tmp_path, f"echo in > {tmp_path}/rw/in && echo out > {tmp_path}/out")
    assert (tmp_path / "rw" / "in").read_text() == "in\n"
    assert not (tmp_path / "out").exists()
    assert "Permission denied" in result.stderr and result.returncode != 0


def test_arg0_environment_and_failures(launch: list[str], tmp_path: Path) -> None:
    (tmp_path / "rw").mkdir()
    shape = run(
        launch,
        tmp_path,
        'echo "$0"; env | sort',
        arg0="named",
        env={"PATH": "/usr/bin:/bin", "A": "1"},
    )
    # `PWD` is the shell's own; nothing else is added (LC_CTYPE included).
    assert shape.stdout.splitlines() == ["named", "A=1", "PATH=/usr/bin:/bin", f"PWD={tmp_path}"]
    spec = launcher.encode_spec(
        arg0=None, lc_ctype="C.UTF-8", network=True, readable=[b"/"], writable=[]
    )
    locale = subprocess.run(
        [*launch, *map(os.fsdecode, spec), "--", "/bin/sh", "-c", "echo $LC_CTYPE"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert locale.stdout == "C.UTF-8\n"
    missing = subprocess.run(
        [*launch, *map(os.fsdecode, spec), "--", "no-such-program-xyz"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert missing.returncode == 127
    assert (
        missing.stderr
        == "execwire sandbox: failed to execute no-such-program-xyz: No such file or directory\n"
    )
