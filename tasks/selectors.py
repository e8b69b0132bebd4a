"""Reads about tasks. Which rows a user sees comes from the task policies' own rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django.db import router
from django.db.models import QuerySet

from accounts.models import User
from api.prepared import NotPreparable, OrmRows, PreparedList, PreparedRows, PreparedShapes, StandInPrincipal
from permissions.registry import Verdict, policies
from permissions.rules import Rule

from .errors import TaskNotFound, UnknownPolicyName
from .filters import BY_NAME, given_filters
from .models import Task
from .policies import TASKS_VIEW_ANY, TASKS_VIEW_OWN, can_view, task_abilities

#: The policies through which a task is visible in the list.
LIST_POLICIES = (TASKS_VIEW_ANY, TASKS_VIEW_OWN)


def task_list_visible_to(
    *, user: User, ordering: str = "-created_at", fields: Iterable[str] | None = None, **filters: Any
) -> QuerySet[Task]:
    """What `user` may see, filtered (`filters`: tasks.filters.TASK_FILTERS by name) and
    ordered; with `fields`, as rows of just those columns (`values()`), for a page that is
    only serialized, never used as models."""
    return _visible_tasks(user, ordering, fields, given_filters(filters))


def _visible_tasks(
    user: User | StandInPrincipal, ordering: str, fields: Iterable[str] | None, given: Mapping[str, Any]
) -> QuerySet[Task]:
    visible = policies.visible_q(user, *LIST_POLICIES)
    if visible is None:
        return Task.objects.none()
    tasks = Task.objects.filter(visible)
    for name, value in given.items():
        tasks = tasks.filter(BY_NAME[name].q(value))
    tie_breaker = "-id" if ordering.startswith("-") else "id"
    tasks = tasks.order_by(ordering, tie_breaker)
    return tasks.values(*fields) if fields is not None else tasks


class _Shape(NamedTuple):
    """What a task list's prepared queries depend on besides the values: never a value."""

    alias: str
    role: str
    #: Which of LIST_POLICIES the role holds now (deployments re-grant them), and their rules.
    held: tuple[bool, ...]
    rules: tuple[Rule | None, ...]
    given: tuple[str, ...]
    ordering: str
    fields: tuple[str, ...]


def task_rows_visible_to(
    *, user: User, fields: Iterable[str], ordering: str = "-created_at", **filters: Any
) -> PreparedRows | OrmRows:
    """`task_list_visible_to(...)` as rows of `fields`, counted and sliced by queries that are
    compiled once per shape instead of on every request: the same SQL, only not compiled
    again. A shape that cannot be prepared (its rules read more of the user than the shape
    holds, say) runs the ORM's queryset itself."""
    given = given_filters(filters)
    held = tuple(policies.allows(user, ref) for ref in LIST_POLICIES)
    if not any(held):
        return PreparedRows(None, {})
    rules = tuple(policies.get(ref).rule for ref in LIST_POLICIES)
    shape = _Shape(router.db_for_read(Task), user.role, held, rules, tuple(given), ordering, tuple(fields))
    prepared = _prepared_lists.get(shape)
    if prepared is None:
        return OrmRows(_visible_tasks(user, ordering, tuple(fields), given))
    return PreparedRows(prepared, {"user_id": user.pk, **given})


def _prepare(shape: _Shape) -> PreparedList:
    """A task list's count and rows for `shape`, compiled with stand-ins for the user's id
    and the filters' values."""

    def build(stand_ins: Mapping[str, Any]) -> QuerySet[Any]:
        # The rules see the shape's role and the stand-in id, and nothing else of a user
        # (a User is always authenticated, and one with a shape is active: an inactive one
        # holds nothing): what else they read refuses the shape.
        user_id = stand_ins["user_id"]
        user = StandInPrincipal(pk=user_id, id=user_id, role=shape.role, is_authenticated=True, is_active=True)
        if tuple(policies.allows(user, ref) for ref in LIST_POLICIES) != shape.held:
            raise NotPreparable("the role's grants changed while preparing")
        given = {name: stand_ins[name] for name in shape.given}
        return _visible_tasks(user, shape.ordering, shape.fields, given).using(shape.alias)

    return PreparedList.of(build, {"user_id": int, **{name: BY_NAME[name].kind for name in shape.given}})


#: Bounded by the shapes there are (aliases x roles x grants x filters given x orderings x
#: field lists: a few hundred at most), never by a value a client sends.
_prepared_lists: PreparedShapes[_Shape, PreparedList] = PreparedShapes(_prepare, maxsize=2048)


def prepared_task_list_shapes() -> int:
    """How many task list shapes this process keeps (prepared or refused)."""
    return len(_prepared_lists)


_ABSENT = object()


class TaskRow:
    """A row of the task list as the rules read a task: its columns are its attributes.
    Anything else a rule reads (a relation, a method) comes from the model instance the row
    makes, made only then (`Task.from_db`, so a column the row lacks is loaded, not
    defaulted): a row never answers a rule otherwise than its task would."""

    __slots__ = ("_instance", "_row", "read")

    def __init__(self, row: Mapping[str, Any]) -> None:
        self._row = row
        self._instance: Task | None = None
        #: The columns read so far; None once anything but a column was read.
        self.read: set[str] | None = set()

    def __getattr__(self, name: str) -> Any:
        if name in self.__slots__:  # not set yet (a copy being made): absent
            raise AttributeError(name)
        if name in self._row:
            if self.read is not None:
                self.read.add(name)
            return self._row[name]
        self.read = None
        if self._instance is None:
            self._instance = Task.from_db(None, list(self._row), list(self._row.values()))
        return getattr(self._instance, name)


class RowsWithAbilities:
    """Task rows, counted and sliced as `rows` are (what `api.pagination.Page` asks of a
    list), each with what `user` may do to it (`can`), from the row itself."""

    def __init__(self, rows: PreparedRows | OrmRows, user: User) -> None:
        self._rows, self._user = rows, user

    def count(self) -> int:
        return self._rows.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        """Each row with its `can`. The rules are functions of the user, the grants and the
        columns they read: a row whose values for every column the rules read of an earlier
        row (all their branches included) are that row's gets that row's answer, since the
        rules would take the same path through the same values. A row whose rules read
        anything but a column is never reused."""
        answered: list[tuple[tuple[tuple[str, Any], ...], dict[str, bool]]] = []
        page_rows = []
        for row in self._rows[page]:
            can = next(
                (known for keyed, known in answered if all(row.get(name, _ABSENT) == value for name, value in keyed)),
                None,
            )
            if can is None:
                seen = TaskRow(row)
                can = task_abilities(self._user, seen)
                if seen.read is not None:
                    answered.append((tuple((name, row[name]) for name in sorted(seen.read)), can))
            page_rows.append({**row, "can": dict(can)})
        return page_rows


def task_rows_with_abilities(*, user: User, fields: Iterable[str], **params: Any) -> RowsWithAbilities:
    """`task_rows_visible_to(...)`, each row with what `user` may do to it (`can`): the rules
    read the row's owner_id and assignee_id, so a page costs no query per row."""
    return RowsWithAbilities(task_rows_visible_to(user=user, fields=fields, **params), user)


def task_with_abilities(*, user: User, task: Task, fields: Iterable[str]) -> dict[str, Any]:
    """`task`'s `fields`, as a list row has them, and what `user` may do to it now (`can`)."""
    return {**{name: getattr(task, name) for name in fields}, "can": task_abilities(user, task)}


def task_get_visible_to(*, user: User, task_id: int) -> Task:
    """The task, if `user` may see it; otherwise TaskNotFound, exactly as for a missing one."""
    task = Task.objects.filter(pk=task_id).first()
    if task is None or not can_view(user, task):
        raise TaskNotFound()
    return task


def explain(*, user: User, policy: str, task_id: int | None = None) -> Verdict:
    """The verdict a request of `user` would get under `policy` (on the task, as stored,
    whoever may see it): `policies.evaluate`, the check the guard and the services make.
    TaskNotFound for an unknown task, then UnknownPolicyName for an unknown policy."""
    task = None if task_id is None else Task.objects.filter(pk=task_id).first()
    if task_id is not None and task is None:
        raise TaskNotFound()
    if policy not in policies:
        raise UnknownPolicyName()
    return policies.evaluate(user, policy) if task is None else policies.evaluate(user, policy, task)
