"""authn.tokens.active_user: the user query of every authenticated request, compiled once,
must give exactly what the ORM's own query gives, in one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from authn.tokens import active_user
from nexora_testkit.factories import CustomerFactory


def test_the_same_user_as_the_orm_gives(db: None) -> None:
    user = CustomerFactory.create(first_name="Zoë 🚀", phone="+33 1 23 45 67 89")
    User.objects.filter(pk=user.pk).update(last_login=user.date_joined)
    expected = User.objects.get(pk=user.pk)

    with CaptureQueriesContext(connection) as queries:
        found = active_user(user.pk)

    assert len(queries) == 1
    assert isinstance(found, User) and found.pk == user.pk
    assert found.__dict__.keys() >= {"last_login", "date_joined", "is_active", "token_version"}
    for name in (
        "last_login",
        "date_joined",
        "is_active",
        "is_staff",
        "is_superuser",
        "token_version",
        "role",
        "email",
        "password",
        "first_name",
        "phone",
        "address",
    ):
        assert (getattr(found, name), type(getattr(found, name))) == (
            getattr(expected, name),
            type(getattr(expected, name)),
        ), name
    assert model_to_dict(found) == model_to_dict(expected)
    found.first_name = "Changed"
    found.save(update_fields=["first_name"])
    assert User.objects.get(pk=user.pk).first_name == "Changed"


@pytest.mark.parametrize("pk", ["inactive", "missing", -1, True, "1", None, 1.0])
def test_no_user_for_an_inactive_missing_or_malformed_id(db: None, pk: Any) -> None:
    inactive = CustomerFactory.create(is_active=False)
    wanted = {"inactive": inactive.pk, "missing": inactive.pk + 1000}.get(pk, pk)

    assert active_user(wanted) is None
