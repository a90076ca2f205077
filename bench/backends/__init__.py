"""The systems under test. To add one, subclass `Backend` and list it in `all_backends`."""

from __future__ import annotations

from .base import Backend, BackendUnavailable, Client, ExecServerSession, RunContext, Server
from .execserver import ExecwireBackend, ReferenceBackend, RelayBackend
from .local import LocalBackend
from .ssh import AsyncSshBackend

__all__ = [
    "Backend",
    "BackendUnavailable",
    "Client",
    "ExecServerSession",
    "RunContext",
    "Server",
    "all_backends",
]


def all_backends() -> list[Backend]:
    """Every back end, in table order."""
    return [
        ExecwireBackend(),
        ReferenceBackend(),
        RelayBackend(),
        AsyncSshBackend(),
        LocalBackend(),
    ]
