"""api.prepared: a query compiled once answers exactly what the ORM answers when it
compiles the same queryset with the real values, on SQLite and MariaDB alike; what it
cannot take as parameters it refuses to prepare. An INSERT compiled once writes the row
`objects.create` writes, and leaves to the ORM what the ORM does besides the INSERT."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now
from django.db.models.signals import pre_save
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from ninja_jwt.token_blacklist.models import OutstandingToken

from accounts.models import User
from api.prepared import (
    NotPreparable,
    PreparedInsert,
    PreparedQuery,
    PreparedRows,
    int_stand_in,
    prepared_count,
    prepared_insert,
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


def row(task: Task) -> dict[str, Any]:
    values: dict[str, Any] = dict(Task.objects.filter(pk=task.pk).values().get())
    del values["id"]
    return values


def test_an_insert_writes_the_row_objects_create_writes(db: None) -> None:
    owner, assignee = CustomerFactory.create(), CustomerFactory.create()
    when = timezone.now()
    values: dict[str, Any] = {
        "owner": owner,
        "assignee_id": assignee.pk,
        "title": "Émile's 100% \\ _task_",
        "status": Task.Status.DONE,
        "due_date": when.date(),
        "created_at": when,
        "updated_at": when,
    }

    made = prepared_insert(Task).create(**values)
    expected = Task.objects.create(**values)

    assert made.pk is not None and made.pk != expected.pk
    assert row(made) == row(expected)
    assert row(made)["description"] == ""  # a default, as the ORM fills it in
    assert [getattr(made, f.attname) for f in Task._meta.concrete_fields if f.attname != "id"] == [
        getattr(expected, f.attname) for f in Task._meta.concrete_fields if f.attname != "id"
    ]
    assert made._state.adding is False and made._state.db == "default"


def test_an_inserted_row_is_saved_in_the_eyes_of_the_orm(db: None) -> None:
    user = CustomerFactory.create()
    token = prepared_insert(OutstandingToken).create(user=user, jti="j-1", token="t", expires_at=timezone.now())

    token.full_clean()  # its unique jti is its own, not another row's
    token.token = "changed"
    token.save()
    assert list(OutstandingToken.objects.values_list("jti", "token")) == [("j-1", "changed")]


def test_a_model_with_save_receivers_is_saved_by_the_orm(db: None) -> None:
    seen: list[str] = []

    def receiver(sender: type[Task], instance: Task, **kwargs: Any) -> None:
        seen.append(instance.title)
        instance.title = instance.title.upper()

    pre_save.connect(receiver, sender=Task)
    try:
        made = prepared_insert(Task).create(owner=CustomerFactory.create(), title="quiet")
    finally:
        pre_save.disconnect(receiver, sender=Task)

    assert seen == ["quiet"]
    assert Task.objects.get(pk=made.pk).title == "QUIET"


def test_an_expression_is_left_to_the_orm(db: None) -> None:
    made = prepared_insert(Task).create(owner=CustomerFactory.create(), title="now", created_at=Now())

    stored = Task.objects.get(pk=made.pk).created_at
    assert abs((stored - timezone.now()).total_seconds()) < 60


def test_an_unsaved_related_object_is_refused_as_the_orm_refuses_it(db: None) -> None:
    with pytest.raises(ValueError, match="unsaved related object"):
        prepared_insert(Task).create(owner=User(email="nobody@example.com"), title="orphan")
    assert Task.objects.count() == 0


def test_a_failed_insert_spoils_its_transaction_as_the_orms_does(db: None) -> None:
    user = CustomerFactory.create()
    insert = prepared_insert(OutstandingToken)
    insert.create(user=user, jti="same", token="t", expires_at=timezone.now())

    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert.create(user=user, jti="same", token="t", expires_at=timezone.now())
        with pytest.raises(TransactionManagementError):
            OutstandingToken.objects.count()
    assert OutstandingToken.objects.count() == 1


def test_a_model_without_an_auto_key_is_not_prepared() -> None:
    with pytest.raises(NotPreparable, match="auto key"):
        PreparedInsert.of(Session, "default")
