"""The matrix as the API publishes it; roles typed as the project's own roles enum."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ninja import Schema

from . import conf
from .exceptions import Reason
from .registry import GrantedBy

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


class VerdictOut(Schema):
    """May the user act under the policy (on the object), and why: the verdict the API decides with."""

    allowed: bool
    policy: str
    role: RoleName | None
    reason: Reason | None
    granted_by: GrantedBy | None
    rule: str | None
