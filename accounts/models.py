"""Users, the audit trail of their role changes, and login throttle counters."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction

from .errors import LastActiveAdmin
from .managers import UserManager
from .roles import Role


class User(AbstractUser):
    """A person who signs in with an e-mail address; `role` decides what the API allows."""

    username = None  # type: ignore[assignment]  # removes AbstractUser's field: the e-mail is the login
    email = models.EmailField("email address", max_length=254, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER, db_index=True)
    phone = models.CharField(max_length=32, blank=True, default="")
    address = models.CharField(max_length=500, blank=True, default="")
    #: Set when the owner followed a verification link, confirmed an email change or
    #: completed a password reset: each proves they read mail sent to this address.
    email_verified = models.BooleanField(default=False)
    #: Carried in every token; bumping it revokes all of the user's tokens at once at no
    #: extra query, since authentication loads this row anyway.
    token_version = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # ours (e-mail logins), not auth's

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.email

    def delete(self, using: str | None = None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        """Refuses the last active admin whoever asks (a service, a script, a shell): the
        deployment would be locked out. `accounts.services.user_delete` also audits."""
        with transaction.atomic(using=using):
            if User.objects.db_manager(using).lock_admins_and_check_last(self.pk):
                raise LastActiveAdmin()
            return super().delete(using=using, keep_parents=keep_parents)


class RoleChange(models.Model):
    """One role change: who made it, whom it changed, from what to what, and when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_changes")
    #: Null for a change made from the command line.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: Null for the creation of an account by an admin (it had no role before).
    # Null, not "": no role at all is not an empty role name (DJ001 prefers "" for text).
    old_role = models.CharField(max_length=16, choices=Role.choices, null=True, blank=True)  # noqa: DJ001
    new_role = models.CharField(max_length=16, choices=Role.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.old_role or '(created)'} -> {self.new_role}"


class ThrottleWindow(models.Model):
    """Attempts counted for one key in one fixed time window, shared by every worker."""

    key = models.CharField(max_length=255, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.expires_at}"


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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "ended_at", "expires_at"])]

    def __str__(self) -> str:
        return f"session {self.pk} of user {self.user_id}"
