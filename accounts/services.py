"""Writes about users: sign-up, profile, passwords, roles, deactivation and deletion.

Plain functions with keyword-only arguments, called alike by the API, the Django admin
and the management commands; they raise domain errors, never HTTP ones.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from . import notifications, security_events
from .errors import (
    AdminSignupRefused,
    EmailTaken,
    LastActiveAdmin,
    OwnRoleRaiseRefused,
    WeakPassword,
    WrongPassword,
)
from .models import RoleChange, SecurityEventType, User
from .roles import Role
from .throttling import password_recheck_attempt

audit = logging.getLogger("nexora.audit")


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
    if not Role(role).self_service:
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


def tokens_revoke_all(*, user: User) -> None:
    """Every token issued to the user until now stops working: their version moves on, and
    authentication reads it from the user row at every request."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])


def password_change_check(*, user: User, current_password: str, new_password: str) -> None:
    """May `user` set `new_password`? A weak one is refused before the current password is
    checked (and, if wrong, counted: outside any transaction, so the count stays)."""
    validate_new_password(new_password, user, "new_password")
    check_current_password(user, current_password)


def password_set(*, user: User, new_password: str) -> None:
    """Set the password (checked by `password_change_check`); every token of the user stops
    working. The caller's transaction may issue a fresh pair with it."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        tokens_revoke_all(user=user)
        security_events.record(user, SecurityEventType.PASSWORD_CHANGED)
    audit.info("password changed", extra={"event": "password_changed", "user_id": user.pk})


def user_set_role(*, actor: User | None, user: User, role: Role) -> User:
    """Change a user's role and record who did it; `actor` None means the command line."""
    role = Role(role)
    if actor is not None and actor.pk == user.pk and role.rank > Role(user.role).rank:
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
        security_events.record(
            user,
            SecurityEventType.ROLE_CHANGED,
            {"old_role": old_role.value, "new_role": role.value, "actor_id": actor.pk if actor else None},
        )
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
    tokens_revoke_all(user=user)
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
