"""Every role carries its facts (rank, self-service, staff) beside the enum, checked at import."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from accounts.roles import FACTS, Role, RoleFacts, check_facts


def test_every_role_has_its_facts_and_its_own_rank() -> None:
    assert set(FACTS) == set(Role)
    assert len({role.rank for role in Role}) == len(Role)


def test_the_facts_as_the_matrix_and_sign_up_use_them() -> None:
    assert [(role, role.rank, role.self_service) for role in Role] == [
        (Role.ADMIN, 2, False),
        (Role.SELLER, 1, True),
        (Role.CUSTOMER, 0, True),
    ]
    assert Role.self_service_roles() == [Role.SELLER, Role.CUSTOMER]
    assert Role.staff_roles() == [Role.ADMIN, Role.SELLER]


class _Grown(models.TextChoices):
    ADMIN = "ADMIN", "Admin"
    AUDITOR = "AUDITOR", "Auditor"


def test_a_role_without_facts_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="no facts for AUDITOR"):
        check_facts(_Grown, {_Grown.ADMIN: RoleFacts(rank=1, self_service=False, staff=True)})  # type: ignore[arg-type,dict-item]  # another enum on purpose


def test_two_roles_of_one_rank_are_refused() -> None:
    same = RoleFacts(rank=1, self_service=False, staff=False)
    with pytest.raises(ImproperlyConfigured, match="one rank"):
        check_facts(Role, {role: same for role in Role})
