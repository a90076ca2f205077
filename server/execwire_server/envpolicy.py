"""The child environment of `process/start` (I/O-free).

Without an `envPolicy` the child gets exactly the request's `env`. With one, the executor's
own environment is filtered by the policy and the request's `env` is overlaid on top.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Final

from execwire.protocol.models import ExecEnvPolicy

__all__ = ["CORE_VARIABLES", "DEFAULT_EXCLUDES", "child_environment"]

# As observed on codex 0.169.0: USERNAME is not part of "core", the LANG/LC_* trio is.
CORE_VARIABLES: Final = (
    "HOME",
    "LOGNAME",
    "PATH",
    "SHELL",
    "USER",
    "TMPDIR",
    "TEMP",
    "TMP",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
)
DEFAULT_EXCLUDES: Final = ("*KEY*", "*SECRET*", "*TOKEN*")


def _glob(pattern: str) -> str:
    """Case-insensitive glob with `*` and `?` only; everything else is literal."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


@lru_cache(maxsize=256)
def _any_glob(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # One alternation per pattern list: each variable is then matched once, not once per
    # pattern (the environment is filtered on every process/start).
    return re.compile("|".join(f"(?:{_glob(p)})" for p in patterns), re.IGNORECASE | re.DOTALL)


def child_environment(
    policy: ExecEnvPolicy | None,
    overlay: Mapping[str, str],
    executor_environment: Mapping[str, str],
    prepend_path: Sequence[str] = (),
) -> dict[str, str]:
    """Apply the policy to the executor's environment, then overlay the request's env.

    An inherited `PATH` (not one the request sets) gets `prepend_path` in front, as the
    reference puts its helper directory there; an explicit one is used verbatim."""
    if policy is None:
        return dict(overlay)
    if policy.inherit == "all":
        result = dict(executor_environment)
    elif policy.inherit == "core":
        result = {k: v for k, v in executor_environment.items() if k in CORE_VARIABLES}
    else:
        result = {}
    exclusions = (() if policy.ignore_default_excludes else DEFAULT_EXCLUDES) + tuple(policy.exclude)
    if exclusions:
        excluded = _any_glob(exclusions).fullmatch
        result = {k: v for k, v in result.items() if excluded(k) is None}
    result.update(policy.set)
    if policy.include_only:
        included = _any_glob(tuple(policy.include_only)).fullmatch
        result = {k: v for k, v in result.items() if included(k) is not None}
    inherited_path = "PATH" in result and "PATH" not in policy.set
    result.update(overlay)
    if prepend_path and inherited_path and "PATH" not in overlay:
        result["PATH"] = ":".join([*prepend_path, result["PATH"]])
    return result
