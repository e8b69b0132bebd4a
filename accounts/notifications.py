"""The mails of the account lifecycle: each builds its link and renders its templates
(accounts/templates/accounts/mail/); the caller queues it with `send_after_commit()`."""

from __future__ import annotations

from django.conf import settings

from api.mail import Mail, compose

from . import links
from .models import User

TEMPLATES = "accounts/mail"


def _valid_for(seconds: float) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    if hours and hours % 24 == 0:
        return f"{hours // 24} day{'s' if hours > 24 else ''}"
    if hours:
        return f"{hours} hour{'s' if hours > 1 else ''}" + (f" {minutes} minutes" if minutes else "")
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _link_mail(kind: str, user: User, to: str, link: str, valid_seconds: float, **extra: str) -> Mail:
    """A mail that carries one link: greeting, the link and how long it works."""
    context = {"name": user.first_name, "link": link, "valid_for": _valid_for(valid_seconds), **extra}
    return compose(kind, templates=TEMPLATES, to=to, user_id=user.pk, context=context)


def verification(user: User) -> Mail:
    link = links.verify_email_link(user)
    return _link_mail("verify_email", user, user.email, link, links.VERIFY_EMAIL_MAX_AGE.total_seconds())


def password_reset(user: User) -> Mail:
    """Also rendered for a stand-in of an unknown address, and then not sent."""
    link = links.password_reset_link(user)
    return _link_mail("password_reset", user, user.email, link, settings.PASSWORD_RESET_TIMEOUT)


def set_password(user: User) -> Mail:
    """To an account an admin created: the reset-password form sets its first password."""
    link = links.password_reset_link(user)
    return _link_mail(
        "set_password", user, user.email, link, settings.PASSWORD_RESET_TIMEOUT, frontend_url=settings.FRONTEND_URL
    )


def email_change_confirmation(user: User, new_email: str) -> Mail:
    link = links.email_change_link(user, new_email)
    max_age = links.EMAIL_CHANGE_MAX_AGE.total_seconds()
    return _link_mail("email_change_confirm", user, new_email, link, max_age, new_email=new_email)


def email_change_notice(user: User, new_email: str) -> Mail:
    """To the current address: if the owner did not ask, they can act before it is confirmed."""
    context = {"name": user.first_name, "new_email": new_email, "frontend_url": settings.FRONTEND_URL}
    return compose("email_change_notice", templates=TEMPLATES, to=user.email, user_id=user.pk, context=context)
