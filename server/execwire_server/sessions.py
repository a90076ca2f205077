"""Sessions: a process table that outlives connections for a while.

A connection creates a session on `initialize` (or resumes a detached one). When the
connection ends the session is detached: its processes keep running, notifications are
dropped (output stays readable with `process/read`), and after the detached TTL the session
and all its processes are killed. A closed process stays readable for the retention period,
then its id is free again. Times as observed on codex 0.169.0: both about 80 s.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Final, Protocol

from .containment import Cage
from .errors import INVALID_REQUEST, SESSION_ALREADY_ATTACHED, SESSION_EXPIRED_PREFIX, RpcError
from .metrics import ServerStats
from .processes import MAX_CHUNK_BYTES, READ_CHUNK_BYTES, ManagedProcess, SpawnRequest

__all__ = [
    "DETACHED_SESSION_TTL_SECONDS",
    "EXITED_PROCESS_RETENTION_SECONDS",
    "Attachment",
    "Session",
    "SessionRegistry",
]

DETACHED_SESSION_TTL_SECONDS: Final = 80.0
EXITED_PROCESS_RETENTION_SECONDS: Final = 80.0


MAX_SESSIONS: Final = 4096
"""Default limit of sessions per server (`--max-sessions`); the reference has none."""
MAX_PROCESSES_PER_SESSION: Final = 1024
"""Default limit of running processes per session (`--max-processes-per-session`)."""

class Attachment(Protocol):
    """The connection a session is attached to: where its notifications go."""

    async def send_notification(self, message: bytes) -> None:
        """Queue an encoded notification (waits while the connection's queue is full)."""


class Session:
    """One session: its id, process table and the connection it is attached to."""

    def __init__(self, session_id: str, process_retention: float) -> None:
        self.session_id = session_id
        self.processes: dict[str, ManagedProcess] = {}
        self.attachment: Attachment | None = None
        self.output_chunk_bytes = READ_CHUNK_BYTES
        """Largest output chunk, as the attached client asked (execwire extension)."""
        self._process_retention = process_retention
        self._expiry: asyncio.TimerHandle | None = None
        self._forget_timers: dict[ManagedProcess, asyncio.TimerHandle] = {}
        self.stats = ServerStats()
        """The server's counters (the registry shares its own)."""
        self.max_processes = MAX_PROCESSES_PER_SESSION
        """Running processes this session may have at once."""
        self._lingering_cages: list[Cage] = []
        """Cgroups of forgotten processes that left something running."""

    def set_output_chunk_bytes(self, requested: int | None) -> int:
        """Apply the attached client's chunk size request (clamped); returns the result."""
        if requested is None:
            self.output_chunk_bytes = READ_CHUNK_BYTES
        else:
            self.output_chunk_bytes = min(max(requested, READ_CHUNK_BYTES), MAX_CHUNK_BYTES)
        return self.output_chunk_bytes

    async def publish(self, message: bytes) -> None:
        """Forward a notification to the attached connection; drop it when detached."""
        attachment = self.attachment
        if attachment is not None:
            await attachment.send_notification(message)

    def start_process(self, process_id: str, request: SpawnRequest) -> ManagedProcess:
        """Spawn a process under a session-unique id."""
        if process_id in self.processes:
            raise RpcError(INVALID_REQUEST, f"process {process_id} already exists")
        running = sum(1 for process in self.processes.values() if process.running)
        if running >= self.max_processes:
            raise RpcError(
                INVALID_REQUEST,
                f"too many running processes in this session (limit {self.max_processes})",
            )
        process = ManagedProcess(process_id, request, self, self._process_closed)
        self.processes[process_id] = process
        self.stats.processes_started += 1
        return process

    def _process_closed(self, process: ManagedProcess) -> None:
        process.drop_empty_cage()
        loop = asyncio.get_running_loop()
        self._forget_timers[process] = loop.call_later(
            self._process_retention, self._forget, process
        )

    def _forget(self, process: ManagedProcess) -> None:
        self._forget_timers.pop(process, None)
        if self.processes.get(process.process_id) is process:
            del self.processes[process.process_id]
        lingering = process.release_cage()
        if lingering is not None:
            self._lingering_cages.append(lingering)  # a daemon it left: ends with the session

    def shutdown(self) -> None:
        """Kill every process of the session and drop its timers."""
        self.attachment = None
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        for timer in self._forget_timers.values():
            timer.cancel()
        self._forget_timers.clear()
        cages = self._lingering_cages
        self._lingering_cages = []
        for process in self.processes.values():
            process.kill()
            if process.cage is not None:
                cages.append(process.cage)
                process.cage = None
        for cage in cages:
            cage.kill_and_remove()


class SessionRegistry:
    """Every session of the server, shared by all its connections."""

    def __init__(
        self,
        detached_ttl: float = DETACHED_SESSION_TTL_SECONDS,
        process_retention: float = EXITED_PROCESS_RETENTION_SECONDS,
    ) -> None:
        self._sessions: dict[str, Session] = {}
        self._detached_ttl = detached_ttl
        self._process_retention = process_retention
        self.max_sessions = MAX_SESSIONS
        """Sessions (attached or detached) the server keeps at once."""
        self.max_processes_per_session = MAX_PROCESSES_PER_SESSION
        self.stats = ServerStats()
        """The server's counters (`ExecServer` gives its own)."""

    def all(self) -> list[Session]:
        """Every session kept, attached or detached."""
        return list(self._sessions.values())

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, attachment: Attachment) -> Session:
        """A new session attached to `attachment`."""
        if len(self._sessions) >= self.max_sessions:
            raise RpcError(
                INVALID_REQUEST, f"too many sessions on this server (limit {self.max_sessions})"
            )
        session = Session(str(uuid.uuid4()), self._process_retention)
        session.max_processes = self.max_processes_per_session
        session.stats = self.stats
        self.stats.sessions_created += 1
        session.attachment = attachment
        self._sessions[session.session_id] = session
        return session

    def resume(self, session_id: str, attachment: Attachment) -> Session:
        """Attach a detached session to a new connection."""
        session = self._sessions.get(session_id)
        if session is None:
            raise RpcError(INVALID_REQUEST, f"{SESSION_EXPIRED_PREFIX} {session_id}")
        if session.attachment is not None:
            raise RpcError(
                SESSION_ALREADY_ATTACHED,
                f"session {session_id} is already attached to another connection",
            )
        if session._expiry is not None:
            session._expiry.cancel()
            session._expiry = None
        session.attachment = attachment
        return session

    def detach(self, session: Session, attachment: Attachment) -> None:
        """The connection ended: keep the session for the TTL, then kill it."""
        if session.attachment is not attachment:
            return
        session.attachment = None
        loop = asyncio.get_running_loop()
        session._expiry = loop.call_later(self._detached_ttl, self._expire, session)

    def _expire(self, session: Session) -> None:
        if session.attachment is None and self._sessions.get(session.session_id) is session:
            del self._sessions[session.session_id]
            session.shutdown()

    async def shutdown(self, grace: float = 2.0) -> None:
        """Server shutdown: kill every session's processes and reap them (up to `grace`)."""
        sessions, self._sessions = list(self._sessions.values()), {}
        processes = [p for session in sessions for p in session.processes.values()]
        for session in sessions:
            session.shutdown()
        if processes:
            await asyncio.wait([asyncio.ensure_future(p.wait_exit()) for p in processes], timeout=grace)
