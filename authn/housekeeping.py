"""Deleting sessions that can no longer be refreshed, so the session table stays bounded.

Every log-in adds a LoginSession row (its refresh tokens' whole state); nothing else ever
deletes them. `manage.py flush_expired` runs this daily, in batches (api/housekeeping.py).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone

from api.housekeeping import BATCH_SIZE, delete_in_batches

from .models import LoginSession


def flush_sessions(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Delete sessions that can no longer be refreshed (expired, ended, or of tokens their
    user has since revoked all at once); return how many."""
    now = now or timezone.now()
    finished = LoginSession.objects.filter(
        Q(expires_at__lte=now) | Q(ended_at__isnull=False) | ~Q(token_version=F("user__token_version"))
    )
    return delete_in_batches(finished, batch_size)
