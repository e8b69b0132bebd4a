"""api.prepared: a query compiled once answers exactly what the ORM answers when it
compiles the same queryset with the real values, on SQLite and MariaDB alike; what it
cannot take as parameters it refuses to prepare. An INSERT compiled once writes the row
`objects.create` writes, and leaves to the ORM what the ORM does besides the INSERT."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from django.db.models import Q
from django.db.models.expressions import RawSQL

from accounts.models import User
from api.prepared import (
    NotPreparable,
    PreparedQuery,
    PreparedRows,
    int_stand_in,
    prepared_count,
    text_stand_in,
)
from nexora_testkit.factories import CustomerFactory, TaskFactory
from tasks.models import Task

pytestmark = pytest.mark.django_db

#: Titles that LIKE's wildcards and escape character would confuse if a value went in unescaped.
TITLES = ["100% done", "100 percent", "a_b", "axb", "back\\slash", "backslash", "Émile's ünïcode", "plain"]
SEARCHES = ["%", "100%", "_", "a_b", "\\", "back\\s", "ÉMILE", "", "nothing"]

TITLE = text_stand_in(0)
OWNER = int_stand_in(0)


@pytest.fixture
def tasks() -> list[Task]:
    owner = CustomerFactory.create()
    return [TaskFactory.create(owner=owner, title=title) for title in TITLES]


def titles(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted(row["title"] for row in rows)


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("lookup", ["contains", "icontains", "startswith", "iendswith"])
def test_a_like_pattern_escapes_the_value_as_the_orm_does(tasks: list[Task], lookup: str, search: str) -> None:
    prepared = PreparedQuery.of(Task.objects.filter(**{f"title__{lookup}": TITLE}).values("title"), {"t": TITLE})

    expected = list(Task.objects.filter(**{f"title__{lookup}": search}).values("title"))
    assert titles(prepared.dicts(t=search)) == titles(expected)


@pytest.mark.parametrize("title", [*TITLES, "A_B", "axb", "100%"])
@pytest.mark.parametrize("lookup", ["exact", "iexact"])
def test_an_exact_value_is_passed_as_the_orm_passes_it(tasks: list[Task], lookup: str, title: str) -> None:
    prepared = PreparedQuery.of(Task.objects.filter(**{f"title__{lookup}": TITLE}).values("title"), {"t": TITLE})

    assert titles(prepared.dicts(t=title)) == titles(
        list(Task.objects.filter(**{f"title__{lookup}": title}).values("title"))
    )


def test_models_are_built_with_every_value_converted_as_the_orm_does(db: None) -> None:
    user = CustomerFactory.create(email_verified=True)
    prepared = PreparedQuery.of(User.objects.filter(pk=OWNER, is_active=True), {"pk": OWNER})

    [found] = prepared.models(User, pk=user.pk)
    expected = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.attname
    assert found._state.adding is False and found._state.db == "default"
    assert prepared.models(User, pk=user.pk + 1000) == []


def test_a_count_is_the_querysets_count(tasks: list[Task]) -> None:
    other = CustomerFactory.create()
    TaskFactory.create_batch(3, owner=other)
    queryset = Task.objects.filter(Q(owner_id=OWNER) | Q(assignee_id=OWNER)).order_by("-title")
    prepared = prepared_count(queryset, {"owner": OWNER})

    for owner in (tasks[0].owner_id, other.pk, other.pk + 1000):
        assert prepared.rows(owner=owner) == [(Task.objects.filter(owner_id=owner).count(),)]


def test_a_stand_in_the_query_does_not_use_is_ignored(tasks: list[Task]) -> None:
    prepared = PreparedQuery.of(Task.objects.order_by("id").values("id"), {"owner": OWNER})

    assert [row["id"] for row in prepared.dicts(owner=12345)] == [task.pk for task in tasks]


def test_a_stand_in_spelled_out_in_the_sql_is_refused(db: None) -> None:
    inlined = Task.objects.filter(pk__gt=RawSQL(f"{OWNER}", ())).values("id")

    with pytest.raises(NotPreparable, match="spells out"):
        PreparedQuery.of(inlined, {"owner": OWNER})


def test_a_stand_in_changed_on_its_way_to_the_sql_is_refused(db: None) -> None:
    with pytest.raises(NotPreparable, match="changed"):
        PreparedQuery.of(Task.objects.filter(title=TITLE + "!").values("id"), {"t": TITLE})
    with pytest.raises(NotPreparable, match="changed"):
        PreparedQuery.of(Task.objects.filter(title=str(OWNER) + "x").values("id"), {"owner": OWNER})


def test_prepared_rows_count_and_slice_like_a_queryset(tasks: list[Task]) -> None:
    queryset = Task.objects.filter(owner_id=OWNER).order_by("title", "id").values("id", "title")
    rows = PreparedRows(
        prepared_count(queryset, {"owner": OWNER}),
        lambda start, stop: PreparedQuery.of(queryset[start:stop], {"owner": OWNER}),
        {"owner": tasks[0].owner_id},
    )
    expected = list(Task.objects.filter(owner_id=tasks[0].owner_id).order_by("title", "id").values("id", "title"))

    assert rows.count() == len(TITLES)
    assert rows[0:3] == expected[0:3]
    assert rows[3:100] == expected[3:]
    assert rows[100:120] == []
    with pytest.raises(ValueError, match="slices"):
        rows[::2]


def test_no_rows_without_a_query(db: None) -> None:
    def never(start: int, stop: int) -> PreparedQuery:
        raise AssertionError("no query may be prepared")

    rows = PreparedRows(None, never, {})
    assert (rows.count(), rows[0:20]) == (0, [])
