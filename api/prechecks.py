"""Raw-input readers for the endpoints' prechecks, which run on input that failed validation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .parser import parsed_body
from .types import MAX_ID


def path_id(path_params: dict[str, Any], name: str) -> int | None:
    """The id in the raw path parameter, or None when it is not a valid id (then 422 stands)."""
    raw = str(path_params.get(name, ""))
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def raw_json_object(request: HttpRequest) -> dict[str, Any]:
    """The body as the parser read it, when a JSON object; else {} (the parser's 422 stands)."""
    return parsed_body(request) or {}


def raw_id(value: object) -> int | None:
    """A JSON integer in the id range (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None
