"""Field types shared by the request schemas.

Limits live here, in the schemas, because SQLite enforces none and MySQL's strict mode
answers an over-long value with an error: a bad value must be a 422 before any query.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

#: Largest id a BIGINT primary key can hold; anything above is a 422, not a database error.
MAX_ID = 2**63 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


#: Published in the spec so generated clients and fuzzers know NUL is refused.
NO_NUL_PATTERN = "^[^\\u0000]*$"
#: What trimming takes off a text's ends, as a regular expression's character class: Unicode's
#: White_Space, exactly what pydantic-core's `strip_whitespace` trims (tests/api/test_text_trim.py
#: checks every code point). Spelled out, not `\s`, which means less in JavaScript and more in Python.
WHITE_SPACE_CLASS = "\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
#: A text with a character that trimming keeps, and no NUL: what a trimmed text that may not be
#: empty must match.
NOT_BLANK_PATTERN = f"^[^\\u0000]*[^\\u0000{WHITE_SPACE_CLASS}][^\\u0000]*$"


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """A JSON string's limits, `Annotated[StrictStr, Text(150)]`: bounded length, no NUL.
    `trimmed`: white space around it is taken off first, and the lengths count what remains
    (a title of spaces is then too short, not blank).

    Pydantic unpacks it (annotated-types' GroupedMetadata) into its three parts, in order.
    """

    max_length: int
    min_length: int = 0
    trimmed: bool = False

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(
            strip_whitespace=self.trimmed or None, min_length=self.min_length, max_length=self.max_length
        )
        yield AfterValidator(_no_nul)
        schema: dict[str, object] = {"type": "string", "minLength": self.min_length, "maxLength": self.max_length}
        if self.trimmed:
            schema["pattern"] = NOT_BLANK_PATTERN if self.min_length else NO_NUL_PATTERN
            schema["description"] = (
                f"White space around it is trimmed; {self.min_length} to {self.max_length} characters must remain."
            )
        else:
            schema["pattern"] = NO_NUL_PATTERN
        yield WithJsonSchema(schema)


@dataclass(frozen=True)
class QueryText(GroupedMetadata):
    """A query-string value's limits, `Annotated[str, QueryText(100)]`: bounded length, no NUL."""

    max_length: int

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(max_length=self.max_length)
        yield AfterValidator(_no_nul)
        yield WithJsonSchema({"type": "string", "maxLength": self.max_length, "pattern": NO_NUL_PATTERN})


#: An id in a path or query string.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _json_integer(value: object) -> object:
    """A JSON integer (5 or 5.0, as JSON Schema reads it); never a string or a boolean."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and not value.is_integer())
    ):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return int(value)


#: An id in a JSON body: a JSON integer, never a string.
BodyId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_json_integer)]


class QueryParams(BaseModel):
    """Base of the query-string parameter groups (`Query[...]`): plain pydantic.

    Ninja's `Schema` wraps every value it validates in a Python `DjangoGetter`, for
    resolvers these groups never have; without it a list request parses its parameters
    in about half the time. Same fields, same errors, same OpenAPI (docs/performance.md).
    """


def defaults_in_descriptions(schema: dict[str, Any]) -> None:
    """Publish a request field's default in its description, not as JSON Schema's `default`.

    What a client may omit is what `required` leaves out. Code generators read `default` as
    "always present" (true of a response: openapi-typescript's default flags make such a
    field required), so on a request schema it would make `{"title": ...}` fail to type-check.
    """
    for field in schema.get("properties", {}).values():
        if "default" in field:
            note = f"Defaults to `{json.dumps(field.pop('default'), ensure_ascii=False)}` when omitted."
            field["description"] = f"{field['description']} {note}" if field.get("description") else note


class InputSchema(Schema):
    """Base of every request body: unknown fields are a 422, so nothing can be smuggled in;
    a field with a default is optional, its default stated in words (`defaults_in_descriptions`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=defaults_in_descriptions)


def _iso_date_string(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be a date string like 2026-01-31")
    return value


#: A date in a JSON body: an ISO 8601 string only (pydantic would read a number as a timestamp).
BodyDate = Annotated[date, BeforeValidator(_iso_date_string)]
