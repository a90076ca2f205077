"""The real Codex agent (`codex exec` 0.169.0) as the harness of `execwire-server --remote`.

With the three `CODEX_EXEC_SERVER_NOISE_*` variables the agent calls `/connect` on our
registry, handshakes through the rendezvous with our executor and runs its tool call there
(live-findings Part D). This checks the responder side of everything against the real
initiator: msg2, the transport, framing, and that a harness which never acks is served
like the reference serves it (no ack fields, no retransmission).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
from execwire_rendezvous import Direction, FrameKind, Rendezvous

from execwire.relay.frames import FrameKind as RelayFrameKind
from execwire.relay.frames import decode_frame

from ..integration.test_remote_support import ENV, TOKEN, remote_executor
from .mock_model import MockModel, run_codex_exec
from .servers import native_reference_binary, scratch_dir

pytestmark = pytest.mark.interop


@pytest.mark.parametrize("sandbox", [None, "workspace-write"], ids=["bypass", "sandboxed"])
async def test_codex_agent_runs_a_command_through_the_relay(tmp_path: Path, sandbox: str | None) -> None:
    """Also without the bypass flag: the agent's sandbox intent crosses the relay and our
    executor enforces it (the workspace is writable, a path outside it is not)."""
    codex = native_reference_binary()
    marker = "relay-executor-" + secrets.token_hex(6)
    # Not below /tmp: workspace-write also grants /tmp and $TMPDIR.
    outside = Path(tempfile.mkdtemp(prefix="relay-outside-", dir=scratch_dir())) / "outside"
    model = MockModel(command=f'printf "%s" "$EXECWIRE_AGENT_MARKER"; touch made-here {outside}')
    await model.start()
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "AGENTS.md").write_text("Be brief.\n")
    codex_home = Path(tempfile.mkdtemp(prefix="remote-agent-home-", dir=scratch_dir()))
    try:
        async with Rendezvous(token=TOKEN, capture=True) as rv:
            executor_env = dict(os.environ, EXECWIRE_AGENT_MARKER=marker)
            async with remote_executor(rv.base_url, tmp_path / "executor.log", env=executor_env):
                await rv.wait_for(lambda: rv.executor_connected(ENV), 30)
                code, stdout, stderr = await run_codex_exec(
                    str(codex),
                    model,
                    str(workdir),
                    "print the marker",
                    sandbox=sandbox,
                    CODEX_HOME=str(codex_home),
                    CODEX_EXEC_SERVER_NOISE_REGISTRY_URL=rv.base_url,
                    CODEX_EXEC_SERVER_NOISE_ENVIRONMENT_ID=ENV,
                    CODEX_EXEC_SERVER_NOISE_AUTH_TOKEN=TOKEN,
                )
                # The agent drops its socket without a Reset; the rendezvous reports it.
                await rv.wait_for(lambda: rv.counters.resets_synthesized >= 1, 30)
            captured = list(rv.captured)
    finally:
        await model.stop()
        shutil.rmtree(codex_home, ignore_errors=True)
    assert code == 0, stderr.decode(errors="replace")[-2000:]
    outputs = model.function_outputs()
    assert outputs and marker in outputs[0], outputs
    assert (workdir / "made-here").exists()
    assert outside.exists() == (sandbox is None), outputs[0]
    assert "Be brief." in str(model.requests[0])  # AGENTS.md was read through the relay
    assert stdout.decode().strip().endswith("done")
    # The codex harness never marks its frames, so ours stay reference-shaped.
    from_executor = [
        decode_frame(f.data) for f in captured if f.direction is Direction.EXECUTOR_TO_HARNESS
    ]
    assert {f.kind for f in captured if f.direction is Direction.EXECUTOR_TO_HARNESS} == {
        FrameKind.HANDSHAKE,
        FrameKind.DATA,
    }
    assert all(f.ack == f.ack_bits == 0 for f in from_executor)
    seqs = [f.seq for f in from_executor if f.kind is RelayFrameKind.DATA]
    assert seqs == list(range(len(seqs)))
