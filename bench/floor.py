"""The floor: the fastest the same Django stack does the API's database work.

No Ninja, no ninja-jwt, no permission layer, no pydantic: decode the Bearer JWT with
PyJWT, fetch the user row, run the same queries as the API with `values()`, answer
`JsonResponse`. The harness checks that these answer the same JSON as the API before
it measures anything, so the floor cannot drift into doing less.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User
from accounts.roles import Role
from tasks.models import Task

from .credentials import BENCH_PASSWORD

USER_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "role",
    "phone",
    "address",
    "is_active",
    "email_verified",
    "date_joined",
)
TASK_FIELDS = (
    "id",
    "title",
    "description",
    "status",
    "due_date",
    "owner_id",
    "assignee_id",
    "created_at",
    "updated_at",
)


def _unauthorized() -> JsonResponse:
    return JsonResponse({"detail": "Token is invalid or expired."}, status=401)


def _caller(request: HttpRequest) -> dict[str, Any] | None:
    """The active user of a valid access token of their current version (one query), else None."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        key, algorithm = str(settings.NINJA_JWT["SIGNING_KEY"]), str(settings.NINJA_JWT["ALGORITHM"])
        claims = jwt.decode(token, key, algorithms=[algorithm])
    except jwt.InvalidTokenError:
        return None
    user_id = claims.get("user_id")
    if claims.get("token_type") != "access" or not isinstance(user_id, int):
        return None
    user: dict[str, Any] | None = (
        User.objects.filter(pk=user_id, is_active=True).values(*USER_FIELDS, "token_version").first()
    )
    if user is None or claims.get("ver") != user.pop("token_version"):
        return None
    return user


def profile(request: HttpRequest) -> JsonResponse:
    """Floor of GET /api/profile/."""
    user = _caller(request)
    return _unauthorized() if user is None else JsonResponse(user)


def task_list(request: HttpRequest) -> JsonResponse:
    """Floor of GET /api/tasks/: the same visibility filter, count and page of the same columns."""
    user = _caller(request)
    if user is None:
        return _unauthorized()
    limit = int(request.GET.get("limit", 20))
    offset = int(request.GET.get("offset", 0))
    tasks = Task.objects.all()
    if user["role"] != Role.ADMIN:  # tasks.view_any, else owned or assigned (tasks.view_own)
        tasks = tasks.filter(Q(owner_id=user["id"]) | Q(assignee_id=user["id"]))
    tasks = tasks.order_by("-created_at", "-id")
    items = [{**task, "can": _can(user, task)} for task in tasks.values(*TASK_FIELDS)[offset : offset + limit]]
    return JsonResponse({"items": items, "count": tasks.count()})


def _can(user: dict[str, Any], task: dict[str, Any]) -> dict[str, bool]:
    """A task's `can` under the default grants, written out (no policy registry)."""
    owner, admin = task["owner_id"] == user["id"], user["role"] == Role.ADMIN
    change = owner or admin  # tasks.change_any
    return {
        "change": change,
        "change_status": change or task["assignee_id"] == user["id"],
        "delete": owner or admin,  # tasks.delete_any
        "assign": change and user["role"] in (Role.ADMIN, Role.SELLER),  # tasks.assign
    }


@functools.cache
def _encoded_password() -> str:
    """The bench password hashed once per worker with the configured (first) hasher."""
    return make_password(BENCH_PASSWORD)


@csrf_exempt
def bare_hash(request: HttpRequest) -> JsonResponse:
    """Floor of POST /api/login/: the configured hasher's verify, and nothing else."""
    password = json.loads(request.body)["password"]
    return JsonResponse({"ok": check_password(password, _encoded_password())})
