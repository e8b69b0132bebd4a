"""`manage.py explain EMAIL POLICY [--task ID]`: the explain endpoint's answer, step by step.

The same verdict as `GET /api/permissions/explain/` (`tasks.selectors.explain`): the
user's role as stored now, the task as stored, in the order the check makes its steps.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from permissions.registry import Verdict, policies
from tasks import selectors
from tasks.errors import TaskNotFound, UnknownPolicyName

HOLDS = {"default": "by the code's default", "grant": "by a grant of this deployment"}


class Command(BaseCommand):
    help = "Explain whether a user may act under a policy (on a task), and why."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("policy")
        parser.add_argument("--task", type=int, dest="task_id", metavar="ID", help="check the policy's rule on it")

    def handle(self, *args: Any, email: str, policy: str, task_id: int | None, **options: Any) -> None:
        policies.refresh()  # no request read the grants version for this process: read it now
        user = User.objects.filter(email=User.objects.normalize_email(email)).first()
        if user is None:
            raise CommandError(f"No user with the email {email!r}.")
        try:
            verdict = selectors.explain(user=user, policy=policy, task_id=task_id)
        except TaskNotFound:
            raise CommandError(f"No task with the id {task_id}.") from None
        except UnknownPolicyName:
            raise CommandError(f"No policy is named {policy!r}.") from None
        for line in steps(user, verdict, task_id):
            self.stdout.write(line)


def steps(user: User, verdict: Verdict, task_id: int | None) -> list[str]:
    """The verdict as the check reached it: active, the role's grant, the object rule, the answer."""
    active = "yes." if user.is_active else "no: an inactive user may do nothing."
    if verdict.granted_by is None:
        held = f"{verdict.role or 'none'} does not hold {verdict.policy}."
    else:
        held = f"{verdict.role} holds {verdict.policy} {HOLDS[verdict.granted_by]}."
    answer = "yes." if verdict.allowed else f"no (reason: {verdict.reason})."
    return [
        f"User: {user.email} (id {user.pk}), as stored now.",
        f"1. Active: {active}",
        f"2. Role: {held}",
        f"3. Object: {_object_step(verdict, task_id)}",
        f"Allowed: {answer}",
    ]


def _object_step(verdict: Verdict, task_id: int | None) -> str:
    if task_id is None:
        return "none given: the role decides."
    if verdict.reason in ("inactive", "role"):
        return f"task {task_id}, not checked."
    if verdict.rule is None:
        return f"task {task_id}: {verdict.policy} has no object rule."
    return f"task {task_id}, rule {verdict.rule}: {'passed' if verdict.allowed else 'refused'}."
