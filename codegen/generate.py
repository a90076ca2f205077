"""Regenerate execwire's typed protocol layer from `schema/`.

Inputs (the source of truth):
  schema/exec-server.openrpc.json          the JSON-RPC API (OpenRPC 1.3)
  schema/relay-registry.schema.json        the relay registry HTTP API (JSON Schema)
  schema/codex/exec_server/relay/v1/*.proto the relay frames

Outputs, under sdk/execwire/protocol/ (committed, never edited by hand):
  exec_server.schema.json   one JSON Schema bundle: components + a params object per method
  models.py                 pydantic v2 models (datamodel-code-generator over the bundle)
  registry.py               pydantic v2 models of the relay registry HTTP API
  methods.py                typed method table, client stubs and server handler protocol
  codex/exec_server/relay/v1/*_pb2.py(.pyi)   protobuf modules + mypy-protobuf stubs
and sdk/execwire/sync.py, the blocking facade generated from the async SDK classes
(codegen/sync_facade.py), which is the last step because it imports the SDK.

Usage: python -m codegen.generate [--out DIR]   (DIR defaults to the repository root)
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "schema"
OPENRPC = SCHEMA_DIR / "exec-server.openrpc.json"
REGISTRY_SCHEMA = SCHEMA_DIR / "relay-registry.schema.json"
PROTOCOL_PACKAGE = Path("sdk/execwire/protocol")
PROTO_PACKAGE = "codex.exec_server.relay.v1"
TEMPLATES = Path(__file__).resolve().parent / "templates"

HEADER = "Generated from {source} by `make codegen` (codegen/generate.py); do not edit."

# The option set of toolchain.md, plus the execwire base class. `--collapse-root-models`
# inlines enums and tagged unions at their use sites, and `customTypePath` in the schema
# still maps PathUri and ByteChunk onto the validated types of execwire.wire.
DATAMODEL_CODEGEN_OPTIONS = [
    "--input-file-type", "jsonschema",
    "--output-model-type", "pydantic_v2.BaseModel",
    "--target-python-version", "3.11",
    "--target-pydantic-version", "2.11",
    "--formatters", "builtin",
    "--disable-timestamp",
    "--snake-case-field",
    "--use-annotated",
    "--field-constraints",
    "--use-standard-collections",
    "--use-union-operator",
    "--enum-field-as-literal", "all",
    "--use-double-quotes",
    "--collapse-root-models",
    "--allow-population-by-field-name",
    "--strict-nullable",
    "--use-field-description",
    "--use-schema-description",
    "--skip-root-model",
    "--base-class", "execwire.wire.WireModel",
    "--field-extra-keys-without-x-prefix", "x-emit-null",
]  # fmt: skip


@dataclass(frozen=True)
class Method:
    """One OpenRPC method, as the templates need it."""

    name: str
    python_name: str
    summary: str
    params_model: str
    rust_name: str
    params_unit: bool
    family: str | None
    direction: str | None
    result_model: str | None
    extension: bool = False
    raw_reply: bool = False
    bulk_member: str | None = None

    @property
    def is_notification(self) -> bool:
        return self.result_model is None


def python_name(method: str) -> str:
    """`fs/readFile` -> `fs_read_file`."""
    parts = [re.sub(r"(?<!^)(?=[A-Z])", "_", part).lower() for part in method.split("/")]
    return "_".join(parts)


def _ref_name(ref: str) -> str:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise SystemExit(f"codegen: unsupported $ref {ref!r} (only {prefix}* is supported)")
    return ref[len(prefix) :]


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: ("#/$defs/" + _ref_name(value) if key == "$ref" else _rewrite_refs(value))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _walk_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _walk_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_refs(item)


def load_document() -> dict[str, Any]:
    """Load the OpenRPC document and check what the generator relies on."""
    document: dict[str, Any] = json.loads(OPENRPC.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    for ref in _walk_refs(document):
        if ref.startswith("#/components/errors/"):
            if ref.rsplit("/", 1)[1] not in document["components"]["errors"]:
                raise SystemExit(f"codegen: dangling error $ref {ref!r}")
        elif _ref_name(ref) not in schemas:
            raise SystemExit(f"codegen: dangling $ref {ref!r}")
    seen: set[str] = set()
    for method in document["methods"]:
        name = method["name"]
        if name in seen:
            raise SystemExit(f"codegen: method {name!r} is listed twice")
        seen.add(name)
        if method.get("paramStructure") != "by-name":
            raise SystemExit(f"codegen: method {name!r} must use paramStructure by-name")
        if method["x-params-model"] in schemas:
            raise SystemExit(f"codegen: params model of {name!r} clashes with a component")
    return document


def methods_of(document: dict[str, Any]) -> list[Method]:
    """The methods in document order."""
    result = []
    for method in document["methods"]:
        result_schema = method.get("result", {}).get("schema")
        result.append(
            Method(
                name=method["name"],
                python_name=python_name(method["name"]),
                summary=method.get("summary", ""),
                params_model=method["x-params-model"],
                rust_name=method["x-rust-name"],
                params_unit=bool(method.get("x-params-unit", False)),
                family=method.get("x-family"),
                direction=method.get("x-direction"),
                result_model=_ref_name(result_schema["$ref"]) if result_schema else None,
                extension=bool(method.get("x-extension", False)),
                raw_reply=bool(method.get("x-raw-reply", False)),
                bulk_member=method.get("x-bulk-member"),
            )
        )
    return result


def bundle_schema(document: dict[str, Any]) -> dict[str, Any]:
    """One JSON Schema: every component, plus one object schema per method's params."""
    defs: dict[str, Any] = {}
    for method in document["methods"]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for param in method["params"]:
            schema = copy.deepcopy(param["schema"])
            if "description" in param:
                schema["description"] = param["description"]
            properties[param["name"]] = schema
            if param.get("required", False):
                required.append(param["name"])
        params_schema: dict[str, Any] = {
            "description": f"Params of `{method['name']}`: {method.get('summary', '')}".strip(),
            "type": "object",
            "x-method": method["name"],
            "x-rust-name": method["x-rust-name"],
            "properties": properties,
        }
        for key in ("x-params-unit", "x-rust-field-count"):
            if key in method:
                params_schema[key] = method[key]
        if required:
            params_schema["required"] = required
        defs[method["x-params-model"]] = params_schema
    defs.update(copy.deepcopy(document["components"]["schemas"]))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": HEADER.format(source="schema/exec-server.openrpc.json"),
        "title": document["info"]["title"],
        "$defs": _rewrite_refs(defs),
        "x-errors": document["components"]["errors"],
    }


def generate_models(bundle_path: Path, output: Path, source: str, summary: str) -> None:
    """Run datamodel-code-generator over the bundle.

    It formats with settings from the pyproject.toml nearest to its output file, so it writes
    into a scratch directory that has none: the result is the same wherever it is generated.
    """
    with tempfile.TemporaryDirectory(prefix="execwire-models-") as scratch:
        scratch_output = Path(scratch) / "models.py"
        _run_datamodel_codegen(bundle_path, scratch_output, source, summary)
        shutil.copyfile(scratch_output, output)


def _run_datamodel_codegen(bundle_path: Path, output: Path, source: str, summary: str) -> None:
    command = [
        str(Path(sys.executable).with_name("datamodel-codegen")),
        "--input", str(bundle_path),
        "--output", str(output),
        "--ignore-pyproject",
        "--custom-file-header",
        "# " + HEADER.format(source=source) + f'\n"""{summary}"""',
        *DATAMODEL_CODEGEN_OPTIONS,
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"codegen: datamodel-codegen failed:\n{completed.stderr}")


def generate_methods(document: dict[str, Any], output: Path) -> None:
    """Render the method table, client stubs and handler protocol."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    methods = methods_of(document)
    errors = [
        {"name": name, **error} for name, error in document["components"]["errors"].items()
    ]
    text = environment.get_template("methods.py.jinja").render(
        header=HEADER.format(source="schema/exec-server.openrpc.json"),
        requests=[m for m in methods if not m.is_notification],
        notifications=[m for m in methods if m.is_notification],
        server_notifications=[m for m in methods if m.direction == "server-to-client"],
        errors=errors,
    )
    output.write_text(text, encoding="utf-8")


def generate_protobuf(out_root: Path) -> None:
    """Run protoc (grpcio-tools) with mypy-protobuf and make imports package-relative."""
    protos = sorted(SCHEMA_DIR.rglob("*.proto"))
    target = out_root / PROTOCOL_PACKAGE
    plugin = Path(sys.executable).with_name("protoc-gen-mypy")
    command = [
        sys.executable, "-m", "grpc_tools.protoc",
        f"--plugin=protoc-gen-mypy={plugin}",
        f"-I{SCHEMA_DIR}",
        f"--python_out={target}",
        f"--mypy_out={target}",
        *[str(proto) for proto in protos],
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"codegen: protoc failed:\n{completed.stderr}")
    # protoc writes absolute imports for cross-file references; anchored to our own proto
    # package so that google.protobuf imports stay as they are.
    absolute_import = re.compile(rf"^from {re.escape(PROTO_PACKAGE)} import ", re.MULTILINE)
    for proto in protos:
        relative = proto.relative_to(SCHEMA_DIR).with_suffix("")
        for suffix in ("_pb2.py", "_pb2.pyi"):
            path = target / f"{relative}{suffix}"
            text = absolute_import.sub("from . import ", path.read_text(encoding="utf-8"))
            source = f"schema/{relative}.proto"
            path.write_text(f"# {HEADER.format(source=source)}\n{text}", encoding="utf-8")
        package = target / relative.parent
        while package != target:
            init = package / "__init__.py"
            init.write_text(f"# {HEADER.format(source='schema/')}\n", encoding="utf-8")
            package = package.parent


def generate(out_root: Path) -> None:
    """Write every generated file under `out_root` (the repository root, or a scratch dir)."""
    document = load_document()
    target = out_root / PROTOCOL_PACKAGE
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    bundle = bundle_schema(document)
    bundle_path = target / "exec_server.schema.json"
    bundle_path.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", "utf-8")
    generate_models(
        bundle_path,
        target / "models.py",
        "schema/exec-server.openrpc.json",
        "Pydantic models of every params, result and notification of the exec-server API.",
    )
    generate_models(
        REGISTRY_SCHEMA,
        target / "registry.py",
        "schema/relay-registry.schema.json",
        "Pydantic models of the relay registry HTTP API (register, connect, validate).",
    )
    generate_methods(document, target / "methods.py")
    generate_protobuf(out_root)
    (target / "__init__.py").write_text(
        f"# {HEADER.format(source='schema/')}\n"
        '"""The generated protocol layer: models, method table and relay protobuf."""\n',
        encoding="utf-8",
    )


SYNC_FACADE = Path("sdk/execwire/sync.py")


def generate_sync_facade(out_root: Path) -> None:
    """Write the blocking facade (it introspects the importable async SDK)."""
    from codegen import sync_facade

    output = out_root / SYNC_FACADE
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(sync_facade.generate(), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO, help="root to write into")
    args = parser.parse_args()
    generate(args.out.resolve())
    generate_sync_facade(args.out.resolve())


if __name__ == "__main__":
    main()
