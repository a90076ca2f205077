"""`environmentConfig/read` against an embedded server: user and trusted-project layers,
the requested paths only, untrusted projects unread, broken trusted files an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from execwire import Executor
from execwire.errors import InvalidParamsError, ServerInternalError
from execwire.pathuri import from_native_path
from execwire.protocol import models


async def read(
    executor: Executor, cwd: Path, *paths: list[str]
) -> models.EnvironmentConfigReadResponse:
    return await executor.client.environment_config_read(
        models.EnvironmentConfigReadParams(
            cwd=from_native_path(cwd), config_paths=list(paths), requirements_paths=[]
        )
    )


async def test_layers_follow_trust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "codex-home"
    home.mkdir()
    trusted, untrusted = tmp_path / "trusted", tmp_path / "untrusted"
    (home / "config.toml").write_text(
        f'model = "user"\nother = 1\n[projects."{trusted}"]\ntrust_level = "trusted"\n[tools]\nweb = true\n'
    )
    for project in (trusted, untrusted):
        (project / ".codex").mkdir(parents=True)
        (project / ".codex" / "config.toml").write_text(f'model = "{project.name}"\n')
    monkeypatch.setenv("CODEX_HOME", str(home))
    async with await Executor.connect_in_process() as executor:
        answer = await read(executor, trusted, ["model"], ["tools", "web"])
        assert answer.codex_home_dir == from_native_path(home)
        assert [(layer.source, layer.toml) for layer in answer.config.layers] == [
            (f"user ({home}/config.toml)", 'model = "user"\n\n[tools]\nweb = true\n'),
            (f"project ({trusted}/.codex/config.toml)", 'model = "trusted"\n'),
        ]
        assert len((await read(executor, untrusted, ["model"])).config.layers) == 1
        (untrusted / ".codex" / "config.toml").write_text("model = \n")
        assert len((await read(executor, untrusted, ["model"])).config.layers) == 1  # not read
        (trusted / ".codex" / "config.toml").write_text("model = \n")
        with pytest.raises(ServerInternalError, match="TOML parse error at line 1, column 9"):
            await read(executor, trusted, ["model"])
        with pytest.raises(InvalidParamsError, match="at least one config or requirements path"):
            await read(executor, trusted)
