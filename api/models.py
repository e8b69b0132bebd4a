"""What the toolkit keeps: the answers to idempotent requests (api/idempotency.py) and the
attempts counted per throttle window (api/throttle_store.py)."""

from __future__ import annotations

from django.db import models


class IdempotentRequest(models.Model):
    #: sha256 of (operation, caller, key): one row per key, per caller, per operation.
    fingerprint = models.CharField(max_length=64, unique=True)
    body_digest = models.CharField(max_length=64)
    #: Null while the first request is in progress (never committed in that state).
    status = models.PositiveSmallIntegerField(null=True)
    response = models.TextField(default="")
    content_type = models.CharField(max_length=100, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"idempotent request {self.fingerprint[:12]} ({self.status or 'in progress'})"


class ThrottleWindow(models.Model):
    """Attempts counted for one key in one fixed time window, shared by every worker."""

    key = models.CharField(max_length=255, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.expires_at}"
