"""The real Codex agent (`codex exec` 0.169.0) runs a command through our exec-server.

The agent talks to a scripted local model (`mock_model.py`) and, with
`CODEX_EXEC_SERVER_URL`, to our server as its executor. The command prints a marker that
only the executor's environment holds, so its output proves where it ran.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

import pytest

from .mock_model import MockModel, run_codex_exec
from .servers import native_reference_binary, running_server, scratch_dir

pytestmark = pytest.mark.interop


async def test_codex_agent_runs_a_command_through_execwire(tmp_path: Path) -> None:
    marker = "executor-" + secrets.token_hex(6)
    model = MockModel(command='printf "%s" "$EXECWIRE_AGENT_MARKER"')
    await model.start()
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "AGENTS.md").write_text("Be brief.\n")
    try:
        code, stdout, stderr = await _run_agent(
            workdir, model, "print the marker", None, {"EXECWIRE_AGENT_MARKER": marker}
        )
    finally:
        await model.stop()
    assert code == 0, stderr.decode(errors="replace")[-2000:]
    outputs = model.function_outputs()
    assert outputs, "the agent never sent the command's output back to the model"
    assert marker in outputs[0], outputs[0]
    assert "Process exited with code 0" in outputs[0]
    # The agent read AGENTS.md through the executor: its text reached the model prompt.
    assert "Be brief." in str(model.requests[0])
    assert stdout.decode().strip().endswith("done")


@pytest.mark.parametrize("mode", ["read-only", "workspace-write"])
async def test_codex_agent_runs_sandboxed_through_execwire(tmp_path: Path, mode: str) -> None:
    """Without the bypass flag the agent sends sandbox intent on every command: read-only
    by default, its workspace writable with `-s workspace-write`; execwire enforces it."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    # Not below /tmp: the agent's workspace-write mode also grants /tmp and $TMPDIR.
    outside = Path(tempfile.mkdtemp(prefix="agent-outside-", dir=scratch_dir())) / "outside"
    model = MockModel(command=f"printf sandboxed; touch made-here; touch {outside}")
    await model.start()
    try:
        code, _, stderr = await _run_agent(workdir, model, "touch files", mode)
    finally:
        await model.stop()
    assert code == 0, stderr.decode(errors="replace")[-2000:]
    outputs = model.function_outputs()
    assert outputs and "sandboxed" in outputs[0], outputs
    assert not outside.exists()  # outside the workspace: never writable
    assert (workdir / "made-here").exists() == (mode == "workspace-write"), outputs[0]


async def _run_agent(
    workdir: Path, model: MockModel, prompt: str, sandbox: str | None, server_env: dict[str, str] | None = None
) -> tuple[int, bytes, bytes]:
    """`codex exec` against our server (started in `workdir`); (exit code, stdout, stderr)."""
    codex = native_reference_binary()  # installs the pinned reference on first use
    codex_home = Path(tempfile.mkdtemp(prefix="agent-home-", dir=scratch_dir()))
    async with running_server("execwire", workdir, env=server_env) as server:
        return await run_codex_exec(
            str(codex),
            model,
            str(workdir),
            prompt,
            sandbox=sandbox,
            CODEX_HOME=str(codex_home),
            CODEX_EXEC_SERVER_URL=server.url,
        )

