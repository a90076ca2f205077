"""`execwire-rendezvous`: a local registry + rendezvous server for codex remote mode.

    execwire-rendezvous --listen 127.0.0.1:0 --write-token-file ./rv.token

The first stdout line is the base URL (``http://HOST:PORT``): give it to
``codex exec-server --remote`` (executor) and to the harness as the registry URL.

The registry's bearer token comes from --token-file, else from the environment variable
EXECWIRE_RENDEZVOUS_TOKEN, else it is generated and written (mode 0600) to
--write-token-file or to a fresh temporary file whose path is printed on stderr. The token
itself is never printed or logged. SIGTERM and SIGINT close every socket and exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
import tempfile
from pathlib import Path

from execwire.listen_address import parse_ip_and_port

from .faults import DEFAULT_REORDER_MAX_HOLD, Direction, DirectionFaults, FaultConfig
from .registry import DEFAULT_AUTHORIZATION_TTL
from .server import DEFAULT_EXECUTOR_CREDENTIAL_TTL, DEFAULT_HARNESS_CREDENTIAL_TTL, Rendezvous

__all__ = ["TOKEN_ENVIRONMENT_VARIABLE", "main", "parse_listen"]

TOKEN_ENVIRONMENT_VARIABLE = "EXECWIRE_RENDEZVOUS_TOKEN"
_PROG = "execwire-rendezvous"
_DIRECTION_FLAGS = {"h2e": Direction.HARNESS_TO_EXECUTOR, "e2h": Direction.EXECUTOR_TO_HARNESS}


def parse_listen(text: str) -> tuple[str, int]:
    """Parse ``HOST:PORT`` or ``[V6]:PORT`` (an optional ``http://`` prefix is allowed)."""
    parsed = parse_ip_and_port(text.removeprefix("http://").rstrip("/"))
    if parsed is None:
        raise ValueError(f"invalid --listen `{text}`; expected IP:PORT, e.g. 127.0.0.1:0")
    return parsed


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("expected a probability between 0 and 1")
    return value


def _delay(text: str) -> tuple[float, float]:
    """``S`` (fixed) or ``MIN:MAX`` (uniform) seconds → (fixed part, jitter)."""
    low_text, sep, high_text = text.partition(":")
    low = float(low_text)
    high = float(high_text) if sep else low
    if low < 0 or high < low:
        raise argparse.ArgumentTypeError("expected SECONDS or MIN:MAX with 0 <= MIN <= MAX")
    return low, high - low


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--listen", default="127.0.0.1:0", help="IP:PORT to bind (default %(default)s)"
    )
    parser.add_argument(
        "--public-url",
        help="base URL that signed websocket URLs use instead of the bound address (http[s]://HOST:PORT)",
    )
    token = parser.add_argument_group("bearer token")
    token.add_argument(
        "--token-file", type=Path, help="read the registry bearer token from this file"
    )
    token.add_argument(
        "--write-token-file",
        type=Path,
        help="when the token is generated, write it to this file (mode 0600)",
    )
    ttl = parser.add_argument_group("lifetimes (seconds)")
    ttl.add_argument("--harness-credential-ttl", type=float, default=DEFAULT_HARNESS_CREDENTIAL_TTL)
    ttl.add_argument(
        "--executor-credential-ttl", type=float, default=DEFAULT_EXECUTOR_CREDENTIAL_TTL
    )
    ttl.add_argument("--authorization-ttl", type=float, default=DEFAULT_AUTHORIZATION_TTL)
    faults = parser.add_argument_group(
        "fault injection (Data frames only; h2e = harness->executor, e2h = executor->harness)"
    )
    for short, direction in _DIRECTION_FLAGS.items():
        label = direction.value.replace("_", " ")
        faults.add_argument(
            f"--{short}-drop",
            type=_probability,
            default=0.0,
            metavar="P",
            help=f"drop probability, {label}",
        )
        faults.add_argument(
            f"--{short}-duplicate",
            type=_probability,
            default=0.0,
            metavar="P",
            help=f"duplicate probability, {label}",
        )
        faults.add_argument(
            f"--{short}-reorder",
            type=_probability,
            default=0.0,
            metavar="P",
            help=f"probability to hold a frame until the next one of its stream has passed, {label}",
        )
        faults.add_argument(
            f"--{short}-delay",
            type=_delay,
            default=(0.0, 0.0),
            metavar="S|MIN:MAX",
            help=f"fixed or uniformly random delay, {label} (order is kept)",
        )
    faults.add_argument(
        "--fault-seed", type=int, default=0, help="seed of the fault generators (default 0)"
    )
    faults.add_argument(
        "--reorder-max-hold",
        type=float,
        default=DEFAULT_REORDER_MAX_HOLD,
        metavar="SECONDS",
        help="send a held frame anyway after this long (default %(default)s)",
    )
    parser.add_argument(
        "--log-level", default="WARNING", help="logging level on stderr (default %(default)s)"
    )
    return parser


def fault_config(args: argparse.Namespace) -> FaultConfig:
    """The :class:`FaultConfig` described by parsed arguments."""
    per_direction: dict[Direction, DirectionFaults] = {}
    for short, direction in _DIRECTION_FLAGS.items():
        delay, jitter = getattr(args, f"{short}_delay")
        per_direction[direction] = DirectionFaults(
            drop=getattr(args, f"{short}_drop"),
            duplicate=getattr(args, f"{short}_duplicate"),
            reorder=getattr(args, f"{short}_reorder"),
            delay=delay,
            delay_jitter=jitter,
        )
    return FaultConfig(
        harness_to_executor=per_direction[Direction.HARNESS_TO_EXECUTOR],
        executor_to_harness=per_direction[Direction.EXECUTOR_TO_HARNESS],
        seed=args.fault_seed,
        reorder_max_hold=args.reorder_max_hold,
    )


def _write_secret(path: Path, token: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        # O_CREAT's mode does not apply to an existing file.
        os.fchmod(handle.fileno(), 0o600)
        handle.write(token + "\n")


def _obtain_token(args: argparse.Namespace) -> tuple[str, Path | None]:
    """Return the token and, if this run generated a temporary token file, its path."""
    if args.token_file is not None:
        if args.write_token_file is not None:
            raise ValueError("--write-token-file only applies to a generated token")
        token = args.token_file.read_text(encoding="utf-8").strip()
        if not token:
            raise ValueError(f"token file {args.token_file} is empty")
        return token, None
    from_env = os.environ.get(TOKEN_ENVIRONMENT_VARIABLE, "").strip()
    if from_env:
        if args.write_token_file is not None:
            raise ValueError(
                f"--write-token-file only applies to a generated token ({TOKEN_ENVIRONMENT_VARIABLE} is set)"
            )
        return from_env, None
    token = secrets.token_urlsafe(32)
    if args.write_token_file is not None:
        _write_secret(args.write_token_file, token)
        print(
            f"{_PROG}: bearer token written to {args.write_token_file}", file=sys.stderr, flush=True
        )
        return token, None
    fd, name = tempfile.mkstemp(prefix="execwire-rendezvous-", suffix=".token")
    os.close(fd)
    path = Path(name)
    _write_secret(path, token)
    print(
        f"{_PROG}: bearer token written to {path} (mode 0600, removed on exit); "
        f"use --token-file, {TOKEN_ENVIRONMENT_VARIABLE} or --write-token-file to choose it",
        file=sys.stderr,
        flush=True,
    )
    return token, path


async def _run(
    args: argparse.Namespace, host: str, port: int, token: str, faults: FaultConfig
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    rendezvous = Rendezvous(
        token=token,
        host=host,
        port=port,
        public_url=args.public_url,
        faults=faults,
        harness_credential_ttl=args.harness_credential_ttl,
        executor_credential_ttl=args.executor_credential_ttl,
        authorization_ttl=args.authorization_ttl,
    )
    async with rendezvous:
        print(rendezvous.base_url, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `execwire-rendezvous`."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        host, port = parse_listen(args.listen)
        faults = fault_config(args)
        token, generated = _obtain_token(args)
    except (ValueError, OSError) as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(args, host, port, token, faults))
    except KeyboardInterrupt:
        pass
    except OSError as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return 1
    finally:
        if generated is not None:
            with contextlib.suppress(OSError):
                generated.unlink()
    return 0
