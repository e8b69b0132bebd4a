"""Request bodies are JSON, declared as JSON, and strictly so, and each is read once.

The parser, the endpoints' prechecks (which run on input that failed validation) and the
idempotency digest all take the body from `read_body`, so they cannot disagree about what
it says, and a body the parser refuses (nested too deep, NaN, ...) is refused the same way
everywhere instead of failing in a second reader.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NoReturn, cast
from weakref import WeakKeyDictionary

from django.http import HttpRequest
from ninja.parser import Parser
from ninja.types import DictStrAny

from .exceptions import DomainError, RejectedValue


class BodyNotJson(DomainError):
    """A body sent as a form, text/plain, ...: the API reads JSON only."""


class MalformedJson(RejectedValue):
    """A body that is not valid JSON (NaN and Infinity included), or nested too deep to read."""

    kind = "json_invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(None, f"Invalid JSON: {reason}")


@dataclass(frozen=True)
class _Reading:
    """One request's body as read: its value, or how to raise its refusal again. The refusal is
    kept as a recipe, not a raised exception, whose traceback would hold the request alive."""

    value: Any = None
    refusal: Callable[[], DomainError] | None = None


_readings: WeakKeyDictionary[HttpRequest, _Reading] = WeakKeyDictionary()


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def is_json_media_type(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def _read(request: HttpRequest) -> _Reading:
    if not is_json_media_type(request.content_type or ""):
        return _Reading(
            refusal=partial(BodyNotJson, f"Content-Type must be application/json, not {request.content_type!r}.")
        )
    try:
        return _Reading(value=json.loads(request.body.decode("utf-8"), parse_constant=_reject_constant))
    except RecursionError:
        return _Reading(refusal=partial(MalformedJson, "nested too deep"))
    except (ValueError, UnicodeDecodeError) as exc:
        return _Reading(refusal=partial(MalformedJson, str(exc)))


def read_body(request: HttpRequest) -> Any:
    """The request's JSON body, parsed on the first call and remembered for the request;
    raises BodyNotJson or MalformedJson, on every call, when the body is refused."""
    reading = _readings.get(request)
    if reading is None:
        reading = _readings[request] = _read(request)
    if reading.refusal is not None:
        raise reading.refusal()
    return reading.value


def parsed_body(request: HttpRequest) -> dict[str, Any] | None:
    """The body as a JSON object, from the same reading; None when it is refused or not an object."""
    try:
        body = read_body(request)
    except DomainError:
        return None
    return body if isinstance(body, dict) else None


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        return cast(DictStrAny, read_body(request))
