"""The policy matrix, read from the registry, for frontends to show or hide actions."""

from django.http import HttpRequest
from ninja import Router

from . import conf
from .endpoints import AuthenticatedRequest, requires
from .policies import AUTHENTICATED, PERMISSIONS_VIEW
from .registry import policies
from .schemas import HeldPermissionsOut, MatrixOut, PolicyOut

router = Router(tags=["permissions"])


@router.get(
    "/permissions/",
    response=MatrixOut,
    operation_id="permissions_matrix",
    summary="Every policy and the roles that hold it",
)
@requires(PERMISSIONS_VIEW)
def matrix(request: HttpRequest) -> MatrixOut:
    return MatrixOut(
        roles=list(conf.role_names()),
        policies=[
            PolicyOut(name=p.name, description=p.description, roles=policies.roles_for(p)) for p in policies.matrix()
        ],
    )


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
