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
"""

from .client import ClientEvent, ExecServerClient
from .command import CompletedCommand
from .errors import (
    AuthenticationError,
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
