"""The composition root of the HTTP API: one NinjaAPI, every app's router, the error table
and the permission layer installed on it. Nothing imports this but `project/urls.py`."""

from __future__ import annotations

from typing import Any

from accounts.api import auth_router, profile_router, users_router
from api.base import BaseAPI
from api.errors import install_errors
from api.idempotency import install_idempotency
from api.parser import StrictJSONParser
from api.rate_limits import install_rate_limits
from api.renderers import ApiJSONRenderer
from authn import api as authn
from authn.auth import JWTBearer
from permissions import ninja as permission_layer
from permissions.api import router as permissions_router
from tasks.api import router as tasks_router
from tasks.api import users_router as task_users_router
from tasks.explain import router as explain_router

from .errors import BEARER_CHALLENGE, BODY_ERRORS, ERRORS, EVERY_OPERATION_ERRORS, QUERY_ERRORS
from .health import router as health_router


def new_api(*, auth: Any = None, **kwargs: Any) -> BaseAPI:
    """A NinjaAPI configured as this service's: bearer tokens, strict JSON, the error table and
    the permission layer. Tests build throwaway APIs with it, so they behave as the real one."""
    api = BaseAPI(auth=auth or JWTBearer(), parser=StrictJSONParser(), renderer=ApiJSONRenderer(), **kwargs)
    install_errors(
        api, ERRORS, body_errors=BODY_ERRORS, query_errors=QUERY_ERRORS, every_operation=EVERY_OPERATION_ERRORS
    )
    install_idempotency(api)
    install_rate_limits(api)  # after idempotency: its counts wrap an idempotent create's transaction
    permission_layer.install(api, www_authenticate=BEARER_CHALLENGE)
    return api


api = new_api(
    title="Nexora API",
    version="1.0.0",
    description="Typed, role-aware auth and tasks API. Every operation states the policy it requires.",
    urls_namespace="api",
)

api.add_router("", auth_router)
api.add_router("", authn.auth_router)
api.add_router("/profile/", profile_router)
api.add_router("/profile/", authn.password_router)
# Before users_router, whose /users/{user_id}/ would take /users/directory/ (as a 422).
api.add_router("/users/", task_users_router)
api.add_router("/users/", users_router)
api.add_router("/users/", authn.user_sessions_router)
api.add_router("/sessions/", authn.sessions_router)
api.add_router("", permissions_router)
api.add_router("/permissions/explain/", explain_router)
api.add_router("/tasks/", tasks_router)
api.add_router("", health_router)
