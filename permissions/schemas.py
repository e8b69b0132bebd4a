"""The matrix as the API publishes it; roles typed as the project's own roles enum."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StrictStr

from . import conf
from .exceptions import Reason
from .registry import GrantedBy, policies

if TYPE_CHECKING:
    RoleName = str
else:
    RoleName = conf.role_enum()  # an enum in the OpenAPI document, whatever the project's roles are


class PolicyOut(Schema):
    name: str
    description: str
    roles: list[RoleName]


class MatrixOut(Schema):
    roles: list[RoleName]
    policies: list[PolicyOut]


class HeldPermissionsOut(Schema):
    role: RoleName
    permissions: list[str]


def _grantable(name: str) -> str:
    policy = policies.get(name) if name in policies else None
    if policy is None:
        raise ValueError(f"unknown policy {name!r}")
    if policy.builtin:
        raise ValueError(f"{name!r} is an access level, not a grant")
    return name


#: A policy a role can be granted: a registered one, not an access level (else a 422).
GrantableName = Annotated[StrictStr, Field(max_length=100), AfterValidator(_grantable)]


class GrantsIn(Schema):
    """The whole set of policies a role holds from now on."""

    model_config = ConfigDict(extra="forbid")

    policies: list[GrantableName] = Field(max_length=1000)


class RoleGrantsOut(Schema):
    role: RoleName
    policies: list[str]
    #: No change is stored for the role: it holds the code's defaults.
    default: bool


class GrantChangeOut(Schema):
    id: int
    #: Null for a change made outside a request, or once the actor is deleted.
    actor_id: int | None
    role: RoleName
    added: list[str]
    removed: list[str]
    at: datetime


class VerdictOut(Schema):
    """May the user act under the policy (on the object), and why: the verdict the API decides with."""

    allowed: bool
    policy: str
    role: RoleName | None
    reason: Reason | None
    granted_by: GrantedBy | None
    rule: str | None
