"""Log-in sessions: the whole state of a session's refresh tokens, one row per log-in."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LoginSession(models.Model):
    """One log-in: its refresh token and every rotation of it. Access tokens name it (`sid`).

    Only the newest refresh token is good (`refresh_jti`); the one it replaced stays good for
    JWT_REFRESH_REUSE_SECONDS (two tabs refreshing at once), and presenting any older one
    ends the whole session (a stolen token was used).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField()
    #: Fixed at log-in: rotating the refresh token never extends a session.
    expires_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True, default="")
    ip = models.CharField(max_length=64, blank=True, default="")
    refresh_jti = models.CharField(max_length=255)
    previous_jti = models.CharField(max_length=255, blank=True, default="")
    rotated_at = models.DateTimeField(null=True, blank=True)
    #: The user's `token_version` at log-in: once it moves on (logout-all, a password change
    #: or reset, a deactivation), the session is over, as every token of it is.
    token_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "ended_at", "expires_at"])]

    def __str__(self) -> str:
        return f"session {self.pk} of user {self.user_id}"
