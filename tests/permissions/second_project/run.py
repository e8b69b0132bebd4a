"""Runs the second project in this process and prints what it answered, as JSON."""

import json
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.permissions.second_project.settings"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from tests.permissions.second_project.notes.models import Member  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)
call_command("check", fail_level="ERROR")
Member.objects.create(name="edna", api_key="editor-key", kind="EDITOR")
Member.objects.create(name="vic", api_key="viewer-key", kind="VIEWER")
client = Client()


def answer(method: str, path: str, key: str | None = None, body: object = None) -> list[object]:
    headers = {"X-API-Key": key} if key else {}
    if body is None:
        response = getattr(client, method)(path, headers=headers)
    else:
        response = getattr(client, method)(path, json.dumps(body), content_type="application/json", headers=headers)
    return [response.status_code, response.json()]


schema = client.get("/api/openapi.json").json()
print(
    json.dumps(
        {
            "anonymous_read": answer("get", "/api/notes/"),
            "viewer_write": answer("post", "/api/notes/", "viewer-key", {"text": 42}),
            "editor_write_invalid": answer("post", "/api/notes/", "editor-key", {"text": 42}),
            "editor_write": answer("post", "/api/notes/", "editor-key", {"text": "hello"}),
            "viewer_read": answer("get", "/api/notes/", "viewer-key"),
            "viewer_permissions": answer("get", "/api/profile/permissions/", "viewer-key"),
            "matrix": answer("get", "/api/permissions/", "editor-key"),
            "x_policy": schema["paths"]["/api/notes/"]["post"]["x-policy"],
            "viewer_regranted": answer(
                "put", "/api/permissions/roles/VIEWER/", "editor-key", {"policies": ["notes.read", "notes.write"]}
            ),
            "viewer_write_regranted": answer("post", "/api/notes/", "viewer-key", {"text": "granted"}),
            "viewer_regrants": answer("put", "/api/permissions/roles/VIEWER/", "viewer-key", {"policies": []}),
            "editor_unlocks": answer("put", "/api/permissions/roles/EDITOR/", "editor-key", {"policies": []}),
            "unknown_role": answer("delete", "/api/permissions/roles/ADMIN/", "editor-key"),
            "viewer_reset": answer("delete", "/api/permissions/roles/VIEWER/", "editor-key"),
            "changes": answer("get", "/api/permissions/changes/", "editor-key"),
            "nexora_modules": sorted(
                {name.split(".")[0] for name in sys.modules} & {"accounts", "tasks", "api", "project"}
            ),
        }
    )
)
