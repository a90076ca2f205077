"""`execwire-rendezvous` argument handling (no server is started)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from execwire_rendezvous import cli
from execwire_rendezvous.faults import DirectionFaults


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:0", ("127.0.0.1", 0)),
        ("http://127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("[::1]:9000", ("::1", 9000)),
        ("0.0.0.0:65535", ("0.0.0.0", 65535)),
    ],
)
def test_parse_listen(text: str, expected: tuple[str, int]) -> None:
    assert cli.parse_listen(text) == expected


@pytest.mark.parametrize(
    "text", ["localhost:1", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000", "[::1]9"]
)
def test_parse_listen_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        cli.parse_listen(text)


def test_fault_flags() -> None:
    args = cli._parser().parse_args(
        [
            "--h2e-drop", "0.1",
            "--h2e-duplicate", "0.2",
            "--e2h-reorder", "0.3",
            "--e2h-delay", "0.01:0.05",
            "--h2e-delay", "0.5",
            "--fault-seed", "7",
            "--reorder-max-hold", "2",
        ]
    )  # fmt: skip
    config = cli.fault_config(args)
    assert config.harness_to_executor == DirectionFaults(drop=0.1, duplicate=0.2, delay=0.5)
    assert config.executor_to_harness.reorder == 0.3
    assert config.executor_to_harness.delay == 0.01
    assert config.executor_to_harness.delay_jitter == pytest.approx(0.04)
    assert (config.seed, config.reorder_max_hold) == (7, 2.0)
    assert config.active
    assert not cli.fault_config(cli._parser().parse_args([])).active


@pytest.mark.parametrize(
    "flags", [["--h2e-drop", "1.5"], ["--e2h-delay", "0.5:0.1"], ["--e2h-delay", "-1"]]
)
def test_bad_fault_flags(flags: list[str]) -> None:
    with pytest.raises(SystemExit):
        cli._parser().parse_args(flags)


def test_token_from_file_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "token"
    path.write_text("from-file\n")
    monkeypatch.setenv(cli.TOKEN_ENVIRONMENT_VARIABLE, "from-env")
    args = cli._parser().parse_args(["--token-file", str(path)])
    assert cli._obtain_token(args) == ("from-file", None)


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.TOKEN_ENVIRONMENT_VARIABLE, "from-env")
    assert cli._obtain_token(cli._parser().parse_args([])) == ("from-env", None)


def test_generated_token_is_written_privately_and_never_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(cli.TOKEN_ENVIRONMENT_VARIABLE, raising=False)
    path = tmp_path / "rv.token"
    path.write_text("old")
    path.chmod(0o644)
    token, generated = cli._obtain_token(
        cli._parser().parse_args(["--write-token-file", str(path)])
    )
    assert generated is None
    assert path.read_text().strip() == token
    assert len(token) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    out = capsys.readouterr()
    assert str(path) in out.err
    assert token not in out.err + out.out


def test_generated_token_without_a_target_goes_to_a_temporary_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(cli.TOKEN_ENVIRONMENT_VARIABLE, raising=False)
    token, generated = cli._obtain_token(cli._parser().parse_args([]))
    try:
        assert generated is not None
        assert generated.read_text().strip() == token
        assert stat.S_IMODE(generated.stat().st_mode) == 0o600
        err = capsys.readouterr().err
        assert str(generated) in err
        assert token not in err
    finally:
        if generated is not None:
            generated.unlink()


def test_write_token_file_conflicts_with_a_given_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cli.TOKEN_ENVIRONMENT_VARIABLE, "from-env")
    with pytest.raises(ValueError):
        cli._obtain_token(cli._parser().parse_args(["--write-token-file", str(tmp_path / "t")]))


def test_empty_token_file(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("\n")
    assert cli.main(["--token-file", str(path)]) == 2
