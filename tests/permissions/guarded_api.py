"""A throwaway API, configured as the project's, with the same operations written sync and async.

Each pair must behave identically: 401, then 403 (the policy), then the endpoint's 404
precheck, then 422, and the same OpenAPI `x-policy`. Mounted by `urls_guarded`; one
copy authenticates with the sync JWTBearer, one with AsyncJWTBearer.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import path
from ninja import Router, Schema

from api.errors import raises
from authn.auth import AsyncJWTBearer
from permissions.endpoints import requires
from project.api import new_api
from tasks.errors import TaskNotFound
from tasks.models import Task
from tasks.policies import TASKS_CHANGE_ANY, TASKS_VIEW_ANY


class RenameIn(Schema):
    title: str


def task_must_exist(request: HttpRequest, path_params: dict[str, object]) -> None:
    if not Task.objects.filter(pk=str(path_params.get("task_id"))).exists():
        raise TaskNotFound()


def rename(task_id: int, title: str) -> dict[str, object]:
    updated = Task.objects.filter(pk=task_id).update(title=title)
    if not updated:
        raise TaskNotFound()
    return {"id": task_id, "title": title}


router = Router()


@router.get("/sync/count/", operation_id="sync_count")
@requires(TASKS_VIEW_ANY)
def sync_count(request: HttpRequest) -> dict[str, int]:
    return {"count": Task.objects.count()}


@router.get("/async/count/", operation_id="async_count")
@requires(TASKS_VIEW_ANY)
async def async_count(request: HttpRequest) -> dict[str, int]:
    return {"count": await Task.objects.acount()}


@router.post("/sync/tasks/{task_id}/rename/", operation_id="sync_rename")
@requires(TASKS_CHANGE_ANY, precheck=task_must_exist)
@raises(TaskNotFound)
def sync_rename(request: HttpRequest, task_id: int, payload: RenameIn) -> dict[str, object]:
    return rename(task_id, payload.title)


@router.post("/async/tasks/{task_id}/rename/", operation_id="async_rename")
@requires(TASKS_CHANGE_ANY, precheck=task_must_exist)
@raises(TaskNotFound)
async def async_rename(request: HttpRequest, task_id: int, payload: RenameIn) -> dict[str, object]:
    if await Task.objects.filter(pk=task_id).aupdate(title=payload.title) == 0:
        raise TaskNotFound()
    return {"id": task_id, "title": payload.title}


#: Authenticated by the sync JWTBearer (run in a thread for the async operations).
api = new_api(urls_namespace="guarded-sync-auth")
api.add_router("", router)

#: The same operations behind AsyncJWTBearer (awaited on the event loop).
async_auth_api = new_api(auth=AsyncJWTBearer(), urls_namespace="guarded-async-auth")
async_auth_api.add_router("", router, url_name_prefix="async_auth")

urlpatterns = [path("guarded/", api.urls), path("guarded-async-auth/", async_auth_api.urls)]
