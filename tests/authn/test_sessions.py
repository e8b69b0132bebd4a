"""Sessions: one log-in and every rotation of its refresh token; list and end them; the
refresh grace window for two tabs, and a late reuse of a rotated token ending the session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from ninja_jwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from authn.models import LoginSession
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import PASSWORD, CustomerFactory
from tests.accounts.helpers import TOKEN_INVALID, assert_json
from tests.assertions import assert_denied

SESSION_KEYS = {"id", "created_at", "last_used_at", "expires_at", "user_agent", "ip", "current"}


def log_in(user: User, agent: str = "TestBrowser/1.0", ip: str = "198.51.100.7") -> dict[str, Any]:
    response = ApiClient().post(
        "/api/login/", {"email": user.email, "password": PASSWORD}, HTTP_USER_AGENT=agent, REMOTE_ADDR=ip
    )
    return dict(assert_json(response, 200))


def refresh(token: str) -> Any:
    return ApiClient().post("/api/token/refresh/", {"refresh": token})


def bearer(access: str) -> ApiClient:
    return ApiClient(HTTP_AUTHORIZATION=f"Bearer {access}")


def test_a_log_in_is_a_session_listed_with_its_client(customer: User) -> None:
    first = log_in(customer, "Firefox/140", "198.51.100.7")
    second = log_in(customer, "Chromium/156", "203.0.113.9")

    body = assert_json(bearer(second["access"]).get("/api/sessions/"), 200)

    assert body["count"] == 2
    newest, oldest = body["items"]
    assert set(newest) == SESSION_KEYS
    assert (newest["user_agent"], newest["ip"], newest["current"]) == ("Chromium/156", "203.0.113.9", True)
    assert (oldest["user_agent"], oldest["ip"], oldest["current"]) == ("Firefox/140", "198.51.100.7", False)
    assert (
        AccessToken(first["access"])["sid"] == oldest["id"] and RefreshToken(second["refresh"])["sid"] == newest["id"]
    )
    session = LoginSession.objects.get(pk=newest["id"])
    assert session.expires_at - session.created_at == timedelta(days=7)


def test_ending_a_session_stops_its_refresh_token_only(customer: User) -> None:
    kept, ended = log_in(customer), log_in(customer)
    ended_id = AccessToken(ended["access"])["sid"]

    response = bearer(kept["access"]).delete(f"/api/sessions/{ended_id}/")

    assert response.status_code == 204
    assert assert_json(refresh(ended["refresh"]), 401) == TOKEN_INVALID
    assert refresh(kept["refresh"]).status_code == 200
    assert [item["id"] for item in bearer(kept["access"]).get("/api/sessions/").json()["items"]] == [
        AccessToken(kept["access"])["sid"]
    ]


@pytest.mark.parametrize("whose", ["another user's", "ended", "missing"])
def test_ending_a_session_that_is_not_a_live_one_of_yours_is_404(customer: User, whose: str) -> None:
    mine = log_in(customer)
    if whose == "another user's":
        session_id = AccessToken(log_in(CustomerFactory.create())["access"])["sid"]
    elif whose == "ended":
        other = log_in(customer)
        session_id = AccessToken(other["access"])["sid"]
        assert bearer(mine["access"]).delete(f"/api/sessions/{session_id}/").status_code == 204
    else:
        session_id = 987654321

    response = bearer(mine["access"]).delete(f"/api/sessions/{session_id}/")

    assert assert_json(response, 404) == {"detail": "Not found", "code": "not_found"}


def test_a_refresh_keeps_the_session_and_records_its_use(customer: User) -> None:
    pair = log_in(customer)
    session_id = AccessToken(pair["access"])["sid"]
    later = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        rotated = assert_json(
            ApiClient().post(
                "/api/token/refresh/", {"refresh": pair["refresh"]}, HTTP_USER_AGENT="Moved/2", REMOTE_ADDR="192.0.2.44"
            ),
            200,
        )
        assert AccessToken(rotated["access"])["sid"] == RefreshToken(rotated["refresh"])["sid"] == session_id
    session = LoginSession.objects.get(pk=session_id)
    assert (session.last_used_at, session.user_agent, session.ip) == (later, "Moved/2", "192.0.2.44")


def test_two_tabs_refreshing_at_once_both_stay_signed_in(customer: User) -> None:
    pair = log_in(customer)
    first_tab = assert_json(refresh(pair["refresh"]), 200)
    with time_machine.travel(timezone.now() + timedelta(seconds=9)):
        second_tab = assert_json(refresh(pair["refresh"]), 200)  # the token just rotated, inside the window
        assert AccessToken(second_tab["access"])["sid"] == AccessToken(first_tab["access"])["sid"]
        assert refresh(second_tab["refresh"]).status_code == 200

    assert second_tab["refresh"] == first_tab["refresh"]  # the session's one current refresh token


def test_a_rotated_token_reused_late_ends_the_whole_session(customer: User) -> None:
    pair = log_in(customer)
    current = assert_json(refresh(pair["refresh"]), 200)
    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        stolen = refresh(pair["refresh"])
        owner = refresh(current["refresh"])

    assert assert_json(stolen, 401) == TOKEN_INVALID
    assert assert_json(owner, 401) == TOKEN_INVALID  # the newest refresh token stopped too
    assert LoginSession.objects.get(pk=AccessToken(pair["access"])["sid"]).ended_at is not None


def test_an_older_token_ends_the_session_at_once(customer: User) -> None:
    pair = log_in(customer)
    second = assert_json(refresh(pair["refresh"]), 200)
    third = assert_json(refresh(second["refresh"]), 200)

    assert refresh(pair["refresh"]).status_code == 401  # two rotations old: never in the window
    assert refresh(third["refresh"]).status_code == 401


def test_log_out_ends_the_session(customer: User) -> None:
    kept, gone = log_in(customer), log_in(customer)
    assert ApiClient().post("/api/logout/", {"refresh": gone["refresh"]}).status_code == 204
    assert [item["id"] for item in bearer(kept["access"]).get("/api/sessions/").json()["items"]] == [
        AccessToken(kept["access"])["sid"]
    ]


def test_an_admin_lists_and_ends_a_users_sessions(admin_client: ApiClient, customer: User) -> None:
    one, two = log_in(customer), log_in(customer)

    listed = assert_json(admin_client.get(f"/api/users/{customer.pk}/sessions/"), 200)
    ended = admin_client.delete(f"/api/users/{customer.pk}/sessions/")

    assert listed["count"] == 2 and {item["current"] for item in listed["items"]} == {False}
    assert ended.status_code == 204
    for pair in (one, two):
        assert bearer(pair["access"]).get("/api/profile/").status_code == 401  # access tokens too, at once
        assert refresh(pair["refresh"]).status_code == 401
    assert not LoginSession.objects.filter(user=customer, ended_at__isnull=True).exists()


@pytest.mark.parametrize("method", ["get", "delete"])
def test_a_customer_may_not_see_or_end_anothers_sessions(customer_client: ApiClient, method: str) -> None:
    other = CustomerFactory.create()
    log_in(other)
    response = getattr(customer_client, method)(f"/api/users/{other.pk}/sessions/")

    policy = "users.view" if method == "get" else "users.change"
    assert_denied(response, policy)
    assert LoginSession.objects.filter(user=other, ended_at__isnull=True).count() == 1


def test_admin_sessions_of_a_missing_user_is_404(admin_client: ApiClient) -> None:
    assert assert_json(admin_client.get("/api/users/987654321/sessions/"), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "revoke",
    [
        pytest.param(lambda admin, user: admin.patch(f"/api/users/{user.pk}/", {"is_active": False}), id="deactivated"),
        pytest.param(lambda admin, user: bearer(log_in(user)["access"]).post("/api/logout/all/"), id="logout-all"),
    ],
)
def test_revoking_every_token_ends_every_session(admin_client: ApiClient, customer: User, revoke: Any) -> None:
    """The session rows follow the user's token version: whichever way it moves on, no
    session of before is listed or refreshed."""
    pairs = [log_in(customer), log_in(customer)]

    assert revoke(admin_client, customer).status_code in (200, 204)

    customer.refresh_from_db()
    assert LoginSession.objects.filter(user=customer).exclude(token_version=customer.token_version).count() >= 2
    assert assert_json(admin_client.get(f"/api/users/{customer.pk}/sessions/"), 200) == {"items": [], "count": 0}
    for pair in pairs:
        assert assert_json(refresh(pair["refresh"]), 401) == TOKEN_INVALID
