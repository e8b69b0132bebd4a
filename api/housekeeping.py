"""Deleting rows that can no longer matter, in batches, so the tables stay bounded.

Deletes go in batches, each its own short transaction, so a backlog of a million rows
never holds a long lock on a table that requests write to. Apps flush their own tables
with `delete_in_batches`; `manage.py flush_expired` runs every flush daily.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .models import ThrottleWindow

BATCH_SIZE = 5_000

#: A window is deleted this long after it ended, not at once: a worker whose clock lags may
#: still count into it, and a deleted window would restart that count at zero.
THROTTLE_WINDOW_GRACE = timedelta(minutes=1)


def delete_in_batches(queryset: models.QuerySet[Any], batch_size: int = BATCH_SIZE) -> int:
    """Delete the rows of `queryset`, `batch_size` primary keys at a time; return how many."""
    model = queryset.model
    deleted = 0
    while True:
        # Oldest first along the primary key: the expired rows are the old ones.
        batch = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        with transaction.atomic():
            _, per_model = model.objects.filter(pk__in=batch).delete()
        # Keyed "app_label.ModelName"; cascaded rows, if any, are not counted.
        deleted += sum(count for label, count in per_model.items() if label.rpartition(".")[2] == model.__name__)


def flush_throttle_windows(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Delete throttle windows that ended (a count is only read in its own window), whatever
    they counted."""
    now = now or timezone.now()
    return delete_in_batches(ThrottleWindow.objects.filter(expires_at__lte=now - THROTTLE_WINDOW_GRACE), batch_size)
