"""`execwire-server`: a Codex-compatible exec-server.

    execwire-server --listen ws://127.0.0.1:0      websocket (prints the bound URL first)
    execwire-server --listen stdio                 newline-delimited JSON on stdin/stdout
    execwire-server --remote URL --environment-id ID   serve through a registry + rendezvous

The websocket listener can require a bearer token, read from the environment variable
EXECWIRE_CONNECTION_TOKEN (or the reference's CODEX_EXEC_SERVER_CONNECTION_TOKEN) or from
--connection-token-file. In remote mode --listen is ignored and the registration bearer is
read from stdin (--registration-bearer-stdin) or EXECWIRE_REGISTRATION_TOKEN. SIGTERM and
SIGINT stop accepting, end every session and kill their processes.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from execwire.listen_address import parse_ip_and_port

from .allocator import DEFAULT_RETAIN_MIB, retain_freed_memory
from .collector import quiet_garbage_collector
from .logs import configure_logging
from .server import ExecServer
from .sessions import (
    DETACHED_SESSION_TTL_SECONDS,
    EXITED_PROCESS_RETENTION_SECONDS,
    MAX_PROCESSES_PER_SESSION,
    MAX_SESSIONS,
)
from .transports import DEFAULT_MAX_MESSAGE_BYTES, serve_stdio, serve_websocket

if TYPE_CHECKING:
    from .remote import RegistryClient

__all__ = ["ListenUrl", "main", "parse_listen_url"]

TOKEN_ENVIRONMENT_VARIABLES = ("EXECWIRE_CONNECTION_TOKEN", "CODEX_EXEC_SERVER_CONNECTION_TOKEN")
REGISTRATION_TOKEN_VARIABLE = "EXECWIRE_REGISTRATION_TOKEN"
STREAM_IDLE_TIMEOUT = 600.0
"""Default of --stream-idle-timeout. Remote mode (the relay, Noise, the registry client) is
imported only when asked for: a local listener starts smaller without it."""


@dataclass(frozen=True)
class ListenUrl:
    """Where to listen: stdio, or a websocket on an IP literal and port."""

    stdio: bool
    host: str = ""
    port: int = 0


def parse_listen_url(text: str) -> ListenUrl:
    """Parse `--listen` with the reference's grammar and error texts."""
    if text in ("stdio", "stdio://"):
        return ListenUrl(stdio=True)
    if not text.startswith("ws://"):
        raise ValueError(f"unsupported --listen URL `{text}`; expected `ws://IP:PORT` or `stdio`")
    parsed = parse_ip_and_port(text[len("ws://") :])
    if parsed is None:
        raise ValueError(f"invalid websocket --listen URL `{text}`; expected `ws://IP:PORT`")
    return ListenUrl(stdio=False, host=parsed[0], port=parsed[1])


def _read_token(path: Path | None) -> str | None:
    if path is not None:
        token = path.read_text(encoding="utf-8").strip()
        if not token:
            raise ValueError(f"connection token file {path} is empty")
        return token
    for name in TOKEN_ENVIRONMENT_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="execwire-server", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--listen", default="ws://127.0.0.1:0", help="ws://IP:PORT or stdio (default %(default)s)")
    parser.add_argument(
        "--concurrent-requests",
        type=int,
        default=1,
        metavar="N",
        help="requests per connection served at once after `initialized` (default 1: in order)",
    )
    parser.add_argument("--connection-token-file", type=Path, help="require this bearer token (websocket)")
    parser.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="listen on a non-loopback address without a connection token (anyone who can "
        "reach the port can run commands as this user)",
    )
    parser.add_argument(
        "--detached-session-ttl",
        type=float,
        default=DETACHED_SESSION_TTL_SECONDS,
        metavar="SECONDS",
        help="keep a disconnected session this long (default %(default)s)",
    )
    parser.add_argument(
        "--process-retention",
        type=float,
        default=EXITED_PROCESS_RETENTION_SECONDS,
        metavar="SECONDS",
        help="keep a closed process readable this long (default %(default)s)",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=MAX_SESSIONS,
        metavar="N",
        help="sessions kept at once; initialize beyond it is refused (default %(default)s)",
    )
    parser.add_argument(
        "--max-processes-per-session",
        type=int,
        default=MAX_PROCESSES_PER_SESSION,
        metavar="N",
        help="running processes per session; process/start beyond it is refused (default %(default)s)",
    )
    parser.add_argument(
        "--max-message-bytes",
        type=int,
        default=DEFAULT_MAX_MESSAGE_BYTES,
        help="largest websocket message accepted (default %(default)s)",
    )
    parser.add_argument(
        "--retain-freed-memory",
        type=int,
        default=DEFAULT_RETAIN_MIB,
        metavar="MIB",
        help="keep up to this much freed heap for reuse by the next large message, saving "
        "page faults on bulk transfers (glibc; default %(default)s, 0 keeps malloc's defaults)",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("EXECWIRE_LOG_LEVEL", "WARNING"),
        help="logging level on stderr (default: $EXECWIRE_LOG_LEVEL or WARNING; DEBUG names "
        "every request and how it was answered)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=os.environ.get("EXECWIRE_LOG_FORMAT", "text"),
        help="text lines, or one JSON object per line for log collectors (default: "
        "$EXECWIRE_LOG_FORMAT or text)",
    )
    remote = parser.add_argument_group("remote mode")
    remote.add_argument("--remote", metavar="URL", help="register with this registry base URL and serve through its rendezvous")
    remote.add_argument("--environment-id", metavar="ID", help="environment to register as (with --remote)")
    remote.add_argument(
        "--registration-bearer-stdin",
        action="store_true",
        help=f"read the registration bearer from the first line of stdin (else ${REGISTRATION_TOKEN_VARIABLE})",
    )
    remote.add_argument(
        "--stream-idle-timeout",
        type=float,
        default=STREAM_IDLE_TIMEOUT,
        metavar="SECONDS",
        help="detach a relay stream's session after this long without a frame (default %(default)s; 0 disables)",
    )
    return parser


def _remote_registry(args: argparse.Namespace) -> RegistryClient:
    from .remote import RegistryClient

    if not args.environment_id:
        raise ValueError("--remote requires --environment-id")
    if args.registration_bearer_stdin:
        token = sys.stdin.readline().strip()
    else:
        token = os.environ.get(REGISTRATION_TOKEN_VARIABLE, "").strip()
    if not token:
        raise ValueError(
            f"--remote needs a registration bearer (--registration-bearer-stdin or ${REGISTRATION_TOKEN_VARIABLE})"
        )
    return RegistryClient(args.remote, args.environment_id, token)


def _server_and_stop_event(args: argparse.Namespace) -> tuple[ExecServer, asyncio.Event]:
    """The exec server the options describe, and an event SIGTERM/SIGINT set."""
    exec_server = ExecServer(
        concurrent_requests=args.concurrent_requests,
        detached_session_ttl=args.detached_session_ttl,
        process_retention=args.process_retention,
    )
    exec_server.sessions.max_sessions = args.max_sessions
    exec_server.sessions.max_processes_per_session = args.max_processes_per_session
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return exec_server, stop


async def _run_remote(args: argparse.Namespace, registry: RegistryClient) -> int:
    from .remote import RemoteExecutor

    exec_server, stop = _server_and_stop_event(args)
    idle = args.stream_idle_timeout if args.stream_idle_timeout > 0 else None
    executor = RemoteExecutor(exec_server, registry, stream_idle_timeout=idle)
    serving = asyncio.create_task(executor.run())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if serving.done() and not serving.cancelled() and (error := serving.exception()) is not None:
            print(f"execwire-server: {error}", file=sys.stderr)
            return 1
        return 0
    finally:
        serving.cancel()
        stopping.cancel()
        # Bounded: a stuck socket close must not keep a stopping server alive.
        await asyncio.wait({serving}, timeout=15)
        await exec_server.shutdown()
        await registry.aclose()


async def _run(args: argparse.Namespace, listen: ListenUrl, token: str | None) -> None:
    exec_server, stop = _server_and_stop_event(args)
    try:
        if listen.stdio:
            serving = asyncio.create_task(serve_stdio(exec_server))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            serving.cancel()
            stopping.cancel()
        else:
            server = await serve_websocket(
                exec_server, listen.host, listen.port, token=token, max_message_bytes=args.max_message_bytes
            )
            socket_name = next(iter(server.sockets)).getsockname()
            host = f"[{socket_name[0]}]" if ":" in socket_name[0] else socket_name[0]
            print(f"ws://{host}:{socket_name[1]}", flush=True)
            await stop.wait()
            server.close(close_connections=True)
    finally:
        await exec_server.shutdown()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `execwire-server`."""
    args = _parser().parse_args(argv)
    try:
        configure_logging(args.log_level, args.log_format)
    except ValueError as error:
        print(f"execwire-server: --log-level: {error}", file=sys.stderr)
        return 2
    try:
        listen = parse_listen_url(args.listen)
        token = _read_token(args.connection_token_file)
    except (ValueError, OSError) as error:
        print(f"execwire-server: {error}", file=sys.stderr)
        return 2
    if (
        args.remote is None
        and not listen.stdio
        and token is None
        and not args.allow_unauthenticated
        and not ipaddress.ip_address(listen.host).is_loopback
    ):
        print(
            f"execwire-server: refusing to listen on {listen.host} without a connection token: "
            "anyone who reaches it could run commands here. Set EXECWIRE_CONNECTION_TOKEN or "
            "--connection-token-file, or pass --allow-unauthenticated.",
            file=sys.stderr,
        )
        return 2
    for option in ("concurrent_requests", "max_sessions", "max_processes_per_session"):
        if getattr(args, option) < 1:
            print(f"execwire-server: --{option.replace('_', '-')} must be at least 1", file=sys.stderr)
            return 2
    if args.retain_freed_memory < 0:
        print("execwire-server: --retain-freed-memory must not be negative", file=sys.stderr)
        return 2
    retain_freed_memory(args.retain_freed_memory)
    quiet_garbage_collector()
    if args.remote is not None:
        try:
            registry = _remote_registry(args)
        except ValueError as error:
            print(f"execwire-server: {error}", file=sys.stderr)
            return 2
        try:
            return asyncio.run(_run_remote(args, registry))
        except KeyboardInterrupt:
            return 0
    try:
        asyncio.run(_run(args, listen, token))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
