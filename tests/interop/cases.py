"""The scenario catalog: small named cases, grouped by topic.

Every case runs against a fresh server with a fresh work directory (`$tmp`, `$uri`).
Cases that start processes wait for them (`wait_process`/`settle`) so that the set of
notifications received is deterministic.
"""

from __future__ import annotations

import base64
import copy
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .scenario import (
    ABSENT,
    Case,
    Json,
    Step,
    StepLike,
    call,
    check_closed,
    collect,
    connect_new,
    disconnect,
    expect,
    flatten,
    init,
    let,
    local,
    notify,
    quiet,
    send,
    serve_http,
    settle,
    sleep,
    snapshot,
    use,
    wait_process,
)

CASES: list[Case] = []
PATH = "/usr/local/bin:/usr/bin:/bin"
UNKNOWN_SESSION = "00000000-0000-4000-8000-000000000000"
THREAD_ID = "11111111-2222-4333-8444-555555555555"


# Methods newer than the spec's table (served by 0.169.0 and by execwire since issue 13);
# their lifecycle gate is observed in a case of its own.
NEWER_METHODS = frozenset(
    {
        "fs/canonicalize",
        "fs/walk",
        "fs/open",
        "fs/readBlock",
        "fs/close",
        "fs/watchMissing",
        "http/request",
        "capabilityRoots/discoverV1",
        "environmentConfig/read",
    }
)


def case(
    name: str,
    group: str,
    *steps: StepLike,
    setup: Callable[[Path], None] | None = None,
    doc: str = "",
    divergence: str | None = None,
) -> None:
    """Register a case (names are unique)."""
    if any(c.name == name for c in CASES):
        raise ValueError(f"duplicate case name {name}")
    flat = flatten(steps)
    CASES.append(Case(name, group, flat, setup, doc, divergence))


def b64(data: str | bytes) -> str:
    """Standard padded base64 of `data`."""
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


# --------------------------------------------------------------------------- helpers


def sh(script: str) -> list[str]:
    """argv running `script` with /bin/sh."""
    return ["/bin/sh", "-c", script]


def start_params(pid: str, argv: list[str], **extra: Json) -> dict[str, Json]:
    """Minimal valid `process/start` params plus `extra`."""
    return {
        "processId": pid,
        "argv": argv,
        "cwd": "$uri",
        "env": {"PATH": PATH},
        "tty": False,
    } | extra


def start(
    pid: str, script: str | None = None, *, argv: list[str] | None = None, **extra: Json
) -> Step:
    """`process/start` of `script` (or `argv`)."""
    return call(
        "process/start",
        start_params(pid, argv if argv is not None else sh(script or "true"), **extra),
    )


def run(pid: str, script: str, **extra: Json) -> list[Step]:
    """Start `script` and wait for `process/closed`."""
    return [start(pid, script, **extra), wait_process(pid)]


def read(pid: str, *, min_ms: int | None = None, **params: Json) -> Step:
    """`process/read`; `min_ms` records whether the call took at least that long."""
    return call("process/read", {"processId": pid} | params, min_ms=min_ms)


def write(pid: str, data: str | bytes, write_id: str = "w1") -> Step:
    """`process/write` of `data`."""
    return call("process/write", {"processId": pid, "chunk": b64(data), "writeId": write_id})


def terminate(pid: str) -> Step:
    """`process/terminate`."""
    return call("process/terminate", {"processId": pid})


def fs(method: str, **params: Json) -> Step:
    """`fs/<method>` with keyword params."""
    return call(f"fs/{method}", params)


def layout(root: Path) -> None:
    """The standard filesystem layout used by fs and process cases."""
    (root / "f.txt").write_text("hello")
    (root / "empty.txt").write_text("")
    (root / "dir" / "sub").mkdir(parents=True)
    (root / "dir" / "a.txt").write_text("A")
    (root / "dir" / "sub" / "b.txt").write_text("B")
    (root / "emptydir").mkdir()
    (root / "link-f").symlink_to("f.txt")
    (root / "link-dir").symlink_to("dir")
    (root / "dangling").symlink_to("missing")
    os.mkfifo(root / "fifo")
    script = root / "noexec.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)


GATED: list[tuple[str, Json]] = [
    ("process/start", start_params("g", ["true"])),
    ("process/read", {"processId": "g"}),
    ("process/write", {"processId": "g", "chunk": "", "writeId": "w"}),
    ("process/signal", {"processId": "g", "signal": "interrupt"}),
    ("process/terminate", {"processId": "g"}),
    ("fs/readFile", {"path": "$uri/f.txt"}),
    ("fs/getMetadata", {"path": "$uri/f.txt"}),
    ("fs/open", {"handleId": "h", "path": "$uri/f.txt"}),
    (
        "fs/walk",
        {
            "path": "$uri",
            "options": {
                "maxDepth": 1,
                "maxDirectories": 1,
                "maxEntries": 1,
                "followDirectorySymlinks": False,
            },
        },
    ),
    ("environment/info", ABSENT),
    ("environment/status", ABSENT),
    (
        "http/request",
        {"method": "GET", "url": "http://127.0.0.1:1/", "headers": [], "requestId": "r"},
    ),
    ("capabilityRoots/discoverV1", {"roots": []}),
]


def gated_calls(extended: bool = False) -> list[Step]:
    """One valid call per method family (to observe the lifecycle gate)."""
    return [
        call(method, params)
        for method, params in GATED
        if (method in NEWER_METHODS) == extended
    ]


# --------------------------------------------------------------------------- lifecycle

case(
    "lifecycle_initialize_ok",
    "lifecycle",
    init(),
    call("environment/status"),
    read("nope"),
    doc="initialize → initialized → gated methods work",
)
case(
    "lifecycle_gate_before_initialize",
    "lifecycle",
    gated_calls(),
    init(),
    call("environment/status"),
    setup=layout,
    doc="every method family before initialize; the connection stays usable",
)
case(
    "lifecycle_gate_before_initialized",
    "lifecycle",
    call("initialize", {"clientName": "c"}),
    gated_calls(),
    notify("initialized"),
    call("environment/status"),
    setup=layout,
)
case(
    "lifecycle_gate_extended_methods",
    "lifecycle",
    gated_calls(extended=True),
    call("initialize", {"clientName": "c"}),
    gated_calls(extended=True),
    setup=layout,
    doc="the gate of the methods outside execwire's API",
)
case(
    "lifecycle_params_decoded_before_gate",
    "lifecycle",
    call("process/start", {}),
    call("fs/readFile", {}),
    call("environment/info", "x"),
    call("process/read", {"processId": 5}),
    call("initialize", {"clientName": "c"}),
    call("process/start", {}),
    call("fs/readFile", {"path": "/native"}),
)
case(
    "lifecycle_unknown_method_before_initialize",
    "lifecycle",
    call("foo/bar"),
    call("initialized"),
    init(),
)
case(
    "lifecycle_double_initialize",
    "lifecycle",
    init(),
    call("initialize", {"clientName": "again"}),
    call("initialize", {"clientName": "again", "resumeSessionId": "$session"}),
    call("environment/status"),
)
case(
    "lifecycle_double_initialize_before_initialized",
    "lifecycle",
    call("initialize", {"clientName": "c"}),
    call("initialize", {"clientName": "c"}),
    notify("initialized"),
    call("environment/status"),
)
case(
    "lifecycle_initialized_as_request",
    "lifecycle",
    init(),
    call("initialized"),
    call("initialized", {}),
    call("environment/status"),
)
case("lifecycle_initialized_before_initialize", "lifecycle", notify("initialized"), check_closed())
case(
    "lifecycle_initialized_twice",
    "lifecycle",
    init(),
    notify("initialized"),
    notify("initialized", [1, 2]),
    call("environment/status"),
    check_closed(0.3),
)
case(
    "lifecycle_initialized_params_ignored",
    "lifecycle",
    call("initialize", {"clientName": "c"}),
    notify("initialized", "anything"),
    call("environment/status"),
)
case(
    "lifecycle_unknown_notification_closes", "lifecycle", init(), notify("foo/bar"), check_closed()
)
case(
    "lifecycle_method_as_notification_closes",
    "lifecycle",
    init(),
    notify("process/read", {"processId": "x"}),
    check_closed(),
)
case(
    "lifecycle_notification_before_initialize_closes",
    "lifecycle",
    notify("environment/status"),
    check_closed(),
)
case(
    "lifecycle_client_response_closes",
    "lifecycle",
    init(),
    send({"id": 99, "result": {}}),
    check_closed(),
)
case(
    "lifecycle_client_error_closes",
    "lifecycle",
    init(),
    send({"id": 99, "error": {"code": -32000, "message": "x"}}),
    check_closed(),
)
case(
    "lifecycle_client_response_before_initialize_closes",
    "lifecycle",
    send({"id": "r", "result": None}),
    check_closed(),
)
case(
    "lifecycle_request_after_close_is_not_answered",
    "lifecycle",
    init(),
    notify("bogus"),
    call("environment/status", timeout=1.0),
    check_closed(),
)
case(
    "lifecycle_initialize_variants",
    "lifecycle",
    call("initialize", {"clientName": "c", "resumeSessionId": None, "extra": [1]}),
    notify("initialized"),
    call("environment/status"),
    doc="resumeSessionId null and unknown fields are accepted",
)
case(
    "lifecycle_initialize_retry_after_bad_params",
    "lifecycle",
    call("initialize"),
    call("initialize", None),
    call("initialize", {}),
    call("initialize", {"clientName": 1}),
    call("initialize", {"clientName": None}),
    call("initialize", {"clientName": "c", "resumeSessionId": 5}),
    call("initialize", []),
    call("initialize", ["c"]),
    call("initialize", "c"),
    call("initialize", {"clientName": ""}),
    notify("initialized"),
    call("environment/status"),
)

# --------------------------------------------------------------------------- envelope

STATUS = {"id": 1, "method": "environment/status"}
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
case(
    "envelope_malformed_json",
    "envelope",
    send("{not json"),
    send('{"id": 1,'),
    send(""),
    send("   "),
    init(),
    call("environment/status"),
)
case(
    "envelope_non_object_json",
    "envelope",
    send("42"),
    send('"str"'),
    send("null"),
    send("true"),
    send("[]"),
    send('[{"id":1,"method":"environment/status"}]'),
    expect(6),
    init(),
)
case(
    "envelope_shapes_without_method",
    "envelope",
    send({}),
    send({"id": 1}),
    send({"id": 1, "params": {}}),
    send({"params": {}}),
    expect(4),
    check_closed(0.5),
)
case(
    "envelope_method_not_string",
    "envelope",
    send({"id": 1, "method": 5}),
    send({"id": 2, "method": None}),
    send({"id": 3, "method": ["x"]}),
    expect(3),
    init(),
)
case(
    "envelope_id_null",
    "envelope",
    init(),
    send(STATUS | {"id": None}),
    expect(1),
    call("environment/status"),
)
case(
    "envelope_id_float",
    "envelope",
    init(),
    send(STATUS | {"id": 1.5}),
    send('{"id": 2.0, "method": "environment/status"}'),
    send('{"id": 1e2, "method": "environment/status"}'),
    expect(3),
    call("environment/status"),
)
case(
    "envelope_id_array_object_bool",
    "envelope",
    init(),
    send(STATUS | {"id": [1]}),
    send(STATUS | {"id": {"a": 1}}),
    send(STATUS | {"id": True}),
    expect(3),
    call("environment/status"),
)
case(
    "envelope_id_huge",
    "envelope",
    init(),
    send('{"id": 9223372036854775808, "method": "environment/status"}'),
    send('{"id": 18446744073709551615, "method": "environment/status"}'),
    send('{"id": -9223372036854775809, "method": "environment/status"}'),
    expect(3),
    call("environment/status", id=9223372036854775807),
    call("environment/status", id=-9223372036854775808),
    call("environment/status", id=-1),
    call("environment/status", id=0),
)
case(
    "envelope_id_strings",
    "envelope",
    init(),
    call("environment/status", id="abc"),
    call("environment/status", id=""),
    call("environment/status", id="1"),
    call("environment/status", id="ü\u2603"),
    call("environment/status", id="x" * 300),
)
case(
    "envelope_id_reused",
    "envelope",
    init(),
    call("environment/status", id=7),
    call("environment/status", id=7),
    call("process/read", {"processId": "x"}, id=7),
)
case(
    "envelope_extra_top_level_fields",
    "envelope",
    send(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"clientName": "c"},
            "extra": True,
        }
    ),
    expect(1),
    notify("initialized"),
    send({"jsonrpc": "1.0", "id": 2, "method": "environment/status", "trace": None}),
    expect(1),
)
case(
    "envelope_trace_field",
    "envelope",
    init(),
    send(STATUS | {"id": 2, "trace": {"traceparent": TRACEPARENT, "tracestate": "a=b"}}),
    send(STATUS | {"id": 3, "trace": 5}),
    send(STATUS | {"id": 4, "trace": {"traceparent": 5}}),
    send(STATUS | {"id": 5, "trace": "x"}),
    expect(4),
    call("environment/status"),
)
case(
    "envelope_duplicate_keys",
    "envelope",
    init(),
    send('{"id": 1, "id": 2, "method": "environment/status"}'),
    send('{"id": 3, "method": "environment/status", "method": "environment/info"}'),
    expect(2),
    call("environment/status"),
)
case(
    "envelope_binary_frame",
    "envelope",
    send(b'{"id": 1, "method": "initialize", "params": {"clientName": "b"}}'),
    expect(1),
    send(b'{"method": "initialized"}'),
    send(b'{"id": 2, "method": "environment/status"}'),
    expect(1),
    send(b"\xff\xfe{"),
    expect(1),
    call("environment/status"),
)
case(
    "envelope_whitespace_and_unicode",
    "envelope",
    send('  \n{"id": 1, "method": "initialize", "params": {"clientName": "\\u00fc"}}\n  '),
    expect(1),
    notify("initialized"),
    send('\ufeff{"id": 2, "method": "environment/status"}'),
    expect(1),
    call("environment/status"),
)
case(
    "envelope_unknown_methods",
    "envelope",
    init(),
    call("foo/bar"),
    call(""),
    call("process/resize", {"processId": "x"}),
    call("Process/Start", {}),
    call("environment/config/read"),
    call("fs/getMetadataBatch", {}),
    call("fileTransfer/prepare", {}),
    call("environment/status"),
)
case(
    "envelope_deep_nesting",
    "envelope",
    init(),
    send('{"id": 1, "method": "environment/status", "params": ' + "[" * 200 + "]" * 200 + "}"),
    send('{"id": 2, "method": "environment/status", "params": ' + "[" * 100 + "]" * 100 + "}"),
    expect(2),
    call("environment/status"),
)
case(
    "envelope_too_many_values",
    "envelope",
    init(),
    send('{"id": 1, "method": "environment/status", "params": [' + ",".join(["0"] * 270000) + "]}"),
    send('{"id": 2, "method": "environment/status", "params": [' + ",".join(["0"] * 200000) + "]}"),
    expect(2),
    call("environment/status"),
)
case(
    "envelope_unit_params_variants",
    "envelope",
    init(),
    [
        call(m, p)
        for m in ("environment/status", "environment/info")
        for p in (ABSENT, None, {}, {"a": 1}, [], [1], "x", 0, False)
    ],
)

# --------------------------------------------------------------------------- params matrix

SAMPLES: dict[str, Json] = {
    "string": "x",
    "integer": 7,
    "negative": -1,
    "float": 1.5,
    "huge": 18446744073709551616,
    "bool": True,
    "null": None,
    "array": [],
    "object": {},
}


def _same_type(sample: str, valid: Json) -> bool:
    if valid is None:
        return sample == "null"
    if isinstance(valid, bool):
        return sample == "bool"
    if isinstance(valid, int):
        return sample == "integer"
    if isinstance(valid, str):
        return sample == "string"
    if isinstance(valid, list):
        return sample == "array"
    return isinstance(valid, dict) and sample == "object"


def _get(obj: Json, path: str) -> Json:
    for part in path.split("."):
        obj = obj[part]
    return obj


def _with(params: dict[str, Json], path: str, value: Json = ABSENT) -> dict[str, Json]:
    """Copy of `params` with dotted `path` set to `value` (deleted when ABSENT)."""
    out = copy.deepcopy(params)
    *parents, last = path.split(".")
    target = out
    for part in parents:
        target = target[part]
    if value is ABSENT:
        del target[last]
    else:
        target[last] = value
    return out


@dataclass(frozen=True)
class ParamSpec:
    """How to fuzz the params of one method."""

    method: str
    valid: dict[str, Json]
    nested: tuple[str, ...] = ()  # dotted paths varied besides the top-level keys
    enums: dict[str, list[Json]] = field(default_factory=dict)
    unique: str | None = None  # made unique per call (processId, handleId)
    prelude: tuple[Step, ...] = ()


ENV_POLICY: dict[str, Json] = {
    "inherit": "none",
    "ignoreDefaultExcludes": False,
    "exclude": [],
    "set": {},
    "includeOnly": [],
}
SANDBOX: dict[str, Json] = {
    "permissions": {"type": "disabled"},
    "cwd": "$uri",
    "workspaceRoots": ["$uri"],
    "windowsSandboxLevel": "disabled",
    "windowsSandboxPrivateDesktop": False,
    "useLegacyLandlock": False,
}
WALK_OPTIONS: dict[str, Json] = {
    "maxDepth": 2,
    "maxDirectories": 10,
    "maxEntries": 100,
    "followDirectorySymlinks": False,
    "pruneHiddenDirectories": False,
}

PARAM_SPECS: list[ParamSpec] = [
    ParamSpec(
        "process/start",
        start_params(
            "v",
            ["true"],
            pipeStdin=False,
            arg0=None,
            envPolicy=ENV_POLICY,
            sandbox=None,
            enforceManagedNetwork=False,
            managedNetwork={"loopbackPorts": [1], "allowLocalBinding": False},
            metadata={"threadId": THREAD_ID, "toolCallId": "c"},
        ),
        nested=(
            "envPolicy.inherit",
            "envPolicy.ignoreDefaultExcludes",
            "envPolicy.exclude",
            "envPolicy.set",
            "envPolicy.includeOnly",
            "managedNetwork.loopbackPorts",
            "managedNetwork.allowLocalBinding",
            "metadata.threadId",
            "env.PATH",
        ),
        enums={"envPolicy.inherit": ["some", "All", "CORE", ""]},
        unique="processId",
    ),
    ParamSpec("process/read", {"processId": "nope", "afterSeq": 0, "maxBytes": 10, "waitMs": 0}),
    ParamSpec("process/write", {"processId": "nope", "chunk": "aGk=", "writeId": "w"}),
    ParamSpec(
        "process/signal",
        {"processId": "nope", "signal": "interrupt"},
        enums={"signal": ["kill", "terminate", "Interrupt", "INTERRUPT", "SIGINT", ""]},
    ),
    ParamSpec("process/terminate", {"processId": "nope"}),
    ParamSpec("fs/readFile", {"path": "$uri/f.txt", "sandbox": None, "followSymlinks": True}),
    ParamSpec(
        "fs/writeFile",
        {"path": "$uri/w.txt", "dataBase64": "aGk=", "sandbox": None, "followSymlinks": True},
    ),
    ParamSpec(
        "fs/createDirectory",
        {"path": "$uri/newdir", "recursive": True, "sandbox": None, "followSymlinks": True},
    ),
    ParamSpec(
        "fs/getMetadata",
        {"path": "$uri/f.txt", "sandbox": SANDBOX, "followSymlinks": True},
        nested=(*(f"sandbox.{k}" for k in SANDBOX), "sandbox.permissions.type"),
        enums={
            "sandbox.windowsSandboxLevel": ["x", "restrictedToken", "Disabled"],
            "sandbox.permissions.type": ["x", "Disabled", "managed"],
            "sandbox.permissions": [
                {"type": "external"},
                {"type": "external", "network": "x"},
                {"type": "managed", "network": "enabled"},
            ],
        },
    ),
    ParamSpec("fs/readDirectory", {"path": "$uri/dir", "sandbox": None}),
    ParamSpec(
        "fs/remove",
        {
            "path": "$uri/gone",
            "recursive": True,
            "force": True,
            "sandbox": None,
            "followSymlinks": True,
        },
    ),
    ParamSpec(
        "fs/copy",
        {
            "sourcePath": "$uri/f.txt",
            "destinationPath": "$uri/copy.txt",
            "recursive": False,
            "sandbox": None,
        },
    ),
    ParamSpec("fs/canonicalize", {"path": "$uri/f.txt", "sandbox": None}),
    ParamSpec(
        "fs/walk",
        {"path": "$uri/dir", "options": WALK_OPTIONS, "sandbox": None},
        nested=tuple(f"options.{k}" for k in WALK_OPTIONS),
    ),
    ParamSpec(
        "fs/open",
        {"handleId": "h", "path": "$uri/f.txt", "mode": "read", "sandbox": None},
        enums={"mode": ["write", "Read", "append"]},
        unique="handleId",
    ),
    ParamSpec(
        "fs/writeBlock",
        {"handleId": "h", "offset": 0, "chunk": "aGk="},
        prelude=(call("fs/open", {"handleId": "h", "path": "$uri/out.txt", "mode": "replace"}),),
    ),
    ParamSpec(
        "fs/readBlock",
        {"handleId": "h", "offset": 0, "len": 2},
        prelude=(call("fs/open", {"handleId": "h", "path": "$uri/f.txt"}),),
    ),
    ParamSpec("fs/close", {"handleId": "nope"}),
    ParamSpec(
        "http/request",
        {
            "method": "GET",
            "url": "http://127.0.0.1:1/",
            "headers": [],
            "bodyBase64": None,
            "timeoutMs": 1000,
            "redirectPolicy": "follow",
            "requestId": "r",
            "streamResponse": False,
        },
        enums={"redirectPolicy": ["x", "Follow", "stop"]},
    ),
    ParamSpec("capabilityRoots/discoverV1", {"roots": []}),
    ParamSpec("fs/watchMissing", {"watchId": 1, "missing": ["$uri/nope"]}),
    ParamSpec(
        "environmentConfig/read",
        {"cwd": "$uri", "configPaths": [["model"]], "requirementsPaths": []},
    ),
]


def _uniq(spec: ParamSpec, params: dict[str, Json], n: int, varied: str) -> dict[str, Json]:
    if spec.unique and spec.unique in params and varied != spec.unique:
        return dict(params, **{spec.unique: f"{params[spec.unique]}{n}"})
    return params


def _fields(spec: ParamSpec) -> list[str]:
    return list(spec.valid) + list(spec.nested)


def shape_calls(spec: ParamSpec) -> list[Step]:
    """params absent / null / {} / [] / [valid] / scalars / valid+unknown fields."""
    variants: list[Json] = [ABSENT, None, {}, [], [spec.valid], "x", 1, True]
    steps = [call(spec.method, v) for v in variants]
    extra = _uniq(spec, spec.valid, 0, "") | {"unknownField": 1, "another": {"x": None}}
    steps.append(call(spec.method, extra))
    return steps


def missing_calls(spec: ParamSpec) -> list[Step]:
    """Each field (top-level and nested) removed in turn."""
    return [
        call(spec.method, _uniq(spec, _with(spec.valid, path), n, path))
        for n, path in enumerate(_fields(spec), start=1)
    ]


def type_calls(spec: ParamSpec) -> list[Step]:
    """Each field given each JSON type it does not have, then each unknown enum variant."""
    steps: list[Step] = []
    n = 100
    for path in _fields(spec):
        valid = _get(spec.valid, path)
        for sample, value in SAMPLES.items():
            if _same_type(sample, valid):
                continue
            n += 1
            steps.append(call(spec.method, _uniq(spec, _with(spec.valid, path, value), n, path)))
    for path, values in spec.enums.items():
        for value in values:
            n += 1
            steps.append(call(spec.method, _uniq(spec, _with(spec.valid, path, value), n, path)))
    return steps


for _spec in PARAM_SPECS:
    _slug = _spec.method.replace("/", "_")
    for _kind, _make in (("shape", shape_calls), ("missing", missing_calls), ("types", type_calls)):
        case(
            f"params_{_slug}_{_kind}",
            "params",
            init(),
            _spec.prelude,
            _make(_spec),
            settle(),
            setup=layout,
        )

# --------------------------------------------------------------------------- process

case(
    "process_pipes_exit_code",
    "process",
    init(),
    run("p", "printf hello; printf oops >&2; exit 3"),
    read("p"),
    setup=layout,
)
case(
    "process_stdout_stderr_split",
    "process",
    init(),
    run("p", "echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; echo out2; sleep 0.1; echo err2 >&2"),
    read("p"),
)
case(
    "process_exit_codes",
    "process",
    init(),
    run("e0", "exit 0"),
    run("e1", "exit 1"),
    run("e255", "exit 255"),
    run("e256", "exit 256"),
    run("term", "kill -TERM $$"),
    run("kill", "kill -KILL $$"),
    run("int", "kill -INT $$"),
    read("e255"),
    read("term"),
    read("kill"),
)
case(
    "process_terminate_running",
    "process",
    init(),
    start("p", "exec sleep 30"),
    sleep(0.2),
    terminate("p"),
    wait_process("p"),
    terminate("p"),
    read("p"),
    terminate("nope"),
)
case(
    "process_terminate_with_children",
    "process",
    init(),
    start("p", "sleep 30 & sleep 30; wait"),
    sleep(0.2),
    terminate("p"),
    wait_process("p"),
    read("p"),
)
case(
    "process_signal_interrupt",
    "process",
    init(),
    start("p", "exec sleep 30"),
    sleep(0.2),
    call("process/signal", {"processId": "p", "signal": "interrupt"}),
    wait_process("p"),
    read("p"),
    call("process/signal", {"processId": "p", "signal": "interrupt"}),
    call("process/signal", {"processId": "nope", "signal": "interrupt"}),
)
case(
    "process_signal_interrupt_trap",
    "process",
    init(),
    start("p", "trap 'echo trapped; exit 5' INT; echo ready; while :; do sleep 0.05; done"),
    sleep(0.5),
    call("process/signal", {"processId": "p", "signal": "interrupt"}),
    wait_process("p"),
    read("p"),
)
case(
    "process_pty_output",
    "process",
    init(),
    run("p", "printf 'a\\nb\\n'; exit 3", tty=True),
    read("p"),
)
case(
    "process_pty_is_terminal",
    "process",
    init(),
    run("p", 't=no; test -t 0 && test -t 1 && t=tty; echo "$t $(stty size)"', tty=True),
    read("p"),
)
case(
    "process_pty_terminate",
    "process",
    init(),
    start("p", "exec sleep 30", tty=True),
    sleep(0.2),
    terminate("p"),
    wait_process("p"),
    read("p"),
)
case(
    "process_pty_interrupt",
    "process",
    init(),
    start("p", "exec sleep 30", tty=True),
    sleep(0.2),
    call("process/signal", {"processId": "p", "signal": "interrupt"}),
    wait_process("p"),
    read("p"),
)
case(
    "process_pty_stdin_roundtrip",
    "process",
    init(),
    start("p", "stty -echo; echo ready; read line; echo got:$line", tty=True),
    sleep(0.3),
    write("p", "hi\n"),
    wait_process("p"),
    read("p"),
)
case(
    "process_pipe_stdin_roundtrip",
    "process",
    init(),
    start("p", "head -c 5", pipeStdin=True),
    write("p", "hello"),
    wait_process("p"),
    read("p"),
)
case(
    "process_write_without_pipe_stdin",
    "process",
    init(),
    start("p", "cat; echo eof", pipeStdin=False),
    write("p", "x"),
    wait_process("p"),
    write("p", "y", "w2"),
    read("p"),
)
case(
    "process_write_statuses",
    "process",
    init(),
    write("nope", "x"),
    start("p", "exec sleep 30", pipeStdin=True),
    write("p", "x"),
    write("p", "", "w2"),
    call("process/write", {"processId": "p", "chunk": "", "writeId": ""}),
    call("process/write", {"processId": "p", "chunk": "!!", "writeId": "w3"}),
    call("process/write", {"processId": "p", "chunk": "aGk", "writeId": "w4"}),
    terminate("p"),
    wait_process("p"),
    write("p", "late", "w5"),
    read("p"),
)
case(
    "process_write_after_natural_exit",
    "process",
    init(),
    run("p", "exit 0", pipeStdin=True),
    write("p", "x"),
    write("p", "y", "w2"),
    read("p"),
)
case(
    "process_write_id_dedup",
    "process",
    init(),
    start("p", "head -c 3", pipeStdin=True),
    write("p", "a", "w1"),
    write("p", "b", "w1"),
    write("p", "c", "w2"),
    write("p", "d", "w3"),
    wait_process("p"),
    read("p"),
)
case(
    "process_write_tty",
    "process",
    init(),
    start("p", "stty -echo; echo ready; head -n 1", tty=True),
    sleep(0.3),
    write("p", "ab\n"),
    wait_process("p"),
    read("p"),
)
case(
    "process_read_unknown_and_variants",
    "process",
    init(),
    read("nope"),
    read("nope", afterSeq=5, maxBytes=0, waitMs=0),
)
case(
    "process_read_after_seq",
    "process",
    init(),
    run("p", "printf a; sleep 0.1; printf b; sleep 0.1; printf c; sleep 0.1"),
    read("p"),
    read("p", afterSeq=0),
    read("p", afterSeq=1),
    read("p", afterSeq=2),
    read("p", afterSeq=3),
    read("p", afterSeq=4),
    read("p", afterSeq=5),
    read("p", afterSeq=99),
)
case(
    "process_read_max_bytes",
    "process",
    init(),
    run("p", "printf aa; sleep 0.1; printf bb; sleep 0.1; printf cc; sleep 0.1"),
    read("p", maxBytes=0),
    read("p", maxBytes=1),
    read("p", maxBytes=2),
    read("p", maxBytes=3),
    read("p", maxBytes=4),
    read("p", maxBytes=100),
    read("p", afterSeq=1, maxBytes=2),
    read("p", afterSeq=3, maxBytes=0),
)
case(
    "process_read_wait_ms_running",
    "process",
    init(),
    start("p", "exec sleep 30"),
    read("p", waitMs=400, min_ms=350),
    read("p", waitMs=0),
    terminate("p"),
    wait_process("p"),
)
case(
    "process_read_wait_returns_on_output",
    "process",
    init(),
    start("p", "sleep 0.3; printf x; exec sleep 30"),
    read("p", waitMs=5000, min_ms=3000),
    terminate("p"),
    wait_process("p"),
)
case(
    "process_read_wait_returns_on_exit",
    "process",
    init(),
    start("p", "(sleep 1.5) & sleep 0.3; exit 4"),
    read("p", waitMs=5000, min_ms=3000),
    wait_process("p"),
    read("p", afterSeq=0, waitMs=5000),
)
case(
    "process_read_closed_returns_immediately",
    "process",
    init(),
    run("p", "exit 2"),
    read("p", afterSeq=10, waitMs=3000, min_ms=2000),
    read("p", afterSeq=2, waitMs=3000, min_ms=2000),
)
case(
    "process_output_after_exit",
    "process",
    init(),
    run("p", "(sleep 0.3; echo late) & exit 0"),
    read("p"),
)
case(
    "process_duplicate_id",
    "process",
    init(),
    start("dup", "exec sleep 30"),
    start("dup", "true"),
    terminate("dup"),
    wait_process("dup"),
    start("dup", "true"),
    read("dup"),
)
case(
    "process_argv_errors",
    "process",
    init(),
    start("p1", argv=[]),
    start("p2", argv=[""]),
    start("p3", argv=["/nonexistent/bin"]),
    start("p4", argv=["no-such-cmd-xyz"]),
    start("p5", argv=["$tmp/noexec.sh"]),
    start("p6", argv=["$tmp/dir"]),
    start("p3", argv=["true"]),
    wait_process("p3"),
    setup=layout,
    doc="spawn failures leave the id reusable",
)
case(
    "process_cwd_errors",
    "process",
    init(),
    [
        call("process/start", start_params(f"c{n}", ["true"], cwd=cwd))
        for n, cwd in enumerate(
            [
                "$uri/missing",
                "$uri/f.txt",
                "relative/dir",
                "$tmp",
                "http://host/x",
                "file://otherhost/x",
                "file:///C:/x",
                "file:///a%00b",
                "file://user@localhost/x",
                "file://localhost:80/x",
                "file:///tmp?q=1",
                "file:///tmp#frag",
                "",
                "file:",
                "file:///%00/bad/path/YQ",
            ]
        )
    ],
    settle(),
    setup=layout,
)
case(
    "process_cwd_spellings",
    "process",
    init(),
    [
        run(f"c{n}", "pwd", cwd=cwd)
        for n, cwd in enumerate(
            [
                "$uri/dir",
                "$uri/dir/",
                "$uri/dir/../dir/sub",
                "file://localhost$tmp/dir",
                "FILE://$tmp/dir",
                "file:$tmp/dir",
                "$uri/link-dir",
            ]
        )
    ],
    setup=layout,
)
case(
    "process_env_exact",
    "process",
    init(),
    run("p", "env | sort", env={"A": "1", "B": "two words", "EMPTY": ""}),
    run("q", "env | sort", env={}),
    run("r", "echo $PWD; pwd", env={"PWD": "/nowhere"}),
)
case(
    "process_env_policy_inherit",
    "process",
    init(),
    [
        run(
            f"i{mode}",
            "env | cut -d= -f1 | grep -v '^CODEX_' | sort",
            env={"OVERLAY": "1"},
            envPolicy=ENV_POLICY | {"inherit": mode},
        )
        for mode in ("none", "core", "all")
    ],
)
case(
    "process_env_policy_rules",
    "process",
    init(),
    run(
        "a",
        "env | grep -v '^CODEX_' | grep -v '^PATH=' | sort",
        envPolicy=ENV_POLICY | {"inherit": "all", "ignoreDefaultExcludes": True},
    ),
    run(
        "b",
        "env | grep -v '^CODEX_' | grep -v '^PATH=' | sort",
        envPolicy=ENV_POLICY | {"inherit": "all", "exclude": ["interop_exc*", "L?NG"]},
    ),
    run(
        "c",
        "env | sort",
        env={"X": "overlay"},
        envPolicy=ENV_POLICY
        | {
            "inherit": "all",
            "set": {"X": "set", "Y": "set"},
            "includeOnly": ["INTEROP_P*", "X", "Y"],
        },
    ),
    run(
        "d",
        "env | sort",
        env={"KEEP": "1"},
        envPolicy=ENV_POLICY | {"inherit": "none", "includeOnly": ["NOTHING"]},
    ),
)
case(
    "process_arg0",
    "process",
    init(),
    run("a", "echo $0", arg0="custom-zero"),
    run("b", "echo $0", arg0=None),
    run("c", "echo $0", arg0=""),
)
case(
    "process_binary_output", "process", init(), run("p", "printf '\\377\\000\\303\\251'"), read("p")
)
case(
    "process_large_output",
    "process",
    init(),
    run("p", "head -c 300000 /dev/zero | tr '\\0' a; echo; echo done >&2"),
    doc="chunking of big outputs is timing dependent: only the concatenated text is compared",
)
case(
    "process_ids_free_form",
    "process",
    init(),
    [run(pid, "echo $0", arg0=pid or "empty") for pid in ("", " ", "ü/∂", "x" * 200)],
)
case(
    "process_start_extra_fields",
    "process",
    init(),
    run(
        "p",
        "echo ok",
        metadata={"threadId": THREAD_ID, "toolCallId": "c", "x": 1},
        unknownField=[1],
        managedNetwork={},
        enforceManagedNetwork=False,
    ),
    start("q", "echo no", metadata={"threadId": "not-a-uuid"}),
    run("r", "echo urn", metadata={"threadId": f"urn:uuid:{THREAD_ID}"}),
    run("s", "echo upper", metadata={"threadId": THREAD_ID.upper()}),
    run("t", "echo simple", metadata={"threadId": THREAD_ID.replace("-", "")}),
    run("u", "echo empty", metadata={}),
)
case(
    "process_many_concurrent",
    "process",
    init(),
    [start(f"p{n}", f"echo {n}") for n in range(10)],
    settle(),
)

# --------------------------------------------------------------------------- environment

case(
    "environment_info",
    "environment",
    init(),
    call("environment/info"),
    call("environment/info", None),
    call("environment/info", {}),
    call("environment/status"),
    call("environment/status", {}),
)
case(
    "environment_capability_roots",
    "environment",
    init(),
    call("capabilityRoots/discoverV1", {"roots": []}),
    call("capabilityRoots/discoverV1", {"roots": [{"id": "r", "path": "$uri/dir"}]}),
    call("capabilityRoots/discoverV1", {"roots": [{"id": "m", "path": "$uri/missing"}]}),
    setup=layout,
)

# --------------------------------------------------------------------------- fs

case(
    "fs_read_file",
    "fs",
    init(),
    [
        fs("readFile", path=f"$uri/{p}")
        for p in (
            "f.txt",
            "empty.txt",
            "link-f",
            "link-dir",
            "dangling",
            "missing",
            "dir",
            "fifo",
            "dir/a.txt",
            "link-dir/a.txt",
            "f.txt/x",
        )
    ],
    fs("readFile", path="$uri/link-f", followSymlinks=False),
    fs("readFile", path="$uri/link-dir/a.txt", followSymlinks=False),
    fs("readFile", path="$uri/f.txt", followSymlinks=False),
    fs("readFile", path="$uri/f.txt", sandbox=None, maxBytes=1),
    setup=layout,
)
case(
    "fs_write_file",
    "fs",
    init(),
    fs("writeFile", path="$uri/new.txt", dataBase64=b64("new")),
    fs("writeFile", path="$uri/f.txt", dataBase64=b64("over")),
    fs("writeFile", path="$uri/empty-new.txt", dataBase64=""),
    fs("writeFile", path="$uri/link-f", dataBase64=b64("via link")),
    fs("writeFile", path="$uri/dangling", dataBase64=b64("dangling target")),
    fs("writeFile", path="$uri/nodir/x.txt", dataBase64=b64("x")),
    fs("writeFile", path="$uri/dir", dataBase64=b64("x")),
    fs("writeFile", path="$uri/bin.dat", dataBase64=b64(b"\x00\xff")),
    snapshot(),
    setup=layout,
)
case(
    "fs_write_file_bad_base64",
    "fs",
    init(),
    [
        fs("writeFile", path=f"$uri/b{n}.txt", dataBase64=data)
        for n, data in enumerate(
            ["!!", "aGk", "aGk=\n", "aG k=", "aGk==", "YQ", "a", "aGk=aGk=", "-_-_", "\u00e9"]
        )
    ],
    snapshot(),
    setup=layout,
)
case(
    "fs_write_file_no_follow",
    "fs",
    init(),
    fs("writeFile", path="$uri/link-f", dataBase64=b64("x"), followSymlinks=False),
    fs("writeFile", path="$uri/link-dir/new.txt", dataBase64=b64("x"), followSymlinks=False),
    fs("writeFile", path="$uri/plain.txt", dataBase64=b64("x"), followSymlinks=False),
    snapshot(),
    setup=layout,
)
case(
    "fs_create_directory",
    "fs",
    init(),
    fs("createDirectory", path="$uri/a/b/c"),
    fs("createDirectory", path="$uri/a/b/c", recursive=True),
    fs("createDirectory", path="$uri/single", recursive=False),
    fs("createDirectory", path="$uri/single", recursive=False),
    fs("createDirectory", path="$uri/x/y", recursive=False),
    fs("createDirectory", path="$uri/f.txt", recursive=True),
    fs("createDirectory", path="$uri/f.txt", recursive=False),
    fs("createDirectory", path="$uri/f.txt/sub", recursive=True),
    fs("createDirectory", path="$uri/link-dir", recursive=True),
    fs("createDirectory", path="$uri/dangling", recursive=True),
    fs("createDirectory", path="$uri/link-dir/made", recursive=False, followSymlinks=False),
    snapshot(),
    setup=layout,
)
case(
    "fs_get_metadata",
    "fs",
    init(),
    [
        fs("getMetadata", path=f"$uri/{p}")
        for p in (
            "f.txt",
            "empty.txt",
            "dir",
            "link-f",
            "link-dir",
            "dangling",
            "fifo",
            "missing",
            "f.txt/x",
        )
    ],
    [
        fs("getMetadata", path=f"$uri/{p}", followSymlinks=False)
        for p in ("f.txt", "dir", "link-f", "link-dir/a.txt", "missing")
    ],
    fs("getMetadata", path="$uri"),
    setup=layout,
)
case(
    "fs_read_directory",
    "fs",
    init(),
    [
        fs("readDirectory", path=f"$uri/{p}")
        for p in (".", "dir", "emptydir", "link-dir", "f.txt", "missing", "dangling")
    ],
    setup=layout,
)
case(
    "fs_remove",
    "fs",
    init(),
    fs("remove", path="$uri/f.txt"),
    fs("remove", path="$uri/missing"),
    fs("remove", path="$uri/missing", force=False),
    fs("remove", path="$uri/missing", force=True),
    fs("remove", path="$uri/dir", recursive=False),
    fs("remove", path="$uri/emptydir", recursive=False),
    fs("remove", path="$uri/link-dir"),
    fs("remove", path="$uri/dangling", recursive=False),
    fs("remove", path="$uri/fifo", recursive=False),
    snapshot(),
    fs("remove", path="$uri/dir", recursive=True, force=False),
    snapshot(),
    setup=layout,
)
case(
    "fs_remove_no_follow",
    "fs",
    init(),
    fs("remove", path="$uri/link-f", followSymlinks=False),
    fs("remove", path="$uri/link-f", followSymlinks=False, recursive=False),
    fs("remove", path="$uri/link-dir/a.txt", followSymlinks=False, recursive=False),
    fs("remove", path="$uri/empty.txt", followSymlinks=False, recursive=False),
    snapshot(),
    setup=layout,
)
case(
    "fs_copy_files",
    "fs",
    init(),
    fs("copy", sourcePath="$uri/f.txt", destinationPath="$uri/copy.txt", recursive=False),
    fs("copy", sourcePath="$uri/dir/a.txt", destinationPath="$uri/copy.txt", recursive=False),
    fs("copy", sourcePath="$uri/f.txt", destinationPath="$uri/copy2.txt", recursive=True),
    fs("copy", sourcePath="$uri/link-f", destinationPath="$uri/copied-link", recursive=False),
    fs("copy", sourcePath="$uri/dangling", destinationPath="$uri/copied-dangling", recursive=False),
    fs("copy", sourcePath="$uri/missing", destinationPath="$uri/x", recursive=False),
    fs("copy", sourcePath="$uri/fifo", destinationPath="$uri/fifo2", recursive=False),
    fs("copy", sourcePath="$uri/f.txt", destinationPath="$uri/emptydir", recursive=False),
    fs("copy", sourcePath="$uri/f.txt", destinationPath="$uri/nodir/x", recursive=False),
    snapshot(),
    setup=layout,
)
case(
    "fs_copy_directories",
    "fs",
    init(),
    fs("copy", sourcePath="$uri/dir", destinationPath="$uri/d2", recursive=False),
    fs("copy", sourcePath="$uri/dir", destinationPath="$uri/d2", recursive=True),
    fs("copy", sourcePath="$uri/dir", destinationPath="$uri/dir", recursive=True),
    fs("copy", sourcePath="$uri/dir", destinationPath="$uri/dir/sub/inner", recursive=True),
    fs("copy", sourcePath="$uri/link-dir", destinationPath="$uri/copied-link-dir", recursive=False),
    fs("copy", sourcePath="$uri/dir", destinationPath="$uri/emptydir", recursive=True),
    fs("copy", sourcePath="$uri/dir", destinationPath="$uri/f.txt", recursive=True),
    snapshot(),
    setup=layout,
)
case(
    "fs_copy_merge_and_symlinks",
    "fs",
    init(),
    local(lambda root: (root / "dir" / "inner-link").symlink_to("a.txt")),
    local(lambda root: os.mkfifo(root / "dir" / "inner-fifo")),
    fs("copy", sourcePath="$uri/dir", destinationPath="$uri/d2", recursive=True),
    fs("copy", sourcePath="$uri/dir", destinationPath="$uri/d2", recursive=True),
    snapshot(),
    setup=layout,
)
case(
    "fs_copy_file_onto_itself",
    "fs",
    init(),
    fs("copy", sourcePath="$uri/f.txt", destinationPath="$uri/f.txt", recursive=False),
    fs("copy", sourcePath="$uri/link-f", destinationPath="$uri/f.txt", recursive=False),
    snapshot(),
    setup=layout,
    divergence="reference bug: copying a file onto itself truncates it (live-findings 18)",
)
case(
    "fs_canonicalize",
    "fs",
    init(),
    [
        fs("canonicalize", path=f"$uri/{p}")
        for p in (
            "f.txt",
            "link-f",
            "link-dir/a.txt",
            "dir/../f.txt",
            "dir/./sub",
            "missing",
            "dangling",
            "link-dir/../f.txt",
        )
    ],
    setup=layout,
)
case(
    "fs_walk",
    "fs",
    init(),
    call("fs/walk", {"path": "$uri", "options": WALK_OPTIONS}),
    call("fs/walk", {"path": "$uri", "options": WALK_OPTIONS | {"followDirectorySymlinks": True}}),
    call("fs/walk", {"path": "$uri", "options": WALK_OPTIONS | {"maxDepth": 0}}),
    call("fs/walk", {"path": "$uri", "options": WALK_OPTIONS | {"maxEntries": 3}}),
    call("fs/walk", {"path": "$uri", "options": WALK_OPTIONS | {"maxDirectories": 1}}),
    call("fs/walk", {"path": "$uri", "options": WALK_OPTIONS | {"maxDepth": 65}}),
    call("fs/walk", {"path": "$uri", "options": WALK_OPTIONS | {"maxEntries": 0}}),
    call("fs/walk", {"path": "$uri", "options": WALK_OPTIONS | {"maxDirectories": 10001}}),
    call("fs/walk", {"path": "$uri/f.txt", "options": WALK_OPTIONS}),
    call("fs/walk", {"path": "$uri/missing", "options": WALK_OPTIONS}),
    call("fs/walk", {"path": "$uri/link-dir", "options": WALK_OPTIONS}),
    local(lambda root: (root / "dir" / ".hidden").mkdir()),
    call(
        "fs/walk", {"path": "$uri/dir", "options": WALK_OPTIONS | {"pruneHiddenDirectories": True}}
    ),
    call(
        "fs/walk",
        {
            "path": "$uri/dir",
            "options": {k: v for k, v in WALK_OPTIONS.items() if k != "pruneHiddenDirectories"},
        },
    ),
    setup=layout,
)
case(
    "fs_open_read_close",
    "fs",
    init(),
    fs("open", handleId="h", path="$uri/f.txt"),
    fs("open", handleId="h", path="$uri/f.txt"),
    fs("readBlock", handleId="h", offset=0, len=2),
    fs("readBlock", handleId="h", offset=2, len=100),
    fs("readBlock", handleId="h", offset=2, len=3),
    fs("readBlock", handleId="h", offset=100, len=3),
    fs("readBlock", handleId="h", offset=0, len=0),
    fs("readBlock", handleId="h", offset=0, len=1048577),
    fs("readBlock", handleId="h", offset=0, len=1048576),
    fs("close", handleId="h"),
    fs("close", handleId="h"),
    fs("readBlock", handleId="h", offset=0, len=1),
    fs("open", handleId="x" * 32, path="$uri/f.txt"),
    fs("open", handleId="y" * 33, path="$uri/f.txt"),
    fs("open", handleId="", path="$uri/f.txt"),
    fs("open", handleId="m", path="$uri/missing"),
    fs("open", handleId="d", path="$uri/dir"),
    fs("open", handleId="l", path="$uri/link-f"),
    fs("readBlock", handleId="l", offset=0, len=5),
    fs("open", handleId="e", path="$uri/empty.txt"),
    fs("readBlock", handleId="e", offset=0, len=5),
    setup=layout,
)
case(
    "fs_open_handles_are_per_connection",
    "fs",
    init(capture="s1"),
    fs("open", handleId="h", path="$uri/f.txt"),
    connect_new(),
    init(),
    fs("readBlock", handleId="h", offset=0, len=1),
    fs("open", handleId="h", path="$uri/f.txt"),
    use(0),
    fs("readBlock", handleId="h", offset=0, len=1),
    setup=layout,
)
case(
    "fs_open_limit",
    "fs",
    init(),
    [fs("open", handleId=f"h{n}", path="$uri/f.txt") for n in range(130)],
    fs("close", handleId="h0"),
    fs("open", handleId="again", path="$uri/f.txt"),
    setup=layout,
)
case(
    "fs_path_uri_rules",
    "fs",
    init(),
    [
        fs("getMetadata", path=p)
        for p in (
            "$tmp/f.txt",
            "f.txt",
            "http://host/f.txt",
            "file://otherhost$tmp/f.txt",
            "file:///C:/x",
            "file:///a%00b",
            "file://user@localhost$tmp/f.txt",
            "file://localhost:80$tmp/f.txt",
            "$uri/f.txt?q=1",
            "$uri/f.txt#frag",
            "file://localhost$tmp/f.txt",
            "FILE://$tmp/f.txt",
            "file:$tmp/f.txt",
            "$uri/dir/../f.txt",
            "$uri/%66.txt",
            "file:///%00/bad/path/YQ",
            "file:///%00/bad/path/YQ==",
            "",
            "file:",
            "file://",
            "file:///",
        )
    ],
    setup=layout,
)
case(
    "fs_sandbox_variants",
    "fs",
    init(),
    [
        fs("readFile", path="$uri/f.txt", sandbox=sb)
        for sb in (
            None,
            SANDBOX,
            SANDBOX | {"permissions": {"type": "external", "network": "restricted"}},
            SANDBOX
            | {
                "permissions": {
                    "type": "managed",
                    "network": "enabled",
                    "file_system": {"type": "unrestricted"},
                }
            },
            SANDBOX | {"windowsSandboxLevel": "elevated"},
            SANDBOX | {"cwd": "$tmp"},
            SANDBOX | {"workspaceRoots": "$uri"},
            {"permissions": {"type": "disabled"}, "windowsSandboxLevel": "disabled"},
        )
    ],
    setup=layout,
)
WORKSPACE_WRITE: dict[str, Json] = {
    "permissions": {
        "type": "managed",
        "file_system": {
            "type": "restricted",
            "entries": [
                {"path": {"type": "special", "value": {"kind": "root"}}, "access": "read"},
                {"path": {"type": "special", "value": {"kind": "project_roots"}}, "access": "write"},
            ],
        },
        "network": "restricted",
    },
    "cwd": "$uri/dir",
    "workspaceRoots": ["$uri/dir"],
    "windowsSandboxLevel": "disabled",
    "windowsSandboxProxySettingsMode": "reconcile",
    "useLegacyLandlock": False,
}
"""The Codex agent's `-s workspace-write` intent, with `$tmp/dir` as its workspace."""
case(
    "fs_sandbox_workspace_write",
    "fs",
    init(),
    fs("writeFile", path="$uri/dir/new.txt", dataBase64=b64("inside"), sandbox=WORKSPACE_WRITE),
    fs("writeFile", path="$uri/outside.txt", dataBase64=b64("x"), sandbox=WORKSPACE_WRITE),
    fs("writeFile", path="$uri/dir/../escape.txt", dataBase64=b64("x"), sandbox=WORKSPACE_WRITE),
    fs("writeFile", path="$uri/dir/.git/config", dataBase64=b64("x"), sandbox=WORKSPACE_WRITE),
    fs("writeFile", path="$uri/dir/nope/x", dataBase64=b64("x"), sandbox=WORKSPACE_WRITE),
    fs("createDirectory", path="$uri/dir/made/deep", sandbox=WORKSPACE_WRITE),
    fs("createDirectory", path="$uri/madeoutside", sandbox=WORKSPACE_WRITE),
    fs("remove", path="$uri/f.txt", sandbox=WORKSPACE_WRITE),
    fs("remove", path="$uri/dir/a.txt", sandbox=WORKSPACE_WRITE),
    fs("copy", sourcePath="$uri/f.txt", destinationPath="$uri/dir/copied.txt", recursive=False, sandbox=WORKSPACE_WRITE),
    fs("copy", sourcePath="$uri/f.txt", destinationPath="$uri/copied.txt", recursive=False, sandbox=WORKSPACE_WRITE),
    fs("readFile", path="$uri/f.txt", sandbox=WORKSPACE_WRITE),
    fs("getMetadata", path="$uri/dir/sub/b.txt", sandbox=WORKSPACE_WRITE),
    fs("readFile", path="$uri/f.txt", sandbox={k: v for k, v in WORKSPACE_WRITE.items() if k != "cwd"}),
    snapshot(),
    setup=layout,
)
case(
    "fs_open_sandbox_workspace_write",
    "fs",
    init(),
    fs("open", handleId="r", path="$uri/f.txt", mode="read", sandbox=WORKSPACE_WRITE),
    fs("readBlock", handleId="r", offset=0, len=64),
    fs("close", handleId="r"),
    fs("open", handleId="w", path="$uri/dir/a.txt", mode="replace", sandbox=WORKSPACE_WRITE),
    fs("writeBlock", handleId="w", offset=0, chunk=b64("replaced")),
    fs("close", handleId="w"),
    fs("open", handleId="n", path="$uri/dir/sub/new.txt", mode="replace", sandbox=WORKSPACE_WRITE),
    fs("writeBlock", handleId="n", offset=0, chunk=b64("new")),
    fs("close", handleId="n"),
    fs("open", handleId="o", path="$uri/f.txt", mode="replace", sandbox=WORKSPACE_WRITE),
    fs("open", handleId="g", path="$uri/dir/.git/config", mode="replace", sandbox=WORKSPACE_WRITE),
    fs("open", handleId="m", path="$uri/dir/missing.txt", mode="read", sandbox=WORKSPACE_WRITE),
    fs("open", handleId="d", path="$uri/dir/sub", mode="read", sandbox=WORKSPACE_WRITE),
    snapshot(),
    setup=layout,
    doc="file handles opened inside the workspace-write sandbox (sandboxedFileStreaming)",
)
case(
    "process_sandbox_workspace_write",
    "process",
    init(),
    run("in", "echo inside > made.txt && cat made.txt", cwd="$uri/dir", sandbox=WORKSPACE_WRITE),
    run("out", "echo x > ../outside.txt", cwd="$uri/dir", sandbox=WORKSPACE_WRITE),
    run("git", "mkdir -p .git/hooks", cwd="$uri/dir", sandbox=WORKSPACE_WRITE),
    run("quiet", "exit 3", cwd="$uri/dir", sandbox=WORKSPACE_WRITE),
    run("env", 'echo "$0"; env | sort', cwd="$uri/dir", sandbox=WORKSPACE_WRITE, arg0="renamed"),
    run("bg", "(sleep 0.3; echo late > late.txt) & echo started", cwd="$uri/dir", sandbox=WORKSPACE_WRITE),
    sleep(0.6),
    read("in"),  # one write: the shell's error message for "out" comes in several
    snapshot(),
    setup=layout,
)
case(
    "fs_paths_with_special_characters",
    "fs",
    init(),
    fs("writeFile", path="$uri/a%20b.txt", dataBase64=b64("space")),
    fs("writeFile", path="$uri/p%25c.txt", dataBase64=b64("percent")),
    fs("writeFile", path="$uri/%C3%BC.txt", dataBase64=b64("umlaut")),
    fs("writeFile", path="$uri/q%3Fh%23.txt", dataBase64=b64("qh")),
    fs("writeFile", path="$uri/raw ü.txt", dataBase64=b64("raw")),
    fs("readDirectory", path="$uri"),
    snapshot(),
)

# --------------------------------------------------------------------------- sessions

case(
    "session_resume_after_disconnect",
    "sessions",
    init(capture="s1"),
    start("p", "printf a; sleep 1; printf b; sleep 2; printf c; exec sleep 30"),
    quiet(0.4),
    disconnect(),
    sleep(1.2),
    connect_new(),
    init(resume="$s1"),
    read("p"),
    quiet(2.0),
    read("p", afterSeq=2),
    terminate("p"),
    wait_process("p"),
)
case(
    "session_resume_attached_rejected",
    "sessions",
    init(capture="s1"),
    start("keep", "exec sleep 30"),
    connect_new(),
    call("initialize", {"clientName": "c", "resumeSessionId": "$s1"}),
    read("keep"),
    disconnect(0),
    sleep(0.5),
    use(1),
    init(resume="$s1"),
    read("keep"),
    terminate("keep"),
    wait_process("keep"),
    doc="a rejected resume leaves the connection uninitialized; retry after the owner left",
)
case(
    "session_initialized_after_failed_resume_closes",
    "sessions",
    init(capture="s1"),
    connect_new(),
    call("initialize", {"clientName": "c", "resumeSessionId": "$s1"}),
    notify("initialized"),
    check_closed(),
    use(0),
    call("environment/status"),
    doc="`initialized` after a failed initialize is fatal for that connection only",
)
case(
    "session_resume_unknown",
    "sessions",
    call("initialize", {"clientName": "c", "resumeSessionId": UNKNOWN_SESSION}),
    call("initialize", {"clientName": "c", "resumeSessionId": "not-a-uuid"}),
    call("initialize", {"clientName": "c", "resumeSessionId": ""}),
    call("initialize", {"clientName": "c", "resumeSessionId": UNKNOWN_SESSION.upper()}),
    init(),
    call("environment/status"),
)
case(
    "session_resume_uppercase_id",
    "sessions",
    init(capture="s1"),
    let("s1up", lambda v: v["s1"].upper()),
    disconnect(),
    sleep(0.3),
    connect_new(),
    call("initialize", {"clientName": "c", "resumeSessionId": "$s1up"}),
    call("initialize", {"clientName": "c", "resumeSessionId": " $s1"}),
    call("initialize", {"clientName": "c", "resumeSessionId": "$s1"}),
    doc="is the resume id matched exactly or case-insensitively?",
)
case(
    "session_process_ids_per_session",
    "sessions",
    init(capture="s1"),
    start("same", "echo one; exec sleep 30"),
    start("only0", "exec sleep 30"),
    connect_new(),
    init(capture="s2"),
    start("same", "echo two; exec sleep 30"),
    sleep(0.2),
    read("same"),
    read("only0"),
    terminate("only0"),
    use(0),
    read("same"),
    terminate("same"),
    terminate("only0"),
    settle(),
    use(1),
    terminate("same"),
    wait_process("same"),
)
case(
    "session_resume_then_initialize_again",
    "sessions",
    init(capture="s1"),
    disconnect(),
    sleep(0.3),
    connect_new(),
    init(resume="$s1"),
    call("initialize", {"clientName": "c"}),
    call("initialize", {"clientName": "c", "resumeSessionId": "$s1"}),
)
case(
    "session_disconnect_during_long_poll",
    "sessions",
    init(capture="s1"),
    start("p", "exec sleep 30"),
    send({"id": 50, "method": "process/read", "params": {"processId": "p", "waitMs": 10000}}),
    sleep(0.3),
    disconnect(),
    sleep(0.3),
    connect_new(),
    call("initialize", {"clientName": "c", "resumeSessionId": "$s1"}, min_ms=3000),
    notify("initialized"),
    terminate("p"),
    wait_process("p"),
)
case(
    "session_long_poll_blocks_connection",
    "sessions",
    init(),
    start("p", "exec sleep 30"),
    send({"id": 50, "method": "process/read", "params": {"processId": "p", "waitMs": 800}}),
    call("environment/status", min_ms=600),
    terminate("p"),
    wait_process("p"),
)
case(
    "session_chained_resumes",
    "sessions",
    init(capture="s1"),
    start("p", "exec sleep 30"),
    disconnect(),
    sleep(0.3),
    connect_new(),
    init(resume="$s1"),
    disconnect(),
    sleep(0.3),
    connect_new(),
    init(resume="$s1"),
    read("p"),
    terminate("p"),
    wait_process("p"),
)
case(
    "session_resumed_session_not_resumable_twice",
    "sessions",
    init(capture="s1"),
    disconnect(),
    sleep(0.3),
    connect_new(),
    init(resume="$s1"),
    connect_new(),
    call("initialize", {"clientName": "c", "resumeSessionId": "$s1"}),
    call("environment/status"),
    use(1),
    call("environment/status"),
)

# --------------------------------------------------------------------------- http

case(
    "http_request_validation",
    "http",
    init(),
    [
        call("http/request", {"method": m, "url": u, "headers": h, "requestId": f"r{n}"})
        for n, (m, u, h) in enumerate(
            [
                ("GE T", "http://127.0.0.1:1/", []),
                ("", "http://127.0.0.1:1/", []),
                ("GET", "not a url", []),
                ("GET", "ftp://127.0.0.1/x", []),
                ("GET", "file:///etc/hostname", []),
                ("GET", "http://127.0.0.1:1/", [{"name": "bad name", "value": "v"}]),
                ("GET", "http://127.0.0.1:1/", [{"name": "X", "value": "bad\nvalue"}]),
                ("GET", "http://127.0.0.1:1/", [{"name": "X"}]),
                (
                    "GET",
                    "http://127.0.0.1:1/",
                    [{"name": "X", "value": "v", "valueEnvVar": "INTEROP_PLAIN"}],
                ),
                ("GET", "http://127.0.0.1:1/", "x"),
            ]
        )
    ],
)


def http(request_id: str, url: str, **extra: Json) -> Step:
    """`http/request` (GET unless `method` is given)."""
    params: dict[str, Json] = {"method": "GET", "url": url, "headers": [], "requestId": request_id}
    return call("http/request", params | extra)


def body_done(request_id: str) -> Step:
    """Collect until the final `http/request/bodyDelta` of `request_id`."""
    return collect(
        lambda m: (
            isinstance(m, dict)
            and m.get("method") == "http/request/bodyDelta"
            and isinstance(m.get("params"), dict)
            and m["params"].get("requestId") == request_id
            and m["params"].get("done") is True
        ),
        f"final body delta of {request_id}",
    )


case(
    "http_request_buffered",
    "http",
    init(),
    serve_http(),
    http("r1", "$http/hello"),
    http("r2", "$http/missing"),
    http("r3", "$http/hello", method="HEAD"),
    http(
        "r4",
        "$http/echo",
        method="POST",
        bodyBase64=b64("payload"),
        headers=[
            {"name": "X-A", "value": "1"},
            {"name": "X-A", "value": "2"},
            {"name": "Content-Type", "value": "text/plain"},
        ],
    ),
    http("r5", "$http/echo", method="PUT", bodyBase64=""),
    http("r1", "$http/hello"),
)
case(
    "http_request_redirects",
    "http",
    init(),
    serve_http(),
    http("r1", "$http/redirect"),
    http("r2", "$http/redirect", redirectPolicy="follow"),
    http("r3", "$http/redirect", redirectPolicy="stop"),
)
case(
    "http_request_timeout",
    "http",
    init(),
    serve_http(),
    http("r2", "$http/slow", timeoutMs=None),
    http("r3", "$http/hello", timeoutMs=0),
    doc="timeoutMs 0 fails before connecting; a timeout while waiting for the answer is "
    "racy in the reference (either message below) and is not compared: "
    "`http/request failed: route-aware request timed out` / "
    "`http/request failed: error sending request for url (...)`",
)
case(
    "http_request_header_env_var",
    "http",
    init(),
    serve_http(),
    http(
        "r1", "$http/echo", headers=[{"name": "X-Env", "value": "", "valueEnvVar": "INTEROP_PLAIN"}]
    ),
    http(
        "r2", "$http/echo", headers=[{"name": "X-Env", "value": "v", "valueEnvVar": "NOPE_UNSET"}]
    ),
    http("r3", "$http/echo", headers=[{"name": "X-Env", "value": "v", "valueEnvVar": None}]),
    http(
        "r4",
        "$http/echo",
        headers=[{"name": "X-Env", "value": "v", "valueEnvVar": "INTEROP_API_KEY"}],
    ),
)
case(
    "http_request_streamed",
    "http",
    init(),
    serve_http(),
    http("s1", "$http/hello", streamResponse=True),
    body_done("s1"),
    http("s2", "$http/missing", streamResponse=True),
    body_done("s2"),
)
case(
    "http_request_stream_id_in_use",
    "http",
    init(),
    serve_http(),
    http("s1", "$http/drip", streamResponse=True),
    http("s1", "$http/hello", streamResponse=True),
    http("s1", "$http/hello"),
    body_done("s1"),
    http("s1", "$http/hello", streamResponse=True),
    body_done("s1"),
)


def names() -> list[str]:
    """All case names, in catalog order."""
    return [c.name for c in CASES]


def by_name(name: str) -> Case:
    """Look a case up by name."""
    for c in CASES:
        if c.name == name:
            return c
    raise KeyError(name)


def groups() -> dict[str, list[str]]:
    """Case names per group."""
    out: dict[str, list[str]] = {}
    for c in CASES:
        out.setdefault(c.group, []).append(c.name)
    return out
