"""Hand-written foundations of the generated protocol models.

`execwire.protocol.models` is generated from `schema/exec-server.openrpc.json`; every model
there derives from `WireModel`, and the schema's custom types (`customTypePath`) point at
the validated types defined here. Nothing in this module knows about individual methods.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from . import base64_strict, pathuri

__all__ = [
    "I32",
    "I64",
    "U16",
    "U64",
    "Base64Bytes",
    "NonZeroUsize",
    "PathUri",
    "Usize",
    "Uuid",
    "WireModel",
    "check_uuid",
]


class WireModel(BaseModel):
    """Base of every generated protocol model.

    Fields are snake_case in Python and camelCase on the wire; both names are accepted when
    building a model. Validation is strict, as serde is: no coercion of "no" to False or of
    "5" to 5. Unknown members are ignored, as the reference ignores them. On output
    an optional member whose value is None is omitted, except members the schema marks
    ``x-emit-null`` (the reference serializes those as null, e.g. ``exitCode``).
    """

    model_config = ConfigDict(
        serialize_by_alias=True,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        strict=True,
    )

    _omit_when_none: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        omitted: set[str] = set()
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra
            emits_null = isinstance(extra, dict) and extra.get("emit-null") is True
            if not emits_null and not field.is_required():
                omitted.add(name)
                if field.alias:
                    omitted.add(field.alias)
        cls._omit_when_none = frozenset(omitted)

    @model_serializer(mode="wrap")
    def _serialize_wire(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and self._omit_when_none:
            for key in [k for k, v in data.items() if v is None and k in self._omit_when_none]:
                del data[key]
        return data

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict this model puts on the wire (camelCase, base64 bytes)."""
        result: dict[str, Any] = self.model_dump(mode="json")
        return result


def _canonical_path_uri(value: str) -> str:
    return pathuri.canonicalize(value)


PathUri = Annotated[str, AfterValidator(_canonical_path_uri)]
"""An absolute path as a canonical ``file:`` URI; invalid strings fail validation with the
reference's message (see `execwire.pathuri`)."""


def _decode_base64(value: object) -> object:
    if isinstance(value, str):
        return base64_strict.decode(value)
    return value


Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_decode_base64),
    PlainSerializer(base64_strict.encode, return_type=str, when_used="json"),
]
"""Raw bytes, carried as standard padded base64 on the wire. A ``str`` input is taken as
its base64 wire form; ``bytes`` are taken as they are."""


_UUID_HYPHENATED = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_UUID_SIMPLE = re.compile(r"[0-9a-fA-F]{32}")
_UUID_GROUP_LENGTHS = (8, 4, 4, 4, 12)


def check_uuid(value: str) -> str:
    """Accept the forms the reference's uuid parser accepts; reject with its messages."""
    body, offset = value, 0
    if body.startswith("urn:uuid:"):
        body, offset = body[9:], 9
    elif body.startswith("{") and body.endswith("}"):
        body, offset = body[1:-1], 1
    if _UUID_HYPHENATED.fullmatch(body) or _UUID_SIMPLE.fullmatch(body):
        return value
    for index, char in enumerate(body):
        if char not in "0123456789abcdefABCDEF-":
            raise ValueError(
                "invalid character: expected an optional prefix of `urn:uuid:` followed by "
                f"[0-9a-fA-F-], found `{char}` at {index + offset + 1}"
            )
    groups = body.split("-")
    if len(groups) == 1:
        raise ValueError(f"invalid length: expected length 32 for simple format, found {len(body)}")
    if len(groups) != 5:
        raise ValueError(f"invalid group count: expected 5, found {len(groups)}")
    for number, (group, expected) in enumerate(zip(groups, _UUID_GROUP_LENGTHS, strict=True)):
        if len(group) != expected:
            raise ValueError(
                f"invalid group length in group {number}: expected {expected}, found {len(group)}"
            )
    raise ValueError("failed to parse a UUID")


Uuid = Annotated[str, AfterValidator(check_uuid)]
"""A UUID string in any form the reference accepts (hyphenated, simple, braced, urn)."""


U64 = Annotated[int, Field(ge=0, le=2**64 - 1)]
"""Unsigned 64-bit integer (serde `u64`)."""
Usize = Annotated[int, Field(ge=0, le=2**64 - 1)]
"""Unsigned machine-size integer (serde `usize` on 64-bit hosts)."""
NonZeroUsize = Annotated[int, Field(ge=1, le=2**64 - 1)]
"""Unsigned machine-size integer of at least 1 (serde `NonZeroUsize`)."""
U16 = Annotated[int, Field(ge=0, le=2**16 - 1)]
"""Unsigned 16-bit integer (serde `u16`)."""
I32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
"""Signed 32-bit integer (serde `i32`)."""
I64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
"""Signed 64-bit integer (serde `i64`)."""
