"""`manage.py explain EMAIL POLICY [--task ID]`: the explain endpoint's verdict, step by step."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import AdminFactory, CustomerFactory, TaskFactory
from tasks.models import Task


def explain(email: str, policy: str, task: int | None = None) -> list[str]:
    out = StringIO()
    call_command("explain", email, policy, *([] if task is None else ["--task", str(task)]), stdout=out)
    return out.getvalue().splitlines()


def header(user: User) -> str:
    return f"User: {user.email} (id {user.pk}), as stored now."


@pytest.fixture
def assignee(db: None) -> User:
    return CustomerFactory.create()


@pytest.fixture
def task(assignee: User) -> Task:
    return TaskFactory.create(assignee=assignee)


def test_an_assignee_deleting_is_refused_by_the_rule(assignee: User, task: Task) -> None:
    assert explain(assignee.email, "tasks.delete_own", task.pk) == [
        header(assignee),
        "1. Active: yes.",
        "2. Role: CUSTOMER holds tasks.delete_own by the code's default.",
        f"3. Object: task {task.pk}, rule is_owner: refused.",
        "Allowed: no (reason: object).",
    ]


def test_the_owner_passes_the_rule(task: Task) -> None:
    assert explain(task.owner.email, "tasks.change_own", task.pk) == [
        header(task.owner),
        "1. Active: yes.",
        "2. Role: CUSTOMER holds tasks.change_own by the code's default.",
        f"3. Object: task {task.pk}, rule (is_owner | is_assignee): passed.",
        "Allowed: yes.",
    ]


def test_without_a_task_the_role_decides(assignee: User) -> None:
    assert explain(assignee.email.upper(), "tasks.create") == [
        header(assignee),
        "1. Active: yes.",
        "2. Role: CUSTOMER holds tasks.create by the code's default.",
        "3. Object: none given: the role decides.",
        "Allowed: yes.",
    ]


def test_a_role_refusal_checks_no_rule(assignee: User, task: Task) -> None:
    assert explain(assignee.email, "tasks.assign", task.pk) == [
        header(assignee),
        "1. Active: yes.",
        "2. Role: CUSTOMER does not hold tasks.assign.",
        f"3. Object: task {task.pk}, not checked.",
        "Allowed: no (reason: role).",
    ]


def test_a_policy_without_a_rule(task: Task) -> None:
    admin = AdminFactory.create()
    assert explain(admin.email, "tasks.delete_any", task.pk) == [
        header(admin),
        "1. Active: yes.",
        "2. Role: ADMIN holds tasks.delete_any by the code's default.",
        f"3. Object: task {task.pk}: tasks.delete_any has no object rule.",
        "Allowed: yes.",
    ]


def test_an_inactive_user(task: Task) -> None:
    User.objects.filter(pk=task.owner_id).update(is_active=False)
    assert explain(task.owner.email, "tasks.delete_own", task.pk) == [
        header(task.owner),
        "1. Active: no: an inactive user may do nothing.",
        "2. Role: CUSTOMER holds tasks.delete_own by the code's default.",
        f"3. Object: task {task.pk}, not checked.",
        "Allowed: no (reason: inactive).",
    ]


def test_a_grant_of_this_deployment(assignee: User, regrant: Any) -> None:
    regrant({"tasks.assign": ["ADMIN", "SELLER", "CUSTOMER"]})
    held = explain(assignee.email, "tasks.assign")[2]
    assert held == "2. Role: CUSTOMER holds tasks.assign by a grant of this deployment."


def test_it_says_what_the_endpoint_says(assignee: User, task: Task) -> None:
    admin = AdminFactory.create()
    params: dict[str, int | str] = {"user_id": assignee.pk, "policy": "tasks.delete_own", "task_id": task.pk}
    body = ApiClient(admin).get("/api/permissions/explain/", params).json()
    lines = explain(assignee.email, "tasks.delete_own", task.pk)
    assert body == {
        "allowed": False,
        "policy": "tasks.delete_own",
        "role": "CUSTOMER",
        "reason": "object",
        "granted_by": "default",
        "rule": "is_owner",
    }
    assert lines[2:] == [
        f"2. Role: {body['role']} holds {body['policy']} by the code's default.",
        f"3. Object: task {task.pk}, rule {body['rule']}: refused.",
        f"Allowed: no (reason: {body['reason']}).",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com", "tasks.create"], "No user with the email 'nobody@example.com'."),
        (["{email}", "tasks.teleport"], "No policy is named 'tasks.teleport'."),
        (["{email}", "tasks.create", "--task", "987654321"], "No task with the id 987654321."),
    ],
    ids=["unknown-email", "unknown-policy", "unknown-task"],
)
def test_unknown_names_are_command_errors(assignee: User, args: list[str], message: str) -> None:
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("explain", *(arg.format(email=assignee.email) for arg in args), stdout=out)
    assert str(refused.value) == message
    assert out.getvalue() == ""


def test_a_task_id_must_be_a_number(assignee: User) -> None:
    with pytest.raises(CommandError, match="invalid int value"):
        call_command("explain", assignee.email, "tasks.create", "--task", "seven")


def test_a_new_process_answers_with_the_grants_stored_now(assignee: User) -> None:
    """A command has no user row to bring the grants version with it: it reads it first."""
    from permissions import services as grants
    from permissions.registry import policies

    grants.grants_set(actor=None, role="CUSTOMER", names=[*policies.defaults_of("CUSTOMER"), "tasks.assign"])
    policies.forget()  # this process, as a new one: nothing read yet

    held = explain(assignee.email, "tasks.assign")[2]

    assert held == "2. Role: CUSTOMER holds tasks.assign by a grant of this deployment."
