"""Writes about users: sign-up, login, profile, passwords, roles and deactivation.

Plain functions with keyword-only arguments, called alike by the API, the Django admin
and the management commands; they raise domain errors, never HTTP ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from api.client import client_address

from . import notifications, selectors, tokens
from .devices import device_token_for, device_token_valid
from .errors import (
    AdminSignupRefused,
    EmailNotVerified,
    EmailTaken,
    LastActiveAdmin,
    LoginFailed,
    OwnRoleRaiseRefused,
    WeakPassword,
    WrongPassword,
)
from .models import RoleChange, User
from .roles import SELF_SERVICE_ROLES, Role
from .throttling import login_attempt, password_recheck_attempt

audit = logging.getLogger("nexora.audit")

#: Higher ranks hold more; nobody may raise their own rank.
ROLE_RANK = {Role.CUSTOMER: 0, Role.SELLER: 1, Role.ADMIN: 2}


def validate_new_password(password: str, user: User, field: str) -> None:
    """Django's validators (length, common, numeric, like the email): WeakPassword names `field`."""
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise WeakPassword(field, " ".join(exc.messages)) from None


def user_register(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    role: Role = Role.CUSTOMER,
    phone: str = "",
    address: str = "",
) -> User:
    """A new account, unverified; a verification link goes to its address once it is committed."""
    if role not in SELF_SERVICE_ROLES:
        raise AdminSignupRefused()
    user = User(
        email=User.objects.normalize_email(email),
        first_name=first_name,
        last_name=last_name,
        role=role,
        phone=phone,
        address=address,
    )
    validate_new_password(password, user, "password")
    if User.objects.filter(email=user.email).exists():
        raise EmailTaken()
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            notifications.verification(user).send_after_commit()
    except IntegrityError:  # a concurrent sign-up with the same address won the race
        raise EmailTaken() from None
    return user


@dataclass(frozen=True)
class LoggedIn:
    user: User
    tokens: tokens.TokenPair
    #: Sent back at the next log-in, it exempts this client from the per-address throttle.
    device_token: str


def login(
    *,
    request: HttpRequest,
    email: str,
    password: str,
    device_token: str | None = None,
    client: tokens.Client = tokens.Client(),
) -> LoggedIn:
    """Check the credentials (throttled) and open a session.

    Django's ModelBackend hashes the password once even for an unknown address, so the
    answer takes as long whether or not the account exists.
    """
    email = User.objects.normalize_email(email)
    known_device = device_token if device_token and device_token_valid(email, device_token) else None
    attempt = login_attempt(request, email, device_token=known_device)
    user = authenticate(request, email=email, password=password)
    if user is None:
        attempt.failed()
        # Never the password; the address (PII) only as a keyed digest: enough to see one
        # account guessed at from many clients, useless to anyone without the secret key.
        email_digest = salted_hmac("nexora.audit.email", email).hexdigest()[:16]
        audit.info(
            "login failed",
            extra={"event": "login_failed", "client": client_address(request), "email_digest": email_digest},
        )
        raise LoginFailed()
    attempt.succeeded()
    if settings.REQUIRE_VERIFIED_EMAIL and not user.email_verified:
        # Only once the password was right: an unknown address still gets the one 401.
        raise EmailNotVerified()
    audit.info("login", extra={"event": "login", "user_id": user.pk, "client": client_address(request)})
    return LoggedIn(user, tokens.start_session(user, client), device_token_for(user))


def profile_update(*, user: User, **changes: Any) -> User:
    for field, value in changes.items():
        setattr(user, field, value)
    if changes:
        user.save(update_fields=list(changes))
    return user


def check_current_password(user: User, password: str) -> None:
    """WrongPassword unless `password` is the signed-in user's; wrong guesses are throttled
    per account like log-ins (Throttled), so a stolen access token cannot test passwords."""
    attempt = password_recheck_attempt(user.pk)
    if not user.check_password(password):
        attempt.failed()
        raise WrongPassword()
    attempt.succeeded()


def password_change(*, user: User, current_password: str, new_password: str) -> tokens.TokenPair:
    """Set a new password; every other token of the user stops working, a fresh pair is issued.
    A weak new password is refused before the current one is checked (and counted)."""
    validate_new_password(new_password, user, "new_password")
    check_current_password(user, current_password)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        tokens.revoke_all(user)
        pair = tokens.start_session(user)
    audit.info("password changed", extra={"event": "password_changed", "user_id": user.pk})
    return pair


def user_set_role(*, actor: User | None, user: User, role: Role) -> User:
    """Change a user's role and record who did it; `actor` None means the command line."""
    role = Role(role)
    if actor is not None and actor.pk == user.pk and ROLE_RANK[role] > ROLE_RANK[Role(user.role)]:
        raise OwnRoleRaiseRefused()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        old_role = Role(user.role)
        if old_role == role:
            return user
        if User.objects.lock_admins_and_check_last(user.pk):
            raise LastActiveAdmin()
        user.role = role
        user.save(update_fields=["role"])
        RoleChange.objects.create(actor=actor, user=user, old_role=old_role, new_role=role)
    audit.info(
        "role changed",
        extra={
            "event": "role_changed",
            "actor_id": actor.pk if actor else None,
            "user_id": user.pk,
            "old_role": old_role,
            "new_role": role,
        },
    )
    return user


def revoke_after_deactivation(*, actor: User | None, user: User) -> None:
    """After `user.is_active` became False: every token of theirs stops working now.

    Reactivating does not revive them: the token version stays bumped.
    """
    tokens.revoke_all(user)
    audit.info(
        "user deactivated",
        extra={"event": "user_deactivated", "actor_id": actor.pk if actor else None, "user_id": user.pk},
    )


def user_update(*, actor: User, user: User, **changes: Any) -> User:
    """An admin's change to an account; nobody may deactivate the last active admin."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        deactivating = changes.get("is_active") is False and user.is_active
        if deactivating and User.objects.lock_admins_and_check_last(user.pk):
            raise LastActiveAdmin()
        user = profile_update(user=user, **changes)
        if deactivating:
            revoke_after_deactivation(actor=actor, user=user)
    return user


def user_delete(*, actor: User | None, user: User) -> None:
    """Delete an account (the tasks it owns go with it) and record who did it; never the
    last active admin, whose row lock makes two concurrent deletions wait for each other."""
    user_id, actor_id = user.pk, actor.pk if actor else None  # both None once deleted, if actor is user
    with transaction.atomic():
        if User.objects.lock_admins_and_check_last(user_id):
            raise LastActiveAdmin()
        user.delete()
    audit.info("user deleted", extra={"event": "user_deleted", "actor_id": actor_id, "user_id": user_id})


def logout_all(*, user: User) -> None:
    with transaction.atomic():
        tokens.revoke_all(user)
    audit.info("logged out everywhere", extra={"event": "logout_all", "user_id": user.pk})


def session_end(*, user: User, session_id: int) -> None:
    """End one of `user`'s live sessions (SessionNotFound for any other)."""
    tokens.end_session(selectors.live_session_get(user=user, session_id=session_id))
    audit.info("session ended", extra={"event": "session_ended", "user_id": user.pk, "session_id": session_id})


def sessions_end_all(*, actor: User, user: User) -> None:
    """An admin signs a user out everywhere: every session and token stops now."""
    with transaction.atomic():
        tokens.revoke_all(user)
    audit.info("sessions ended", extra={"event": "sessions_ended", "actor_id": actor.pk, "user_id": user.pk})
