"""`manage.py seed_demo`: demo users for every role and a realistic set of tasks.

Idempotent (a second run changes nothing) and refused with debug off unless --force,
so it never lands known passwords on a production database by accident.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from tasks import services
from tasks.models import Task

DEMO_USERS: list[tuple[Role, str, str, str, str]] = [
    (Role.ADMIN, "admin@demo.nexora.test", "demo-Admin-Passw0rd", "Ada", "Admin"),
    (Role.SELLER, "seller@demo.nexora.test", "demo-Seller-Passw0rd", "Sam", "Seller"),
    (Role.CUSTOMER, "customer@demo.nexora.test", "demo-Customer-Passw0rd", "Cleo", "Customer"),
]

#: (owner role, title, description, status, due in days or None, assignee role or None)
DEMO_TASKS: list[tuple[Role, str, str, str, int | None, Role | None]] = [
    (Role.ADMIN, "Review new seller applications", "Three sellers are waiting for approval.", "todo", 2, None),
    (Role.ADMIN, "Rotate the API signing key", "Plan the rotation with the frontend team.", "in_progress", 7, None),
    (Role.ADMIN, "Audit last month's role changes", "", "done", -3, None),
    (Role.SELLER, "Restock winter jackets", "Sizes M and L are out of stock.", "in_progress", 5, None),
    (Role.SELLER, "Confirm delivery address", "Order #1042 bounced back.", "todo", 1, Role.CUSTOMER),
    (Role.SELLER, "Photograph the new catalogue", "Natural light, white background.", "todo", 14, None),
    (Role.SELLER, "Answer product questions", "", "done", -1, None),
    (Role.CUSTOMER, "Return the blue sweater", "Print the return label first.", "todo", 10, None),
    (Role.CUSTOMER, "Write a review for the boots", "They kept my feet dry all week ☔", "todo", None, None),
    (Role.CUSTOMER, "Update payment card", "The old card expires this month.", "done", -7, None),
]


class Command(BaseCommand):
    help = "Create demo users (one per role, known passwords) and demo tasks. Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DJANGO_DEBUG off.")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates users with known passwords: refused with debug off (use --force).")
        with transaction.atomic():
            users = {
                role: self._user(role, email, password, first, last)
                for role, email, password, first, last in DEMO_USERS
            }
            created_tasks = self._tasks(users)
        self.stdout.write(f"Demo data ready ({created_tasks} new tasks). Log in with:")
        for role, email, password, _, _ in DEMO_USERS:
            self.stdout.write(f"  {role.value:<9} {email:<28} {password}")

    def _user(self, role: Role, email: str, password: str, first_name: str, last_name: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                password,
                role=role,
                first_name=first_name,
                last_name=last_name,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
                email_verified=True,  # demo addresses receive no mail; they log in with REQUIRE_VERIFIED_EMAIL on too
            )
        return user

    def _tasks(self, users: dict[Role, User]) -> int:
        today = timezone.localdate()
        created = 0
        for owner_role, title, description, status, due_in, assignee_role in DEMO_TASKS:
            owner = users[owner_role]
            if Task.objects.filter(owner=owner, title=title).exists():
                continue
            services.task_create(
                owner=owner,
                title=title,
                description=description,
                status=status,
                due_date=None if due_in is None else today + timedelta(days=due_in),
                assignee_id=users[assignee_role].pk if assignee_role else None,
            )
            created += 1
        return created
