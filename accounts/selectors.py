"""Reads about users."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from .errors import UserNotFound
from .models import RoleChange, SecurityEvent, User
from .roles import Role


def user_list(*, role: Role | None = None, is_active: bool | None = None, search: str | None = None) -> QuerySet[User]:
    users = User.objects.all()
    if role is not None:
        users = users.filter(role=role)
    if is_active is not None:
        users = users.filter(is_active=is_active)
    if search:
        # icontains escapes % and _, so they match literally.
        users = users.filter(
            Q(email__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
        )
    return users.order_by("id")


def user_directory(*, fields: Iterable[str], search: str | None = None) -> QuerySet[User, dict[str, Any]]:
    """The active users, as rows of `fields` (a directory shows little of each), by email then
    id; `search` as `user_list`'s."""
    users = user_list(is_active=True, search=search).order_by("email", "id")
    rows: QuerySet[User, dict[str, Any]] = users.values(*fields)
    return rows


def user_get(*, user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise UserNotFound()
    return user


def role_history(*, user: User) -> QuerySet[RoleChange]:
    return RoleChange.objects.filter(user=user).order_by("-at", "-id")


def security_events(*, user: User) -> QuerySet[SecurityEvent]:
    return SecurityEvent.objects.filter(user=user).order_by("-at", "-id")
