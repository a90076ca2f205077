"""What every `execwire` command shares: the connection options, exit statuses, the token."""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from ..executor import Executor

__all__ = [
    "ENVIRONMENT_ENV",
    "EXIT_CLIENT_ERROR",
    "EXIT_TIMED_OUT",
    "EXIT_USAGE",
    "TOKEN_ENV",
    "URL_ENV",
    "Command",
    "connection_options",
    "read_token",
]

TOKEN_ENV: Final = "EXECWIRE_TOKEN"
URL_ENV: Final = "EXECWIRE_URL"
ENVIRONMENT_ENV: Final = "EXECWIRE_ENVIRONMENT"
# Exit statuses of the client itself (the remote command's status is passed through).
EXIT_CLIENT_ERROR: Final = 255
EXIT_TIMED_OUT: Final = 124  # as timeout(1)
EXIT_USAGE: Final = 2

Command = Callable[[Executor, argparse.Namespace], Awaitable[int]]
"""What a subcommand runs once connected (set as its parser's `handler` default)."""


def connection_options() -> argparse.ArgumentParser:
    """The parent parser of every command that connects: --url, --token-file, --environment."""
    connection = argparse.ArgumentParser(add_help=False)
    connection.add_argument(
        "--url", default=os.environ.get(URL_ENV), help=f"ws://host:port (default: ${URL_ENV})"
    )
    connection.add_argument(
        "--token-file", type=Path, help=f"file holding the bearer token (default: ${TOKEN_ENV})"
    )
    connection.add_argument(
        "--environment",
        default=os.environ.get(ENVIRONMENT_ENV),
        help=f"reach this environment through the relay registry at --url (default: ${ENVIRONMENT_ENV})",
    )
    return connection


def read_token(token_file: Path | None) -> str | None:
    """The bearer token: from `token_file`, else `$EXECWIRE_TOKEN` (never the command line)."""
    if token_file is not None:
        return token_file.read_text().strip()
    return os.environ.get(TOKEN_ENV) or None
