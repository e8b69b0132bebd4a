"""The account lifecycle by mail: password reset, email verification and change, deletion by
the owner, and accounts created by an admin. Links are built and checked in `links`, mails
composed in `notifications` and queued after the transaction commits (`mail`).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from permissions.registry import policies

from . import links, notifications, security_events, services
from .errors import EmailTaken, InvalidLink
from .models import RoleChange, SecurityEventType, User
from .policies import USERS_CHANGE_ROLE
from .roles import Role
from .throttling import count_mail_request, count_reset_request

audit = logging.getLogger("nexora.audit")

RESET_REQUESTED = "If an active account has this address, a link to reset its password has been sent to it."
VERIFICATION_SENT = "If the address is not verified yet, a new verification link has been sent to it."
EMAIL_CHANGE_REQUESTED = "A confirmation link has been sent to the new address; the email changes when it is used."

#: Not a hash any password can match: the stand-in's reset link is built, never sent.
_STAND_IN_PASSWORD = "!" + "0" * 40


# --- password reset ----------------------------------------------------------------------


def password_reset_request(*, request: HttpRequest, email: str) -> None:
    """Mail a reset link to an active account with this address; for any other address do the
    same work (count, look up, sign a link, render the mail) and send nothing, so that the
    answer and its time are the same whichever the address is (OWASP Forgot Password)."""
    count_reset_request(request, email)
    user = User.objects.filter(email=email).first()
    active = user is not None and user.is_active
    recipient = user if user is not None and active else User(pk=0, email=email, password=_STAND_IN_PASSWORD)
    mail = notifications.password_reset(recipient)
    if active:
        mail.send_after_commit()


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> None:
    """Set the new password from a reset link; every token of the user stops working.

    The row is locked while the link is checked, so two uses of one link at once cannot
    both pass: the second sees the new password hash, and the link is spent. Completing a
    reset also proves the owner reads this address's mail: it is verified.
    """
    user_id = links.user_id_from(uid)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None:
            raise InvalidLink()
        links.check_password_reset(user, token)
        services.validate_new_password(new_password, user, "new_password")
        user.set_password(new_password)
        user.email_verified = True
        user.save(update_fields=["password", "email_verified"])
        services.tokens_revoke_all(user=user)
        security_events.record(user, SecurityEventType.PASSWORD_RESET)
    audit.info("password reset", extra={"event": "password_reset", "user_id": user.pk})


# --- email verification ------------------------------------------------------------------


def email_verify(*, uid: str, token: str) -> User:
    """Mark the address verified; a link used again on a verified account changes nothing."""
    user = User.objects.filter(pk=links.user_id_from(uid), is_active=True).first()
    if user is None:
        raise InvalidLink()
    links.check_verify_email(user, token)
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    return user


def verification_resend(*, user: User) -> None:
    """A new verification link (counted, throttled); nothing to send for a verified address."""
    count_mail_request(user.pk, "verify")
    if not user.email_verified:
        notifications.verification(user).send_after_commit()


# --- email change ------------------------------------------------------------------------


def email_change_request(*, user: User, new_email: str, password: str) -> None:
    """Mail a confirmation link to the new address and a notice to the current one.

    Counted before the password is checked (and the password as a re-check), so this is
    no unthrottled way to guess it with a stolen access token. An address that already has
    an account (this one included) is EmailTaken, but only to someone who gave the right
    password.
    """
    count_mail_request(user.pk, "email-change")
    services.check_current_password(user, password)
    if User.objects.filter(email=new_email).exists():
        raise EmailTaken()
    notifications.email_change_confirmation(user, new_email).send_after_commit()
    notifications.email_change_notice(user, new_email).send_after_commit()


def email_change_confirm(*, token: str) -> User:
    """Give the account the address the link was sent to, verified; EmailTaken if another
    account took it meanwhile."""
    change = links.read_email_change(token)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=change.user_id, is_active=True).first()
        if user is None:
            raise InvalidLink()
        change.check_current(user)
        if User.objects.filter(email=change.new_email).exists():
            raise EmailTaken()
        old_email = user.email
        user.email, user.email_verified = change.new_email, True
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "email_verified"])
        except IntegrityError:  # taken by a concurrent sign-up or change
            raise EmailTaken() from None
        # The domains only: enough to see an account moved to a stranger's mail provider,
        # without keeping the old address for as long as the event lives.
        domains = {
            "old_domain": security_events.mail_domain(old_email),
            "new_domain": security_events.mail_domain(user.email),
        }
        security_events.record(user, SecurityEventType.EMAIL_CHANGED, domains)
    audit.info("email changed", extra={"event": "email_changed", "user_id": user.pk})
    return user


# --- deletion by the owner, creation by an admin ----------------------------------------


def account_delete(*, user: User, password: str) -> None:
    """The owner deletes their account (never the last active admin): its tokens stop
    working, the tasks it owns go with it, tasks assigned to it become unassigned."""
    services.check_current_password(user, password)
    with transaction.atomic():
        services.tokens_revoke_all(user=user)
        services.user_delete(actor=user, user=user)


def authorize_role_grant(*, actor: User, role: Role) -> None:
    """Creating an account with a role no visitor may choose at sign-up grants that role:
    it takes `users.change_role`, like a promotion."""
    if not Role(role).self_service:
        policies.require(actor, USERS_CHANGE_ROLE)


def user_create(*, actor: User, email: str, role: Role, first_name: str = "", last_name: str = "") -> User:
    """An account an admin creates: active, no usable password, unverified; recorded in the
    role history with no old role; a set-password link goes to its address after commit."""
    role = Role(role)
    authorize_role_grant(actor=actor, role=role)
    if User.objects.filter(email=email).exists():
        raise EmailTaken()
    user = User(email=email, role=role, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
            RoleChange.objects.create(actor=actor, user=user, old_role=None, new_role=role)
            notifications.set_password(user).send_after_commit()
    except IntegrityError:  # a concurrent sign-up or creation with the same address won the race
        raise EmailTaken() from None
    audit.info("user created", extra={"event": "user_created", "actor_id": actor.pk, "user_id": user.pk, "role": role})
    return user
