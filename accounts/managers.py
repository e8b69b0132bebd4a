"""The user manager: e-mail is the login name and is stored lower-cased whole."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import BaseUserManager

from .roles import Role

if TYPE_CHECKING:
    from .models import User


def normalize_email(email: str) -> str:
    """Lower-case the whole address (Django's normalize_email only does the domain)."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email(username or ""))

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        fields.setdefault("role", Role.CUSTOMER)
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True, is_active=True)
        return self.create_user(email, password, **fields)
