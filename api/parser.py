"""Request bodies are JSON, declared as JSON, and strictly so."""

from __future__ import annotations

import json
from typing import Any, NoReturn, cast

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


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def is_json_media_type(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        if not is_json_media_type(request.content_type or ""):
            raise BodyNotJson(f"Content-Type must be application/json, not {request.content_type!r}.")
        try:
            data: Any = json.loads(request.body.decode("utf-8"), parse_constant=_reject_constant)
        except RecursionError:
            raise MalformedJson("nested too deep") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedJson(str(exc)) from exc
        return cast(DictStrAny, data)
