from __future__ import annotations

from ninja import Schema

from accounts.roles import Role


class PolicyOut(Schema):
    name: str
    description: str
    roles: list[Role]


class MatrixOut(Schema):
    roles: list[Role]
    policies: list[PolicyOut]


class HeldPermissionsOut(Schema):
    role: Role
    permissions: list[str]
