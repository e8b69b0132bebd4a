"""Security events: each recorded by the action it describes, with the client of its request,
inside its transaction (nothing when the action fails or is rolled back); read by the owner
and by `users.view`; pruned after SECURITY_EVENTS_RETENTION_DAYS; never holding a secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from ninja_jwt.tokens import AccessToken

from accounts import links, services
from accounts.models import SecurityEvent, User
from accounts.roles import Role
from api.client import NO_CLIENT, current_client
from api.throttle_store import forget_known_full
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import PASSWORD, AdminFactory, CustomerFactory
from tests.accounts.helpers import (
    LOGIN_FAILED,
    STRONG_PASSWORD,
    assert_detail,
    assert_json,
    assert_unauthorized,
    link_query,
)

IP, AGENT = "203.0.113.7", "Nexora-Test/1.0 (security events)"
#: What the test client sends as the request's socket address and user agent.
FROM_CLIENT = {"REMOTE_ADDR": IP, "HTTP_USER_AGENT": AGENT}
OWN = "/api/profile/security-events/"
MISSING_ID = 999_999_999
EVENT_KEYS = {"id", "type", "at", "ip", "user_agent", "detail"}


def users_events_url(user_id: int) -> str:
    return f"/api/users/{user_id}/security-events/"


def client(user: User | None = None) -> ApiClient:
    """A client that sends FROM_CLIENT with every request, signed in as `user` (no event: no log-in)."""
    return ApiClient(user, **FROM_CLIENT)


def events(user: User) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(type, ip, user_agent, detail) of the user's events, oldest first."""
    rows = SecurityEvent.objects.filter(user=user).order_by("at", "id")
    return [(row.type, row.ip, row.user_agent, row.detail) for row in rows]


def log_in(email: str, password: str = PASSWORD) -> Any:
    return client().post("/api/login/", {"email": email, "password": password})


def session_id(access: str) -> int:
    sid: int = AccessToken(access)["sid"]
    return sid


# --- log-in, log-out ---------------------------------------------------------------------------


def test_a_log_in_is_recorded_with_its_client(customer: User) -> None:
    assert_json(log_in(customer.email), 200)

    assert events(customer) == [("login", IP, AGENT, {})]


def test_the_client_is_the_one_trusted_proxies_name(customer: User, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    behind_proxy = ApiClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9, 192.0.2.4")

    assert_json(behind_proxy.post("/api/login/", {"email": customer.email, "password": PASSWORD}), 200)

    # One proxy: the address it appended, not what the client wrote before it, nor the proxy's.
    assert events(customer) == [("login", "192.0.2.4", "", {})]


def test_a_failed_log_in_is_recorded_for_an_existing_user_only(customer: User) -> None:
    assert assert_json(log_in(customer.email, "Wrong-Passw0rd!"), 401) == LOGIN_FAILED
    assert assert_json(log_in("nobody@example.com", "Wrong-Passw0rd!"), 401) == LOGIN_FAILED

    assert events(customer) == [("login_failed", IP, AGENT, {"reason": "invalid_credentials"})]
    assert SecurityEvent.objects.count() == 1  # nothing for the unknown address


def test_a_wrong_password_refused_by_the_throttle_is_recorded_too(customer: User, settings: Any) -> None:
    settings.LOGIN_RATE = "1/m"
    first = log_in(customer.email, "Wrong-Passw0rd!")
    forget_known_full()  # the next guess reaches another worker, which hashes it before counting
    counted_over = log_in(customer.email, "Wrong-Passw0rd!")
    refused_unhashed = log_in(customer.email, "Wrong-Passw0rd!")  # this worker knows the window is full

    assert [first.status_code, counted_over.status_code, refused_unhashed.status_code] == [401, 429, 429]
    assert [event[0] for event in events(customer)] == ["login_failed", "login_failed"]


def test_a_log_in_to_a_deactivated_account_is_a_failed_one(db: None) -> None:
    user = CustomerFactory.create(inactive=True)

    assert assert_json(log_in(user.email), 401) == LOGIN_FAILED

    assert events(user) == [("login_failed", IP, AGENT, {"reason": "invalid_credentials"})]


def test_a_log_in_to_an_unverified_address_is_a_failed_one(customer: User, settings: Any) -> None:
    settings.REQUIRE_VERIFIED_EMAIL = True
    User.objects.filter(pk=customer.pk).update(email_verified=False)

    assert_detail(log_in(customer.email), 403, code="email_not_verified")

    assert events(customer) == [("login_failed", IP, AGENT, {"reason": "email_not_verified"})]


def test_a_log_out_is_recorded_with_its_session(customer: User) -> None:
    pair = tokens_for(customer)

    assert client().post("/api/logout/", {"refresh": pair.refresh}).status_code == 204

    assert events(customer) == [("logout", IP, AGENT, {"session_id": session_id(pair.access)})]


def test_a_refused_log_out_records_nothing(customer: User) -> None:
    pair = tokens_for(customer)
    assert client().post("/api/logout/", {"refresh": pair.refresh}).status_code == 204

    assert_unauthorized(client().post("/api/logout/", {"refresh": pair.refresh}))  # already ended

    assert [event[0] for event in events(customer)] == ["logout"]


def test_a_log_out_everywhere_is_one_event_with_no_session(customer: User) -> None:
    tokens_for(customer)

    assert client(customer).post("/api/logout/all/").status_code == 204

    assert events(customer) == [("logout", IP, AGENT, {"session_id": None})]


# --- sessions ------------------------------------------------------------------------------------


def test_ending_one_of_your_sessions_is_recorded(customer: User) -> None:
    other = tokens_for(customer)
    own = client(customer)

    assert own.delete(f"/api/sessions/{session_id(other.access)}/").status_code == 204
    assert own.delete(f"/api/sessions/{session_id(other.access)}/").status_code == 404  # ended: nothing more

    assert events(customer) == [
        ("session_ended", IP, AGENT, {"session_id": session_id(other.access), "actor_id": customer.pk})
    ]


def test_an_admin_ending_every_session_is_recorded_without_the_admins_client(admin: User, customer: User) -> None:
    tokens_for(customer)

    assert client(admin).delete(f"/api/users/{customer.pk}/sessions/").status_code == 204

    # The admin's address and browser are not the user's to read: actor_id says who it was.
    assert events(customer) == [("session_ended", "", "", {"session_id": None, "actor_id": admin.pk})]
    assert events(admin) == []


def test_a_rotated_refresh_token_reused_late_is_recorded_with_the_ended_session(customer: User) -> None:
    first = tokens_for(customer)
    assert_json(client().post("/api/token/refresh/", {"refresh": first.refresh}), 200)

    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        copied = client().post("/api/token/refresh/", {"refresh": first.refresh})

    assert_unauthorized(copied)
    # Written in the transaction that ended the session, which commits before the 401.
    assert events(customer) == [("refresh_reuse_detected", IP, AGENT, {"session_id": session_id(first.access)})]


def test_a_refresh_within_the_grace_window_records_nothing(customer: User) -> None:
    first = tokens_for(customer)
    assert_json(client().post("/api/token/refresh/", {"refresh": first.refresh}), 200)

    assert_json(client().post("/api/token/refresh/", {"refresh": first.refresh}), 200)  # a second tab

    assert events(customer) == []


# --- passwords and the address -------------------------------------------------------------------


def test_a_password_change_is_recorded(customer: User) -> None:
    body = {"current_password": PASSWORD, "new_password": STRONG_PASSWORD}

    assert_json(client(customer).post("/api/profile/password/", body), 200)

    assert events(customer) == [("password_changed", IP, AGENT, {})]


@pytest.mark.parametrize(
    ("current", "new", "status"),
    [("Wrong-Passw0rd!", STRONG_PASSWORD, 400), (PASSWORD, "12345678", 422)],
    ids=["wrong-current-password", "weak-new-password"],
)
def test_a_refused_password_change_records_nothing(customer: User, current: str, new: str, status: int) -> None:
    response = client(customer).post("/api/profile/password/", {"current_password": current, "new_password": new})

    assert response.status_code == status
    assert events(customer) == []


def test_a_password_reset_is_recorded(customer: User) -> None:
    link = link_query(links.password_reset_link(customer), "reset-password")

    confirm = client().post("/api/password/reset/confirm/", {**link, "new_password": STRONG_PASSWORD})

    assert confirm.status_code == 204
    assert events(customer) == [("password_reset", IP, AGENT, {})]


def test_a_refused_password_reset_records_nothing(customer: User) -> None:
    link = link_query(links.password_reset_link(customer), "reset-password")
    body = {"uid": link["uid"], "token": link["token"] + "x", "new_password": STRONG_PASSWORD}

    assert_detail(client().post("/api/password/reset/confirm/", body), 400, code="invalid_link")

    assert events(customer) == []


def test_an_email_change_keeps_only_the_domains(customer: User) -> None:
    old_domain = customer.email.rpartition("@")[2]
    link = link_query(links.email_change_link(customer, "moved@mail.example.org"), "confirm-email")

    assert_json(client().post("/api/profile/email/confirm/", link), 200)

    assert events(customer) == [
        ("email_changed", IP, AGENT, {"old_domain": old_domain, "new_domain": "mail.example.org"})
    ]


def test_an_email_change_to_an_address_taken_meanwhile_records_nothing(customer: User) -> None:
    link = link_query(links.email_change_link(customer, "taken@example.org"), "confirm-email")
    CustomerFactory.create(email="taken@example.org")

    assert_detail(client().post("/api/profile/email/confirm/", link), 409, code="email_taken")

    assert events(customer) == []


# --- roles -----------------------------------------------------------------------------------------


def test_a_role_change_by_an_admin_is_recorded_without_the_admins_client(admin: User, customer: User) -> None:
    assert_json(client(admin).put(f"/api/users/{customer.pk}/role/", {"role": "SELLER"}), 200)

    assert events(customer) == [
        ("role_changed", "", "", {"old_role": "CUSTOMER", "new_role": "SELLER", "actor_id": admin.pk})
    ]


def test_an_admin_demoting_themselves_is_recorded_with_their_client(admin: User) -> None:
    AdminFactory.create()  # not the last admin

    assert_json(client(admin).put(f"/api/users/{admin.pk}/role/", {"role": "SELLER"}), 200)

    demoted = {"old_role": "ADMIN", "new_role": "SELLER", "actor_id": admin.pk}
    assert events(admin) == [("role_changed", IP, AGENT, demoted)]


def test_refused_or_idle_role_changes_record_nothing(admin: User, customer: User) -> None:
    last_admin = client(admin).put(f"/api/users/{admin.pk}/role/", {"role": "CUSTOMER"})
    unchanged = client(admin).put(f"/api/users/{customer.pk}/role/", {"role": "CUSTOMER"})

    assert_detail(last_admin, 409, code="last_admin")
    assert_json(unchanged, 200)
    assert SecurityEvent.objects.count() == 0


def test_a_role_change_rolled_back_with_its_caller_records_nothing(admin: User, customer: User) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.user_set_role(actor=admin, user=customer, role=Role.SELLER)
        assert [event[0] for event in events(customer)] == ["role_changed"]
        raise RuntimeError("the caller's transaction fails after the change")

    assert User.objects.get(pk=customer.pk).role == "CUSTOMER"
    assert events(customer) == []


def test_a_role_change_from_the_command_line_has_no_actor_and_no_client(customer: User) -> None:
    call_command("set_role", customer.email, "SELLER", stdout=StringIO())

    promoted = {"old_role": "CUSTOMER", "new_role": "SELLER", "actor_id": None}
    assert events(customer) == [("role_changed", "", "", promoted)]


def test_a_role_change_by_the_django_admin_is_recorded(customer: User) -> None:
    staff = AdminFactory.create(staff=True)
    site = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
    site.force_login(staff)

    response = site.post("/admin/accounts/user/", {"action": "set_role_seller", "_selected_action": [customer.pk]})

    assert response.status_code == 302
    assert events(customer) == [
        ("role_changed", "", "", {"old_role": "CUSTOMER", "new_role": "SELLER", "actor_id": staff.pk})
    ]


def test_outside_a_request_there_is_no_client() -> None:
    assert current_client() == NO_CLIENT
    assert (NO_CLIENT.ip, NO_CLIENT.user_agent) == ("", "")


# --- reading them ------------------------------------------------------------------------------


SEEDED_FROM = datetime(2030, 1, 7, 9, 0, 0, 123456, tzinfo=UTC)


def seed(user: User, *types: str) -> list[SecurityEvent]:
    """Events of `user`, a minute apart, oldest first."""
    start = SEEDED_FROM
    return [
        SecurityEvent.objects.create(
            user=user, type=kind, at=start + timedelta(minutes=n), ip=IP, user_agent=AGENT, detail={"n": n}
        )
        for n, kind in enumerate(types)
    ]


def item(event: SecurityEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "type": event.type,
        "at": event.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "ip": event.ip,
        "user_agent": event.user_agent,
        "detail": event.detail,
    }


def test_your_events_newest_first(customer: User, seller: User) -> None:
    mine = seed(customer, "login", "password_changed", "logout")
    seed(seller, "login")

    body = assert_json(client(customer).get(OWN), 200)

    assert body == {"items": [item(event) for event in reversed(mine)], "count": 3}
    assert set(body["items"][0]) == EVENT_KEYS


def test_your_events_at_the_same_moment_newest_row_first(customer: User) -> None:
    at = timezone.now()
    first, second = (SecurityEvent.objects.create(user=customer, type="login", at=at) for _ in range(2))

    body = assert_json(client(customer).get(OWN), 200)

    assert [entry["id"] for entry in body["items"]] == [second.pk, first.pk]


def test_your_events_paginated(customer: User) -> None:
    seeded = seed(customer, "login", "logout", "login", "logout")

    body = assert_json(client(customer).get(OWN + "?limit=2&offset=1"), 200)

    assert body == {"items": [item(seeded[2]), item(seeded[1])], "count": 4}


def test_your_events_anonymous_401(customer: User) -> None:
    seed(customer, "login")

    assert_unauthorized(ApiClient().get(OWN))


def test_a_users_events_for_users_view(admin: User, customer: User) -> None:
    seeded = seed(customer, "login", "role_changed")
    seed(admin, "login")

    body = assert_json(client(admin).get(users_events_url(customer.pk)), 200)

    assert body == {"items": [item(seeded[1]), item(seeded[0])], "count": 2}


def test_a_users_events_paginated(admin: User, customer: User) -> None:
    seeded = seed(customer, "login", "logout", "login")

    body = assert_json(client(admin).get(users_events_url(customer.pk) + "?limit=1&offset=2"), 200)

    assert body == {"items": [item(seeded[0])], "count": 3}


def test_a_users_events_forbidden_to_a_customer_403(customer: User, seller: User) -> None:
    seed(seller, "login")

    response = client(customer).get(users_events_url(seller.pk))

    assert assert_json(response, 403) == {
        "detail": "You do not have permission to perform this action: requires 'users.view'.",
        "code": "permission_denied",
        "policy": "users.view",
        "reason": "role",
    }


def test_a_users_events_forbidden_before_404(customer: User) -> None:
    assert assert_json(client(customer).get(users_events_url(MISSING_ID)), 403)["policy"] == "users.view"


def test_a_users_events_of_a_missing_user_404(admin: User) -> None:
    response = client(admin).get(users_events_url(MISSING_ID))

    assert assert_json(response, 404) == {"detail": "Not found", "code": "not_found"}


def test_a_users_events_anonymous_401(customer: User) -> None:
    assert_unauthorized(ApiClient().get(users_events_url(customer.pk)))


def test_events_go_with_their_user(customer: User) -> None:
    seed(customer, "login")

    customer.delete()

    assert SecurityEvent.objects.count() == 0


# --- retention -----------------------------------------------------------------------------------

NOW = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)


def flush_expired(*args: str) -> str:
    out = StringIO()
    call_command("flush_expired", *args, stdout=out)
    return out.getvalue()


def summary(events_deleted: int) -> str:
    return (
        "Deleted 0 finished sessions, 0 finished throttle windows, "
        f"{events_deleted} security events past their retention "
        "and 0 idempotent answers past their replay window.\n"
    )


@pytest.mark.parametrize("batch_size", ["1", "5000"])
def test_flush_expired_deletes_events_past_the_retention_only(customer: User, batch_size: str) -> None:
    ages = [timedelta(days=400), timedelta(days=181), timedelta(days=180, seconds=1), timedelta(days=179)]
    for age in ages:
        SecurityEvent.objects.create(user=customer, type="login", at=NOW - age)

    with time_machine.travel(NOW, tick=False):
        first, second = flush_expired("--batch-size", batch_size), flush_expired()

    assert (first, second) == (summary(3), summary(0))
    assert list(SecurityEvent.objects.values_list("at", flat=True)) == [NOW - timedelta(days=179)]


def test_the_retention_is_a_setting(customer: User, settings: Any) -> None:
    settings.SECURITY_EVENTS_RETENTION_DAYS = 30
    SecurityEvent.objects.create(user=customer, type="login", at=NOW - timedelta(days=31))
    kept = SecurityEvent.objects.create(user=customer, type="login", at=NOW - timedelta(days=29))

    with time_machine.travel(NOW, tick=False):
        assert flush_expired() == summary(1)

    assert list(SecurityEvent.objects.all()) == [kept]


# --- no secrets ----------------------------------------------------------------------------------


def test_no_event_holds_a_password_token_or_link(db: None, settings: Any) -> None:
    """Every recorded action, then: no event's field holds a password, token or link token
    used on the way, nor does any answer of the events endpoints."""
    settings.LOGIN_RATE = "100/m"
    admin, user = AdminFactory.create(), CustomerFactory.create()
    secrets: list[str] = [PASSWORD, STRONG_PASSWORD, "Wrong-Passw0rd!", "Second-Passw0rd-42"]

    def remember(body: dict[str, Any]) -> dict[str, Any]:
        secrets.extend(str(body[key]) for key in ("access", "refresh", "device_token") if key in body)
        return body

    assert assert_json(log_in(user.email, "Wrong-Passw0rd!"), 401) == LOGIN_FAILED
    first = remember(assert_json(log_in(user.email), 200))
    rotated = remember(assert_json(client().post("/api/token/refresh/", {"refresh": first["refresh"]}), 200))
    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        assert_unauthorized(client().post("/api/token/refresh/", {"refresh": first["refresh"]}))  # reuse
    assert rotated["refresh"] in secrets
    second = remember(assert_json(log_in(user.email), 200))
    assert client().post("/api/logout/", {"refresh": second["refresh"]}).status_code == 204
    third = remember(assert_json(log_in(user.email), 200))
    signed_in = client()
    signed_in.defaults["HTTP_AUTHORIZATION"] = f"Bearer {third['access']}"
    changed = remember(
        assert_json(
            signed_in.post("/api/profile/password/", {"current_password": PASSWORD, "new_password": STRONG_PASSWORD}),
            200,
        )
    )
    signed_in.defaults["HTTP_AUTHORIZATION"] = f"Bearer {changed['access']}"
    fourth = remember(assert_json(log_in(user.email, STRONG_PASSWORD), 200))
    assert signed_in.delete(f"/api/sessions/{session_id(fourth['access'])}/").status_code == 204
    reset = link_query(links.password_reset_link(User.objects.get(pk=user.pk)), "reset-password")
    verify = link_query(links.verify_email_link(User.objects.get(pk=user.pk)), "verify-email")
    secrets += [reset["token"], verify["token"]]
    body = {**reset, "new_password": "Second-Passw0rd-42"}
    assert client().post("/api/password/reset/confirm/", body).status_code == 204
    assert_json(client().post("/api/email/verify/", verify), 200)
    change = link_query(links.email_change_link(User.objects.get(pk=user.pk), "moved@example.org"), "confirm-email")
    secrets.append(change["token"])
    assert_json(client().post("/api/profile/email/confirm/", change), 200)
    admin_client = client(admin)
    assert_json(admin_client.put(f"/api/users/{user.pk}/role/", {"role": "SELLER"}), 200)
    fifth = remember(assert_json(log_in("moved@example.org", "Second-Passw0rd-42"), 200))
    assert admin_client.delete(f"/api/users/{user.pk}/sessions/").status_code == 204
    last = remember(assert_json(log_in("moved@example.org", "Second-Passw0rd-42"), 200))
    signed_in.defaults["HTTP_AUTHORIZATION"] = f"Bearer {last['access']}"
    assert signed_in.post("/api/logout/all/").status_code == 204
    assert fifth["access"] in secrets

    recorded = set(SecurityEvent.objects.values_list("type", flat=True))
    assert recorded == {
        "login",
        "login_failed",
        "logout",
        "password_changed",
        "password_reset",
        "email_changed",
        "session_ended",
        "refresh_reuse_detected",
        "role_changed",
    }
    fields = [
        value if isinstance(value, str) else json.dumps(value)
        for row in SecurityEvent.objects.values("type", "ip", "user_agent", "detail")
        for value in row.values()
    ]
    answers = [
        admin_client.get(users_events_url(user.pk) + "?limit=100").content.decode(),
        client(User.objects.get(pk=user.pk)).get(OWN + "?limit=100").content.decode(),
    ]
    assert all(len(secret) >= 8 for secret in secrets)
    leaked = [secret for secret in secrets for text in fields + answers if secret in text]
    assert leaked == []
    assert json.loads(answers[0])["count"] == SecurityEvent.objects.filter(user=user).count() > 10
