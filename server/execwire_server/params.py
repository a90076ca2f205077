"""Decode request params the way the reference does, errors included.

The reference decodes params with serde: the first problem in input order wins (a wrong
type in the first member beats a missing member), and its texts are serde's own
(``missing field `tty` ``, ``invalid type: number, expected a string``, ``unknown variant
`kill`, expected `interrupt` ``). Valid params take the fast path, pydantic's strict
validation of the generated model. Only invalid params walk the generated JSON Schema
bundle to find the error serde would report.

Some constraints are checked by the reference's handlers rather than by serde (empty
``argv``, empty ``writeId``): the schema marks them ``x-empty-message``, and they are
reported after the lifecycle gate, as the reference does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

from pydantic import ValidationError

from execwire import base64_strict, pathuri, wire
from execwire.protocol.methods import RequestSpec
from execwire.wire import WireModel

from .serde_emulation import invalid_type, unexpected, unknown_variant

__all__ = ["DeferredParamsError", "ParamsError", "decode_params"]

_INTEGER_NAMES: Final = {"uint64": "u64", "uint": "usize", "uint16": "u16", "int32": "i32", "int64": "i64"}
_INTEGER_RANGES: Final = {
    "uint64": (0, 2**64 - 1),
    "uint": (0, 2**64 - 1),
    "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}


class ParamsError(Exception):
    """Params that do not decode: -32602 with serde's message, before the lifecycle gate."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class DeferredParamsError:
    """Params that decode but fail a handler-level check: -32602 after the lifecycle gate."""

    message: str


@cache
def _bundle() -> Mapping[str, Any]:
    text = resources.files("execwire.protocol").joinpath("exec_server.schema.json").read_text()
    defs: Mapping[str, Any] = json.loads(text)["$defs"]
    return defs


def decode_params(spec: RequestSpec[Any, Any], raw: object) -> WireModel | DeferredParamsError:
    """Decode `raw` (the request's params, None when absent) into the method's params model.

    Raises `ParamsError` when serde would refuse the params.
    """
    model: type[WireModel] = spec.params_type
    if spec.params_unit:
        if raw is None or raw == {}:
            return model()
        raise ParamsError(f"invalid type: {unexpected(raw)}, expected unit")
    schema = _bundle()[model.__name__]
    if not isinstance(raw, dict | list):
        raise ParamsError(f"invalid type: {unexpected(raw)}, expected struct {spec.rust_name}")
    try:
        return model.model_validate(raw, strict=True, by_alias=True, by_name=False)
    except ValidationError as error:
        failure = error
    message = _explain(schema, raw)
    if message is not None:
        raise ParamsError(message)
    named = _named(schema, raw)
    if named != raw:
        # serde also fills structs from arrays: decode again with members named.
        try:
            return model.model_validate(named, strict=True, by_alias=True, by_name=False)
        except ValidationError as error:
            failure = error
    deferred = _empty_violation(schema, named)
    if deferred is not None:
        return DeferredParamsError(deferred)
    raise ParamsError(_pydantic_message(failure))


def _named(node: Mapping[str, Any], value: Any) -> Any:
    """`value` with every struct written as a JSON array rewritten as an object."""
    node = _resolve(node)
    inner = _nullable_inner(node)
    if inner is not None:
        return value if value is None else _named(inner, value)
    if "oneOf" in node and isinstance(value, list):
        value = _tagged_from_array(node, value)
    if "oneOf" in node and isinstance(value, dict):
        tag = node["discriminator"]["propertyName"]
        for option in node["oneOf"]:
            variant = _resolve(option)
            if variant["properties"][tag].get("const") == value.get(tag):
                return _named(variant, value)
        return value
    kind = node.get("type")
    if kind == "object" and "properties" in node:
        properties: Mapping[str, Any] = node["properties"]
        if isinstance(value, list):
            value = dict(zip(properties, value, strict=False))
        if isinstance(value, dict):
            return {k: (_named(properties[k], v) if k in properties else v) for k, v in value.items()}
        return value
    if kind == "object" and "additionalProperties" in node and isinstance(value, dict):
        return {k: _named(node["additionalProperties"], v) for k, v in value.items()}
    if kind == "array" and isinstance(value, list):
        return [_named(node["items"], item) for item in value]
    return value


def _explain_positional(node: Mapping[str, Any], items: list[Any], buffered: bool) -> str | None:
    """serde fills a struct from a JSON array element by element, in declaration order.

    A missing element is an error only for a member without a default; the message counts
    every member of the reference's struct (`x-rust-field-count`), including ones this
    schema does not model.
    """
    properties: Mapping[str, Any] = node["properties"]
    required = set(node.get("required", ()))
    count = int(node.get("x-rust-field-count", len(properties)))
    for index, name in enumerate(properties):
        if index >= len(items):
            if name in required:
                noun = "element" if count == 1 else "elements"
                rust_name = node.get("x-rust-name", "unknown")
                return f"invalid length {index}, expected struct {rust_name} with {count} {noun}"
            continue
        message = _explain(properties[name], items[index], buffered)
        if message is not None:
            return message
    if len(items) > count:
        return f"invalid length {len(items)}, expected fewer elements in array"
    return None


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        extra = {key: value for key, value in node.items() if key != "$ref"}
        target = _bundle()[node["$ref"].rsplit("/", 1)[1]]
        node = {**target, **extra} if extra else target
    return node


def _nullable_inner(node: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """For `Option<T>` shapes (anyOf [T, null] or type [t, "null"]), T; otherwise None."""
    options = node.get("anyOf")
    if isinstance(options, list) and any(option.get("type") == "null" for option in options):
        (inner,) = [option for option in options if option.get("type") != "null"]
        return _resolve(inner)
    kinds = node.get("type")
    if isinstance(kinds, list) and "null" in kinds:
        (kind,) = [k for k in kinds if k != "null"]
        return {**node, "type": kind}
    return None


def _explain(node: Mapping[str, Any], value: Any, buffered: bool = False) -> str | None:
    """The first error serde reports for `value` against `node`, or None if it decodes.

    `buffered`: inside an internally tagged enum serde re-reads a buffered copy of the
    value, which describes numbers by value (``integer `7` ``) rather than as "number".
    """
    node = _resolve(node)
    inner = _nullable_inner(node)
    if inner is not None:
        return None if value is None else _explain(inner, value, buffered)
    if "oneOf" in node:
        return _explain_tagged(node, value)
    kind = node.get("type")
    if kind == "object" and "properties" in node:
        return _explain_struct(node, value, buffered)
    if kind == "object" and "additionalProperties" in node:
        if not isinstance(value, dict):
            return invalid_type(value, "a map", buffered)
        for item in value.values():
            message = _explain(node["additionalProperties"], item, buffered)
            if message is not None:
                return message
        return None
    if kind == "array":
        if not isinstance(value, list):
            return invalid_type(value, "a sequence", buffered)
        for item in value:
            message = _explain(node["items"], item, buffered)
            if message is not None:
                return message
        return None
    if kind == "string":
        return _explain_string(node, value, buffered)
    if kind == "boolean":
        return None if isinstance(value, bool) else invalid_type(value, "a boolean", buffered)
    if kind == "integer":
        return _explain_integer(node, value, buffered)
    return None


def _explain_struct(node: Mapping[str, Any], value: Any, buffered: bool) -> str | None:
    properties: Mapping[str, Any] = node["properties"]
    if isinstance(value, list):
        return _explain_positional(node, value, buffered)
    if not isinstance(value, dict):
        return invalid_type(value, f"struct {node.get('x-rust-name', 'unknown')}", buffered)
    for key, item in value.items():
        if key in properties:
            message = _explain(properties[key], item, buffered)
            if message is not None:
                return message
    for name in node.get("required", ()):
        if name not in value:
            return f"missing field `{name}`"
    return None


def _explain_tagged(node: Mapping[str, Any], value: Any) -> str | None:
    """An internally tagged enum: {"type": "<variant>", ...variant fields}.

    serde also takes one as a JSON array whose first element is the tag.
    """
    tag: str = node["discriminator"]["propertyName"]
    if isinstance(value, list):
        value = _tagged_from_array(node, value)
    if not isinstance(value, dict):
        expected = f"internally tagged enum {node.get('x-rust-name', 'unknown')}"
        return invalid_type(value, expected, buffered=True)
    variants = {}
    for option in node["oneOf"]:
        variant = _resolve(option)
        variants[variant["properties"][tag]["const"]] = variant
    if tag not in value:
        return f"missing field `{tag}`"
    name = value[tag]
    if not isinstance(name, str):
        return f"invalid type: {unexpected(name)}, expected variant identifier"
    if name not in variants:
        return unknown_variant(name, list(variants))
    return _explain_struct(variants[name], value, buffered=True)


def _tagged_from_array(node: Mapping[str, Any], items: list[Any]) -> dict[str, Any]:
    tag: str = node["discriminator"]["propertyName"]
    if not items:
        return {}
    named: dict[str, Any] = {tag: items[0]}
    for option in node["oneOf"]:
        variant = _resolve(option)
        if variant["properties"][tag].get("const") == items[0]:
            members = [name for name in variant["properties"] if name != tag]
            named.update(zip(members, items[1:], strict=False))
    return named


def _explain_string(node: Mapping[str, Any], value: Any, buffered: bool) -> str | None:
    variants = [variant for variant in node.get("enum", ()) if variant is not None] or None
    if variants is not None:
        if isinstance(value, dict):
            # An externally tagged enum may also be written {"<variant>": <content>}.
            if len(value) != 1:
                return "invalid value: map, expected map with a single key"
            (value,) = value
        elif not isinstance(value, str):
            return invalid_type(value, "string or map", buffered)
        return None if value in variants else unknown_variant(value, variants)
    if not isinstance(value, str):
        return invalid_type(value, "a string", buffered)
    custom = node.get("customTypePath")
    try:
        if custom == "execwire.wire.PathUri":
            pathuri.canonicalize(value)
        elif custom == "execwire.wire.Base64Bytes":
            base64_strict.decode(value)
        elif custom == "execwire.wire.Uuid":
            wire.check_uuid(value)
    except ValueError as error:
        return str(error)
    return None


def _explain_integer(node: Mapping[str, Any], value: Any, buffered: bool) -> str | None:
    fmt = node.get("format", "int64")
    nonzero = node.get("customTypePath") == "execwire.wire.NonZeroUsize"
    expected = "a nonzero usize" if nonzero else _INTEGER_NAMES.get(fmt, "i64")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return invalid_type(value, expected, buffered)
    low, high = _INTEGER_RANGES.get(fmt, _INTEGER_RANGES["int64"])
    if isinstance(value, float) or not low <= value <= high:
        return "invalid number"
    if nonzero and value == 0:
        return "invalid value: integer `0`, expected a nonzero usize"
    return None


def _empty_violation(node: Mapping[str, Any], value: Any) -> str | None:
    """The first handler-level emptiness check (`x-empty-message`) that `value` fails."""
    if not isinstance(value, dict):
        return None
    for name, prop in _resolve(node).get("properties", {}).items():
        message = prop.get("x-empty-message")
        if message is not None and name in value and len(value[name]) == 0:
            return str(message)
    return None


def _pydantic_message(error: ValidationError) -> str:
    """Last resort when the schema walk finds nothing: pydantic's first message."""
    first = error.errors(include_url=False)[0]
    return str(first["msg"])
