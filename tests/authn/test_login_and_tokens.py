"""Login, token refresh, verify, logout and logout-all; bearer authentication."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from unittest import mock

import jwt
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ninja_jwt.state import token_backend

from accounts.models import User
from authn.models import LoginSession
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import PASSWORD, CustomerFactory
from tests.accounts.helpers import (
    LOGIN_FAILED,
    TOKEN_INVALID,
    TOKEN_PAIR_KEYS,
    USER_KEYS,
    assert_json,
    assert_unauthorized,
    assert_user_body,
    table_counts,
)

LOGIN = "/api/login/"
REFRESH = "/api/token/refresh/"
VERIFY = "/api/token/verify/"
LOGOUT = "/api/logout/"
LOGOUT_ALL = "/api/logout/all/"
PROFILE = "/api/profile/"


def login(email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return ApiClient().post(LOGIN, {"email": email, "password": password}, **extra)


def claims(token: str) -> dict[str, Any]:
    """The payload of one of our JWTs, signature checked (expiry not: tests travel in time)."""
    return jwt.decode(
        token, settings.SECRET_KEY, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
    )


def refresh(raw: str) -> Any:
    return ApiClient().post(REFRESH, {"refresh": raw})


def verify(raw: str) -> Any:
    return ApiClient().post(VERIFY, {"token": raw})


def profile(access: str) -> Any:
    return ApiClient().get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {access}")


def session_of(raw_refresh: str) -> LoginSession:
    return LoginSession.objects.get(pk=claims(raw_refresh)["sid"])


def is_revoked(raw_refresh: str) -> bool:
    """Its session no longer takes this refresh token: ended, gone, or rotated past it."""
    token = claims(raw_refresh)
    session = LoginSession.objects.filter(pk=token["sid"]).first()
    return session is None or session.ended_at is not None or session.refresh_jti != token["jti"]


@contextmanager
def argon2_runs() -> Iterator[mock.Mock]:
    """Count every Argon2 hash computed (encode or verify), whichever Argon2 hasher runs it.

    Both the project's Argon2idHasher and Django's Argon2PasswordHasher (which Django picks
    to verify "argon2$" hashes) inherit these two methods, so patching the base counts both.
    """
    counter = mock.Mock()
    real_encode, real_verify = Argon2PasswordHasher.encode, Argon2PasswordHasher.verify

    def encode(self: Argon2PasswordHasher, *args: Any, **kwargs: Any) -> str:
        counter("encode")
        return real_encode(self, *args, **kwargs)

    def verify_(self: Argon2PasswordHasher, *args: Any, **kwargs: Any) -> bool:
        counter("verify")
        return real_verify(self, *args, **kwargs)

    with (
        mock.patch.object(Argon2PasswordHasher, "encode", encode),
        mock.patch.object(Argon2PasswordHasher, "verify", verify_),
    ):
        yield counter


# --- login ---------------------------------------------------------------------------------


def test_login_success_returns_pair_and_user(customer: User) -> None:
    response = login(customer.email)

    body = assert_json(response, 200)
    assert set(body) == TOKEN_PAIR_KEYS | {"user", "device_token"}
    assert isinstance(body["device_token"], str) and body["device_token"]
    assert set(body["user"]) == USER_KEYS
    assert_user_body(body["user"], customer)
    assert response["Cache-Control"] == "no-store"
    assert customer.password not in response.content.decode()
    # The refresh token is its session's, recorded for the user, so it can be revoked later.
    record = session_of(body["refresh"])
    assert record.user_id == customer.pk
    assert not is_revoked(body["refresh"])


def written(queries: CaptureQueriesContext) -> list[str]:
    """The statements that wrote, as 'VERB table'."""
    verbs = ("INSERT INTO ", "UPDATE ", "DELETE FROM ", "REPLACE INTO ")
    rows = []
    for query in queries.captured_queries:
        sql = query["sql"].replace("`", '"')
        for verb in verbs:
            if sql.upper().startswith(verb):
                rows.append(verb + sql[len(verb) :].split()[0].strip('"'))
    return rows


def test_a_login_writes_its_session_row_and_its_event_and_no_other(customer: User) -> None:
    with CaptureQueriesContext(connection) as queries:
        body = assert_json(login(customer.email), 200)

    assert written(queries) == ["INSERT INTO authn_loginsession", "INSERT INTO accounts_securityevent"]
    assert session_of(body["refresh"]).refresh_jti == claims(body["refresh"])["jti"]


def test_a_refresh_updates_its_session_row_and_no_other(customer: User) -> None:
    first = tokens_for(customer)
    with CaptureQueriesContext(connection) as queries:
        second = assert_json(refresh(first.refresh), 200)

    assert written(queries) == ["UPDATE authn_loginsession"]
    session = session_of(second["refresh"])
    assert (session.previous_jti, session.refresh_jti) == (
        claims(first.refresh)["jti"],
        claims(second["refresh"])["jti"],
    )
    assert LoginSession.objects.filter(user=customer).count() == 1


def test_login_access_token_claims(customer: User) -> None:
    body = assert_json(login(customer.email), 200)

    access = claims(body["access"])
    assert {"user_id", "role", "token_type", "exp", "iat", "jti"} <= set(access)
    assert access["user_id"] == customer.pk
    assert access["role"] == "CUSTOMER"
    assert access["token_type"] == "access"
    assert access["exp"] - access["iat"] == 3600
    assert abs(access["iat"] - timezone.now().timestamp()) < 60
    # Without verification too (what a frontend does to display the role):
    assert jwt.decode(body["access"], options={"verify_signature": False}) == access


def test_login_refresh_token_claims(customer: User) -> None:
    body = assert_json(login(customer.email), 200)

    refresh_claims = claims(body["refresh"])
    assert refresh_claims["token_type"] == "refresh"
    assert refresh_claims["user_id"] == customer.pk
    assert refresh_claims["exp"] - refresh_claims["iat"] == 7 * 24 * 3600
    assert refresh_claims["jti"] != claims(body["access"])["jti"]


@pytest.mark.parametrize(
    "transform", [str.upper, str.title, lambda e: f"  {e.upper()}  "], ids=["upper", "title", "padded"]
)
def test_login_email_case_insensitive(customer: User, transform: Any) -> None:
    body = assert_json(login(transform(customer.email)), 200)

    assert body["user"]["id"] == customer.pk


@pytest.fixture
def failed_login_case(request: pytest.FixtureRequest, db: None) -> tuple[str, str]:
    """(email, password) of one kind of failed login."""
    case = request.param
    if case == "unknown-email":
        return "nobody-here@example.com", PASSWORD
    if case == "wrong-password":
        return CustomerFactory.create().email, "Not-the-Passw0rd!"
    if case == "inactive-user":
        return CustomerFactory.create(is_active=False).email, PASSWORD
    raise AssertionError(case)


FAILED_LOGIN_CASES = ["unknown-email", "wrong-password", "inactive-user"]


@pytest.mark.parametrize("failed_login_case", FAILED_LOGIN_CASES, indirect=True)
def test_login_failure_one_identical_401(failed_login_case: tuple[str, str]) -> None:
    email, password = failed_login_case
    before = table_counts()

    response = login(email, password)

    assert_unauthorized(response, LOGIN_FAILED["detail"])
    assert response.json() == LOGIN_FAILED
    after = table_counts()
    assert after["sessions"] == before["sessions"]
    assert after["users"] == before["users"]


@pytest.mark.parametrize("failed_login_case", FAILED_LOGIN_CASES, indirect=True)
def test_login_failure_hashes_password_exactly_once(failed_login_case: tuple[str, str]) -> None:
    """The same Argon2 work whether or not the account exists (no timing oracle)."""
    email, password = failed_login_case

    with argon2_runs() as runs:
        response = login(email, password)

    assert response.status_code == 401
    assert runs.call_count == 1, runs.call_args_list


def test_login_success_hashes_password_exactly_once(customer: User) -> None:
    with argon2_runs() as runs:
        response = login(customer.email)

    assert response.status_code == 200
    assert runs.call_args_list == [mock.call("verify")]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@example.com"},
        {"password": PASSWORD},
        {"email": 5, "password": PASSWORD},
        {"email": "a@example.com", "password": PASSWORD, "remember": True},
    ],
    ids=["empty", "no-password", "no-email", "email-number", "unknown-field"],
)
def test_login_invalid_body_422(customer: User, body: dict[str, Any]) -> None:
    before = table_counts()

    response = ApiClient().post(LOGIN, body)

    assert response.status_code == 422
    assert table_counts() == before


# --- refresh ----------------------------------------------------------------------------------


def test_refresh_rotates_pair(customer: User) -> None:
    first = assert_json(login(customer.email), 200)

    response = refresh(first["refresh"])

    second = assert_json(response, 200)
    assert set(second) == TOKEN_PAIR_KEYS
    assert response["Cache-Control"] == "no-store"
    assert second["refresh"] != first["refresh"]
    assert second["access"] != first["access"]
    assert claims(second["access"])["user_id"] == customer.pk
    assert claims(second["access"])["token_type"] == "access"
    assert assert_json(profile(second["access"]), 200)["id"] == customer.pk
    # The refresh token sent is revoked; the new one is recorded for the user and works.
    assert is_revoked(first["refresh"])
    assert session_of(second["refresh"]).user_id == customer.pk
    assert not is_revoked(second["refresh"])

    # Sent again at once (a second tab), the rotated token is answered with the session's
    # current refresh token (tests/authn/test_sessions.py covers the window).
    assert assert_json(refresh(first["refresh"]), 200)["refresh"] == second["refresh"]
    third = assert_json(refresh(second["refresh"]), 200)
    assert set(third) == TOKEN_PAIR_KEYS


def test_refresh_keeps_session_expiry(customer: User) -> None:
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        first = tokens_for(customer)
    with time_machine.travel(start + timedelta(days=2), tick=False):
        second = assert_json(refresh(first.refresh), 200)

    assert claims(second["refresh"])["exp"] == claims(first.refresh)["exp"]
    assert session_of(second["refresh"]).pk == session_of(first.refresh).pk
    # The access token still lives its own 60 minutes from now.
    access = claims(second["access"])
    assert access["iat"] == int((start + timedelta(days=2)).timestamp())
    assert access["exp"] - access["iat"] == 3600


def test_refresh_deactivated_user_401(customer: User) -> None:
    pair = tokens_for(customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)

    assert_unauthorized(refresh(pair.refresh), TOKEN_INVALID["detail"])
    assert LoginSession.objects.filter(user=customer).count() == 1


def test_refresh_deleted_user_401(customer: User) -> None:
    pair = tokens_for(customer)
    customer.delete()
    before = table_counts()

    assert_unauthorized(refresh(pair.refresh), TOKEN_INVALID["detail"])
    assert table_counts() == before


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 4096], ids=["garbage", "three-parts", "long"])
def test_refresh_invalid_token_401(customer: User, token: str) -> None:
    before = table_counts()

    assert_unauthorized(refresh(token))
    assert table_counts() == before


def test_refresh_with_access_token_401(customer: User) -> None:
    pair = tokens_for(customer)

    assert_unauthorized(refresh(pair.access))


def test_refresh_expired_401(customer: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        pair = tokens_for(customer)
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        assert_unauthorized(refresh(pair.refresh))


# --- verify -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_verify_valid_token_200(customer: User, kind: str) -> None:
    pair = tokens_for(customer)

    response = verify(getattr(pair, kind))

    assert assert_json(response, 200) == {}


def test_verify_garbage_401(db: None) -> None:
    assert_unauthorized(verify("not-a-jwt"), TOKEN_INVALID["detail"])


def test_verify_forged_signature_401(customer: User) -> None:
    payload = claims(tokens_for(customer).access)
    forged = jwt.encode({**payload, "role": "ADMIN"}, "another-secret-key-of-sufficient-length-0123456789", "HS256")

    assert_unauthorized(verify(forged))


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_verify_expired_401(customer: User, kind: str) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        pair = tokens_for(customer)
    travel = timedelta(minutes=61) if kind == "access" else timedelta(days=7, minutes=1)
    with time_machine.travel(start + travel, tick=False):
        assert_unauthorized(verify(getattr(pair, kind)), TOKEN_INVALID["detail"])


def test_verify_access_token_valid_until_60_minutes(customer: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        pair = tokens_for(customer)
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert assert_json(verify(pair.access), 200) == {}


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_verify_deleted_user_token_401(customer: User, kind: str) -> None:
    pair = tokens_for(customer)
    customer.delete()

    assert_unauthorized(verify(getattr(pair, kind)), TOKEN_INVALID["detail"])


def test_verify_blacklisted_refresh_401(customer: User) -> None:
    pair = tokens_for(customer)
    assert ApiClient().post(LOGOUT, {"refresh": pair.refresh}).status_code == 204

    assert_unauthorized(verify(pair.refresh), TOKEN_INVALID["detail"])


def test_verify_rotated_refresh_401(customer: User) -> None:
    pair = tokens_for(customer)
    assert refresh(pair.refresh).status_code == 200

    assert_unauthorized(verify(pair.refresh), TOKEN_INVALID["detail"])


# --- logout -------------------------------------------------------------------------------------


def test_logout_revokes_that_refresh_token(customer: User) -> None:
    kept = tokens_for(customer)
    pair = tokens_for(customer)

    response = ApiClient().post(LOGOUT, {"refresh": pair.refresh})

    assert response.status_code == 204
    assert response.content == b""
    assert is_revoked(pair.refresh)
    assert_unauthorized(refresh(pair.refresh), TOKEN_INVALID["detail"])
    # Only that session ends: another refresh token of the same user still works.
    assert not is_revoked(kept.refresh)
    assert assert_json(refresh(kept.refresh), 200).keys() == TOKEN_PAIR_KEYS


def test_logout_twice_401(customer: User) -> None:
    pair = tokens_for(customer)
    assert ApiClient().post(LOGOUT, {"refresh": pair.refresh}).status_code == 204
    before = table_counts()

    assert_unauthorized(ApiClient().post(LOGOUT, {"refresh": pair.refresh}), TOKEN_INVALID["detail"])
    assert table_counts() == before


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_logout_garbage_401(customer: User, token: str) -> None:
    before = table_counts()

    assert_unauthorized(ApiClient().post(LOGOUT, {"refresh": token}))
    assert table_counts() == before


def test_logout_with_access_token_401(customer: User) -> None:
    pair = tokens_for(customer)
    before = table_counts()

    assert_unauthorized(ApiClient().post(LOGOUT, {"refresh": pair.access}))
    assert table_counts() == before


def test_logout_all_revokes_every_token(customer: User) -> None:
    sessions = [tokens_for(customer), assert_json(login(customer.email), 200)]
    refreshes = [sessions[0].refresh, sessions[1]["refresh"]]
    accesses = [sessions[0].access, sessions[1]["access"]]
    version = User.objects.get(pk=customer.pk).token_version

    response = ApiClient().post(LOGOUT_ALL, HTTP_AUTHORIZATION=f"Bearer {accesses[0]}")

    assert response.status_code == 204
    assert response.content == b""
    assert User.objects.get(pk=customer.pk).token_version == version + 1
    for access in accesses:
        assert_unauthorized(profile(access), TOKEN_INVALID["detail"])
        assert_unauthorized(verify(access), TOKEN_INVALID["detail"])
    for raw in refreshes:
        assert is_revoked(raw)
        assert_unauthorized(refresh(raw), TOKEN_INVALID["detail"])
    # A new login still works.
    assert assert_json(profile(assert_json(login(customer.email), 200)["access"]), 200)["id"] == customer.pk


def test_logout_all_leaves_other_users_alone(customer: User, seller: User) -> None:
    mine, theirs = tokens_for(customer), tokens_for(seller)

    assert ApiClient(customer).post(LOGOUT_ALL).status_code == 204

    assert assert_json(profile(theirs.access), 200)["id"] == seller.pk
    assert assert_json(refresh(theirs.refresh), 200).keys() == TOKEN_PAIR_KEYS
    assert_unauthorized(refresh(mine.refresh))


def test_logout_all_anonymous_401(db: None) -> None:
    assert_unauthorized(ApiClient().post(LOGOUT_ALL))


# --- bearer authentication --------------------------------------------------------------------


def test_profile_without_authorization_header_401(anon_client: ApiClient) -> None:
    assert_unauthorized(anon_client.get(PROFILE))


@pytest.mark.parametrize(
    "header",
    ["Bearer abc", "Bearer ", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Token abc"],
    ids=["bearer-abc", "bearer-empty", "bearer-three-parts", "basic", "token-scheme"],
)
def test_profile_malformed_authorization_401(customer: User, header: str) -> None:
    assert_unauthorized(ApiClient().get(PROFILE, HTTP_AUTHORIZATION=header))


def test_profile_refresh_token_as_access_401(customer: User) -> None:
    pair = tokens_for(customer)

    assert_unauthorized(profile(pair.refresh), TOKEN_INVALID["detail"])


def test_profile_expired_access_token_401(customer: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        pair = tokens_for(customer)
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert_unauthorized(profile(pair.access), TOKEN_INVALID["detail"])


def test_profile_token_with_forged_role_claim_401(customer: User) -> None:
    payload = claims(tokens_for(customer).access)
    forged = jwt.encode({**payload, "role": "ADMIN"}, "not-the-server-key-but-long-enough-0123456789", "HS256")

    assert_unauthorized(ApiClient().get("/api/users/", HTTP_AUTHORIZATION=f"Bearer {forged}"))


def test_a_new_signing_key_refuses_access_tokens_verified_under_the_old_one(
    customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified access tokens are kept per process, keyed by the key they were verified with."""
    pair = tokens_for(customer)
    assert assert_json(profile(pair.access), 200)["id"] == customer.pk  # verified, and kept

    monkeypatch.setattr(token_backend, "signing_key", "a-new-signing-key-after-rotation-0123456789")

    assert_unauthorized(profile(pair.access), TOKEN_INVALID["detail"])
