"""Request bodies are JSON, declared as JSON, and strictly so."""

from __future__ import annotations

import json
from typing import Any, NoReturn, cast

from django.http import HttpRequest
from ninja.parser import Parser
from ninja.types import DictStrAny


class UnsupportedMediaType(Exception):
    """A body sent as a form, text/plain, ... : answered 415."""


class MalformedJSON(ValueError):
    """A body that is not valid JSON (NaN and Infinity included): answered 422."""


def _reject_constant(name: str) -> NoReturn:
    raise MalformedJSON(f"{name} is not valid JSON")


def is_json_media_type(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        if not is_json_media_type(request.content_type or ""):
            raise UnsupportedMediaType(f"Content-Type must be application/json, not {request.content_type!r}.")
        try:
            data: Any = json.loads(request.body.decode("utf-8"), parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedJSON(str(exc)) from exc
        return cast(DictStrAny, data)
