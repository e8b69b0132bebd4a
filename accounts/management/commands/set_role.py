"""`manage.py set_role EMAIL ROLE`: the same audited role change as the API, with no actor."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.models import User
from accounts.roles import Role
from api.exceptions import DomainError


class Command(BaseCommand):
    help = "Change a user's role (recorded in the role history with no actor)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("role", choices=[role.value for role in Role], type=str.upper)

    def handle(self, *args: Any, email: str, role: str, **options: Any) -> None:
        user = User.objects.filter(email=User.objects.normalize_email(email)).first()
        if user is None:
            raise CommandError(f"No user with the email {email!r}.")
        old_role = user.role
        try:
            services.user_set_role(actor=None, user=user, role=Role(role))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{user.email}: {old_role} -> {role}"))
