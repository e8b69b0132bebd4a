"""Log-in sessions move to `authn` (authn 0002 copies the rows and drops this table) and
throttle windows to the toolkit (`api`): their rows are copied here, then the table goes."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def copy_throttle_windows(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    quote = schema_editor.connection.ops.quote_name
    columns = ", ".join(quote(column) for column in ("key", "count", "expires_at"))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote('api_throttlewindow')} ({columns}) SELECT {columns} FROM {quote('accounts_throttlewindow')}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_drop_ninja_jwt_token_tables"),
        ("api", "0002_throttlewindow"),
    ]

    operations = [
        migrations.RunPython(copy_throttle_windows),
        migrations.DeleteModel(name="ThrottleWindow"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="loginsession", name="user"),
                migrations.DeleteModel(name="LoginSession"),
            ],
            database_operations=[],
        ),
    ]
