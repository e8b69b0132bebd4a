"""api.prepared: a query compiled once answers exactly what the ORM answers when it
compiles the same queryset with the real values, on SQLite and MariaDB alike, on whichever
thread runs it; what two sets of stand-ins do not prove it takes as parameters alone, it
refuses to prepare. An INSERT compiled once writes the row `objects.create` writes, and
leaves to the ORM what the ORM does besides the INSERT."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connections
from django.db.models import BigIntegerField, DecimalField, F, IntegerField, Q, QuerySet, Value
from django.db.models.expressions import ExpressionWrapper, RawSQL
from django.db.models.functions import Cast, Upper

from accounts.models import User
from api.prepared import (
    NotPreparable,
    PreparedList,
    PreparedQuery,
    PreparedRows,
    PreparedShapes,
    StandInPrincipal,
    UnkeyedAttribute,
    prepared_count,
)
from nexora_testkit.factories import CustomerFactory, TaskFactory
from tasks.models import Task

pytestmark = pytest.mark.django_db

#: Titles that LIKE's wildcards and escape character would confuse if a value went in unescaped.
TITLES = ["100% done", "100 percent", "a_b", "axb", "back\\slash", "backslash", "Émile's ünïcode", "plain"]
SEARCHES = ["%", "100%", "_", "a_b", "\\", "back\\s", "ÉMILE", "", "nothing"]


@pytest.fixture
def tasks() -> list[Task]:
    owner = CustomerFactory.create()
    return [TaskFactory.create(owner=owner, title=title) for title in TITLES]


def titles(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted(row["title"] for row in rows)


def by_title(lookup: str) -> Callable[[Mapping[str, Any]], QuerySet[Any]]:
    return lambda value: Task.objects.filter(**{f"title__{lookup}": value["t"]}).values("title")


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("lookup", ["contains", "icontains", "startswith", "iendswith"])
def test_a_like_pattern_escapes_the_value_as_the_orm_does(tasks: list[Task], lookup: str, search: str) -> None:
    prepared = PreparedQuery.of(by_title(lookup), {"t": str})

    assert [param.kind for param in prepared.params] == ["like"]
    assert titles(prepared.dicts(t=search)) == titles(by_title(lookup)({"t": search}))


@pytest.mark.parametrize("title", [*TITLES, "A_B", "axb", "100%"])
@pytest.mark.parametrize("lookup", ["exact", "iexact"])
def test_an_exact_value_is_passed_as_the_orm_passes_it(tasks: list[Task], lookup: str, title: str) -> None:
    prepared = PreparedQuery.of(by_title(lookup), {"t": str})

    assert titles(prepared.dicts(t=title)) == titles(by_title(lookup)({"t": title}))


def active_user(value: Mapping[str, Any]) -> QuerySet[User]:
    return User.objects.filter(pk=value["pk"], is_active=True)


def test_models_are_built_with_every_value_converted_as_the_orm_does(db: None) -> None:
    user = CustomerFactory.create(email_verified=True)
    prepared = PreparedQuery.of(active_user, {"pk": int})

    [found] = prepared.models(User, pk=user.pk)
    expected = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.attname
    assert found._state.adding is False and found._state.db == "default"
    assert prepared.models(User, pk=user.pk + 1000) == []


def test_values_of_another_kind_are_refused_not_passed(db: None) -> None:
    """None would be IS NULL to the ORM and a bool is no id: not what the query was proven for."""
    prepared = PreparedQuery.of(active_user, {"pk": int})

    for wrong in ({"pk": None}, {"pk": True}, {"pk": "1"}, {}, {"pk": 1, "other": 2}):
        with pytest.raises(TypeError, match="values of"):
            prepared.rows(**wrong)


def mine(value: Mapping[str, Any]) -> QuerySet[Task]:
    return Task.objects.filter(Q(owner_id=value["owner"]) | Q(assignee_id=value["owner"])).order_by("-title")


def test_a_count_is_the_querysets_count(tasks: list[Task]) -> None:
    other = CustomerFactory.create()
    TaskFactory.create_batch(3, owner=other)
    TaskFactory.create_batch(2, owner=tasks[0].owner, assignee=other)
    prepared = prepared_count(mine, {"owner": int})

    for owner in (tasks[0].owner_id, other.pk, other.pk + 1000):
        assert prepared.rows(owner=owner) == [(mine({"owner": owner}).count(),)]
    assert prepared.rows(owner=other.pk) == [(5,)]


def test_a_stand_in_the_query_does_not_use_is_ignored(tasks: list[Task]) -> None:
    prepared = PreparedQuery.of(lambda value: Task.objects.order_by("id").values("id"), {"owner": int})

    assert [row["id"] for row in prepared.dicts(owner=12345)] == [task.pk for task in tasks]


#: Querysets a stand-in does not reach as a parameter alone, each with what a one-set
#: compile would have kept of the first user's value.
REFUSED: dict[str, Callable[[Mapping[str, Any]], QuerySet[Any]]] = {
    "spelled out in the SQL": lambda v: Task.objects.filter(pk__gt=RawSQL(f"{v['owner']}", ())),
    "an int plus one": lambda v: Task.objects.filter(owner_id=v["owner"] + 1),
    "an int as a Decimal": lambda v: Task.objects.filter(
        owner_id=Value(v["owner"], output_field=DecimalField(max_digits=12, decimal_places=0))
    ),
    "an int as text": lambda v: Task.objects.filter(title=str(v["owner"])),
    "an int compared in Python": lambda v: Task.objects.filter(due_date__isnull=v["owner"] > 0),
    "a choice made on an int": lambda v: Task.objects.filter(Q(owner_id=v["owner"]) if v["owner"] > 0 else Q()),
    "a text with more to it": lambda v: Task.objects.filter(title=v["t"] + "!"),
    "a text upper-cased in Python": lambda v: Task.objects.filter(title=v["t"].upper()),
    "a text's length": lambda v: Task.objects.filter(id=len(v["t"])),
    "a text cut short": lambda v: Task.objects.filter(title=v["t"][:5]),
    "a text stripped": lambda v: Task.objects.filter(title=v["t"].strip()),
    "a text lower-cased in Python": lambda v: Task.objects.filter(title__contains=v["t"].lower()),
}


@pytest.mark.parametrize("build", REFUSED.values(), ids=REFUSED.keys())
def test_a_stand_in_that_does_not_reach_a_parameter_whole_is_refused(
    db: None, build: Callable[[Mapping[str, Any]], QuerySet[Any]]
) -> None:
    with pytest.raises(NotPreparable):
        PreparedQuery.of(build, {"owner": int, "t": str})


def test_a_cast_in_the_sql_takes_the_value_as_the_orm_does(tasks: list[Task]) -> None:
    """A cast the database makes keeps the value a parameter: prepared, and right."""

    def cast(value: Mapping[str, Any]) -> QuerySet[Any]:
        owner = Cast(Value(value["owner"]), output_field=BigIntegerField())
        title = Upper(Value(value["t"]))
        return Task.objects.filter(owner_id=owner).exclude(title=title).order_by("id").values("id")

    prepared = PreparedQuery.of(cast, {"owner": int, "t": str})

    for owner, title in ((tasks[0].owner_id, "PLAIN"), (tasks[0].owner_id, "nothing"), (-1, "PLAIN")):
        values = {"owner": owner, "t": title}
        assert prepared.dicts(**values) == list(cast(values)), values


def test_a_decimal_reaching_the_parameters_from_the_orm_is_fixed_not_a_stand_in(db: None) -> None:
    """The review's case: a Decimal made from the stand-in was taken as a fixed parameter."""
    build = REFUSED["an int as a Decimal"]
    assert build({"owner": -5}).query.get_compiler("default").as_sql()[1] == (Decimal(-5),)
    with pytest.raises(NotPreparable, match="no stand-in"):
        PreparedQuery.of(build, {"owner": int})


def test_prepared_rows_count_and_slice_like_a_queryset(tasks: list[Task]) -> None:
    def build(value: Mapping[str, Any]) -> QuerySet[Any]:
        return Task.objects.filter(owner_id=value["owner"]).order_by("title", "id").values("id", "title")

    rows = PreparedRows(PreparedList.of(build, {"owner": int}), {"owner": tasks[0].owner_id})
    expected = list(build({"owner": tasks[0].owner_id}))

    assert rows.count() == len(TITLES)
    assert rows[0:3] == expected[0:3]
    assert rows[3:100] == expected[3:]
    assert rows[100:120] == []
    assert rows[5:5] == rows[6:2] == []
    for start in range(len(TITLES) + 2):
        for stop in range(start, len(TITLES) + 2):
            assert rows[start:stop] == expected[start:stop], (start, stop)
    with pytest.raises(ValueError, match="slices"):
        rows[::2]
    with pytest.raises(ValueError, match="ints >= 0"):
        rows[-1:3]


def test_a_query_the_orm_slices_otherwise_is_not_sliceable(db: None) -> None:
    """A page of a page: the ORM's slice is not the SQL with a LIMIT appended."""

    def first_ten(value: Mapping[str, Any]) -> QuerySet[Any]:
        return Task.objects.filter(owner_id=value["owner"]).order_by("id").values("id")[:10]

    assert PreparedQuery.of(first_ten, {"owner": int}).sql.endswith("LIMIT 10")
    with pytest.raises(NotPreparable, match="slices this query otherwise"):
        PreparedQuery.of(first_ten, {"owner": int}, sliceable=True)
    with pytest.raises(TypeError, match="sliceable"):
        PreparedQuery.of(first_ten, {"owner": int}).page(0, 5, owner=1)


def test_no_rows_without_a_query(db: None, django_assert_num_queries: Any) -> None:
    rows = PreparedRows(None, {})
    with django_assert_num_queries(0):
        assert (rows.count(), rows[0:20]) == (0, [])


# --- the user the rules see -------------------------------------------------------------


def test_a_stand_in_principal_offers_only_its_attributes() -> None:
    principal = StandInPrincipal(pk=7, role="CUSTOMER", is_authenticated=True)

    assert (principal.pk, principal.role, principal.is_authenticated) == (7, "CUSTOMER", True)
    assert getattr(principal, "role", None) == "CUSTOMER"
    # Neither a default nor hasattr hides a read of what the shape is not keyed on.
    with pytest.raises(UnkeyedAttribute, match="'email'"):
        getattr(principal, "email", "")
    with pytest.raises(UnkeyedAttribute, match="'_meta'"):
        hasattr(principal, "_meta")
    assert isinstance(UnkeyedAttribute("x"), NotPreparable) and not isinstance(UnkeyedAttribute("x"), AttributeError)


def test_a_rule_on_the_user_instance_cannot_be_prepared(db: None) -> None:
    """Q(owner=user) with a stand-in user: Django asks the instance more than the shape holds."""
    principal: Any = StandInPrincipal(pk=7, id=7, role="CUSTOMER", is_authenticated=True)

    with pytest.raises(UnkeyedAttribute):
        PreparedQuery.of(lambda value: Task.objects.filter(owner=principal), {"owner": int})


# --- shapes ------------------------------------------------------------------------------


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if getattr(record, "event", None) == "prepared_query_refused"]


def test_shapes_keep_what_is_prepared_and_what_is_refused_logging_a_refusal_once(
    db: None, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    def prepare(shape: str) -> PreparedQuery:
        calls.append(shape)
        if shape == "broken":
            raise ValueError("Field 'id' expected a number")
        return PreparedQuery.of(REFUSED.get(shape, active_user), {"pk": int, "owner": int, "t": str})

    shapes: PreparedShapes[str, PreparedQuery] = PreparedShapes(prepare, maxsize=8)
    caplog.set_level(logging.WARNING, logger="nexora.api")

    for _ in range(3):
        assert shapes.get("an int plus one") is None
        assert shapes.get("broken") is None
        assert shapes.get("fine") is not None
    assert calls == ["an int plus one", "broken", "fine"]
    assert len(shapes) == 3
    assert [(record.shape, record.reason.split(":")[0]) for record in refusals(caplog)] == [  # type: ignore[attr-defined]  # extras
        ("an int plus one", "NotPreparable"),
        ("broken", "ValueError"),
    ]


def test_a_database_error_while_preparing_is_not_kept(db: None) -> None:
    answers: list[Exception | None] = [DatabaseError("gone"), None]

    def prepare(shape: str) -> str:
        error = answers.pop(0)
        if error is not None:
            raise error
        return "prepared"

    shapes: PreparedShapes[str, str] = PreparedShapes(prepare, maxsize=8)
    assert shapes.get("x") is None
    assert len(shapes) == 0
    assert shapes.get("x") == "prepared"


# --- threads ---------------------------------------------------------------------------


class SeenConnection(IntegerField):  # type: ignore[type-arg]  # a plain int, as IntegerField is
    """An int whose converter notes the connection the ORM hands it."""

    def __init__(self, seen: list[Any]) -> None:
        super().__init__()
        self.seen = seen

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        self.seen.append(connection)
        return value


def in_another_thread(work: Callable[[], Any]) -> tuple[Any, Any]:
    """What `work` answers on a thread of its own, and that thread's connection."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["answer"] = work()
            outcome["connection"] = connections["default"]
        except BaseException as exc:  # handed back to the test's thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"], outcome["connection"]


@pytest.mark.django_db(transaction=True)
def test_a_query_prepared_on_one_thread_converts_with_the_connection_of_the_thread_that_runs_it() -> None:
    task = TaskFactory.create()
    seen: list[Any] = []

    def build(value: Mapping[str, Any]) -> QuerySet[Any]:
        noted = ExpressionWrapper(F("id"), output_field=SeenConnection(seen))
        return Task.objects.filter(owner_id=value["owner"]).annotate(noted=noted)

    prepared = PreparedQuery.of(build, {"owner": int})
    columns = [field.attname for field in Task._meta.concrete_fields]
    expected = list(build({"owner": task.owner_id}).values_list(*columns, "noted"))
    assert prepared.rows(owner=task.owner_id) == expected
    assert seen[-1] is connections["default"]

    rows, connection = in_another_thread(lambda: prepared.rows(owner=task.owner_id))

    assert connection is not connections["default"]
    assert seen[-1] is connection
    assert rows == expected
    assert rows[0][columns.index("created_at")] == task.created_at
