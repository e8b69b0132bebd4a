"""flush_expired: finished sessions (with their refresh tokens' state) and finished throttle
windows go, nothing live does, and the tables stay bounded however long the service runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from api.housekeeping import flush_throttle_windows
from api.models import ThrottleWindow
from authn.housekeeping import flush_sessions
from authn.models import LoginSession
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import PASSWORD, CustomerFactory

START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
REFRESH_LIFETIME = timedelta(days=settings.JWT_REFRESH_DAYS)
NOTHING_DELETED = (
    "Deleted 0 finished sessions, 0 finished throttle windows, 0 security events past their retention "
    "and 0 idempotent answers past their replay window.\n"
)


def login(user: User) -> dict[str, Any]:
    response = ApiClient().post("/api/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def refresh(token: str) -> Any:
    return ApiClient().post("/api/token/refresh/", {"refresh": token})


def flush_expired(*args: str) -> str:
    out = StringIO()
    call_command("flush_expired", *args, stdout=out)
    return out.getvalue()


def test_flush_expired_deletes_finished_sessions_and_windows_only(db: None) -> None:
    alice, bob = CustomerFactory.create(), CustomerFactory.create()
    with time_machine.travel(START, tick=False):
        alice_first = login(alice)
        alice_second = refresh(alice_first["refresh"]).json()  # rotated: keeps the session's expiry
        carol_pair = tokens_for(CustomerFactory.create())
        assert ApiClient().post("/api/logout/", {"refresh": carol_pair.refresh}).status_code == 204
    with time_machine.travel(START + timedelta(days=5), tick=False):
        mistyped = ApiClient().post("/api/login/", {"email": bob.email, "password": "Mistyped-Passw0rd"})
        assert mistyped.status_code == 401  # a failed log-in: counted in three windows
        bob_pair = login(bob)
    assert (LoginSession.objects.count(), ThrottleWindow.objects.count()) == (3, 3)

    with time_machine.travel(START + REFRESH_LIFETIME + timedelta(hours=1), tick=False):
        first_run = flush_expired()
        second_run = flush_expired()
        still_works = refresh(bob_pair["refresh"])

    assert first_run == (
        "Deleted 2 finished sessions, 3 finished throttle windows, 0 security events past their retention "
        "and 0 idempotent answers past their replay window.\n"
    )
    assert second_run == NOTHING_DELETED
    assert still_works.status_code == 200
    assert list(LoginSession.objects.values_list("user_id", flat=True)) == [bob.pk]
    assert not ThrottleWindow.objects.exists()
    assert refresh(alice_second["refresh"]).status_code == 401


def test_a_session_is_kept_until_the_moment_it_expires(customer: User) -> None:
    with time_machine.travel(START, tick=False):
        pair = tokens_for(customer)
    expires_at = LoginSession.objects.get().expires_at

    assert flush_sessions(now=expires_at - timedelta(seconds=1)) == 0
    assert LoginSession.objects.filter(user=customer).count() == 1
    assert flush_sessions(now=expires_at) == 1
    assert not LoginSession.objects.exists()
    assert refresh(pair.refresh).status_code == 401


def test_a_flushed_session_cannot_be_refreshed(customer: User) -> None:
    """Belt and braces: a deleted row is refused like an unknown token, never accepted."""
    pair = tokens_for(customer)
    LoginSession.objects.all().delete()

    assert refresh(pair.refresh).status_code == 401


def test_throttle_windows_are_kept_a_minute_after_they_end(db: None) -> None:
    now = START
    for key, ended_ago in [("ended-61s", 61), ("ended-60s", 60), ("ended-30s", 30), ("live", -30)]:
        ThrottleWindow.objects.create(key=key, count=3, expires_at=now - timedelta(seconds=ended_ago))

    assert flush_throttle_windows(now=now) == 2
    assert set(ThrottleWindow.objects.values_list("key", flat=True)) == {"ended-30s", "live"}


def test_live_throttle_counts_survive_a_flush(customer: User) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            ApiClient().post("/api/login/", {"email": customer.email, "password": "Wrong-Passw0rd-guess"})
        assert flush_expired() == NOTHING_DELETED

    assert sorted(ThrottleWindow.objects.values_list("count", flat=True)) == [3, 3, 3]


def test_deletes_go_in_batches(db: None) -> None:
    users = CustomerFactory.create_batch(10)
    with time_machine.travel(START, tick=False):
        for user in users:
            refresh(login(user)["refresh"])  # 10 sessions, each rotated once: still 10 rows
    now = START + REFRESH_LIFETIME

    with CaptureQueriesContext(connection) as queries:
        deleted = flush_sessions(now=now, batch_size=4)

    session_deletes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].replace("`", '"').startswith('DELETE FROM "authn_loginsession"')
    ]
    assert deleted == 10
    assert len(session_deletes) == 3  # 4 + 4 + 2
    assert not LoginSession.objects.exists()


def test_batch_size_must_be_positive(db: None) -> None:
    with pytest.raises(CommandError, match="batch-size"):
        flush_expired("--batch-size", "0")
    assert flush_expired("--batch-size", "1") == NOTHING_DELETED


def test_tables_stay_bounded_with_a_daily_flush(db: None) -> None:
    """Each day every user logs in and refreshes once (one session row: a rotation updates it);
    the flush runs each evening. After the flush, only the last JWT_REFRESH_DAYS days of
    sessions are left."""
    users = CustomerFactory.create_batch(2)
    rows_per_day = len(users)
    days = settings.JWT_REFRESH_DAYS + 3
    after_each_flush = []
    for day in range(days):
        morning = START + timedelta(days=day)
        with time_machine.travel(morning, tick=False):
            for user in users:
                assert refresh(login(user)["refresh"]).status_code == 200
        with time_machine.travel(morning + timedelta(hours=14), tick=False):
            flush_expired()
        after_each_flush.append((LoginSession.objects.count(), ThrottleWindow.objects.count()))

    bound = rows_per_day * settings.JWT_REFRESH_DAYS
    assert [sessions for sessions, _ in after_each_flush] == [
        min(day + 1, settings.JWT_REFRESH_DAYS) * rows_per_day for day in range(days)
    ]
    assert after_each_flush[-1] == (bound, 0)
