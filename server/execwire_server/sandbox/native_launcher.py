"""Builds `launch.c`, the native sandbox launcher, with the system C compiler (once).

The launcher runs at the start of every sandboxed command; as a Python script it costs an
interpreter start-up (about 10 ms here), natively well under one. The binary is cached
under the user's cache directory by the hash of its source, so a new server reuses it and
an edited source is rebuilt. No compiler, or a failed build: None, and the runtime uses
`launcher.py`, which does the same in Python.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

__all__ = ["SOURCE", "build"]

logger = logging.getLogger(__name__)

SOURCE: Final = Path(__file__).resolve().parent / "launch.c"
_BUILD_TIMEOUT_SECONDS: Final = 60.0


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "execwire"


async def build() -> Path | None:
    """The launcher binary for this source, compiled if needed; None when it cannot be."""
    source = SOURCE.read_bytes()
    target = _cache_dir() / f"sandbox-launch-{hashlib.sha256(source).hexdigest()[:16]}"
    if os.access(target, os.X_OK):
        return target
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if compiler is None:
        logger.info("no C compiler: sandboxed commands start through launcher.py")
        return None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix=".sandbox-launch-", dir=target.parent)
        os.close(fd)
    except OSError as error:
        logger.info("cannot cache the native launcher (%s): using launcher.py", error)
        return None
    try:
        process = await asyncio.create_subprocess_exec(
            compiler, "-O2", "-Wall", "-o", partial, str(SOURCE),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        _, errors = await asyncio.wait_for(process.communicate(), _BUILD_TIMEOUT_SECONDS)
        if process.returncode != 0:
            logger.warning("building the native launcher failed: %s", errors.decode(errors="replace"))
            return None
        os.chmod(partial, 0o755)
        os.replace(partial, target)  # atomic: concurrent servers see a whole binary or none
        return target
    except (OSError, TimeoutError) as error:
        logger.warning("building the native launcher failed: %s", error)
        return None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
