"""The committed OpenAPI document is the code's: frontends review API changes as its diff."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from ninja.responses import NinjaJSONEncoder

from project.api import api

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def current_document() -> str:
    """Rendered exactly as `make openapi` writes it."""
    return (
        json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def test_committed_openapi_document_matches_the_code() -> None:
    committed = COMMITTED.read_text(encoding="utf-8")
    current = current_document()
    if committed != current:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile="docs/openapi.json (committed)",
                tofile="docs/openapi.json (from the code)",
                n=2,
            )
        )
        raise AssertionError(f"The API changed: run `make openapi` and commit the result.\n{diff[:20000]}")


def test_every_operation_has_a_readable_id_tag_summary_and_error_schema() -> None:
    document = json.loads(current_document())
    seen_ids = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            operation_id = operation["operationId"]
            assert operation_id.replace("_", "").isalnum() and operation_id.islower(), where
            assert operation_id not in seen_ids, f"{where}: duplicate operationId {operation_id}"
            seen_ids.add(operation_id)
            assert len(operation["tags"]) == 1, where
            assert operation["summary"], where
            assert "503" in operation["responses"], where
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    if operation_id == "health":
                        assert schema == {"$ref": "#/components/schemas/HealthDownOut"}, (
                            where
                        )  # says which part is down
                        continue
                    codes = schema["properties"]["code"]["enum"]
                    assert codes and all(code.replace("_", "").isalpha() and code.islower() for code in codes), where
                    assert schema["required"][:2] == ["detail", "code"], f"{where} {status}"
                    assert all(f"`{code}`" in response["description"] for code in codes), f"{where} {status}"


def _keys_anywhere(node: object) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {key for value in node.values() for key in _keys_anywhere(value)}
    if isinstance(node, list):
        return {key for value in node for key in _keys_anywhere(value)}
    return set()


def test_constraints_are_spelled_in_json_schema_not_pydantic() -> None:
    """`ge`/`le` leak out when a constraint follows a validator in `Annotated`: clients and
    fuzzers then ignore the bound (schemathesis sent assignee_id 0 as valid data)."""
    components = json.loads(current_document())["components"]
    assert _keys_anywhere(components) & {"ge", "le", "gt", "lt"} == set()
    body_id = components["schemas"]["TaskCreateIn"]["properties"]["assignee_id"]["anyOf"][0]
    assert body_id == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


def test_request_bodies_type_check_with_generators_default_flags() -> None:
    """openapi-typescript, run with its defaults, makes a property that has a `default` required:
    a request body therefore states its defaults in words, and leaves them out of `required`."""
    document = json.loads(current_document())
    schemas = document["components"]["schemas"]
    bodies = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        for item in document["paths"].values()
        for operation in item.values()
        if "requestBody" in operation
    }
    assert {"RegisterIn", "TaskCreateIn", "TaskUpdateIn"} <= bodies
    for name in bodies:
        for field, schema in schemas[name]["properties"].items():
            assert "default" not in schema, f"{name}.{field}"
    register = schemas["RegisterIn"]
    assert register["required"] == ["email", "password"]
    assert register["properties"]["last_name"]["description"] == 'Defaults to `""` when omitted.'
    assert sorted(register["properties"]["role"]["enum"]) == ["CUSTOMER", "SELLER"]
    assert schemas["TaskCreateIn"]["required"] == ["title"]
    assert schemas["TaskCreateIn"]["properties"]["status"]["description"] == 'Defaults to `"todo"` when omitted.'
