"""`manage.py flush_expired`: delete finished sessions (expired or ended, with their refresh tokens'
state), finished throttle windows, security events past SECURITY_EVENTS_RETENTION_DAYS and old
idempotent answers.

Run it daily (cron or a systemd timer). It deletes in batches, each its own short
transaction. Running it twice deletes nothing the second time.

The account lifecycle adds nothing else of its own to delete: its throttle counts (sign-up,
password reset, mail requests) are throttle windows like the login's, and its mailed links
are signed, not stored (accounts/links.py).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.housekeeping import prune_security_events
from api.housekeeping import BATCH_SIZE, flush_throttle_windows
from api.idempotency import prune_idempotent_requests
from authn.housekeeping import flush_sessions


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Delete finished sessions, finished throttle windows, security events past their retention "
        "and idempotent answers past their replay window."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=BATCH_SIZE,
            help=f"rows per DELETE statement (default {BATCH_SIZE})",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        windows = flush_throttle_windows(batch_size=batch_size)
        sessions = flush_sessions(batch_size=batch_size)
        events = prune_security_events(batch_size=batch_size)
        answers = prune_idempotent_requests()
        self.stdout.write(
            f"Deleted {sessions} finished sessions, {windows} finished throttle windows, "
            f"{events} security events past their retention and {answers} idempotent answers past their replay window."
        )
