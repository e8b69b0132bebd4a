"""accounts 0004: ninja-jwt's token tables go, and no token they refused is accepted after."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from accounts.models import LoginSession
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)  # DDL: MariaDB commits around it

migration = importlib.import_module("accounts.migrations.0004_drop_ninja_jwt_token_tables")


def _old_tables_with(revoked_jti: str, kept_jti: str) -> None:
    """The two tables as ninja-jwt's token_blacklist app left them (the columns read here)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE token_blacklist_outstandingtoken "
            "(id integer PRIMARY KEY, jti varchar(255) NOT NULL, token text NOT NULL, expires_at datetime(6) NOT NULL)"
        )
        cursor.execute(
            "CREATE TABLE token_blacklist_blacklistedtoken "
            "(id integer PRIMARY KEY, token_id integer NOT NULL, blacklisted_at datetime(6) NOT NULL)"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(
            "INSERT INTO token_blacklist_outstandingtoken (id, jti, token, expires_at)"
            " VALUES (1, %s, 't', %s), (2, %s, 't', %s)",
            [revoked_jti, now, kept_jti, now],
        )
        cursor.execute(
            "INSERT INTO token_blacklist_blacklistedtoken (id, token_id, blacklisted_at) VALUES (1, 1, %s)", [now]
        )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('token_blacklist', '0001_initial', %s)", [now]
        )


def test_blacklisted_sessions_end_and_the_tables_go() -> None:
    revoked_pair, kept_pair = tokens_for(CustomerFactory.create()), tokens_for(CustomerFactory.create())
    revoked, kept = LoginSession.objects.order_by("pk")
    _old_tables_with(revoked.refresh_jti, kept.refresh_jti)

    with connection.schema_editor() as editor:
        migration.end_blacklisted_sessions_and_drop_tables(apps, editor)

    tables = set(connection.introspection.table_names())
    assert {"token_blacklist_outstandingtoken", "token_blacklist_blacklistedtoken"} & tables == set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'token_blacklist'")
        assert cursor.fetchone() == (0,)
    revoked.refresh_from_db()
    kept.refresh_from_db()
    assert revoked.ended_at is not None and kept.ended_at is None
    assert ApiClient().post("/api/token/refresh/", {"refresh": revoked_pair.refresh}).status_code == 401
    assert ApiClient().post("/api/token/refresh/", {"refresh": kept_pair.refresh}).status_code == 200


def test_a_database_that_never_had_the_tables_is_left_as_it_is() -> None:
    tokens_for(CustomerFactory.create())
    before = set(connection.introspection.table_names())

    with connection.schema_editor() as editor:
        migration.end_blacklisted_sessions_and_drop_tables(apps, editor)

    assert set(connection.introspection.table_names()) == before
    assert LoginSession.objects.filter(ended_at__isnull=True).count() == 1
