"""The child environment computed from envPolicy and env (observed on codex 0.169.0)."""

from __future__ import annotations

from execwire.protocol.models import ExecEnvPolicy
from execwire_server.envpolicy import child_environment

EXECUTOR = {
    "HOME": "/root",
    "PATH": "/usr/bin:/bin",
    "USER": "root",
    "USERNAME": "root",
    "LANG": "C.UTF-8",
    "TZ": "UTC",
    "AWS_SECRET_ACCESS_KEY": "s3cr3t",
    "GITHUB_TOKEN": "t0k3n",
    "MY_API_KEY": "k3y",
    "EDITOR": "vi",
}


def _policy(inherit: str = "all", **kwargs: object) -> ExecEnvPolicy:
    fields = {"inherit": inherit, "ignoreDefaultExcludes": False, "exclude": [], "set": {}, "includeOnly": []}
    fields.update(kwargs)
    return ExecEnvPolicy.model_validate(fields)


def test_without_policy_env_is_used_verbatim() -> None:
    assert child_environment(None, {"A": "1"}, EXECUTOR) == {"A": "1"}


def test_core_is_the_reference_set_without_username() -> None:
    env = child_environment(_policy("core"), {}, EXECUTOR)
    assert env == {"HOME": "/root", "PATH": "/usr/bin:/bin", "USER": "root", "LANG": "C.UTF-8"}


def test_default_excludes_drop_keys_secrets_and_tokens_case_insensitively() -> None:
    env = child_environment(_policy("all"), {}, EXECUTOR)
    assert "AWS_SECRET_ACCESS_KEY" not in env and "GITHUB_TOKEN" not in env and "MY_API_KEY" not in env
    assert env["EDITOR"] == "vi"
    kept = child_environment(_policy("all", ignoreDefaultExcludes=True), {}, EXECUTOR)
    assert kept["GITHUB_TOKEN"] == "t0k3n"


def test_exclude_set_include_only_then_overlay_wins() -> None:
    policy = _policy("all", exclude=["ed?tor", "t*"], set={"FOO": "policy", "BAR": "2"}, includeOnly=["FOO", "BAR", "HOME"])
    env = child_environment(policy, {"FOO": "overlay", "NEW": "3"}, EXECUTOR)
    assert env == {"HOME": "/root", "FOO": "overlay", "BAR": "2", "NEW": "3"}


def test_none_inherits_nothing() -> None:
    assert child_environment(_policy("none", set={"A": "1"}), {}, EXECUTOR) == {"A": "1"}


def test_an_inherited_path_gets_the_tool_directories_in_front() -> None:
    inherited = child_environment(_policy("core"), {}, EXECUTOR, ["/tools"])
    assert inherited["PATH"].split(":")[0] == "/tools"
    assert inherited["PATH"].endswith(EXECUTOR["PATH"])
    explicit = child_environment(_policy("core"), {"PATH": "/only"}, EXECUTOR, ["/tools"])
    assert explicit["PATH"] == "/only"
    set_by_policy = child_environment(_policy("core", set={"PATH": "/set"}), {}, EXECUTOR, ["/tools"])
    assert set_by_policy["PATH"] == "/set"
    assert "PATH" not in child_environment(None, {"A": "1"}, EXECUTOR, ["/tools"])
