"""The one enum of user roles, with every fact about a role beside it; code says
`Role.SELLER`, never "SELLER"."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models


@dataclass(frozen=True)
class RoleFacts:
    #: Higher ranks hold more; nobody may raise their own rank.
    rank: int
    #: A visitor may choose it at sign-up (ADMIN is only ever granted by another admin).
    self_service: bool
    #: Staff work with other people's tasks: the default holders of `tasks.assign`.
    staff: bool


class Role(models.TextChoices):
    ADMIN = "ADMIN", "Admin"
    SELLER = "SELLER", "Seller"
    CUSTOMER = "CUSTOMER", "Customer"

    @property
    def facts(self) -> RoleFacts:
        return FACTS[self]

    @property
    def rank(self) -> int:
        return FACTS[self].rank

    @property
    def self_service(self) -> bool:
        return FACTS[self].self_service

    @classmethod
    def self_service_roles(cls) -> list[Role]:
        """The roles a visitor may choose at sign-up, in declaration order."""
        return [role for role in cls if role.self_service]

    @classmethod
    def staff_roles(cls) -> list[Role]:
        return [role for role in cls if FACTS[role].staff]


FACTS: dict[Role, RoleFacts] = {
    Role.ADMIN: RoleFacts(rank=2, self_service=False, staff=True),
    Role.SELLER: RoleFacts(rank=1, self_service=True, staff=True),
    Role.CUSTOMER: RoleFacts(rank=0, self_service=True, staff=False),
}


def check_facts(roles: type[Role] = Role, facts: dict[Role, RoleFacts] = FACTS) -> None:
    """Every role has its facts, and no two share a rank: a role added without them would
    answer a 500 the first time someone of that role changes their own role."""
    missing = [role.value for role in roles if role not in facts]
    if missing:
        raise ImproperlyConfigured(f"accounts.roles.FACTS has no facts for {', '.join(missing)}.")
    ranks = [facts[role].rank for role in roles]
    if len(set(ranks)) != len(ranks):
        raise ImproperlyConfigured("accounts.roles.FACTS gives two roles one rank.")


check_facts()
