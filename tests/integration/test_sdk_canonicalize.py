"""`Executor.canonicalize` (`fs/canonicalize`) against an embedded server: links, `..`,
missing paths, and the same answer inside a sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

import pytest

from execwire import Executor, Sandbox
from execwire.errors import NotFoundError


async def test_canonicalize_resolves_links_and_dots(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "f.txt").write_text("x")
    (tmp_path / "link").symlink_to("dir")
    async with await Executor.connect_in_process() as executor:
        resolved = await executor.canonicalize(f"{tmp_path}/link/../dir/./f.txt")
        assert resolved == PurePosixPath(tmp_path.resolve() / "dir" / "f.txt")
        assert await executor.canonicalize(tmp_path / "link") == PurePosixPath(
            tmp_path.resolve() / "dir"
        )
        with pytest.raises(NotFoundError):
            await executor.canonicalize(tmp_path / "missing")
        if shutil.which("bwrap"):
            sandboxed = await executor.canonicalize(
                tmp_path / "link" / "f.txt", sandbox=Sandbox.read_only(str(tmp_path))
            )
            assert sandboxed == PurePosixPath(tmp_path.resolve() / "dir" / "f.txt")
