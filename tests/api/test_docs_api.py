"""docs/api.md, true by tests: its tables and examples against the code they describe.

The page is for what the OpenAPI document cannot say; these tests keep it from drifting:
every error code the code can answer (and no other), the refused-value types, the default
policy matrix, every environment variable read (and no other), with its default, and the
example bodies, which must be what the API really answers.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

import project.api  # noqa: F401  (every app's errors and policies, loaded as the server loads them)
from accounts.models import User
from api.errors import VALIDATION_ERROR
from api.exceptions import RejectedValue
from api.middleware import FRAMEWORK_CODES, error_body
from permissions import conf
from permissions.ninja import GRANT_LOCKED, NOT_AUTHENTICATED, NOT_FOUND, PERMISSION_DENIED
from permissions.registry import policies
from project.errors import BEARER_CHALLENGE, ERRORS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api.md"
#: Where the environment is read: Django's settings, and gunicorn's own.
CONFIG_FILES = (ROOT / "project" / "settings.py", ROOT / "gunicorn.conf.py")
ENV_READERS = {"os.environ.get", "os.getenv", "env_bool", "env_int", "env_list"}
#: The code of an answer Django gives for a status FRAMEWORK_CODES does not name.
FALLBACK_CODE = error_body(599, "")["code"]


# --- reading the page ----------------------------------------------------------------------


def section(title: str) -> str:
    """The text under the heading `title` (any level), up to the next heading of that level or above."""
    text = DOC.read_text()
    match = re.search(rf"^(#+) {re.escape(title)}\n", text, re.MULTILINE)
    assert match, f"docs/api.md has no heading {title!r}"
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def table(text: str, first_column: str) -> list[dict[str, str]]:
    """The Markdown table of `text` whose first column is `first_column`, one dict per row."""
    for block in re.findall(r"(?:^[ \t]*\|.*\n?)+", text, re.MULTILINE):
        header, _, *rows = [
            [cell.strip() for cell in line.strip().strip("|").split("|")] for line in block.strip().splitlines()
        ]
        if header[0] == first_column:
            assert rows, f"the {first_column!r} table is empty"
            return [dict(zip(header, row, strict=True)) for row in rows]
    raise AssertionError(f"no table with a {first_column!r} column")


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def json_examples() -> list[object]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC.read_text(), re.DOTALL)]


# --- error codes ---------------------------------------------------------------------------


def answered_codes() -> dict[str, set[int]]:
    """Every `code` the API can answer, with its statuses, from the tables that decide them."""
    codes: dict[str, set[int]] = {}
    pairs = [(spec.code, spec.status) for spec in ERRORS.values()]
    pairs += [(NOT_AUTHENTICATED, 401), (PERMISSION_DENIED, 403)]  # the permission layer's own
    pairs += [(NOT_FOUND, 404), (GRANT_LOCKED, 409)]  # and its grant endpoints'
    pairs += [(code, status) for status, code in FRAMEWORK_CODES.items()]  # Django's, made JSON
    pairs += [("invalid_host", 400), (VALIDATION_ERROR, 422), ("server_error", 500)]  # middleware, Ninja, bugs
    for code, status in pairs:
        codes.setdefault(code, set()).add(status)
    return codes


def test_error_code_table_is_every_code_the_api_answers() -> None:
    rows = table(section("Error codes"), "code")
    documented = [ticked(row["code"])[0] for row in rows]
    assert len(documented) == len(set(documented)), "a code documented twice"
    expected = {code: ", ".join(map(str, sorted(statuses))) for code, statuses in answered_codes().items()}
    expected[FALLBACK_CODE] = "any other"
    assert {ticked(row["code"])[0]: row["status"] for row in rows} == expected


def test_every_code_in_the_openapi_document_is_in_the_table() -> None:
    spec = json.loads((ROOT / "docs" / "openapi.json").read_text())
    published = set(codes_in(spec))
    assert published, "no code enum found in docs/openapi.json"
    assert published <= {ticked(row["code"])[0] for row in table(section("Error codes"), "code")}


def codes_in(node: object) -> Iterator[str]:
    """Every `code` enum value of the error schemas of an OpenAPI document."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and isinstance(properties.get("code"), dict):
            yield from properties["code"].get("enum", [])
        for value in node.values():
            yield from codes_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from codes_in(value)


def rejected_value_types() -> set[str]:
    """The `type` of every value refused like a schema failure (each RejectedValue subclass)."""
    found: set[str] = set()
    pending: list[type[RejectedValue]] = list(RejectedValue.__subclasses__())
    while pending:
        cls = pending.pop()
        found.add(cls.kind)
        pending += cls.__subclasses__()
    return found


def test_refused_value_types_are_every_rejected_value() -> None:
    rows = table(section("Errors"), "type")
    assert {ticked(row["type"])[0] for row in rows} == rejected_value_types()


# --- the default policy matrix -------------------------------------------------------------


def test_policy_matrix_is_the_registry() -> None:
    rows = table(section("Default policy matrix"), "policy")
    roles = list(conf.role_names())
    assert list(rows[0])[2:] == roles, "one column per role, in the order of PERMISSIONS_ROLES"
    documented = {
        ticked(row["policy"])[0]: (row["grants"], {role for role in roles if row[role] == "yes"}) for row in rows
    }
    assert all(row[role] in {"yes", "no"} for row in rows for role in roles)
    assert documented == {policy.name: (policy.description, set(policy.roles)) for policy in policies.matrix()}


# --- configuration -------------------------------------------------------------------------


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def literal(node: ast.AST | None) -> object:
    try:
        return ast.literal_eval(node) if node is not None else None
    except ValueError:
        return None  # computed at run time (a path, the CPU count): not compared


def environment_reads() -> dict[str, set[object]]:
    """Each variable the settings read, with the literal defaults they give it."""
    reads: dict[str, set[object]] = {}
    for path in CONFIG_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and dotted(node.func) in ENV_READERS and node.args:
                name = literal(node.args[0])
                if isinstance(name, str):
                    default = (
                        node.args[1]
                        if len(node.args) > 1
                        else next((keyword.value for keyword in node.keywords if keyword.arg == "default"), None)
                    )
                    reads.setdefault(name, set()).add(literal(default))
            elif isinstance(node, ast.Subscript) and dotted(node.value) == "os.environ":
                name = literal(node.slice)
                if isinstance(name, str):
                    reads.setdefault(name, set()).add(None)
            elif isinstance(node, ast.Call) and dotted(node.func) == "load_dotenv":
                reads.setdefault("PYTHON_DOTENV_DISABLED", set()).add(None)  # python-dotenv's own switch
    return reads


def configuration() -> dict[str, str]:
    """Documented variable -> its default cell (a row may document several variables)."""
    return {
        name: row["default"] for row in table(section("Configuration"), "variable") for name in ticked(row["variable"])
    }


def test_configuration_table_is_every_variable_read() -> None:
    reads = environment_reads()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "GUNICORN_BIND"} <= set(reads), "the reader found too little"
    assert set(configuration()) == set(reads)


def test_configuration_defaults_are_the_settings_defaults() -> None:
    documented = configuration()
    for name, defaults in environment_reads().items():
        for default in defaults:
            if default is False:
                assert documented[name].startswith("off"), (name, documented[name])
            elif default not in (None, ""):
                assert f"`{default}`" in documented[name], (name, default, documented[name])


def test_token_lifetimes_are_the_settings_defaults() -> None:
    reads = environment_reads()
    text = section("Tokens")
    (access,), (refresh,) = reads["JWT_ACCESS_MINUTES"], reads["JWT_REFRESH_DAYS"]
    assert f"({access} minutes, `JWT_ACCESS_MINUTES`)" in text
    assert f"({refresh} days, `JWT_REFRESH_DAYS`)" in text


# --- the examples --------------------------------------------------------------------------


@pytest.mark.django_db
def test_examples_are_what_the_api_answers(customer_client: Client, anon_client: Client, seller: User) -> None:
    """The page's JSON examples, in order, are the real bodies of the requests it describes."""
    invalid = customer_client.post("/api/tasks/", {"title": 42, "colour": "red"})
    assign = customer_client.post("/api/tasks/", {"title": "Call back", "assignee_id": seller.id})
    anonymous = anon_client.get("/api/tasks/")
    missing = customer_client.get("/api/tasks/999999/")
    answers = [invalid, assign, anonymous, missing]
    assert [answer.status_code for answer in answers] == [422, 403, 401, 404]
    assert json_examples() == [answer.json() for answer in answers]
    assert anonymous["WWW-Authenticate"] == BEARER_CHALLENGE
    assert f"`WWW-Authenticate: {BEARER_CHALLENGE}`" in DOC.read_text()
