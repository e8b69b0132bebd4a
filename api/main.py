"""The one NinjaAPI: JWT authentication by default, a declared policy on every operation."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.operation import Operation
from ninja.router import BoundRouter

from accounts.api import auth_router, profile_router, users_router
from accounts.auth import JWTBearer
from permissions.api import router as permissions_router
from permissions.endpoints import guard
from tasks.api import router as tasks_router

from .errors import install_exception_handlers
from .health import router as health_router
from .parser import StrictJSONParser
from .renderers import ApiJSONRenderer
from .schemas import ErrorOut, ValidationErrorOut


def document_common_errors(operation: Operation) -> None:
    """Every operation can answer 503 (database down); one with input 422; one with a body 413, 415."""
    if operation.models:
        operation.response_models.setdefault(422, operation._create_response_model(ValidationErrorOut))
    if any(model.__ninja_param_source__ == "body" for model in operation.models):
        operation.response_models.setdefault(413, operation._create_response_model(ErrorOut))
        operation.response_models.setdefault(415, operation._create_response_model(ErrorOut))
    operation.response_models.setdefault(503, operation._create_response_model(ErrorOut))


class NexoraAPI(NinjaAPI):
    """Guards each operation with its declared policy when the routers are bound."""

    def _get_bound_routers(self) -> list[BoundRouter]:
        first_binding = self._bound_routers_cache is None
        bound_routers = super()._get_bound_routers()
        if first_binding:
            for bound in bound_routers:
                for path_view in bound.path_operations.values():
                    for operation in path_view.operations:
                        guard(operation, error_schema=ErrorOut)
                        document_common_errors(operation)
        return bound_routers


api = NexoraAPI(
    title="Nexora API",
    version="1.0.0",
    description="Typed, role-aware auth and tasks API. Every operation states the policy it requires.",
    auth=JWTBearer(),
    parser=StrictJSONParser(),
    renderer=ApiJSONRenderer(),
    urls_namespace="api",
)
install_exception_handlers(api)

api.add_router("", auth_router)
api.add_router("/profile/", profile_router)
api.add_router("/users/", users_router)
api.add_router("", permissions_router)
api.add_router("/tasks/", tasks_router)
api.add_router("", health_router)
