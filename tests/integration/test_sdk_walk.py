"""`Executor.walk` against an embedded server: order, kinds, limits, loops, hidden
directories, and unreadable directories reported as errors; through `fs/walk` (a client
that asks for no extension) and through `execwire/walkTree` (the default), which must list
exactly the same entries."""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

import pytest

from execwire import ClientOptions, Executor, Sandbox
from execwire.errors import InvalidRequestError, MethodNotFoundError, NotFoundError
from execwire.protocol import models

# output_chunk_bytes=None asks for no extension: the SDK then walks with fs/walk.
PATHS = pytest.mark.parametrize(
    "extensions", [pytest.param(True, id="walkTree"), pytest.param(False, id="fs-walk")]
)


async def connect(extensions: bool) -> Executor:
    if extensions:
        executor = await Executor.connect_in_process()
        assert executor.client.server_extensions is not None
        assert executor.client.server_extensions.walk_tree is True
        return executor
    return await Executor.connect_in_process(options=ClientOptions(output_chunk_bytes=None))


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


@PATHS
async def test_walk_lists_breadth_first_in_name_order(tmp_path: Path, extensions: bool) -> None:
    root = tree(tmp_path)
    async with await connect(extensions) as executor:
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
@PATHS
async def test_a_denied_directory_is_an_error_of_the_walk(tmp_path: Path, extensions: bool) -> None:
    root = tree(tmp_path)
    sandbox = Sandbox.read_only(str(root), deny=[str(root / "b")])
    async with await connect(extensions) as executor:
        walk = await executor.walk(root, sandbox=sandbox)
        assert walk.errors == {PurePosixPath(root / "b"): "Permission denied (os error 13)"}
        assert "b/deep/x.txt" not in relative(walk, root)


def awkward_tree(root: Path) -> Path:
    """Names that need percent-encoding, non-UTF-8 bytes, dots and colons, three levels."""
    for name in ["a b", "p%c", "é", "x:y", ".dot", "..dots", "#?", "[br]"]:
        folder = root / name
        (folder / "sub dir").mkdir(parents=True)
        (folder / "sub dir" / "f~1").write_text("x")
        (folder / "plain.txt").write_text("x")
    raw = os.fsencode(root) + b"/bad-\xff"
    os.mkdir(raw)
    with open(raw + b"/in\xfe.txt", "wb") as handle:
        handle.write(b"x")
    (root / "link").symlink_to("a b")
    return root


async def test_walk_tree_lists_what_fs_walk_lists(tmp_path: Path) -> None:
    root = awkward_tree(tmp_path / "r%20t")
    tree_side = await Executor.connect_in_process()
    walk_side = await Executor.connect_in_process(options=ClientOptions(output_chunk_bytes=None))
    async with tree_side, walk_side:
        for options in [
            {},
            {"follow_directory_symlinks": True},
            {"skip_hidden_directories": True, "max_depth": 1},
            {"max_entries": 13},
            {"max_directories": 4},
        ]:
            by_tree = await tree_side.walk(root, **options)  # type: ignore[arg-type]
            by_walk = await walk_side.walk(root, **options)  # type: ignore[arg-type]
            assert [(e.uri, e.is_dir) for e in by_tree] == [(e.uri, e.is_dir) for e in by_walk]
            assert (by_tree.truncated, by_tree.errors) == (by_walk.truncated, by_walk.errors)
            assert len(by_tree) > 0
        # The root / has no tree form: the SDK walks it with fs/walk.
        shallow = await tree_side.walk("/", max_depth=0)
        assert any(entry.uri == "file:///tmp" for entry in shallow)


async def test_walk_tree_is_unknown_to_a_session_that_did_not_ask(tmp_path: Path) -> None:
    params = models.FsWalkTreeParams(
        path=tmp_path.as_uri(), options=models.WalkOptions(
            max_depth=0, max_directories=1, max_entries=1, follow_directory_symlinks=False
        ),
    )
    async with await Executor.connect_in_process(options=ClientOptions(output_chunk_bytes=None)) as executor:
        with pytest.raises(MethodNotFoundError, match="does not implement `execwire/walkTree`"):
            await executor.client.execwire_walk_tree(params)
    async with await Executor.connect_in_process() as executor:
        assert (await executor.client.execwire_walk_tree(params)).root == tmp_path.as_uri()
        with pytest.raises(InvalidRequestError, match="cannot list file:///: use fs/walk"):
            await executor.client.execwire_walk_tree(params.model_copy(update={"path": "file:///"}))
