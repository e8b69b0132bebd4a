"""Error answers in an OpenAPI operation, each with the `code`s it can carry.

Every layer that can refuse a request (authentication, the policy guard, input parsing,
a service's domain errors) documents its answer through `add_error_response`, so an
operation lists each status once, with every `code` a client may see under it as an enum.
"""

from __future__ import annotations

from typing import Any

JSON = "application/json"
DETAIL_TEXT: dict[str, Any] = {"type": "string"}


def add_error_response(
    responses: dict[int, Any],
    status: int,
    code: str,
    description: str,
    *,
    detail: dict[str, Any] | None = None,
    extra: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Merge one error answer into `responses` (an operation's `openapi_extra["responses"]`)."""
    extra = extra or {}
    if status not in responses:
        required = ["detail", "code", *extra]
        responses[status] = {
            "description": "",
            "content": {JSON: {"schema": {"type": "object", "properties": {}, "required": required}}},
        }
    entry = responses[status]
    schema = entry["content"][JSON]["schema"]
    properties = schema["properties"]
    properties.setdefault("detail", detail or DETAIL_TEXT)
    codes = properties.setdefault("code", {"type": "string", "enum": []})["enum"]
    if code not in codes:
        codes.append(code)
        entry["description"] = f"{entry['description']} `{code}`: {description}".strip()
    for name, spec in extra.items():
        existing = properties.setdefault(name, dict(spec))
        if "enum" in spec and "enum" in existing and existing is not spec:
            existing["enum"] = sorted({*existing["enum"], *spec["enum"]})
    # A property is required only if every code under this status carries it.
    schema["required"] = [name for name in schema["required"] if name in ("detail", "code") or name in extra]
