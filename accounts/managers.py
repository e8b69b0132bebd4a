"""The user manager: e-mail is the login name and is stored lower-cased whole; the last
active admin cannot be deleted, not even in bulk."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from api.prepared import PreparedQuery

from .errors import LastActiveAdmin
from .roles import Role

if TYPE_CHECKING:
    from .models import User


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
    from .models import User  # models imports this module

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
