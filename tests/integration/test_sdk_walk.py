"""`Executor.walk` (`fs/walk`) against an embedded server: order, kinds, limits, loops,
hidden directories, and unreadable directories reported as errors."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

import pytest

from execwire import Executor, Sandbox
from execwire.errors import InvalidRequestError, NotFoundError


def tree(root: Path) -> Path:
    (root / "b" / "deep").mkdir(parents=True)
    (root / "b" / "deep" / "x.txt").write_text("x")
    (root / "a.txt").write_text("a")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "h.txt").write_text("h")
    (root / "loop").symlink_to(".")  # a symlink loop back to the root
    (root / "file-link").symlink_to("a.txt")
    return root


def relative(walk: object, root: Path) -> list[str]:
    return [str(entry.path.relative_to(root)) + ("/" if entry.is_dir else "") for entry in walk]  # type: ignore[attr-defined]


async def test_walk_lists_breadth_first_in_name_order(tmp_path: Path) -> None:
    root = tree(tmp_path)
    async with await Executor.connect_in_process() as executor:
        walk = await executor.walk(root)
        assert relative(walk, root) == [
            ".hidden/",
            "a.txt",
            "b/",
            ".hidden/h.txt",
            "b/deep/",
            "b/deep/x.txt",
        ]
        assert walk.errors == {} and walk.truncated is False
        # Following links: the loop is listed as a directory but the root is read once.
        followed = await executor.walk(root, follow_directory_symlinks=True)
        assert "loop/" in relative(followed, root) and len(followed) == len(walk) + 1
        shallow = await executor.walk(root, max_depth=0, skip_hidden_directories=True)
        assert relative(shallow, root) == [".hidden/", "a.txt", "b/"]
        hidden = await executor.walk(root, skip_hidden_directories=True)
        assert ".hidden/h.txt" not in relative(hidden, root)
        limited = await executor.walk(root, max_entries=2)
        assert len(limited) == 2 and limited.truncated
        with pytest.raises(InvalidRequestError, match="greater than zero"):
            await executor.walk(root, max_entries=0)
        with pytest.raises(InvalidRequestError, match="exceed maximums"):
            await executor.walk(root, max_depth=65)
        with pytest.raises(NotFoundError):
            await executor.walk(root / "missing")
        assert len(await executor.walk(root / "a.txt")) == 0


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
async def test_a_denied_directory_is_an_error_of_the_walk(tmp_path: Path) -> None:
    root = tree(tmp_path)
    sandbox = Sandbox.read_only(str(root), deny=[str(root / "b")])
    async with await Executor.connect_in_process() as executor:
        walk = await executor.walk(root, sandbox=sandbox)
        assert walk.errors == {PurePosixPath(root / "b"): "Permission denied (os error 13)"}
        assert "b/deep/x.txt" not in relative(walk, root)
