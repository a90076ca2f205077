"""The generated protocol layer against wire examples of the reference (codex 0.169.0).

Each example is what the reference puts on the wire (from jsonrpc.md, live-findings.md and
probes of the released binary). Validating and dumping back must give the same JSON:
camelCase names, nulls where the reference writes null, absent members left absent.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from execwire.protocol import methods, models
from execwire.protocol.codex.exec_server.relay.v1 import relay_pb2
from execwire.wire import WireModel

ENVIRONMENT_INFO = {
    "shell": {"name": "bash", "path": "/bin/bash"},
    "executorVersion": "0.169.0",
    "providerId": "sha256:2101b24c143ad7dd250ba28b0acfb89d51781d78d013ebcdb1fafdba63feb222",
    "cwd": "file:///work/main",
    "userHomeDir": "file:///root",
    "platformOs": "linux",
    "prependPathDirs": ["file:///opt/codex/codex-path"],
    "temporaryDirectories": [],
    "tempDir": "file:///tmp",
    "capabilities": {
        "networkProxyLaunch": True,
        "networkProxyReviewDomains": True,
        "credentialMasking": True,
        "credentialMaskingCustomProviders": True,
        "capabilityDiscoverySandbox": True,
        "fsWatchMissing": True,
        "capabilityDiscoveryV2": True,
        "environmentConfigRead": True,
        "httpHeaderEnvVars": True,
        "sandboxedFileStreaming": True,
        "fileWriteStreaming": True,
        "shellSnapshotV2": True,
        "windowsMxc": False,
        "linuxRootWritePreservesDevices": True,
        "linuxApprovedRootWritePreservesRestrictions": True,
    },
}

READ_ONLY_SANDBOX = {
    "permissions": {
        "type": "managed",
        "file_system": {
            "type": "restricted",
            "entries": [{"path": {"type": "special", "value": {"kind": "root"}}, "access": "read"}],
        },
        "network": "restricted",
    },
    "cwd": "file:///home/me/proj",
    "workspaceRoots": ["file:///home/me/proj"],
    "windowsSandboxLevel": "disabled",
    "windowsSandboxProxySettingsMode": "reconcile",
    "useLegacyLandlock": False,
}

RESTRICTED_PROFILE = {
    "type": "managed",
    "network": "restricted",
    "file_system": {
        "type": "restricted",
        "glob_scan_max_depth": 2,
        "entries": [
            {"path": {"type": "special", "value": {"kind": "minimal"}}, "access": "read"},
            {"path": {"type": "special", "value": {"kind": "project_roots"}}, "access": "write"},
            {
                "path": {"type": "special", "value": {"kind": "project_roots", "subpath": ".git"}},
                "access": "read",
                "missing_path_behavior": "skip",
            },
            {"path": {"type": "path", "path": "file:///home/me/.cache"}, "access": "write"},
            {"path": {"type": "glob_pattern", "pattern": "**/.env"}, "access": "deny"},
        ],
    },
}

# (model, wire JSON) pairs that must survive validate -> dump unchanged.
ROUND_TRIPS: list[tuple[type[WireModel], dict[str, Any]]] = [
    (models.InitializeParams, {"clientName": "codex-environment", "resumeSessionId": None}),
    (
        models.InitializeResponse,
        {"sessionId": "0b6c2f7e-4d0e-4d7a-9d55-0c1b8c7d2a11", "environmentInfo": ENVIRONMENT_INFO},
    ),
    (models.InitializeResponse, {"sessionId": "0b6c2f7e-4d0e-4d7a-9d55-0c1b8c7d2a11"}),
    (models.EnvironmentInfo, ENVIRONMENT_INFO),
    (
        models.EnvironmentInfo,
        {"shell": {"name": "sh", "path": "/bin/sh"}, "executorVersion": "0.0.0", "cwd": None},
    ),
    (models.EnvironmentStatusResponse, {"status": "ready"}),
    (
        models.ExecParams,
        {
            "processId": "build-1",
            "argv": ["/bin/sh", "-c", "echo hi; echo err >&2; exit 3"],
            "cwd": "file:///home/me/proj",
            "env": {"PATH": "/usr/bin:/bin"},
            "tty": False,
            "pipeStdin": False,
            "arg0": None,
            "enforceManagedNetwork": False,
        },
    ),
    (
        models.ExecParams,
        {
            "processId": "call_1",
            "argv": ["/bin/bash", "-lc", "printf hello"],
            "cwd": "file:///home/me/proj",
            "envPolicy": {
                "inherit": "all",
                "ignoreDefaultExcludes": False,
                "exclude": ["AWS_*"],
                "set": {"FOO": "1"},
                "includeOnly": [],
            },
            "env": {},
            "tty": True,
            "pipeStdin": False,
            "arg0": None,
            "sandbox": READ_ONLY_SANDBOX,
            "enforceManagedNetwork": False,
            "managedNetwork": {"loopbackPorts": [8080], "allowLocalBinding": True},
            "metadata": {
                "threadId": "6d6f8d2c-7d1b-4b1b-9d1b-6d6f8d2c7d1b",
                "toolCallId": "call_1",
            },
        },
    ),
    (models.ExecResponse, {"processId": "build-1", "sandboxType": "none"}),
    (models.ReadParams, {"processId": "p1", "afterSeq": 3, "maxBytes": 0, "waitMs": 500}),
    (
        models.ReadResponse,
        {
            "chunks": [
                {"seq": 1, "stream": "stdout", "chunk": "aGkK"},
                {"seq": 2, "stream": "stderr", "chunk": "ZXJyCg=="},
            ],
            "nextSeq": 5,
            "exited": True,
            "exitCode": 3,
            "closed": True,
            "failure": None,
            "sandboxDenied": False,
        },
    ),
    (
        models.ReadResponse,
        {
            "chunks": [],
            "nextSeq": 1,
            "exited": False,
            "exitCode": None,
            "closed": False,
            "failure": None,
            "sandboxDenied": False,
        },
    ),
    (models.WriteParams, {"processId": "p1", "chunk": "aGkK", "writeId": "1"}),
    (models.WriteResponse, {"status": "stdinClosed"}),
    (models.SignalParams, {"processId": "p1", "signal": "interrupt"}),
    (models.TerminateParams, {"processId": "p1"}),
    (models.TerminateResponse, {"running": True}),
    (models.EmptyResponse, {}),
    (
        models.ProcessOutputNotification,
        {"processId": "p1", "seq": 1, "stream": "pty", "chunk": "aGkK"},
    ),
    (
        models.ProcessExitedNotification,
        {"processId": "p1", "seq": 3, "exitCode": 137, "sandboxDenied": False},
    ),
    (models.ProcessClosedNotification, {"processId": "p1", "seq": 4}),
    (models.FsReadFileParams, {"path": "file:///etc/hostname"}),
    (
        models.FsReadFileParams,
        {"path": "file:///etc/hostname", "sandbox": READ_ONLY_SANDBOX, "followSymlinks": False},
    ),
    (models.FsReadFileResponse, {"dataBase64": "dm0K"}),
    (models.FsWriteFileParams, {"path": "file:///tmp/a%20b", "dataBase64": "aGk="}),
    (models.FsCreateDirectoryParams, {"path": "file:///tmp/d/a/b", "recursive": False}),
    (
        models.FsGetMetadataResponse,
        {
            "isDirectory": True,
            "isFile": False,
            "isSymlink": False,
            "size": 4096,
            "createdAtMs": 0,
            "modifiedAtMs": 1795277848624,
        },
    ),
    (
        models.FsReadDirectoryResponse,
        {"entries": [{"fileName": "a", "isDirectory": False, "isFile": True}]},
    ),
    (models.FsRemoveParams, {"path": "file:///tmp/d", "recursive": True, "force": False}),
    (
        models.FsCopyParams,
        {"sourcePath": "file:///tmp/a", "destinationPath": "file:///tmp/b", "recursive": True},
    ),
    (
        models.FileSystemSandboxContext,
        {
            "permissions": RESTRICTED_PROFILE,
            "cwd": "file:///home/me/proj",
            "workspaceRoots": ["file:///home/me/proj", "file:///srv/other"],
            "userHomeDir": "file:///home/me",
            "temporaryDirectories": ["file:///tmp"],
            "windowsSandboxLevel": "restricted-token",
            "windowsSandboxProxySettingsMode": "preserve",
            "useLegacyLandlock": False,
        },
    ),
    (
        models.FileSystemSandboxContext,
        {
            "permissions": {"type": "external", "network": "enabled"},
            "workspaceRoots": [],
            "windowsSandboxLevel": "disabled",
            "useLegacyLandlock": False,
        },
    ),
    (
        models.JsonRpcErrorResponse,
        {"id": -1, "error": {"code": -32600, "message": "unknown process id p9"}},
    ),
]


@pytest.mark.parametrize(
    ("model", "wire"),
    ROUND_TRIPS,
    ids=[f"{model.__name__}-{index}" for index, (model, _) in enumerate(ROUND_TRIPS)],
)
def test_wire_example_round_trips(model: type[WireModel], wire: dict[str, Any]) -> None:
    assert model.model_validate(wire).to_wire() == wire


def test_optional_members_are_omitted_unless_the_reference_writes_null() -> None:
    response = models.ReadResponse(chunks=[], next_seq=1, exited=False, closed=False)
    assert response.to_wire() == {
        "chunks": [],
        "nextSeq": 1,
        "exited": False,
        "exitCode": None,
        "closed": False,
        "failure": None,
        "sandboxDenied": False,
    }
    info = models.EnvironmentInfo(shell=models.EnvironmentShell(name="sh", path="/bin/sh"))
    assert info.to_wire() == {"shell": {"name": "sh", "path": "/bin/sh"}, "cwd": None, "executorVersion": "0.0.0"}


def test_byte_chunks_are_bytes_in_python_and_base64_on_the_wire() -> None:
    notification = models.ProcessOutputNotification.model_validate(
        {"processId": "p", "seq": 1, "stream": "stdout", "chunk": "aGkK"}
    )
    assert notification.chunk == b"hi\n"
    built = models.WriteParams(process_id="p", chunk=b"\x00\xff", write_id="w")
    assert built.to_wire() == {"processId": "p", "chunk": "AP8=", "writeId": "w"}


def test_path_uris_are_canonicalized() -> None:
    params = models.FsReadFileParams.model_validate({"path": "FILE://localhost/etc/hostname"})
    assert params.path == "file:///etc/hostname"


def _error_fields(model: type[WireModel], wire: Any) -> list[tuple[str, ...]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(wire)
    return [tuple(str(part) for part in error["loc"]) for error in info.value.errors()]


def _base_exec(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "processId": "p",
        "argv": ["true"],
        "cwd": "file:///tmp",
        "env": {},
        "tty": False,
    }
    params.update(overrides)
    return params


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"argv": []}, ("argv",)),
        ({"cwd": "tmp"}, ("cwd",)),
        ({"cwd": "/tmp"}, ("cwd",)),
        ({"cwd": "http://host/tmp"}, ("cwd",)),
        ({"tty": "no"}, ("tty",)),
        ({"env": {"A": 1}}, ("env", "A")),
        ({"argv": "true"}, ("argv",)),
        ({"envPolicy": {"inherit": "bogus"}}, ("envPolicy", "inherit")),
        ({"metadata": {"threadId": "x"}}, ("metadata", "threadId")),
        ({"managedNetwork": {"loopbackPorts": [70000]}}, ("managedNetwork", "loopbackPorts", "0")),
    ],
)
def test_bad_exec_params_name_the_field(overrides: dict[str, Any], field: tuple[str, ...]) -> None:
    assert field in _error_fields(models.ExecParams, _base_exec(**overrides))


def test_missing_required_field_is_named() -> None:
    params = _base_exec()
    del params["tty"]
    assert ("tty",) in _error_fields(models.ExecParams, params)


def test_bad_base64_chunk_names_the_field_and_the_reference_message() -> None:
    with pytest.raises(ValidationError) as info:
        models.WriteParams.model_validate({"processId": "p", "chunk": "aGk", "writeId": "w"})
    (error,) = info.value.errors()
    assert error["loc"] == ("chunk",)
    assert "Invalid padding" in error["msg"]


def test_unknown_members_are_ignored_like_the_reference() -> None:
    params = models.ExecParams.model_validate(_base_exec(shellSnapshot={"scopeId": "x"}))
    assert "shellSnapshot" not in params.to_wire()


def test_method_table_covers_every_method_of_the_reference() -> None:
    reference = {name for name, spec in methods.REQUESTS.items() if not spec.extension}
    extensions = {name for name, spec in methods.REQUESTS.items() if spec.extension}
    assert extensions == {
        "execwire/walkTree",
        "execwire/resize",
        "execwire/closeStdin",
        "execwire/signal",
        "execwire/listProcesses",
        "execwire/fileDigest",
        "execwire/commitFile",
        "execwire/discardFile",
        "execwire/watch",
        "execwire/unwatch",
    }
    assert all(name.startswith("execwire/") for name in extensions)
    assert reference == {
        "initialize",
        "environment/info",
        "environment/status",
        "process/start",
        "process/read",
        "process/write",
        "process/signal",
        "process/terminate",
        "fs/readFile",
        "fs/writeFile",
        "fs/createDirectory",
        "fs/getMetadata",
        "fs/canonicalize",
        "fs/walk",
        "fs/open",
        "fs/readBlock",
        "fs/writeBlock",
        "fs/close",
        "fs/watchMissing",
        "http/request",
        "capabilityRoots/discoverV1",
        "capabilities/discoverV2",
        "environmentConfig/read",
        "fs/readDirectory",
        "fs/remove",
        "fs/copy",
    }
    assert set(methods.NOTIFICATIONS) == {
        "initialized",
        "process/output",
        "process/exited",
        "process/closed",
        "fs/missingChanged",
        "http/request/bodyDelta",
        "execwire/changed",
    }
    start = methods.REQUESTS["process/start"]
    assert (start.params_type, start.result_type, start.family) == (
        models.ExecParams,
        models.ExecResponse,
        "exec",
    )
    assert methods.REQUESTS["environment/info"].params_unit
    assert methods.SERVER_NOTIFICATION_METHODS[models.ProcessExitedNotification] == "process/exited"
    assert methods.ERROR_CODES["SessionAlreadyAttached"] == -32010


def _frame(**kwargs: Any) -> relay_pb2.RelayMessageFrame:
    return relay_pb2.RelayMessageFrame(version=1, stream_id="s-1", **kwargs)


@pytest.mark.parametrize(
    ("frame", "expected_hex"),
    [
        (_frame(resume=relay_pb2.RelayResume(next_seq=0)), "08 01 12 03 73 2d 31 3a 00"),
        (
            _frame(data=relay_pb2.RelayData(seq=0, segment_count=1, payload=b"\xaa\xbb")),
            "08 01 12 03 73 2d 31 2a 06 18 01 22 02 aa bb",
        ),
        (
            _frame(ack=2, ack_bits=2, ack_frame=relay_pb2.RelayAck()),
            "08 01 12 03 73 2d 31 18 02 20 02 32 00",
        ),
        (
            _frame(handshake=relay_pb2.RelayHandshake(payload=b"\x01\x02")),
            "08 01 12 03 73 2d 31 52 04 0a 02 01 02",
        ),
    ],
    ids=["resume", "data", "ack", "handshake"],
)
def test_relay_frames_encode_to_the_reference_bytes(
    frame: relay_pb2.RelayMessageFrame, expected_hex: str
) -> None:
    encoded = frame.SerializeToString()
    assert encoded == bytes.fromhex(expected_hex)
    assert relay_pb2.RelayMessageFrame.FromString(encoded) == frame


def test_relay_frame_oneof_names_the_body() -> None:
    frame = _frame(reset=relay_pb2.RelayReset(reason="noise_relay_protocol_error"))
    assert frame.WhichOneof("body") == "reset"
    assert relay_pb2.RelayMessageFrame.DESCRIPTOR.full_name == (
        "codex.exec_server.relay.v1.RelayMessageFrame"
    )
