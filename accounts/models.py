"""Users, their manager, the audit trail of their role changes, and their security events.

The manager lives with the model, as Django's own does: e-mail is the login name and is
stored lower-cased whole; the last active admin cannot be deleted, not even in bulk.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone

from api.prepared import PreparedQuery

from .errors import LastActiveAdmin
from .roles import Role


class UserQuerySet(models.QuerySet["User"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        """Refuses to take the last active admin with it, as `User.delete()` does one by one."""
        with transaction.atomic(using=self.db):
            doomed = list(self.values_list("pk", flat=True))
            if self.model.objects.db_manager(self.db).lock_admins_and_check_last(*doomed):
                raise LastActiveAdmin()
            return super().delete()


if TYPE_CHECKING:
    # django-stubs types `from_queryset()` only when assigned to a name, and the manager it
    # makes from the generic BaseUserManager then wants a type argument that does not exist
    # at run time. What the checker needs to know is that this is User's BaseUserManager.
    UserManagerBase: TypeAlias = BaseUserManager["User"]
else:
    UserManagerBase = BaseUserManager.from_queryset(UserQuerySet)


@cache
def _by_email(alias: str) -> PreparedQuery:
    return PreparedQuery.of(lambda value: User.objects.using(alias).filter(email=value["email"]), {"email": str})


class UserManager(UserManagerBase):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """Lower-case the whole address: Django's only lower-cases the domain, and we match case-insensitively."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> User:
        """The user with this address (every log-in asks): the query prepared once per database."""
        found = _by_email(self.db).models(self.model, email=self.normalize_email(username))
        if not found:
            raise self.model.DoesNotExist(f"No user with the email {username!r}.")
        return found[0]

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        fields.setdefault("role", Role.CUSTOMER)
        # make_password(None) is an unusable password, as set_password(None) makes; create()
        # saves on this manager's database (db_manager) or the router's for writes.
        return self.create(email=self.normalize_email(email), password=make_password(password), **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        """The operator typed the address on the server: taken as verified, so the first
        admin can log in with REQUIRE_VERIFIED_EMAIL on."""
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True, is_active=True)
        fields.setdefault("email_verified", True)
        return self.create_user(email, password, **fields)

    def lock_admins_and_check_last(self, *user_ids: int) -> bool:
        """Are these users every active admin there is (as stored, not as in memory)?

        Locks every active admin's row until the transaction ends, so two concurrent
        demotions, deactivations or deletions cannot both pass this check.
        """
        admins = set(self.select_for_update().filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True))
        return bool(admins) and admins <= set(user_ids)


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


class SecurityEventType(models.TextChoices):
    """What happened to an account's security. `mfa_enabled`, `mfa_disabled`,
    `recovery_code_used`, `token_created` and `token_revoked` are reserved: no action records them."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGED = "email_changed"
    MFA_ENABLED = "mfa_enabled"
    MFA_DISABLED = "mfa_disabled"
    RECOVERY_CODE_USED = "recovery_code_used"
    SESSION_ENDED = "session_ended"
    REFRESH_REUSE_DETECTED = "refresh_reuse_detected"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    ROLE_CHANGED = "role_changed"


class SecurityEvent(models.Model):
    """One event of a user's account, from the client of the request that caused it
    (`accounts.security_events.record`); deleted with the user, and after
    SECURITY_EVENTS_RETENTION_DAYS (`manage.py flush_expired`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security_events")
    type = models.CharField(max_length=32, choices=SecurityEventType.choices)
    #: Indexed alone too: the retention deletes by age, whoever the user.
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.CharField(max_length=64, blank=True, default="")
    user_agent = models.CharField(max_length=255, blank=True, default="")
    #: A few ids and names (`accounts.security_events`): never a password, code, token or secret.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.type} at {self.at:%Y-%m-%d %H:%M:%S}"
