"""Reads about users."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from .errors import SessionNotFound, UserNotFound
from .models import LoginSession, RoleChange, User
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


def user_get(*, user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise UserNotFound()
    return user


def role_history(*, user: User) -> QuerySet[RoleChange]:
    return RoleChange.objects.filter(user=user).order_by("-at", "-id")


def live_sessions(*, user: User, current_id: int | None = None) -> QuerySet[LoginSession]:
    """The user's sessions that can still be refreshed, newest first; `current` marks `current_id`."""
    return (
        LoginSession.objects.filter(user=user, ended_at__isnull=True, expires_at__gt=timezone.now())
        .annotate(
            current=Case(When(pk=current_id or 0, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .order_by("-created_at", "-id")
    )


def live_session_get(*, user: User, session_id: int) -> LoginSession:
    session = live_sessions(user=user).filter(pk=session_id).first()
    if session is None:
        raise SessionNotFound()
    return session
