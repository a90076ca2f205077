"""Params decoding reproduces the reference's serde errors (each row observed on codex 0.169.0)."""

from __future__ import annotations

from typing import Any

import pytest

from execwire.protocol import models
from execwire.protocol.methods import REQUESTS
from execwire_server.params import DeferredParamsError, ParamsError, decode_params

START = {"processId": "b", "argv": ["true"], "cwd": "file:///tmp", "env": {}, "tty": False}


def _start(**overrides: Any) -> dict[str, Any]:
    return {**START, **overrides}


def _sandbox(permissions: Any, **extra: Any) -> dict[str, Any]:
    return {"permissions": permissions, "windowsSandboxLevel": "disabled", **extra}


def _restricted(entries: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "managed", "network": "restricted", "file_system": {"type": "restricted", "entries": entries, **extra}}


REJECTED: list[tuple[str, Any, str]] = [
    ("process/start", {}, "missing field `processId`"),
    ("process/start", None, "invalid type: null, expected struct WireExecParams"),
    ("process/start", "str", 'invalid type: string "str", expected struct WireExecParams'),
    ("process/start", 5, "invalid type: number, expected struct WireExecParams"),
    ("process/start", True, "invalid type: boolean `true`, expected struct WireExecParams"),
    ("process/start", [1, 2], "invalid type: number, expected a string"),
    ("process/start", _start(cwd="tmp"), "invalid URI: relative URL without a base"),
    ("process/start", _start(cwd="http://x/tmp"), "unsupported path URI scheme `http`"),
    ("process/start", _start(argv="x"), 'invalid type: string "x", expected a sequence'),
    ("process/start", _start(argv=[1]), "invalid type: number, expected a string"),
    ("process/start", _start(processId=5), "invalid type: number, expected a string"),
    ("process/start", _start(processId={}), "invalid type: map, expected a string"),
    ("process/start", _start(env=[]), "invalid type: sequence, expected a map"),
    ("process/start", _start(env={"A": 1}), "invalid type: number, expected a string"),
    ("process/start", _start(tty="no"), 'invalid type: string "no", expected a boolean'),
    ("process/start", _start(tty=None), "invalid type: null, expected a boolean"),
    ("process/start", {k: v for k, v in START.items() if k != "tty"}, "missing field `tty`"),
    ("process/start", {"tty": 1, "processId": 5}, "invalid type: number, expected a boolean"),
    ("process/start", _start(arg0=5), "invalid type: number, expected a string"),
    ("process/start", _start(pipeStdin=None), "invalid type: null, expected a boolean"),
    ("process/start", _start(enforceManagedNetwork=None), "invalid type: null, expected a boolean"),
    ("process/start", _start(envPolicy="x"), 'invalid type: string "x", expected struct ExecEnvPolicy'),
    ("process/start", _start(envPolicy={"inherit": "bogus"}), "unknown variant `bogus`, expected one of `core`, `all`, `none`"),
    ("process/start", _start(envPolicy={"inherit": 5}), "invalid type: number, expected string or map"),
    ("process/start", _start(envPolicy={"inherit": "core"}), "missing field `ignoreDefaultExcludes`"),
    ("process/start", _start(managedNetwork="x"), 'invalid type: string "x", expected struct ManagedNetworkSandboxContext'),
    ("process/start", _start(managedNetwork={"loopbackPorts": ["x"], "allowLocalBinding": True}), 'invalid type: string "x", expected u16'),
    ("process/start", _start(managedNetwork={"loopbackPorts": [70000], "allowLocalBinding": True}), "invalid number"),
    ("process/start", _start(metadata="x"), 'invalid type: string "x", expected struct ExecMetadata'),
    ("process/start", _start(metadata={"threadId": 5}), "invalid type: number, expected a string"),
    ("process/start", _start(metadata={"threadId": "x"}), "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at 1"),
    ("process/start", _start(sandbox="x"), 'invalid type: string "x", expected struct WireFileSystemSandboxContext'),
    ("process/start", _start(sandbox={"permissions": {"type": "disabled"}}), "missing field `windowsSandboxLevel`"),
    ("process/start", _start(sandbox=_sandbox("x")), 'invalid type: string "x", expected internally tagged enum ExecPermissionProfile'),
    ("process/start", _start(sandbox=_sandbox({})), "missing field `type`"),
    ("process/start", _start(sandbox=_sandbox({"type": 5})), "invalid type: number, expected variant identifier"),
    ("process/start", _start(sandbox=_sandbox({"type": "nope"})), "unknown variant `nope`, expected one of `managed`, `disabled`, `external`"),
    ("process/start", _start(sandbox=_sandbox({"type": "external"})), "missing field `network`"),
    ("process/start", _start(sandbox=_sandbox({"type": "managed", "network": "bogus", "file_system": {"type": "unrestricted"}})), "unknown variant `bogus`, expected `restricted` or `enabled`"),
    ("process/start", _start(sandbox=_sandbox({"type": "managed", "network": "restricted", "file_system": "x"})), 'invalid type: string "x", expected internally tagged enum ExecManagedFileSystemPermissions'),
    ("process/start", _start(sandbox=_sandbox({"type": "managed", "network": "restricted", "file_system": {"type": "bogus"}})), "unknown variant `bogus`, expected `restricted` or `unrestricted`"),
    ("process/start", _start(sandbox=_sandbox(_restricted(["x"]))), 'invalid type: string "x", expected struct ExecFileSystemSandboxEntry'),
    ("process/start", _start(sandbox=_sandbox(_restricted([{"path": "x", "access": "read"}]))), 'invalid type: string "x", expected internally tagged enum ExecFileSystemPath'),
    ("process/start", _start(sandbox=_sandbox(_restricted([{"path": {"type": "bogus"}, "access": "read"}]))), "unknown variant `bogus`, expected one of `path`, `glob_pattern`, `special`"),
    ("process/start", _start(sandbox=_sandbox(_restricted([{"path": {"type": "special", "value": "x"}, "access": "read"}]))), 'invalid type: string "x", expected internally tagged enum FileSystemSpecialPath'),
    ("process/start", _start(sandbox=_sandbox(_restricted([{"path": {"type": "special", "value": {"kind": "bogus"}}, "access": "read"}]))), "unknown variant `bogus`, expected one of `root`, `minimal`, `current_working_directory`, `project_roots`, `tmpdir`, `slash_tmp`, `unknown`"),
    ("process/start", _start(sandbox=_sandbox(_restricted([{"path": {"type": "path", "path": "file:///x"}, "access": "bogus"}]))), "unknown variant `bogus`, expected one of `read`, `write`, `deny`, `none`"),
    ("process/start", _start(sandbox=_sandbox(_restricted([{"path": {"type": "path", "path": "file:///x"}, "access": "read", "missing_path_behavior": "bogus"}]))), "unknown variant `bogus`, expected `skip`"),
    ("process/start", _start(sandbox=_sandbox(_restricted([], glob_scan_max_depth="x"))), 'invalid type: string "x", expected a nonzero usize'),
    ("process/start", _start(sandbox=_sandbox(_restricted([], glob_scan_max_depth=0))), "invalid value: integer `0`, expected a nonzero usize"),
    ("process/start", _start(sandbox=_sandbox({"type": "external"}, windowsSandboxLevel="bogus")), "missing field `network`"),
    ("process/start", _start(sandbox=_sandbox({"type": "disabled"}, windowsSandboxProxySettingsMode="bogus")), "unknown variant `bogus`, expected `reconcile` or `preserve`"),
    ("process/start", _start(sandbox=_sandbox({"type": "disabled"}, cwd="x")), "invalid URI: relative URL without a base"),
    ("process/start", _start(sandbox=_sandbox({"type": "disabled"}, workspaceRoots="x")), 'invalid type: string "x", expected a sequence'),
    ("process/read", {"processId": "a", "afterSeq": -1}, "invalid number"),
    ("process/read", {"processId": "a", "afterSeq": 1.5}, "invalid number"),
    ("process/read", {"processId": "a", "afterSeq": 18446744073709551616}, "invalid number"),
    ("process/read", {"processId": "a", "afterSeq": "x"}, 'invalid type: string "x", expected u64'),
    ("process/read", {"processId": "a", "maxBytes": "x"}, 'invalid type: string "x", expected usize'),
    ("process/read", {"processId": "a", "waitMs": True}, "invalid type: boolean `true`, expected u64"),
    ("process/read", {"processId": "a", "waitMs": 1e3}, "invalid number"),
    ("process/write", {"processId": "zz", "chunk": "aGk", "writeId": "1"}, "Invalid padding"),
    ("process/write", {"processId": "zz", "chunk": "aGk="}, "missing field `writeId`"),
    ("process/signal", {"processId": "b", "signal": "kill"}, "unknown variant `kill`, expected `interrupt`"),
    ("process/signal", {"processId": "z", "signal": 5}, "invalid type: number, expected string or map"),
    ("process/signal", {"processId": "z"}, "missing field `signal`"),
    ("process/terminate", {}, "missing field `processId`"),
    ("process/terminate", {"processId": None}, "invalid type: null, expected a string"),
    ("initialize", {}, "missing field `clientName`"),
    ("initialize", None, "invalid type: null, expected struct InitializeParams"),
    ("initialize", {"clientName": "x", "resumeSessionId": 5}, "invalid type: number, expected a string"),
    ("environment/info", {"a": 1}, "invalid type: map, expected unit"),
    ("environment/info", [], "invalid type: sequence, expected unit"),
    ("environment/status", 5, "invalid type: number, expected unit"),
    ("environment/status", "s", 'invalid type: string "s", expected unit'),
    ("fs/readFile", {"path": "/etc/hostname"}, "invalid URI: relative URL without a base"),
    ("fs/readFile", {"path": "file:///etc/hostname?x=1"}, "query parameters are not allowed in path URIs"),
    ("fs/readFile", {"path": "file:///etc/hostname#f"}, "fragments are not allowed in path URIs"),
    ("fs/readFile", {"path": 5}, "invalid type: number, expected a string"),
    ("fs/readFile", {"path": "file:///etc/hostname", "followSymlinks": "x"}, 'invalid type: string "x", expected a boolean'),
    ("fs/readFile", {"path": "file:///etc/hostname", "sandbox": "x"}, 'invalid type: string "x", expected struct WireFileSystemSandboxContext'),
    ("fs/createDirectory", {"path": "file:///tmp/x", "recursive": "x"}, 'invalid type: string "x", expected a boolean'),
    ("fs/copy", {"sourcePath": "file:///a", "destinationPath": "file:///b"}, "missing field `recursive`"),
    ("fs/copy", {"sourcePath": "file:///a", "destinationPath": "file:///b", "recursive": None}, "invalid type: null, expected a boolean"),
    ("fs/readFile", None, "invalid type: null, expected struct WireFsReadFileParams"),
    ("process/start", [], "invalid length 0, expected struct WireExecParams with 14 elements"),
    ("process/terminate", [], "invalid length 0, expected struct TerminateParams with 1 element"),
    ("initialize", [], "invalid length 0, expected struct InitializeParams with 2 elements"),
    ("process/signal", {"processId": "p", "signal": {}}, "invalid value: map, expected map with a single key"),
    ("process/start", _start(sandbox=_sandbox(7)), "invalid type: integer `7`, expected internally tagged enum ExecPermissionProfile"),
    ("process/start", _start(sandbox=_sandbox(-1)), "invalid type: integer `-1`, expected internally tagged enum ExecPermissionProfile"),
    ("process/start", _start(sandbox=_sandbox(1.5)), "invalid type: floating point `1.5`, expected internally tagged enum ExecPermissionProfile"),
    ("process/start", _start(sandbox=_sandbox(2**64)), "invalid type: integer `18446744073709551616` as u128, expected internally tagged enum ExecPermissionProfile"),
    ("process/start", _start(sandbox=_sandbox({"type": "disabled"}, windowsSandboxLevel=5)), "invalid type: number, expected string or map"),
    ("process/start", _start(sandbox=_sandbox({"type": "disabled"}, windowsSandboxLevel={})), "invalid value: map, expected map with a single key"),
    ("process/start", _start(sandbox=_sandbox([])), "missing field `type`"),
    ("process/start", _start(sandbox=_sandbox({"type": "managed"})), "missing field `file_system`"),
    ("process/start", _start(sandbox=_sandbox({"type": "disabled"}, workspaceRoots=None)), "invalid type: null, expected a sequence"),
    ("process/start", _start(sandbox=_sandbox({"type": "disabled"}, useLegacyLandlock=None)), "invalid type: null, expected a boolean"),
    ("process/start", _start(managedNetwork={"loopbackPorts": None}), "invalid type: null, expected a sequence"),
    ("process/start", _start(managedNetwork={"allowLocalBinding": None}), "invalid type: null, expected a boolean"),
    ("process/start", _start(sandbox=_sandbox({"type": "disabled"}, windowsSandboxLevel="restrictedToken")), "unknown variant `restrictedToken`, expected one of `disabled`, `restricted-token`, `elevated`, `mxc`"),
    ("fs/writeFile", "s", 'invalid type: string "s", expected struct WireFsWriteFileParams'),
    # Rust's Debug escapes what is not printable or a combining mark (as the envelope does).
    ("fs/readFile", {"path": "file:///etc/hostname", "followSymlinks": "a\u0301\u00a0\u00e9"}, 'invalid type: string "a\\u{301}\\u{a0}\u00e9", expected a boolean'),
]


@pytest.mark.parametrize(("method", "raw", "message"), REJECTED)
def test_rejected_params_give_the_reference_message(method: str, raw: Any, message: str) -> None:
    with pytest.raises(ParamsError) as info:
        decode_params(REQUESTS[method], raw)
    assert info.value.message == message


@pytest.mark.parametrize(
    ("method", "raw", "message"),
    [
        ("process/start", _start(argv=[]), "argv must not be empty"),
        ("process/write", {"processId": "p", "chunk": "aGk=", "writeId": ""}, "writeId must not be empty"),
    ],
)
def test_handler_level_checks_are_deferred_past_the_lifecycle_gate(method: str, raw: Any, message: str) -> None:
    assert decode_params(REQUESTS[method], raw) == DeferredParamsError(message)


def test_valid_params_decode_to_models_and_unknown_members_are_ignored() -> None:
    decoded = decode_params(
        REQUESTS["process/start"],
        _start(
            metadata={"threadId": "6d6f8d2c-7d1b-4b1b-9d1b-6d6f8d2c7d1b", "toolCallId": "c", "other": 1},
            shellSnapshot={"scopeId": "x"},
            cwd="file://localhost/tmp",
        ),
    )
    assert isinstance(decoded, models.ExecParams)
    assert decoded.cwd == "file:///tmp"
    assert decoded.metadata is not None and decoded.metadata.tool_call_id == "c"


def test_positional_params_fill_members_in_order() -> None:
    decoded = decode_params(REQUESTS["initialize"], ["c"])
    assert isinstance(decoded, models.InitializeParams) and decoded.client_name == "c"


@pytest.mark.parametrize("raw", [None, {}])
def test_unit_params_accept_absent_null_and_empty_object(raw: Any) -> None:
    assert isinstance(decode_params(REQUESTS["environment/info"], raw), models.EnvironmentInfoParams)


def test_snake_case_names_are_not_wire_names() -> None:
    with pytest.raises(ParamsError) as info:
        decode_params(REQUESTS["process/terminate"], {"process_id": "p"})
    assert info.value.message == "missing field `processId`"
