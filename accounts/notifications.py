"""The mails of the account lifecycle: each builds its link and renders its templates
(accounts/templates/accounts/mail/); the caller queues it with `send_after_commit()`."""

from __future__ import annotations

from django.conf import settings

from . import links
from .mail import Mail, compose
from .models import User


def _valid_for(seconds: float) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    if hours and hours % 24 == 0:
        return f"{hours // 24} day{'s' if hours > 24 else ''}"
    if hours:
        return f"{hours} hour{'s' if hours > 1 else ''}" + (f" {minutes} minutes" if minutes else "")
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def verification(user: User) -> Mail:
    context = {
        "name": user.first_name,
        "link": links.verify_email_link(user),
        "valid_for": _valid_for(links.VERIFY_EMAIL_MAX_AGE.total_seconds()),
    }
    return compose("verify_email", to=user.email, user_id=user.pk, context=context)


def password_reset(user: User) -> Mail:
    """Also rendered for a stand-in of an unknown address, and then not sent."""
    context = {
        "name": user.first_name,
        "link": links.password_reset_link(user),
        "valid_for": _valid_for(settings.PASSWORD_RESET_TIMEOUT),
    }
    return compose("password_reset", to=user.email, user_id=user.pk, context=context)


def set_password(user: User) -> Mail:
    """To an account an admin created: the reset-password form sets its first password."""
    context = {
        "name": user.first_name,
        "link": links.password_reset_link(user),
        "valid_for": _valid_for(settings.PASSWORD_RESET_TIMEOUT),
        "frontend_url": settings.FRONTEND_URL,
    }
    return compose("set_password", to=user.email, user_id=user.pk, context=context)


def email_change_confirmation(user: User, new_email: str) -> Mail:
    context = {
        "name": user.first_name,
        "link": links.email_change_link(user, new_email),
        "new_email": new_email,
        "valid_for": _valid_for(links.EMAIL_CHANGE_MAX_AGE.total_seconds()),
    }
    return compose("email_change_confirm", to=new_email, user_id=user.pk, context=context)


def email_change_notice(user: User, new_email: str) -> Mail:
    """To the current address: if the owner did not ask, they can act before it is confirmed."""
    context = {"name": user.first_name, "new_email": new_email, "frontend_url": settings.FRONTEND_URL}
    return compose("email_change_notice", to=user.email, user_id=user.pk, context=context)
