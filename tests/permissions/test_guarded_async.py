"""An async endpoint is guarded exactly like a sync one, whichever authenticator the API uses.

The permission layer once hooked a sync-only method of django-ninja: an `async def`
operation skipped its policy silently. These cases pin the behaviour for both kinds.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import AsyncClient

from accounts.models import User
from nexora_testkit.client import ApiClient, auth_header
from nexora_testkit.factories import AdminFactory, CustomerFactory, TaskFactory
from tasks.models import Task
from tests.assertions import assert_validation_error, denied
from tests.permissions import guarded_api

pytestmark = pytest.mark.urls("tests.permissions.guarded_api")

KINDS = ["sync", "async"]
#: Mount point of the API authenticating with JWTBearer, and of the one with AsyncJWTBearer.
MOUNTS = ["/guarded/", "/guarded-async-auth/"]
MISSING_ID = 987654321


NOT_AUTHENTICATED = {
    "detail": "Authentication credentials were not provided or are invalid.",
    "code": "not_authenticated",
}


@pytest.fixture(params=MOUNTS, ids=["sync-auth", "async-auth"])
def mount(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("kind", KINDS)
def test_anonymous_is_401_whatever_the_body(db: None, mount: str, kind: str) -> None:
    task = TaskFactory.create()
    response = ApiClient().post(f"{mount}{kind}/tasks/{task.pk}/rename/", {"title": 42})
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("kind", KINDS)
def test_role_without_the_policy_is_403_before_404_and_422(db: None, mount: str, kind: str) -> None:
    response = ApiClient(CustomerFactory.create()).post(f"{mount}{kind}/tasks/{MISSING_ID}/rename/", {"title": 42})
    assert (response.status_code, response.json()) == (403, denied("tasks.change_any"))


@pytest.mark.parametrize("kind", KINDS)
def test_missing_object_is_404_before_422(db: None, mount: str, kind: str) -> None:
    response = ApiClient(AdminFactory.create()).post(f"{mount}{kind}/tasks/{MISSING_ID}/rename/", {"title": 42})
    assert (response.status_code, response.json()) == (404, {"detail": "Not found", "code": "not_found"})


@pytest.mark.parametrize("kind", KINDS)
def test_existing_object_with_bad_body_is_422(db: None, mount: str, kind: str) -> None:
    task = TaskFactory.create(title="Before")
    response = ApiClient(AdminFactory.create()).post(f"{mount}{kind}/tasks/{task.pk}/rename/", {"title": 42})
    assert_validation_error(response, ["body", "title"])
    assert Task.objects.get(pk=task.pk).title == "Before"


@pytest.mark.parametrize("kind", KINDS)
def test_allowed_caller_reaches_the_endpoint(db: None, mount: str, kind: str) -> None:
    task = TaskFactory.create(title="Before")
    response = ApiClient(AdminFactory.create()).post(f"{mount}{kind}/tasks/{task.pk}/rename/", {"title": "After"})
    assert (response.status_code, response.json()) == (200, {"id": task.pk, "title": "After"})
    assert Task.objects.get(pk=task.pk).title == "After"


@pytest.mark.parametrize("kind", KINDS)
def test_role_is_read_from_the_database_on_every_request(db: None, mount: str, kind: str) -> None:
    user = AdminFactory.create()
    client = ApiClient(user)
    assert client.get(f"{mount}{kind}/count/").status_code == 200
    User.objects.filter(pk=user.pk).update(role="CUSTOMER")
    response = client.get(f"{mount}{kind}/count/")
    assert (response.status_code, response.json()) == (403, denied("tasks.view_any"))


@pytest.mark.parametrize("kind", KINDS)
def test_under_an_asgi_client_too(db: None, mount: str, kind: str) -> None:
    """Django's AsyncClient runs the request through the ASGI handler, on an event loop."""
    from asgiref.sync import async_to_sync

    TaskFactory.create_batch(2)
    customer, admin = CustomerFactory.create(), AdminFactory.create()
    get = async_to_sync(AsyncClient().get)
    anonymous = get(f"{mount}{kind}/count/")
    refused = get(f"{mount}{kind}/count/", headers=auth_header(customer))
    allowed = get(f"{mount}{kind}/count/", headers=auth_header(admin))
    assert [(r.status_code, r.json()) for r in (anonymous, refused, allowed)] == [
        (401, NOT_AUTHENTICATED),
        (403, denied("tasks.view_any")),
        (200, {"count": 2}),
    ]


@pytest.mark.urls("tests.permissions.urls_undeclared")
def test_undeclared_async_operation_is_refused(db: None) -> None:
    response = ApiClient(AdminFactory.create()).get("/api/async-undeclared/")
    assert (response.status_code, response.json()) == (403, denied("undeclared"))


@pytest.mark.parametrize("api", [guarded_api.api, guarded_api.async_auth_api], ids=["sync-auth", "async-auth"])
def test_openapi_documents_both_kinds_alike(api: Any) -> None:
    paths = api.get_openapi_schema(path_prefix="/")["paths"]

    def documented(kind: str, path: str, method: str) -> dict[str, Any]:
        operation = dict(paths[f"/{kind}/{path}"][method])
        operation.pop("operationId"), operation.pop("summary")
        return operation

    for path, method in (("count/", "get"), ("tasks/{task_id}/rename/", "post")):
        sync, async_ = documented("sync", path, method), documented("async", path, method)
        assert sync == async_
        assert sync["x-policy"]["name"] in {"tasks.view_any", "tasks.change_any"}
        assert sync["security"] in ([{"JWTBearer": []}], [{"AsyncJWTBearer": []}])
        assert {"401", "403", "503"} <= {str(status) for status in sync["responses"]}
