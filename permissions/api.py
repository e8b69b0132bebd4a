"""The policy matrix, read from the registry, for frontends to show or hide actions; and the
grants changed at run time (`permissions.manage`)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Field, Router
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import BaseModel

from ninja_hooks.openapi import add_error_response

from . import conf, services
from .endpoints import AuthenticatedRequest, requires
from .ninja import GRANT_LOCKED, NOT_FOUND
from .policies import AUTHENTICATED, PERMISSIONS_MANAGE, PERMISSIONS_VIEW
from .registry import policies
from .schemas import GrantChangeOut, GrantsIn, HeldPermissionsOut, MatrixOut, PolicyOut, RoleGrantsOut

router = Router(tags=["permissions"])

#: Largest offset: a BIGINT, so a larger one is a 422, not an overflow in the database driver.
MAX_OFFSET = 2**63 - 1


class ChangesPage(LimitOffsetPagination):
    """`{"items": [...], "count": N}`, `limit` 1..100 (default 20), `offset` >= 0."""

    class Input(BaseModel):
        limit: int = Field(20, ge=1, le=100)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=100, **kwargs)


def _errors(*, locked: bool) -> dict[str, Any]:
    responses: dict[int, Any] = {}
    add_error_response(responses, 404, NOT_FOUND, "no such role.")
    if locked:
        add_error_response(
            responses,
            409,
            GRANT_LOCKED,
            "the role must keep a grant the change leaves out (PERMISSIONS_LOCKED_GRANTS).",
        )
    return {"responses": responses}


def _actor(request: AuthenticatedRequest) -> Any | None:
    """The caller, when it is a user the change log can name."""
    return request.auth if isinstance(request.auth, get_user_model()) else None


def _role_must_exist(request: HttpRequest, path_params: dict[str, Any]) -> None:
    services.known_role(str(path_params.get("role", "")))


def _out(state: services.RoleGrantsState) -> RoleGrantsOut:
    return RoleGrantsOut(role=state.role, policies=state.policies, default=state.default)


@router.get(
    "/permissions/",
    response=MatrixOut,
    operation_id="permissions_matrix",
    summary="Every policy and the roles that hold it now",
)
@requires(PERMISSIONS_VIEW)
def matrix(request: HttpRequest) -> MatrixOut:
    return MatrixOut(
        roles=list(conf.role_names()),
        policies=[
            PolicyOut(name=p.name, description=p.description, roles=policies.roles_for(p)) for p in policies.matrix()
        ],
    )


@router.put(
    "/permissions/roles/{role}/",
    response=RoleGrantsOut,
    operation_id="permissions_role_set",
    summary="Set the whole set of policies a role holds, in place of its defaults",
    openapi_extra=_errors(locked=True),
)
@requires(PERMISSIONS_MANAGE, precheck=_role_must_exist)
def set_role_grants(request: AuthenticatedRequest, role: str, payload: GrantsIn) -> RoleGrantsOut:
    return _out(services.grants_set(actor=_actor(request), role=role, names=payload.policies))


@router.delete(
    "/permissions/roles/{role}/",
    response=RoleGrantsOut,
    operation_id="permissions_role_reset",
    summary="Give a role the code's default policies again",
    openapi_extra=_errors(locked=False),
)
@requires(PERMISSIONS_MANAGE)
def reset_role_grants(request: AuthenticatedRequest, role: str) -> RoleGrantsOut:
    return _out(services.grants_reset(actor=_actor(request), role=role))


@router.get(
    "/permissions/changes/",
    response=list[GrantChangeOut],
    operation_id="permissions_changes",
    summary="The changes of grants, newest first",
)
@requires(PERMISSIONS_MANAGE)
@paginate(ChangesPage)
def grant_changes(request: HttpRequest) -> object:
    return services.grant_changes()


@router.get(
    "/profile/permissions/",
    response=HeldPermissionsOut,
    operation_id="profile_permissions",
    summary="The policies the signed-in user holds",
)
@requires(AUTHENTICATED)
def held_permissions(request: AuthenticatedRequest) -> HeldPermissionsOut:
    role = conf.role_of(request.auth)
    assert role is not None, "the guard let the caller in: it holds a role"
    return HeldPermissionsOut(role=role, permissions=policies.granted_to(role))
