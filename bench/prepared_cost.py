"""What compiling costs, and what preparing saves: `python -m bench.prepared_cost`.

In-process on an SQLite file (a customer with 50 tasks, a real access token), microseconds
of CPU per call, best of interleaved rounds (docs/performance.md, "Prepared queries"):

- the user behind a token: the ORM's `filter(pk=..., is_active=True).first()`, against the
  same query prepared once (`authn.tokens.active_user`);
- the access token: ninja-jwt's `AccessToken(raw)` (signature, claims), against the token
  kept per process with its expiry checked again (`authn.tokens.authenticate_access_token`
  without the user);
- a page of the task list and its count: the ORM's queryset (`task_list_visible_to`, counted
  and sliced), against the queries prepared once per shape (`task_rows_visible_to`).

Each pair is checked to answer the same before it is timed.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.middleware_cost import best_us, customer_with_tasks, setup_django


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-prepared-") as folder:
        setup_django(Path(folder))
        from ninja_jwt.tokens import AccessToken

        from accounts.models import User
        from authn.tokens import _access_token, active_user
        from tasks.schemas import TASK_COLUMNS
        from tasks.selectors import task_list_visible_to, task_rows_visible_to

        user, token = customer_with_tasks()
        fields = TASK_COLUMNS

        def orm_user() -> object:
            return User.objects.filter(pk=user.pk, is_active=True).first()

        def prepared_user() -> object:
            return active_user(user.pk)

        def orm_page() -> object:
            tasks = task_list_visible_to(user=user, fields=fields)
            return tasks.count(), list(tasks[0:20])

        def prepared_page() -> object:
            rows = task_rows_visible_to(user=user, fields=fields)
            return rows.count(), rows[0:20]

        assert orm_user() == prepared_user()
        assert orm_page() == prepared_page()
        assert AccessToken(token).payload == _access_token(token).payload

        pairs: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
            ("the user behind a token", orm_user, prepared_user),
            ("the access token", lambda: AccessToken(token), lambda: _access_token(token)),
            ("a page of 20 tasks and the count", orm_page, prepared_page),
        ]
        print("| per request | the ORM / ninja-jwt each time | prepared / kept | saved |")
        print("|---|---:|---:|---:|")
        for name, before, after in pairs:
            times = {"before": float("inf"), "after": float("inf")}
            for _ in range(3):  # interleaved, so drift hits both alike
                times["before"] = min(times["before"], best_us(before))
                times["after"] = min(times["after"], best_us(after))
            saved = times["before"] - times["after"]
            print(f"| {name} | {times['before']:.0f} us | {times['after']:.0f} us | {saved:.0f} us |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
