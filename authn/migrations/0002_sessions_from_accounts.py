"""The log-in sessions recorded while they lived in `accounts` move here, each with its
user's current token version (every earlier bump ended the sessions it revoked, so a live
session's tokens are of that version), and their old table goes."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

OLD = "accounts_loginsession"
COLUMNS = (
    "id",
    "user_id",
    "created_at",
    "last_used_at",
    "expires_at",
    "ended_at",
    "user_agent",
    "ip",
    "refresh_jti",
    "previous_jti",
    "rotated_at",
)


def move_sessions(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if OLD not in connection.introspection.table_names():
        return
    quote = connection.ops.quote_name
    into = ", ".join(quote(column) for column in (*COLUMNS, "token_version"))
    selected = ", ".join(f"s.{quote(column)}" for column in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote('authn_loginsession')} ({into}) SELECT {selected}, u.{quote('token_version')} "
            f"FROM {quote(OLD)} s JOIN {quote('accounts_user')} u ON u.{quote('id')} = s.{quote('user_id')}"
        )
        cursor.execute(f"DROP TABLE {quote(OLD)}")


class Migration(migrations.Migration):
    dependencies = [
        ("authn", "0001_initial"),
        ("accounts", "0004_drop_ninja_jwt_token_tables"),
    ]

    operations = [migrations.RunPython(move_sessions)]
