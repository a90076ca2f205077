# Generated from schema/exec-server.openrpc.json by `make codegen` (codegen/generate.py); do not edit.
"""Pydantic models of every params, result and notification of the exec-server API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from execwire.wire import (
    I32,
    I64,
    U16,
    U64,
    Base64Bytes,
    NonZeroUsize,
    PathUri,
    Usize,
    Uuid,
    WireModel,
)
from pydantic import ConfigDict, Field


class InitializedParams(WireModel):
    """
    Params of `initialized`: Client notification that completes the handshake; its params are ignored.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )


class EnvironmentInfoParams(WireModel):
    """
    Params of `environment/info`: Describe the executor host: shell, cwd, home, temp dirs, capabilities.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )


class EnvironmentStatusParams(WireModel):
    """
    Params of `environment/status`: Report whether the executor is ready.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )


class TerminateParams(WireModel):
    """
    Params of `process/terminate`: Kill a process and its whole process group.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]


class CloseStdinParams(WireModel):
    """
    Params of `execwire/closeStdin`: Close the stdin of a pipe process started with pipeStdin, so it reads end of file (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]


class ListProcessesParams(WireModel):
    """
    Params of `execwire/listProcesses`: The processes of this session, running or retained (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )


class FileDigestParams(WireModel):
    """
    Params of `execwire/fileDigest`: Size and SHA-256 of a handle's content: what a read handle's file holds, or what a replace handle was written (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    handle_id: Annotated[str, Field(alias="handleId")]


class DiscardFileParams(WireModel):
    """
    Params of `execwire/discardFile`: Close a handle without effect: a replace handle's new content is removed and the file stays as it was (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    handle_id: Annotated[str, Field(alias="handleId")]


class UnwatchParams(WireModel):
    """
    Params of `execwire/unwatch`: Stop a watch; unknown watch ids are fine (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    watch_id: Annotated[str, Field(alias="watchId")]


class FsCloseParams(WireModel):
    """
    Params of `fs/close`: Close a handle (a replace handle's content takes the file's place); unknown ids are fine.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    handle_id: Annotated[str, Field(alias="handleId")]


class JsonRpcRequest(WireModel):
    """
    A request. The id is a string or a signed 64-bit integer and is echoed with its type; anything else is a malformed message.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    id: str | I64
    method: str
    params: Any | None = None
    """
    One object; absent is taken as null.
    """
    trace: Any | None = None
    """
    W3C trace carrier {traceparent, tracestate}.
    """


class JsonRpcNotification(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    method: str
    params: Any | None = None


class JsonRpcResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    id: str | I64
    result: Any


class JsonRpcErrorObject(WireModel):
    """
    The error member of an error response. The exec-server never sets data.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    code: I64
    """
    Signed 64-bit integer.
    """
    message: str
    data: Any | None = None


class ProcessInfo(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    argv: list[str]
    pid: I32 | None
    """
    The OS process id (null once reaped).
    """
    tty: bool
    running: bool
    exit_code: Annotated[I32 | None, Field(alias="exitCode")]
    """
    Exit status once exited (128+signal when killed).
    """
    first_seq: Annotated[U64, Field(alias="firstSeq")]
    """
    The oldest output seq still retained (nextSeq when none is).
    """
    next_seq: Annotated[U64, Field(alias="nextSeq")]
    """
    The seq the next output will get.
    """


class ListProcessesResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    processes: list[ProcessInfo]


class FileDigestResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    size: U64
    """
    Unsigned 64-bit integer.
    """
    sha256: str
    """
    Lower-case hex SHA-256.
    """


class WatchChange(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    kind: Literal["added", "modified", "deleted"]


class ExecwireExtensions(WireModel):
    """
    execwire extensions beyond the reference protocol. A client lists what it wants in initialize; an execwire server answers with what it applies. Nothing changes for a client that does not ask.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    output_chunk_bytes: Annotated[Usize | None, Field(alias="outputChunkBytes")] = None
    """
    Largest process output chunk (one seq, one process/output) for this session. The reference's 8 KiB is the default; an execwire server accepts 8192 to 1048576 and answers with the value it applies.
    """
    walk_tree: Annotated[bool | None, Field(alias="walkTree")] = None
    """
    Ask (true) for execwire/walkTree; the answer says whether this session has it.
    """
    methods: list[str] | None = None
    """
    Extension methods (execwire/...) asked for; the answer lists those this session has. Any other extension method is -32601, as on the reference.
    """


class EnvironmentShell(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    name: str
    """
    Shell kind: bash, zsh, sh, powershell, cmd.
    """
    path: str
    """
    Native path or command name of the shell.
    """


class EnvironmentCapabilities(WireModel):
    """
    Optional features the executor serves. Advertising one commits the executor to its methods.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    network_proxy_launch: Annotated[bool, Field(alias="networkProxyLaunch")] = False
    network_proxy_review_domains: Annotated[
        bool, Field(alias="networkProxyReviewDomains")
    ] = False
    credential_masking: Annotated[bool, Field(alias="credentialMasking")] = False
    credential_masking_custom_providers: Annotated[
        bool, Field(alias="credentialMaskingCustomProviders")
    ] = False
    capability_discovery_sandbox: Annotated[
        bool, Field(alias="capabilityDiscoverySandbox")
    ] = False
    fs_watch_missing: Annotated[bool, Field(alias="fsWatchMissing")] = False
    capability_discovery_v2: Annotated[bool, Field(alias="capabilityDiscoveryV2")] = (
        False
    )
    environment_config_read: Annotated[bool, Field(alias="environmentConfigRead")] = (
        False
    )
    http_header_env_vars: Annotated[bool, Field(alias="httpHeaderEnvVars")] = False
    sandboxed_file_streaming: Annotated[bool, Field(alias="sandboxedFileStreaming")] = (
        False
    )
    file_write_streaming: Annotated[bool, Field(alias="fileWriteStreaming")] = False
    shell_snapshot_v2: Annotated[bool, Field(alias="shellSnapshotV2")] = False
    windows_mxc: Annotated[bool, Field(alias="windowsMxc")] = False
    linux_root_write_preserves_devices: Annotated[
        bool, Field(alias="linuxRootWritePreservesDevices")
    ] = False
    linux_approved_root_write_preserves_restrictions: Annotated[
        bool, Field(alias="linuxApprovedRootWritePreservesRestrictions")
    ] = False


class EnvironmentInfo(WireModel):
    """
    The executor host as environment/info and initialize report it.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    shell: EnvironmentShell
    executor_version: Annotated[str, Field(alias="executorVersion")] = "0.0.0"
    provider_id: Annotated[str | None, Field(alias="providerId")] = None
    """
    Stable identifier of the executor provider (sha256:...).
    """
    cwd: Annotated[PathUri | None, Field(json_schema_extra={"emit-null": True})] = None
    """
    The executor's working directory.
    """
    user_home_dir: Annotated[PathUri | None, Field(alias="userHomeDir")] = None
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    platform_os: Annotated[str | None, Field(alias="platformOs")] = None
    """
    linux, macos or windows.
    """
    prepend_path_dirs: Annotated[
        list[PathUri] | None, Field(alias="prependPathDirs")
    ] = None
    temporary_directories: Annotated[
        list[PathUri] | None, Field(alias="temporaryDirectories")
    ] = None
    temp_dir: Annotated[PathUri | None, Field(alias="tempDir")] = None
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    capabilities: EnvironmentCapabilities | None = None


class EnvironmentStatusResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    status: str
    """
    "ready" when the executor serves requests.
    """


class EmptyResponse(WireModel):
    """
    The result {} of methods that return nothing.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )


class ExecEnvPolicy(WireModel):
    """
    How the child environment is derived from the executor's own, before env is overlaid.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    inherit: Literal["core", "all", "none"]
    """
    core: HOME, LOGNAME, PATH, SHELL, USER, TMPDIR, TEMP, TMP, LANG, LC_ALL, LC_CTYPE.
    """
    ignore_default_excludes: Annotated[bool, Field(alias="ignoreDefaultExcludes")]
    """
    Keep names matching *KEY*, *SECRET*, *TOKEN*.
    """
    exclude: list[str]
    """
    Case-insensitive globs of names to drop.
    """
    set: dict[str, str]
    """
    Variables to set.
    """
    include_only: Annotated[list[str], Field(alias="includeOnly")]
    """
    When non-empty, keep only matching names.
    """


class ManagedNetwork(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    loopback_ports: Annotated[list[U16], Field(alias="loopbackPorts")] = []
    allow_local_binding: Annotated[bool, Field(alias="allowLocalBinding")] = False


class ExecMetadata(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
        arbitrary_types_allowed=True,
    )
    thread_id: Annotated[Uuid | None, Field(alias="threadId")] = None
    tool_call_id: Annotated[str | None, Field(alias="toolCallId")] = None


class ProcessOutputChunk(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    seq: U64
    """
    Unsigned 64-bit integer.
    """
    stream: Literal["stdout", "stderr", "pty"]
    chunk: Annotated[
        Base64Bytes, Field(json_schema_extra={"contentEncoding": "base64"})
    ]
    """
    Raw bytes as standard base64 with padding (RFC 4648 section 4).
    """


class ReadResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    chunks: list[ProcessOutputChunk]
    """
    Retained chunks with seq > afterSeq, ascending.
    """
    next_seq: Annotated[U64, Field(alias="nextSeq")]
    """
    Cursor: continue with afterSeq = nextSeq - 1.
    """
    exited: bool
    exit_code: Annotated[
        I32 | None, Field(alias="exitCode", json_schema_extra={"emit-null": True})
    ] = None
    closed: bool
    failure: Annotated[str | None, Field(json_schema_extra={"emit-null": True})] = None
    """
    Always null from a server.
    """
    sandbox_denied: Annotated[bool, Field(alias="sandboxDenied")] = False


class WriteResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    status: Literal["accepted", "unknownProcess", "stdinClosed", "starting"]


class TerminateResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    running: bool
    """
    The process was running and has been killed.
    """


class FsReadFileResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    data_base64: Annotated[
        str, Field(alias="dataBase64", json_schema_extra={"contentEncoding": "base64"})
    ]


class FsGetMetadataResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    is_directory: Annotated[bool, Field(alias="isDirectory")]
    is_file: Annotated[bool, Field(alias="isFile")]
    is_symlink: Annotated[bool, Field(alias="isSymlink")]
    size: U64
    """
    Unsigned 64-bit integer.
    """
    created_at_ms: Annotated[I64, Field(alias="createdAtMs")]
    """
    Unix epoch ms; 0 where the platform has no birth time.
    """
    modified_at_ms: Annotated[I64, Field(alias="modifiedAtMs")]
    """
    Signed 64-bit integer.
    """


class FsDirectoryEntry(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    file_name: Annotated[str, Field(alias="fileName")]
    is_directory: Annotated[bool, Field(alias="isDirectory")]
    is_file: Annotated[bool, Field(alias="isFile")]


class CapabilityTextFile(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    contents: str


class DiscoveredPluginFiles(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    manifest: CapabilityTextFile
    mcp_config: Annotated[
        CapabilityTextFile | None,
        Field(alias="mcpConfig", json_schema_extra={"emit-null": True}),
    ] = None
    apps_config: Annotated[
        CapabilityTextFile | None,
        Field(alias="appsConfig", json_schema_extra={"emit-null": True}),
    ] = None


class DiscoveredSkillFiles(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    instructions: CapabilityTextFile
    metadata: Annotated[
        CapabilityTextFile | None, Field(json_schema_extra={"emit-null": True})
    ] = None


class CapabilityRootDiscovery(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    id: str
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    plugin: Annotated[
        DiscoveredPluginFiles | None, Field(json_schema_extra={"emit-null": True})
    ] = None
    skills: list[DiscoveredSkillFiles]
    namespace_manifests: Annotated[
        list[CapabilityTextFile], Field(alias="namespaceManifests")
    ]
    warnings: list[str]
    error: Annotated[str | None, Field(json_schema_extra={"emit-null": True})] = None


class CapabilityRootsDiscoverResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    roots: list[CapabilityRootDiscovery]


class SkillDiscoveryRoot(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    id: str
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """


class SkillToolDependency(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    type: str
    value: str
    description: Annotated[str | None, Field(json_schema_extra={"emit-null": True})] = (
        None
    )
    transport: Annotated[str | None, Field(json_schema_extra={"emit-null": True})] = (
        None
    )
    command: Annotated[str | None, Field(json_schema_extra={"emit-null": True})] = None
    url: Annotated[str | None, Field(json_schema_extra={"emit-null": True})] = None
    oauth_callback_port: Annotated[
        U16 | None,
        Field(alias="oauthCallbackPort", json_schema_extra={"emit-null": True}),
    ] = None


class SkillDependencies(WireModel):
    """
    The dependencies: of a skill's agents/openai.yaml (null when it lists no valid tool).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    tools: list[SkillToolDependency]


class SkillPolicy(WireModel):
    """
    The policy: of a skill's agents/openai.yaml (null when it does not decode).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    allow_implicit_invocation: Annotated[
        bool | None,
        Field(alias="allowImplicitInvocation", json_schema_extra={"emit-null": True}),
    ] = None
    products: list[str]


class ExecutorSkill(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    name: str
    """
    The frontmatter's name (else the skill's directory name), prefixed with the namespace of the nearest plugin manifest above it.
    """
    description: str
    short_description: Annotated[
        str | None,
        Field(alias="shortDescription", json_schema_extra={"emit-null": True}),
    ] = None
    path: PathUri
    """
    The SKILL.md file.
    """
    discovery_root: Annotated[SkillDiscoveryRoot, Field(alias="discoveryRoot")]
    dependencies: Annotated[
        SkillDependencies | None, Field(json_schema_extra={"emit-null": True})
    ] = None
    policy: Annotated[
        SkillPolicy | None, Field(json_schema_extra={"emit-null": True})
    ] = None


class ExecutorPluginSkill(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    name: str
    """
    <plugin namespace>:<skill name>.
    """
    description: str
    short_description: Annotated[
        str | None,
        Field(alias="shortDescription", json_schema_extra={"emit-null": True}),
    ] = None
    path: PathUri
    """
    The SKILL.md file.
    """
    dependencies: Annotated[
        SkillDependencies | None, Field(json_schema_extra={"emit-null": True})
    ] = None
    policy: Annotated[
        SkillPolicy | None, Field(json_schema_extra={"emit-null": True})
    ] = None


class ExecutorPlugin(WireModel):
    """
    A plugin installed in the Codex home's plugin cache (plugins/cache/<marketplace>/<plugin>/<version>).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    id: str
    """
    <plugin>@<marketplace>, from the directory names.
    """
    display_name: Annotated[str, Field(alias="displayName")]
    remote_plugin_id: Annotated[
        str | None, Field(alias="remotePluginId", json_schema_extra={"emit-null": True})
    ] = None
    version: str
    """
    The version directory chosen: local, else the highest.
    """
    root: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    files: DiscoveredPluginFiles
    skills: list[ExecutorPluginSkill]


class CapabilitiesDiscoverV2Response(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    plugins: list[ExecutorPlugin]
    skills: list[ExecutorSkill]
    warnings: list[str]


class ConfigLayer(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    source: str
    """
    e.g. user (/root/.codex/config.toml)
    """
    base_dir: Annotated[PathUri, Field(alias="baseDir")]
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    toml: str


class ConfigLayers(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    layers: list[ConfigLayer]
    cloud_insertion_index: Annotated[Usize, Field(alias="cloudInsertionIndex")]
    """
    Unsigned machine-size integer (64-bit).
    """


class EnvironmentConfigReadResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    user_home_dir: Annotated[PathUri, Field(alias="userHomeDir")]
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    codex_home_dir: Annotated[PathUri, Field(alias="codexHomeDir")]
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    hostname: str
    config: ConfigLayers
    requirements: ConfigLayers


class HttpHeader(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    name: str
    value: str
    value_env_var: Annotated[str | None, Field(alias="valueEnvVar")] = None
    """
    Append this executor environment variable's value to value.
    """


class HttpResponseHeader(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    name: str
    value: str


class HttpRequestResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    status: U16
    """
    Unsigned 16-bit integer.
    """
    headers: list[HttpResponseHeader]
    body_base64: Annotated[
        Base64Bytes,
        Field(alias="bodyBase64", json_schema_extra={"contentEncoding": "base64"}),
    ]
    """
    Raw bytes as standard base64 with padding (RFC 4648 section 4).
    """


class FsWatchMissingResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    watching: bool


class FsOpenResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    handle_id: Annotated[str, Field(alias="handleId")]


class FsReadBlockResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    chunk: Annotated[
        Base64Bytes, Field(json_schema_extra={"contentEncoding": "base64"})
    ]
    """
    Raw bytes as standard base64 with padding (RFC 4648 section 4).
    """
    eof: bool


class WalkOptions(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    max_depth: Annotated[Usize, Field(alias="maxDepth")]
    """
    Unsigned machine-size integer (64-bit).
    """
    max_directories: Annotated[Usize, Field(alias="maxDirectories")]
    """
    Unsigned machine-size integer (64-bit).
    """
    max_entries: Annotated[Usize, Field(alias="maxEntries")]
    """
    Unsigned machine-size integer (64-bit).
    """
    follow_directory_symlinks: Annotated[bool, Field(alias="followDirectorySymlinks")]
    prune_hidden_directories: Annotated[bool, Field(alias="pruneHiddenDirectories")] = (
        False
    )
    """
    Do not descend into directories whose name starts with a dot (they are still listed).
    """


class FsWalkEntry(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    kind: Literal["directory", "file"]


class FsWalkError(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    message: str


class FsWalkTreeGroup(WireModel):
    """
    The children of one directory, in name order.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    parent: I64
    """
    Index of the directory among the walk's entries (counted over the groups in order); -1 for the root.
    """
    kinds: str
    """
    One letter per name: d for a directory, f for a file.
    """
    names: list[str]
    """
    Each child's name as its path spells it (percent-encoded like a PathUri segment).
    """


class FsWalkTreeResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    root: PathUri
    """
    The walked directory, spelled as its entries' paths begin.
    """
    groups: list[FsWalkTreeGroup]
    errors: list[FsWalkError]
    truncated: bool


class FsWalkResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    entries: list[FsWalkEntry]
    errors: list[FsWalkError]
    truncated: bool


class FsCanonicalizeResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """


class FsReadDirectoryResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    entries: list[FsDirectoryEntry]


class DisabledPermissionProfile(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    type: Literal["disabled"]


class ExternalPermissionProfile(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    type: Literal["external"]
    network: Literal["restricted", "enabled"]


class UnrestrictedFileSystemPermissions(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    type: Literal["unrestricted"]


class PathFileSystemPath(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    type: Literal["path"]
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """


class GlobPatternFileSystemPath(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    type: Literal["glob_pattern"]
    pattern: str
    """
    Relative patterns are resolved against the sandbox cwd.
    """


class RootSpecialPath(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    kind: Literal["root"]


class MinimalSpecialPath(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    kind: Literal["minimal"]


class CurrentWorkingDirectorySpecialPath(WireModel):
    """
    Input alias of project_roots.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    kind: Literal["current_working_directory"]
    subpath: str | None = None


class ProjectRootsSpecialPath(WireModel):
    """
    The symbolic :workspace_roots / :project_roots entry: one concrete entry per workspace root (root/subpath).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    kind: Literal["project_roots"]
    subpath: str | None = None


class TmpdirSpecialPath(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    kind: Literal["tmpdir"]


class SlashTmpSpecialPath(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    kind: Literal["slash_tmp"]


class UnknownSpecialPath(WireModel):
    """
    Forward-compatible placeholder; ignored by executors.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    kind: Literal["unknown"]
    path: str
    subpath: str | None = None


class InitializeParams(WireModel):
    """
    Params of `initialize`: Open or resume a session on this connection.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    client_name: Annotated[str, Field(alias="clientName")]
    """
    Informational client name.
    """
    resume_session_id: Annotated[
        str | None,
        Field(alias="resumeSessionId", json_schema_extra={"emit-null": True}),
    ] = None
    """
    Resume this detached session instead of creating one.
    """
    execwire: ExecwireExtensions | None = None
    """
    execwire extensions the client asks for; the reference ignores unknown params, so it is safe to send to any server.
    """


class ReadParams(WireModel):
    """
    Params of `process/read`: Read retained output after a seq cursor, optionally long-polling.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    after_seq: Annotated[U64 | None, Field(alias="afterSeq")] = None
    """
    Return chunks with seq greater than this (default 0: from the start).
    """
    max_bytes: Annotated[Usize | None, Field(alias="maxBytes")] = None
    """
    Byte budget; the first eligible chunk is always returned.
    """
    wait_ms: Annotated[U64 | None, Field(alias="waitMs")] = None
    """
    Long-poll timeout in milliseconds (default 0).
    """


class WriteParams(WireModel):
    """
    Params of `process/write`: Write bytes to a process's stdin (idempotent per writeId).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    chunk: Annotated[
        Base64Bytes, Field(json_schema_extra={"contentEncoding": "base64"})
    ]
    """
    Raw bytes as standard base64 with padding (RFC 4648 section 4).
    """
    write_id: Annotated[str, Field(alias="writeId", min_length=1)]
    """
    Idempotency key: a repeated id is accepted without writing again.
    """


class SignalParams(WireModel):
    """
    Params of `process/signal`: Interrupt a process (SIGINT to its process group).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    signal: Literal["interrupt"]


class ProcessOutputNotification(WireModel):
    """
    Params of `process/output`: A chunk of process output (at most 8 KiB), pushed to the attached connection.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    seq: U64
    """
    Unsigned 64-bit integer.
    """
    stream: Literal["stdout", "stderr", "pty"]
    chunk: Annotated[
        Base64Bytes, Field(json_schema_extra={"contentEncoding": "base64"})
    ]
    """
    Raw bytes as standard base64 with padding (RFC 4648 section 4).
    """


class ProcessExitedNotification(WireModel):
    """
    Params of `process/exited`: The process exited; output may still follow until process/closed.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    seq: U64
    """
    Unsigned 64-bit integer.
    """
    exit_code: Annotated[I32, Field(alias="exitCode")]
    """
    Exit status; 128+signal when killed by a signal (1 for PTY processes).
    """
    sandbox_denied: Annotated[bool, Field(alias="sandboxDenied")] = False
    """
    The exit is classified as a sandbox denial.
    """


class ProcessClosedNotification(WireModel):
    """
    Params of `process/closed`: Exit recorded and every output stream at EOF: always the last event of a process.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    seq: U64
    """
    Unsigned 64-bit integer.
    """


class ResizeParams(WireModel):
    """
    Params of `execwire/resize`: Resize the terminal of a PTY process (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    rows: U16
    """
    Unsigned 16-bit integer.
    """
    cols: U16
    """
    Unsigned 16-bit integer.
    """


class ExecwireSignalParams(WireModel):
    """
    Params of `execwire/signal`: Send a signal to a process's whole process group (an execwire extension of process/signal).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    signal: Literal["interrupt", "terminate", "kill", "hangup", "quit", "user1", "user2"]
    """
    Signals execwire/signal sends: SIGINT, SIGTERM, SIGKILL, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2.
    """


class CommitFileParams(WireModel):
    """
    Params of `execwire/commitFile`: Close a replace handle, letting its content take the file's place only if it has the expected size and SHA-256 (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    handle_id: Annotated[str, Field(alias="handleId")]
    size: U64
    """
    Unsigned 64-bit integer.
    """
    sha256: str
    """
    Lower-case hex SHA-256 of the whole content.
    """


class WatchChangedNotification(WireModel):
    """
    Params of `execwire/changed`: Changes below a watched path, debounced and batched (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    watch_id: Annotated[str, Field(alias="watchId")]
    changes: list[WatchChange]


class FsReadBlockParams(WireModel):
    """
    Params of `fs/readBlock`: Read up to len bytes (1..=1 MiB) at offset from a read handle; eof when fewer came.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    handle_id: Annotated[str, Field(alias="handleId")]
    offset: U64
    """
    Unsigned 64-bit integer.
    """
    len: Usize
    """
    Unsigned machine-size integer (64-bit).
    """


class FsWriteBlockParams(WireModel):
    """
    Params of `fs/writeBlock`: Write a chunk (1..=1 MiB) at offset through a replace handle.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    handle_id: Annotated[str, Field(alias="handleId")]
    offset: U64
    """
    Unsigned 64-bit integer.
    """
    chunk: Annotated[
        Base64Bytes, Field(json_schema_extra={"contentEncoding": "base64"})
    ]
    """
    Raw bytes as standard base64 with padding (RFC 4648 section 4).
    """


class FsMissingChangedNotification(WireModel):
    """
    Params of `fs/missingChanged`: A watched missing path (or a directory above it) changed; sent once per watch.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    watch_id: Annotated[U64, Field(alias="watchId")]
    """
    Unsigned 64-bit integer.
    """


class HttpRequestParams(WireModel):
    """
    Params of `http/request`: Make an HTTP(S) request from the executor; the body comes in the answer, or streamed as http/request/bodyDelta notifications.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    method: str
    url: str
    headers: Annotated[list[HttpHeader], Field(validate_default=True)] = []
    body_base64: Annotated[Base64Bytes | None, Field(alias="bodyBase64")] = None
    timeout_ms: Annotated[U64 | None, Field(alias="timeoutMs")] = None
    request_id: Annotated[str, Field(alias="requestId")]
    stream_response: Annotated[bool, Field(alias="streamResponse")] = False
    redirect_policy: Annotated[
        Literal["follow", "stop"], Field(alias="redirectPolicy")
    ] = "follow"
    """
    follow (at most 10 redirects) or stop.
    """


class HttpRequestBodyDeltaNotification(WireModel):
    """
    Params of `http/request/bodyDelta`: A part of a streamed http/request body (seq from 1; the last has done true, or an error).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    request_id: Annotated[str, Field(alias="requestId")]
    seq: U64
    """
    Unsigned 64-bit integer.
    """
    delta_base64: Annotated[
        Base64Bytes,
        Field(alias="deltaBase64", json_schema_extra={"contentEncoding": "base64"}),
    ]
    """
    Raw bytes as standard base64 with padding (RFC 4648 section 4).
    """
    done: bool
    error: Annotated[str | None, Field(json_schema_extra={"emit-null": True})]


class EnvironmentConfigReadParams(WireModel):
    """
    Params of `environmentConfig/read`: The executor's Codex configuration layers (system, user, trusted project) for a cwd, cut to the requested key paths.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    cwd: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    config_paths: Annotated[list[list[str]], Field(alias="configPaths")]
    requirements_paths: Annotated[list[list[str]], Field(alias="requirementsPaths")]


class JsonRpcErrorResponse(WireModel):
    """
    An error reply. Malformed messages are answered with id -1.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    id: str | I64
    error: JsonRpcErrorObject


class InitializeResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    session_id: Annotated[str, Field(alias="sessionId")]
    """
    UUIDv4 of the session; a bearer secret for resume.
    """
    environment_info: Annotated[
        EnvironmentInfo | None, Field(alias="environmentInfo")
    ] = None
    execwire: ExecwireExtensions | None = None
    """
    The execwire extensions this session uses; absent from other servers.
    """


class ExecResponse(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    sandbox_type: Annotated[
        Literal["none", "macosSeatbelt", "linuxSeccomp", "windowsRestrictedToken"] | None,
        Field(alias="sandboxType"),
    ] = None
    """
    Which sandbox wrapper ran the process.
    """


class SpecialFileSystemPath(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    type: Literal["special"]
    value: Annotated[
        RootSpecialPath | MinimalSpecialPath | CurrentWorkingDirectorySpecialPath | ProjectRootsSpecialPath | TmpdirSpecialPath | SlashTmpSpecialPath | UnknownSpecialPath,
        Field(discriminator="kind"),
    ]


class FileSystemSandboxEntry(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: Annotated[
        PathFileSystemPath | GlobPatternFileSystemPath | SpecialFileSystemPath,
        Field(discriminator="type"),
    ]
    access: Literal["read", "write", "deny", "none"]
    """
    none is an alias of deny. Precedence among equally specific paths: deny > write > read.
    """
    missing_path_behavior: Literal["skip"] | None = None


class RestrictedFileSystemPermissions(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    type: Literal["restricted"]
    entries: list[FileSystemSandboxEntry]
    glob_scan_max_depth: NonZeroUsize | None = None


class ManagedPermissionProfile(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    type: Literal["managed"]
    file_system: Annotated[
        RestrictedFileSystemPermissions | UnrestrictedFileSystemPermissions,
        Field(discriminator="type"),
    ]
    network: Literal["restricted", "enabled"]


class FileSystemSandboxContext(WireModel):
    """
    Portable sandbox intent; the executor binds it to its own roots.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    permissions: Annotated[
        ManagedPermissionProfile | DisabledPermissionProfile | ExternalPermissionProfile,
        Field(discriminator="type"),
    ]
    cwd: PathUri | None = None
    """
    Sandbox cwd for cwd-relative entries.
    """
    workspace_roots: Annotated[list[PathUri], Field(alias="workspaceRoots")] = []
    """
    Roots that project_roots entries expand to (the symbolic :workspace_roots).
    """
    user_home_dir: Annotated[PathUri | None, Field(alias="userHomeDir")] = None
    """
    Resolves home-relative entries.
    """
    temporary_directories: Annotated[
        list[PathUri] | None, Field(alias="temporaryDirectories")
    ] = None
    """
    Resolves tmpdir entries.
    """
    windows_sandbox_level: Annotated[
        Literal["disabled", "restricted-token", "elevated", "mxc"],
        Field(alias="windowsSandboxLevel"),
    ]
    windows_sandbox_proxy_settings_mode: Annotated[
        Literal["reconcile", "preserve"] | None,
        Field(alias="windowsSandboxProxySettingsMode"),
    ] = None
    use_legacy_landlock: Annotated[bool, Field(alias="useLegacyLandlock")] = False


class ExecParams(WireModel):
    """
    Params of `process/start`: Start a process (pipes or a PTY) under a client-chosen process id.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    process_id: Annotated[str, Field(alias="processId")]
    """
    Client-chosen handle, unique within the session.
    """
    argv: Annotated[list[str], Field(min_length=1)]
    """
    Program and arguments; argv[0] is looked up on the child's PATH.
    """
    cwd: PathUri
    """
    Working directory of the child.
    """
    env_policy: Annotated[ExecEnvPolicy | None, Field(alias="envPolicy")] = None
    """
    Build the child environment from the executor's own; env is overlaid on the result. Absent: env is used verbatim.
    """
    env: dict[str, str]
    """
    Exact child environment, or the overlay when envPolicy is given.
    """
    tty: bool
    """
    Run under a 24x80 PTY; output is reported as stream `pty`.
    """
    pipe_stdin: Annotated[bool, Field(alias="pipeStdin")] = False
    """
    Keep stdin of a non-tty process writable through process/write.
    """
    arg0: Annotated[str | None, Field(json_schema_extra={"emit-null": True})] = None
    """
    argv[0] as the child sees it.
    """
    sandbox: FileSystemSandboxContext | None = None
    """
    Portable sandbox intent; null runs unsandboxed.
    """
    enforce_managed_network: Annotated[bool, Field(alias="enforceManagedNetwork")] = (
        False
    )
    """
    Require the managed network proxy.
    """
    managed_network: Annotated[ManagedNetwork | None, Field(alias="managedNetwork")] = (
        None
    )
    """
    Network sandbox facts.
    """
    metadata: ExecMetadata | None = None
    """
    Telemetry identifiers sent by the Codex agent.
    """


class FsReadFileParams(WireModel):
    """
    Params of `fs/readFile`: Read a whole file (at most 512 MiB) as base64.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    sandbox: FileSystemSandboxContext | None = None
    follow_symlinks: Annotated[bool | None, Field(alias="followSymlinks")] = None
    """
    false: refuse symbolic links anywhere in the path.
    """


class FsWriteFileParams(WireModel):
    """
    Params of `fs/writeFile`: Create or truncate a file with the given bytes.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    data_base64: Annotated[
        str, Field(alias="dataBase64", json_schema_extra={"contentEncoding": "base64"})
    ]
    """
    Standard base64 with padding; invalid data is -32600.
    """
    sandbox: FileSystemSandboxContext | None = None
    follow_symlinks: Annotated[bool | None, Field(alias="followSymlinks")] = None


class FsCreateDirectoryParams(WireModel):
    """
    Params of `fs/createDirectory`: Create a directory (recursive by default, like mkdir -p).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    recursive: bool | None = None
    """
    Default true.
    """
    sandbox: FileSystemSandboxContext | None = None
    follow_symlinks: Annotated[bool | None, Field(alias="followSymlinks")] = None


class FsGetMetadataParams(WireModel):
    """
    Params of `fs/getMetadata`: Stat a path (following symlinks; isSymlink comes from lstat).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    sandbox: FileSystemSandboxContext | None = None
    follow_symlinks: Annotated[bool | None, Field(alias="followSymlinks")] = None


class FsReadDirectoryParams(WireModel):
    """
    Params of `fs/readDirectory`: List a directory's entries (no . or ..; unreadable entries skipped).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    sandbox: FileSystemSandboxContext | None = None


class FsRemoveParams(WireModel):
    """
    Params of `fs/remove`: Remove a file, symlink or directory (recursive and force by default).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    recursive: bool | None = None
    """
    Default true.
    """
    force: bool | None = None
    """
    Default true: a missing path is not an error.
    """
    sandbox: FileSystemSandboxContext | None = None
    follow_symlinks: Annotated[bool | None, Field(alias="followSymlinks")] = None


class FsCopyParams(WireModel):
    """
    Params of `fs/copy`: Copy a file, symlink or (with recursive) a directory tree.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    source_path: Annotated[PathUri, Field(alias="sourcePath")]
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    destination_path: Annotated[PathUri, Field(alias="destinationPath")]
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    recursive: bool
    sandbox: FileSystemSandboxContext | None = None


class FsCanonicalizeParams(WireModel):
    """
    Params of `fs/canonicalize`: Resolve an existing path to its canonical absolute form (symlinks, . and .. resolved).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    sandbox: FileSystemSandboxContext | None = None


class FsWalkParams(WireModel):
    """
    Params of `fs/walk`: List a directory tree breadth-first, children in name order, within limits.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    options: WalkOptions
    sandbox: FileSystemSandboxContext | None = None


class FsWalkTreeParams(WireModel):
    """
    Params of `execwire/walkTree`: fs/walk answered as a tree: the same entries in the same order, each a name below its parent (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    options: WalkOptions
    sandbox: FileSystemSandboxContext | None = None


class WatchParams(WireModel):
    """
    Params of `execwire/watch`: Watch a file or directory tree for changes, delivered as execwire/changed notifications (an execwire extension).
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    watch_id: Annotated[str, Field(alias="watchId", min_length=1)]
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    recursive: bool = True
    """
    Watch the whole tree below a directory (false: its direct entries).
    """
    debounce_ms: Annotated[U64 | None, Field(alias="debounceMs")] = None
    """
    Wait this long for more changes before sending a batch (default 50).
    """
    sandbox: FileSystemSandboxContext | None = None


class FsOpenParams(WireModel):
    """
    Params of `fs/open`: Open a file under a client-chosen handle id, to read or to replace it block by block.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    handle_id: Annotated[str, Field(alias="handleId")]
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    mode: Literal["read", "replace"] = "read"
    """
    read an existing file, or replace it with what is written (at close).
    """
    sandbox: FileSystemSandboxContext | None = None


class FsWatchMissingParams(WireModel):
    """
    Params of `fs/watchMissing`: Watch paths that do not exist yet: one fs/missingChanged when one appears or a directory above it changes.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    watch_id: Annotated[U64, Field(alias="watchId")]
    """
    Unsigned 64-bit integer.
    """
    missing: list[PathUri]
    sandbox: FileSystemSandboxContext | None = None


class CapabilitiesDiscoverV2Params(WireModel):
    """
    Params of `capabilities/discoverV2`: Installed skills (and plugins) of the executor, with their frontmatter; the first answer is kept for the server's lifetime.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    cwd: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    sandbox: FileSystemSandboxContext | None = None


class CapabilityRootDiscoverRequest(WireModel):
    model_config = ConfigDict(
        validate_by_name=True,
    )
    id: str
    path: PathUri
    """
    An absolute path as a canonical file: URI (file:///home/me/a%20b). Relative strings, native paths, other schemes, queries and fragments are rejected.
    """
    sandbox: FileSystemSandboxContext | None = None


class CapabilityRootsDiscoverParams(WireModel):
    """
    Params of `capabilityRoots/discoverV1`: Find plugin manifests, MCP/app configs and skills below roots, with their contents.
    """

    model_config = ConfigDict(
        validate_by_name=True,
    )
    roots: list[CapabilityRootDiscoverRequest]
