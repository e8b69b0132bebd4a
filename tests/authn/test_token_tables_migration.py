"""The upgrade of a database from before sessions were the only token state and lived in
`accounts`: accounts 0004 ends every session whose current token ninja-jwt had blacklisted
and drops its token tables; accounts 0005 moves the throttle windows to the toolkit; authn
0002 moves the sessions. Played here on the old tables, made as they were."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from api.models import ThrottleWindow
from authn.models import LoginSession
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)  # DDL: MariaDB commits around it

drop_token_tables = importlib.import_module("accounts.migrations.0004_drop_ninja_jwt_token_tables")
move_windows = importlib.import_module("accounts.migrations.0005_move_sessions_and_throttle_windows_out")
move_sessions = importlib.import_module("authn.migrations.0002_sessions_from_accounts")

OLD_TABLES = {
    "token_blacklist_outstandingtoken",
    "token_blacklist_blacklistedtoken",
    "accounts_loginsession",
    "accounts_throttlewindow",
}


def _execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _old_tables() -> None:
    """The tables as the earlier migrations and ninja-jwt's token_blacklist app left them
    (the columns the migrations read)."""
    _execute(
        "CREATE TABLE token_blacklist_outstandingtoken "
        "(id integer PRIMARY KEY, jti varchar(255) NOT NULL, token text NOT NULL, expires_at datetime(6) NOT NULL)"
    )
    _execute(
        "CREATE TABLE token_blacklist_blacklistedtoken "
        "(id integer PRIMARY KEY, token_id integer NOT NULL, blacklisted_at datetime(6) NOT NULL)"
    )
    _execute(
        "CREATE TABLE accounts_loginsession (id integer PRIMARY KEY, user_id integer NOT NULL,"
        " created_at datetime(6) NOT NULL, last_used_at datetime(6) NOT NULL, expires_at datetime(6) NOT NULL,"
        " ended_at datetime(6) NULL, user_agent varchar(255) NOT NULL, ip varchar(64) NOT NULL,"
        " refresh_jti varchar(255) NOT NULL, previous_jti varchar(255) NOT NULL, rotated_at datetime(6) NULL)"
    )
    key = connection.ops.quote_name("key")
    _execute(
        f"CREATE TABLE accounts_throttlewindow (id integer PRIMARY KEY, {key} varchar(255) NOT NULL,"
        " count integer NOT NULL, expires_at datetime(6) NOT NULL)"
    )


def _at(moment: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def _upgrade() -> None:
    with connection.schema_editor() as editor:
        drop_token_tables.end_blacklisted_sessions_and_drop_tables(apps, editor)
        move_windows.copy_throttle_windows(apps, editor)
        editor.execute("DROP TABLE accounts_throttlewindow")  # the DeleteModel that follows the copy
        move_sessions.move_sessions(apps, editor)


def test_an_old_database_keeps_its_live_sessions_and_counts_and_loses_its_revoked_tokens() -> None:
    revoked_user, kept_user = CustomerFactory.create(), CustomerFactory.create()
    kept_user.token_version = 3
    kept_user.save(update_fields=["token_version"])
    now = timezone.now()
    _old_tables()
    for pk, user, jti in [(41, revoked_user, "revoked-jti"), (42, kept_user, "kept-jti")]:
        _execute(
            "INSERT INTO accounts_loginsession VALUES (%s, %s, %s, %s, %s, NULL, 'agent', '192.0.2.9', %s, '', NULL)",
            [pk, user.pk, _at(now), _at(now), _at(now + timedelta(days=7)), jti],
        )
    _execute(
        "INSERT INTO token_blacklist_outstandingtoken VALUES (1, 'revoked-jti', 't', %s), (2, 'kept-jti', 't', %s)",
        [_at(now), _at(now)],
    )
    _execute("INSERT INTO token_blacklist_blacklistedtoken VALUES (1, 1, %s)", [_at(now)])
    _execute(
        "INSERT INTO django_migrations (app, name, applied) VALUES ('token_blacklist', '0001_initial', %s)", [_at(now)]
    )
    _execute("INSERT INTO accounts_throttlewindow VALUES (7, 'login:addr:192.0.2.9:60:1', 4, %s)", [_at(now)])

    _upgrade()

    assert OLD_TABLES & set(connection.introspection.table_names()) == set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'token_blacklist'")
        assert cursor.fetchone() == (0,)
    revoked, kept = LoginSession.objects.get(pk=41), LoginSession.objects.get(pk=42)
    assert (revoked.user_id, revoked.refresh_jti, revoked.ended_at is not None) == (
        revoked_user.pk,
        "revoked-jti",
        True,
    )
    assert (kept.user_id, kept.refresh_jti, kept.ended_at, kept.token_version) == (kept_user.pk, "kept-jti", None, 3)
    assert (kept.ip, kept.user_agent) == ("192.0.2.9", "agent")
    assert list(ThrottleWindow.objects.values_list("key", "count")) == [("login:addr:192.0.2.9:60:1", 4)]
    # New sessions get ids after the moved ones.
    assert ApiClient().post("/api/login/", {"email": kept_user.email, "password": "x" * 12}).status_code == 401
    assert (
        LoginSession.objects.create(
            user=kept_user, created_at=now, last_used_at=now, expires_at=now, refresh_jti="new"
        ).pk
        > 42
    )


def test_a_database_that_never_had_the_old_tables_is_left_as_it_is() -> None:
    CustomerFactory.create()
    before = set(connection.introspection.table_names())

    with connection.schema_editor() as editor:
        drop_token_tables.end_blacklisted_sessions_and_drop_tables(apps, editor)
        move_sessions.move_sessions(apps, editor)

    assert set(connection.introspection.table_names()) == before
