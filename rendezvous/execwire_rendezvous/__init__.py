"""A registry + rendezvous server for codex remote mode (``execwire-rendezvous``).

The registry speaks the reference's HTTP API (``/cloud/environment/{id}/register``,
``/connect``, ``/validate``); the rendezvous websocket (``/rendezvous``) pairs harness sockets
with the environment's executor socket and forwards relay frames by ``stream_id``, never
seeing plaintext. HTTP and websocket share one port.

In-process use (tests)::

    async with Rendezvous(token="secret", capture=True) as rv:
        rv.base_url  # http://127.0.0.1:PORT
        ...
        await rv.wait_for(lambda: rv.counters.validations == 1)

Modules: :mod:`.credentials`, :mod:`.registry`, :mod:`.routing`, :mod:`.faults` and
:mod:`.frames` are I/O-free cores; :mod:`.server` is the aiohttp shell; :mod:`.cli` the
command line.
"""

from .cli import main
from .credentials import Credential, CredentialError, CredentialSigner, Role, SingleUseLedger
from .faults import Direction, DirectionFaults, FaultConfig, FaultInjector, FaultOutcome
from .frames import FrameInfo, FrameKind, inspect_frame, reset_frame
from .registry import Registration, Registry, RegistryRefusal
from .routing import HARNESS_DISCONNECTED, Action, Endpoint, Route, RoutingTable
from .server import CapturedFrame, Counters, Rendezvous, RequestRecord, ValidationRecord

__all__ = [
    "HARNESS_DISCONNECTED",
    "Action",
    "CapturedFrame",
    "Counters",
    "Credential",
    "CredentialError",
    "CredentialSigner",
    "Direction",
    "DirectionFaults",
    "Endpoint",
    "FaultConfig",
    "FaultInjector",
    "FaultOutcome",
    "FrameInfo",
    "FrameKind",
    "Registration",
    "Registry",
    "RegistryRefusal",
    "Rendezvous",
    "RequestRecord",
    "Role",
    "Route",
    "RoutingTable",
    "SingleUseLedger",
    "ValidationRecord",
    "inspect_frame",
    "main",
    "reset_frame",
]
