"""`execwire fs get|put|rm|mkdir|cp` and `ls/stat --json` against a real execwire-server."""

from __future__ import annotations

import io
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from execwire.cli import main
from tests.integration.rawclient import ServerProcess

MIB = 1 << 20


def _fs(server: ServerProcess, *arguments: str) -> int:
    return main(["fs", arguments[0], "--url", server.url, *arguments[1:]])


def test_put_and_get_files_of_any_size(
    server: ServerProcess, tmp_path: Path, capsysbinary: Any
) -> None:
    content = os.urandom(3 * MIB + 1)
    (tmp_path / "local.bin").write_bytes(content)
    remote = tmp_path / "remote"
    remote.mkdir()
    assert _fs(server, "put", str(tmp_path / "local.bin"), str(remote / "copy.bin")) == 0
    assert (remote / "copy.bin").read_bytes() == content
    assert _fs(server, "put", str(tmp_path / "local.bin"), str(remote)) == 0  # into the directory
    assert (remote / "local.bin").read_bytes() == content
    back = tmp_path / "back"
    back.mkdir()
    assert _fs(server, "get", str(remote / "copy.bin"), str(back / "b.bin")) == 0
    assert (back / "b.bin").read_bytes() == content
    assert _fs(server, "get", str(remote / "copy.bin"), str(back)) == 0
    assert (back / "copy.bin").read_bytes() == content
    capsysbinary.readouterr()
    assert _fs(server, "get", str(remote / "copy.bin"), "-") == 0
    assert capsysbinary.readouterr().out == content
    assert sorted(os.listdir(back)) == ["b.bin", "copy.bin"]


def test_put_from_stdin(server: ServerProcess, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"from stdin\n")))
    assert _fs(server, "put", "-", str(tmp_path / "s.txt")) == 0
    assert (tmp_path / "s.txt").read_bytes() == b"from stdin\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x")))
    assert _fs(server, "put", "-", str(tmp_path)) == 255  # a directory needs a file name


def test_failures_leave_nothing_behind(server: ServerProcess, tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "old.txt").write_bytes(b"old")
    assert _fs(server, "get", str(tmp_path / "missing"), str(tmp_path / "old.txt")) == 255
    assert "No such file or directory" in capsys.readouterr().err
    assert _fs(server, "put", str(tmp_path / "missing"), str(tmp_path / "old.txt")) == 255
    assert "No such file or directory" in capsys.readouterr().err
    assert (tmp_path / "old.txt").read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["old.txt"]


def test_progress_bar_on_a_terminal(
    server: ServerProcess, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    (tmp_path / "f.bin").write_bytes(os.urandom(2 * MIB))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert _fs(server, "put", str(tmp_path / "f.bin"), str(tmp_path / "g.bin")) == 0
    shown = capsys.readouterr().err
    assert "put f.bin" in shown and "MB" in shown
    assert _fs(server, "get", "-q", str(tmp_path / "g.bin"), str(tmp_path / "h.bin")) == 0
    assert capsys.readouterr().err == ""
    assert (tmp_path / "h.bin").read_bytes() == (tmp_path / "f.bin").read_bytes()


def test_rm_mkdir_cp(server: ServerProcess, tmp_path: Path, capsys: Any) -> None:
    deep = tmp_path / "a" / "b"
    assert _fs(server, "mkdir", str(deep)) == 255
    assert _fs(server, "mkdir", "-p", str(deep)) == 0 and deep.is_dir()
    assert _fs(server, "mkdir", "-p", str(deep)) == 0
    (deep / "f.txt").write_text("f")
    assert _fs(server, "cp", str(tmp_path / "a"), str(tmp_path / "c")) == 255
    assert "recursive" in capsys.readouterr().err
    assert _fs(server, "cp", "-r", str(tmp_path / "a"), str(tmp_path / "c")) == 0
    assert (tmp_path / "c" / "b" / "f.txt").read_text() == "f"
    assert _fs(server, "cp", str(deep / "f.txt"), str(tmp_path / "g.txt")) == 0
    assert (tmp_path / "g.txt").read_text() == "f"
    assert _fs(server, "rm", str(tmp_path / "c")) == 255
    assert _fs(server, "rm", "-r", str(tmp_path / "c")) == 0
    assert _fs(server, "rm", str(tmp_path / "g.txt")) == 0
    assert _fs(server, "rm", str(tmp_path / "g.txt")) == 255
    assert _fs(server, "rm", "-f", str(tmp_path / "g.txt")) == 0
    assert sorted(os.listdir(tmp_path)) == ["a"]


def test_ls_and_stat_as_json(server: ServerProcess, tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "file.txt").write_bytes(b"12345")
    capsys.readouterr()
    assert _fs(server, "ls", "--json", str(tmp_path)) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries == [
        {"name": "dir", "path": str(tmp_path / "dir"), "type": "directory",
         "is_file": False, "is_dir": True},
        {"name": "file.txt", "path": str(tmp_path / "file.txt"), "type": "file",
         "is_file": True, "is_dir": False},
    ]
    assert _fs(server, "stat", "--json", str(tmp_path / "file.txt")) == 0
    stat = json.loads(capsys.readouterr().out)
    assert stat["type"] == "file" and stat["size"] == 5 and not stat["is_symlink"]
    assert stat["path"] == str(tmp_path / "file.txt")
    modified = datetime.fromisoformat(stat["modified_at"]).timestamp()
    assert abs(modified - (tmp_path / "file.txt").stat().st_mtime) < 1
    assert set(stat) == {
        "path", "type", "is_file", "is_dir", "is_symlink", "size", "modified_at", "created_at",
    }
    assert _fs(server, "ls", str(tmp_path)) == 0
    assert capsys.readouterr().out == "dir/\nfile.txt\n"


@pytest.mark.parametrize("command", ["ls", "stat"])
def test_json_of_a_missing_path_is_an_error(
    server: ServerProcess, tmp_path: Path, capsys: Any, command: str
) -> None:
    assert _fs(server, command, "--json", str(tmp_path / "missing")) == 255
    captured = capsys.readouterr()
    assert captured.out == "" and "No such file or directory" in captured.err
