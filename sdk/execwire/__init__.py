"""execwire: typed client SDK for Codex-compatible exec-servers.

High level (subprocess-like)::

    async with await Executor.connect_websocket("ws://127.0.0.1:8765") as executor:
        result = await executor.run(["ls", "-l"])
        print(result.exit_code, result.stdout_text)

Low level: `ExecServerClient` has one typed coroutine per RPC (generated models in
`execwire.protocol.models`) and typed notification events. `execwire.sync` offers the
same API blocking. Errors all derive from `ExecWireError` (`execwire.errors`).
`Sandbox` builds the portable sandbox intent every process and file method takes as
`sandbox=`.

Names are imported on first use, so a program that needs one part (the server needs the
protocol and the wire helpers, not the relay client) does not load the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import ClientEvent, ExecServerClient
    from .command import CompletedCommand
    from .errors import (
        AuthenticationError,
        ChecksumMismatch,
        ClientClosedError,
        CommandFailed,
        ExecTimeout,
        ExecWireError,
        InvalidParamsError,
        InvalidRequestError,
        MessageTooLarge,
        MethodNotFoundError,
        NotFoundError,
        OutputLost,
        ProtocolError,
        RequestOutcomeUnknown,
        RpcError,
        ServerInternalError,
        SessionAlreadyAttachedError,
        SessionExpiredError,
        TransportError,
        UnsupportedByServer,
        WriteRejected,
    )
    from .executor import Executor, make_env_policy
    from .filesystem import DirEntry, FileStat, RemotePath, TreeWalk, WalkEntry
    from .http import HttpResponse
    from .missing_watch import MissingWatch
    from .options import ClientOptions
    from .process_cursor import OutputGap, ProcessEvent
    from .remote_file import RemoteFile
    from .resume import DEFAULT_RECONNECT, ReconnectPolicy
    from .sandbox import Sandbox
    from .session import ExecSession, OutputChunk
    from .transports import Connector, Transport
    from .transports.in_process import InProcessConnector
    from .transports.relay import RelayConnector
    from .transports.stdio import StdioConnector
    from .transports.websocket import WebSocketConnector
    from .watch import FileChange

_EXPORTS: dict[str, str] = {
    "AuthenticationError": ".errors",
    "ChecksumMismatch": ".errors",
    "ClientClosedError": ".errors",
    "ClientEvent": ".client",
    "ClientOptions": ".options",
    "CommandFailed": ".errors",
    "CompletedCommand": ".command",
    "Connector": ".transports",
    "DEFAULT_RECONNECT": ".resume",
    "DirEntry": ".filesystem",
    "ExecServerClient": ".client",
    "ExecSession": ".session",
    "ExecTimeout": ".errors",
    "ExecWireError": ".errors",
    "Executor": ".executor",
    "FileChange": ".watch",
    "FileStat": ".filesystem",
    "HttpResponse": ".http",
    "InProcessConnector": ".transports.in_process",
    "InvalidParamsError": ".errors",
    "InvalidRequestError": ".errors",
    "MessageTooLarge": ".errors",
    "MethodNotFoundError": ".errors",
    "MissingWatch": ".missing_watch",
    "NotFoundError": ".errors",
    "OutputChunk": ".session",
    "OutputGap": ".process_cursor",
    "OutputLost": ".errors",
    "ProcessEvent": ".process_cursor",
    "ProtocolError": ".errors",
    "ReconnectPolicy": ".resume",
    "RelayConnector": ".transports.relay",
    "RemoteFile": ".remote_file",
    "RemotePath": ".filesystem",
    "RequestOutcomeUnknown": ".errors",
    "RpcError": ".errors",
    "Sandbox": ".sandbox",
    "ServerInternalError": ".errors",
    "SessionAlreadyAttachedError": ".errors",
    "SessionExpiredError": ".errors",
    "StdioConnector": ".transports.stdio",
    "Transport": ".transports",
    "TransportError": ".errors",
    "TreeWalk": ".filesystem",
    "UnsupportedByServer": ".errors",
    "WalkEntry": ".filesystem",
    "WebSocketConnector": ".transports.websocket",
    "WriteRejected": ".errors",
    "make_env_policy": ".executor",
}
"""Each public name and the module that defines it."""


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'execwire' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next lookup is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "DEFAULT_RECONNECT",
    "AuthenticationError",
    "ChecksumMismatch",
    "ClientClosedError",
    "ClientEvent",
    "ClientOptions",
    "CommandFailed",
    "CompletedCommand",
    "Connector",
    "DirEntry",
    "ExecServerClient",
    "ExecSession",
    "ExecTimeout",
    "ExecWireError",
    "Executor",
    "FileChange",
    "FileStat",
    "HttpResponse",
    "InProcessConnector",
    "InvalidParamsError",
    "InvalidRequestError",
    "MessageTooLarge",
    "MethodNotFoundError",
    "MissingWatch",
    "NotFoundError",
    "OutputChunk",
    "OutputGap",
    "OutputLost",
    "ProcessEvent",
    "ProtocolError",
    "ReconnectPolicy",
    "RelayConnector",
    "RemoteFile",
    "RemotePath",
    "RequestOutcomeUnknown",
    "RpcError",
    "Sandbox",
    "ServerInternalError",
    "SessionAlreadyAttachedError",
    "SessionExpiredError",
    "StdioConnector",
    "Transport",
    "TransportError",
    "TreeWalk",
    "UnsupportedByServer",
    "WalkEntry",
    "WebSocketConnector",
    "WriteRejected",
    "make_env_policy",
]
