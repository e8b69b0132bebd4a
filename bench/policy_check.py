"""Micro-benchmark: one policy check costs at most 5 microseconds and makes no query.

    python -m bench.policy_check

Times the checks the API makes per request (the guard's `enforce`, `policies.allows`)
and per object (`can_view` on a task), for an unsaved CUSTOMER, under
CaptureQueriesContext: any query fails the run, as does any check slower than the budget.
"""

from __future__ import annotations

import os
import sys
import timeit
from collections.abc import Callable

BUDGET_NS = 5_000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-policy-check-only-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ["DATABASE_URL"] = "sqlite://:memory:"  # no query is expected; none may touch a real file
    import django

    django.setup()


def ns_per_call(func: Callable[[], object], repeat: int = 7) -> float:
    """Best of `repeat` timings, each long enough (>= 0.2 s) to drown the timer's own cost."""
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e9


def main() -> int:
    _setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from accounts.roles import Role
    from permissions.ninja import enforce
    from permissions.registry import policies
    from tasks.models import Task
    from tasks.policies import TASKS_ASSIGN, TASKS_VIEW_ANY, TASKS_VIEW_OWN, can_view

    user = User(pk=7, email="c@bench.test", role=Role.CUSTOMER)
    task = Task(pk=1, owner_id=8, assignee_id=7, title="t")

    checks: list[tuple[str, Callable[[], object], bool]] = [
        ("enforce('tasks.view_own', user)  [the per-request guard]", lambda: enforce("tasks.view_own", user), True),
        ("policies.allows(user, TASKS_VIEW_OWN)", lambda: policies.allows(user, TASKS_VIEW_OWN), True),
        ("policies.allows(user, TASKS_ASSIGN)  [denied]", lambda: policies.allows(user, TASKS_ASSIGN), True),
        ("can_view(user, task)  [object rule, assignee]", lambda: can_view(user, task), True),
        (
            "policies.visible_q(user, view_any, view_own)  [builds the list filter]",
            lambda: policies.visible_q(user, TASKS_VIEW_ANY, TASKS_VIEW_OWN),
            False,
        ),
    ]
    failed = False
    with CaptureQueriesContext(connection) as queries:
        results = [(label, ns_per_call(func), budgeted) for label, func, budgeted in checks]
    print(f"Policy checks (best of 7, unsaved {Role.CUSTOMER} user), budget {BUDGET_NS / 1000:.0f} us per check:")
    for label, ns, budgeted in results:
        verdict = ("ok" if ns <= BUDGET_NS else "OVER BUDGET") if budgeted else "(not a check)"
        failed |= budgeted and ns > BUDGET_NS
        print(f"  {ns / 1000:7.3f} us  {verdict:<13} {label}")
    print(f"  queries made: {len(queries)}")
    if len(queries):
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
