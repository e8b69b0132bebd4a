"""The session row becomes the only token state: ninja-jwt's token tables go.

Before this, every refresh token also had an OutstandingToken row and every revoked one a
BlacklistedToken row, the same facts the session rows hold (its `refresh_jti`, `ended_at`).
A live session whose current refresh token was blacklisted anyway is ended first, so no token
refused before the change is accepted after it; then both tables are dropped, with
ninja-jwt's migration records, since `ninja_jwt.token_blacklist` is no longer installed.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

OUTSTANDING = "token_blacklist_outstandingtoken"
BLACKLISTED = "token_blacklist_blacklistedtoken"
#: The sessions' table as it was named then (authn 0002 moves it).
SESSIONS = "accounts_loginsession"


def end_blacklisted_sessions_and_drop_tables(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    tables = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if {OUTSTANDING, BLACKLISTED} <= tables:
            cursor.execute(f"SELECT o.jti FROM {quote(OUTSTANDING)} o JOIN {quote(BLACKLISTED)} b ON b.token_id = o.id")
            revoked = [jti for (jti,) in cursor.fetchall()]
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            for start in range(0, len(revoked), 500):
                batch = revoked[start : start + 500]
                cursor.execute(
                    f"UPDATE {quote(SESSIONS)} SET {quote('ended_at')} = %s "
                    f"WHERE {quote('ended_at')} IS NULL AND {quote('refresh_jti')} IN ({', '.join(['%s'] * len(batch))})",
                    [now, *batch],
                )
        for table in (BLACKLISTED, OUTSTANDING):
            if table in tables:
                cursor.execute(f"DROP TABLE {quote(table)}")
        if "django_migrations" in tables:
            cursor.execute(f"DELETE FROM {quote('django_migrations')} WHERE app = %s", ["token_blacklist"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_merge_sessions_and_lifecycle")]

    operations = [migrations.RunPython(end_blacklisted_sessions_and_drop_tables, migrations.RunPython.noop)]
