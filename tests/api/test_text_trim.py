"""A trimmed text (`api.types.Text(..., trimmed=True)`: a task's title). The OpenAPI document
publishes its limits and a pattern; the pattern refuses exactly the characters the server
trims away, for every code point, so a client or a fuzzer reading the spec expects what the
server answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from project.api import api
from tasks.schemas import Title

CODE_POINTS = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
TITLE = TypeAdapter(Title)


def title_schema(schema_name: str) -> dict[str, Any]:
    schema: dict[str, Any] = api.get_openapi_schema()["components"]["schemas"][schema_name]["properties"]["title"]
    return schema


def server_keeps(text: str) -> bool:
    try:
        TITLE.validate_python(text)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("schema_name", ["TaskCreateIn", "TaskUpdateIn"])
def test_the_title_schema_states_its_limits_and_the_trim(schema_name: str) -> None:
    schema = title_schema(schema_name)

    assert (schema["type"], schema["minLength"], schema["maxLength"]) == ("string", 1, 200)
    assert schema["description"] == "White space around it is trimmed; 1 to 200 characters must remain."


def test_the_published_pattern_refuses_exactly_the_characters_the_server_refuses_alone() -> None:
    pattern = re.compile(title_schema("TaskCreateIn")["pattern"])

    disagreements = [hex(ord(c)) for c in CODE_POINTS if (pattern.fullmatch(c) is not None) is not server_keeps(c)]
    refused = [hex(ord(c)) for c in CODE_POINTS if not server_keeps(c)]

    assert disagreements == []
    # NUL, and Unicode's 25 White_Space characters (U+001C..U+001F are not among them).
    assert len(refused) == 26 and "0x0" in refused and "0x3000" in refused and "0x1c" not in refused


@pytest.mark.parametrize("text", ["  x  ", "\u3000x\u00a0", "x y", "\tx\n", "x\x00", " \x00 "])
def test_the_pattern_and_the_server_agree_around_a_kept_character(text: str) -> None:
    pattern = re.compile(title_schema("TaskCreateIn")["pattern"])

    assert (pattern.fullmatch(text) is not None) is server_keeps(text)
