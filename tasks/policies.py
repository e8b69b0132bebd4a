"""Who may do what with tasks: role grants and object rules, one line each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from accounts.roles import Role
from permissions.registry import EVERY_ROLE, Policy, policies
from permissions.rules import Rule, rule

if TYPE_CHECKING:
    from accounts.models import User
    from tasks.models import Task


@rule(q=lambda user: Q(owner_id=user.pk))
def is_owner(user: User, task: Task) -> bool:
    return task.owner_id == user.pk


@rule(q=lambda user: Q(assignee_id=user.pk))
def is_assignee(user: User, task: Task) -> bool:
    return task.assignee_id is not None and task.assignee_id == user.pk


ADMIN = [Role.ADMIN]

TASKS_VIEW_OWN = policies.register(
    "tasks.view_own", "Read tasks you own or are assigned.", EVERY_ROLE, is_owner | is_assignee
)
TASKS_CREATE = policies.register("tasks.create", "Create tasks.", EVERY_ROLE)
TASKS_CHANGE_OWN = policies.register(
    "tasks.change_own", "Change tasks you own; as assignee, only their status.", EVERY_ROLE, is_owner | is_assignee
)
TASKS_DELETE_OWN = policies.register("tasks.delete_own", "Delete tasks you own.", EVERY_ROLE, is_owner)
TASKS_ASSIGN = policies.register("tasks.assign", "Assign tasks to other users.", Role.staff_roles())
TASKS_VIEW_ANY = policies.register("tasks.view_any", "Read every task.", ADMIN)
TASKS_CHANGE_ANY = policies.register("tasks.change_any", "Change every task.", ADMIN)
TASKS_DELETE_ANY = policies.register("tasks.delete_any", "Delete every task.", ADMIN)

#: Who may see a task; seeing it is what separates a 403 from a 404.
can_view = policies.holds(TASKS_VIEW_OWN) | policies.holds(TASKS_VIEW_ANY)
#: Who may change any field of a task: its owner, or a holder of tasks.change_any.
can_change_all_fields = (policies.holds(TASKS_CHANGE_OWN) & is_owner) | policies.holds(TASKS_CHANGE_ANY)
#: Who may change a task's status: the above, or its assignee.
can_change_status = policies.holds(TASKS_CHANGE_OWN) | policies.holds(TASKS_CHANGE_ANY)
can_delete = policies.holds(TASKS_DELETE_OWN) | policies.holds(TASKS_DELETE_ANY)


def granted(ref: Policy) -> Rule:
    """The caller's role holds `ref`, whatever the task: the check of an operation's own
    policy (its `@requires`), which the guard makes before the task is read."""
    return Rule(lambda user, task: policies.allows(user, ref), f"granted({ref.name})")


#: What `Task.can` tells the caller, action by action: the policy the write operation declares
#: (tasks/api.py, checked by the guard) and the rule its service checks on the task
#: (tasks/services.py), composed from the very objects above. Each reads the user's role and
#: the task's owner_id and assignee_id, nothing else: no query.
TASK_ABILITIES: dict[str, Rule] = {
    "change": granted(TASKS_CHANGE_OWN) & can_change_all_fields,
    "change_status": granted(TASKS_CHANGE_OWN) & can_change_status,
    "delete": granted(TASKS_DELETE_OWN) & can_delete,
    # Assigning another user is a change of a field other than the status, and tasks.assign.
    "assign": granted(TASKS_CHANGE_OWN) & can_change_all_fields & granted(TASKS_ASSIGN),
}


def task_abilities(user: User, task: Any) -> dict[str, bool]:
    """What `user` may do to `task` now ({action: allowed}), for a Task or anything that has
    its attributes (a list row, `selectors.TaskRow`)."""
    return {action: rule(user, task) for action, rule in TASK_ABILITIES.items()}
