"""A tiny Responses-API model server (SSE) that scripts the real Codex agent.

`codex exec` pointed at this server as its model provider asks it what to do: the first
turn answers with an `exec_command` function call, the next turn (which carries the
command's output as `function_call_output`) with a final assistant message. Every request
body is kept, so a test can check that the command ran and its output reached the model.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from typing import Any


def _sse(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


@dataclass
class MockModel:
    """Serves `POST /v1/responses`; turn 1 runs `command`, later turns say `final_text`."""

    command: str
    final_text: str = "done"
    requests: list[dict[str, Any]] = field(default_factory=list)
    _server: asyncio.Server | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def function_outputs(self) -> list[str]:
        """The `function_call_output` texts the agent sent back to the model."""
        outputs = []
        for body in self.requests:
            for item in body.get("input", []):
                if isinstance(item, dict) and item.get("type") == "function_call_output":
                    output = item.get("output")
                    outputs.append(output if isinstance(output, str) else json.dumps(output))
        return outputs

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            headers = {}
            for line in head.decode("latin-1").split("\r\n")[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = json.loads(body) if body else {}
            self.requests.append(request)
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                b"cache-control: no-cache\r\nconnection: close\r\n\r\n"
            )
            for event in self._turn(len(self.requests)):
                writer.write(_sse(event))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, json.JSONDecodeError):
            pass
        finally:
            writer.close()

    def _turn(self, number: int) -> list[dict[str, Any]]:
        response_id = f"resp_{number}"
        if number == 1:
            item: dict[str, Any] = {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": "exec_command",
                "arguments": json.dumps({"cmd": self.command}),
            }
        else:
            item = {
                "type": "message",
                "id": f"msg_{number}",
                "role": "assistant",
                "content": [{"type": "output_text", "text": self.final_text}],
            }
        usage = {
            "input_tokens": 1,
            "input_tokens_details": None,
            "output_tokens": 1,
            "output_tokens_details": None,
            "total_tokens": 2,
        }
        return [
            {"type": "response.created", "response": {"id": response_id}},
            {"type": "response.output_item.done", "item": item},
            {"type": "response.completed", "response": {"id": response_id, "usage": usage}},
        ]


def codex_exec_arguments(
    model: MockModel, workdir: str, prompt: str, sandbox: str | None = None
) -> list[str]:
    """`codex exec` arguments that use `model` as the provider (live-findings Part D).

    `sandbox` None bypasses the agent's sandbox; otherwise it is the agent's `-s` mode
    (`read-only` is its default), which it sends to the executor as sandbox intent."""
    sandbox_arguments = (
        ["--dangerously-bypass-approvals-and-sandbox"] if sandbox is None else ["-s", sandbox]
    )
    return [
        "exec",
        "-c", "model_provider=mock",
        "-c", 'model_providers.mock.name="mock"',
        "-c", f'model_providers.mock.base_url="{model.base_url}"',
        "-c", 'model_providers.mock.wire_api="responses"',
        "-c", "model_providers.mock.request_max_retries=0",
        "-c", "model_providers.mock.stream_max_retries=0",
        "-c", "model_providers.mock.supports_websockets=false",
        "--skip-git-repo-check",
        *sandbox_arguments,
        "-C", workdir,
        prompt,
    ]  # fmt: skip


async def run_codex_exec(
    codex: str,
    model: MockModel,
    workdir: str,
    prompt: str,
    *,
    sandbox: str | None,
    **environment: str,
) -> tuple[int, bytes, bytes]:
    """Run `codex exec` (see `codex_exec_arguments`) in this process's environment minus
    any Codex/OpenAI/execwire settings, plus `environment`; (exit code, stdout, stderr)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CODEX_", "OPENAI_", "EXECWIRE_"))
    }
    env.update(environment)
    agent = await asyncio.create_subprocess_exec(
        codex,
        *codex_exec_arguments(model, workdir, prompt, sandbox=sandbox),
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = await asyncio.wait_for(agent.communicate(), 120)
    finally:
        if agent.returncode is None:
            os.killpg(agent.pid, 9)
            await agent.wait()
    assert agent.returncode is not None
    return agent.returncode, stdout, stderr
