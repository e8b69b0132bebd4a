"""Deleting security events past their retention, so the table stays bounded (every log-in,
failed or not, adds a row). `manage.py flush_expired` runs it daily, in batches
(api/housekeeping.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from api.housekeeping import BATCH_SIZE, delete_in_batches

from .models import SecurityEvent


def prune_security_events(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Delete the events older than SECURITY_EVENTS_RETENTION_DAYS; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.SECURITY_EVENTS_RETENTION_DAYS)
    return delete_in_batches(SecurityEvent.objects.filter(at__lt=cutoff), batch_size)
