"""Reads about sessions."""

from __future__ import annotations

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User

from .errors import SessionNotFound
from .models import LoginSession


def live_sessions(*, user: User, current_id: int | None = None) -> QuerySet[LoginSession]:
    """The user's sessions that can still be refreshed, newest first; `current` marks `current_id`."""
    return (
        LoginSession.objects.filter(
            user=user,
            ended_at__isnull=True,
            expires_at__gt=timezone.now(),
            token_version=user.token_version,  # as read with the user: a bump ends them all
        )
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
