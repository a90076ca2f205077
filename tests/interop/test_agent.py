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
    server_log: list[str] = []
    try:
        code, stdout, stderr = await _run_agent(
            workdir, model, "print the marker", None, {"EXECWIRE_AGENT_MARKER": marker}, server_log
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
    # With our capabilities advertised the agent also watches for missing files and reads
    # the executor's config; every request was answered (only lookups of absent files fail).
    answered = [line.split("request ", 1)[1] for line in server_log if " request " in line]
    methods = {entry.split(" answered")[0] for entry in answered}
    assert {"initialize", "fs/getMetadata", "fs/readFile", "process/start"} <= methods, methods
    assert {"fs/watchMissing", "environmentConfig/read"} <= methods, methods
    failures = [entry for entry in answered if "answered error" in entry]
    assert all(entry.startswith("fs/getMetadata answered error -32004") for entry in failures), failures


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
    workdir: Path,
    model: MockModel,
    prompt: str,
    sandbox: str | None,
    server_env: dict[str, str] | None = None,
    server_log: list[str] | None = None,
) -> tuple[int, bytes, bytes]:
    """`codex exec` against our server (started in `workdir`); (exit code, stdout, stderr).
    With `server_log`, the server logs every request and its log lines are appended."""
    codex = native_reference_binary()  # installs the pinned reference on first use
    codex_home = Path(tempfile.mkdtemp(prefix="agent-home-", dir=scratch_dir()))
    env = dict(server_env or {}, **({"EXECWIRE_LOG_LEVEL": "DEBUG"} if server_log is not None else {}))
    async with running_server("execwire", workdir, env=env) as server:
        answer = await run_codex_exec(
            str(codex),
            model,
            str(workdir),
            prompt,
            sandbox=sandbox,
            CODEX_HOME=str(codex_home),
            CODEX_EXEC_SERVER_URL=server.url,
        )
        if server_log is not None:
            server_log.extend(server.stderr_path.read_text(errors="replace").splitlines())
        return answer

