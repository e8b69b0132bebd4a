"""Object rules: &, |, ~ on predicates and on querysets, and policies composed as rules."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from nexora_testkit.factories import AdminFactory, CustomerFactory, SellerFactory, TaskFactory
from permissions.registry import PolicyRegistry, policies
from permissions.rules import Rule, rule
from tasks.models import Task
from tasks.policies import TASKS_VIEW_ANY, TASKS_VIEW_OWN, is_assignee, is_owner

USER = object()
OBJ = object()


def const(value: bool, name: str) -> Rule:
    """A rule that answers `value`, and filters with a Q naming it."""
    return Rule(lambda user, obj: value, name, q=lambda user: Q(**{name: value}))


BOOLS = [False, True]


# --- truth tables ---------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), list(product(BOOLS, BOOLS)))
def test_and_truth_table(a: bool, b: bool) -> None:
    assert (const(a, "a") & const(b, "b"))(USER, OBJ) is (a and b)


@pytest.mark.parametrize(("a", "b"), list(product(BOOLS, BOOLS)))
def test_or_truth_table(a: bool, b: bool) -> None:
    assert (const(a, "a") | const(b, "b"))(USER, OBJ) is (a or b)


@pytest.mark.parametrize("a", BOOLS)
def test_not_truth_table(a: bool) -> None:
    assert (~const(a, "a"))(USER, OBJ) is (not a)


@pytest.mark.parametrize(("a", "b", "c"), list(product(BOOLS, BOOLS, BOOLS)))
def test_nested_composition_truth_table(a: bool, b: bool, c: bool) -> None:
    ra, rb, rc = const(a, "a"), const(b, "b"), const(c, "c")
    assert ((ra | rb) & ~rc)(USER, OBJ) is ((a or b) and not c)
    assert (~(ra & rb) | rc)(USER, OBJ) is ((not (a and b)) or c)


def test_every_side_sees_the_same_user_and_object() -> None:
    seen: list[tuple[Any, Any]] = []

    def spy(user: Any, obj: Any) -> bool:
        seen.append((user, obj))
        return False

    left, right = Rule(spy, "left"), Rule(spy, "right")
    assert (left | ~right)(USER, OBJ) is True
    assert seen == [(USER, OBJ), (USER, OBJ)]


def test_rule_result_is_a_bool() -> None:
    assert Rule(lambda user, obj: "yes", "truthy")(USER, OBJ) is True  # type: ignore[arg-type, return-value]  # not a bool, on purpose
    assert Rule(lambda user, obj: None, "falsy")(USER, OBJ) is False  # type: ignore[arg-type, return-value]  # not a bool, on purpose


def test_composite_names_say_what_they_are() -> None:
    a, b = const(True, "a"), const(True, "b")
    assert (a & b).name == "(a & b)"
    assert (a | b).name == "(a | b)"
    assert (~a).name == "~a"


def test_rule_decorator_with_and_without_q() -> None:
    @rule
    def plain(user: Any, obj: Any) -> bool:
        return True

    @rule(q=lambda user: Q(owner_id=1))
    def filtering(user: Any, obj: Any) -> bool:
        return False

    assert isinstance(plain, Rule) and plain.name == "plain" and not plain.filters_querysets
    assert isinstance(filtering, Rule) and filtering.filters_querysets
    assert filtering.to_q(USER) == Q(owner_id=1)


# --- the OR of two policies evaluates each side with its own object check --------------


@pytest.fixture
def two_policies() -> tuple[PolicyRegistry, Rule]:
    """A: CUSTOMER, only on owned tasks; B: ADMIN, on any task. Returns holds(A) | holds(B)."""
    registry = PolicyRegistry()
    a = registry.register("demo.a", "Customers, on their own tasks.", [Role.CUSTOMER], is_owner)
    b = registry.register("demo.b", "Admins, on any task.", [Role.ADMIN])
    return registry, registry.holds(a) | registry.holds(b)


@pytest.mark.django_db
def test_or_of_policies_customer_on_a_task_they_do_not_own(two_policies: tuple[PolicyRegistry, Rule]) -> None:
    """ninja-extra's OR (has_permission of one side, object permission of the other) says True here."""
    registry, either = two_policies
    customer = CustomerFactory.create()
    task = TaskFactory.create(owner=CustomerFactory.create())
    # The flaw: "customer holds A" (role check) or "B's object check passes" (B has no rule).
    assert registry.allows(customer, "demo.a") is True
    assert registry.get("demo.b").rule is None
    assert either(customer, task) is False


@pytest.mark.django_db
def test_or_of_policies_customer_on_own_task(two_policies: tuple[PolicyRegistry, Rule]) -> None:
    _, either = two_policies
    customer = CustomerFactory.create()
    assert either(customer, TaskFactory.create(owner=customer)) is True


@pytest.mark.django_db
def test_or_of_policies_admin_on_any_task(two_policies: tuple[PolicyRegistry, Rule]) -> None:
    _, either = two_policies
    admin = AdminFactory.create()
    assert either(admin, TaskFactory.create(owner=CustomerFactory.create())) is True
    assert either(admin, TaskFactory.create(owner=admin)) is True


@pytest.mark.django_db
def test_or_of_policies_role_with_neither(two_policies: tuple[PolicyRegistry, Rule]) -> None:
    _, either = two_policies
    seller = SellerFactory.create()
    assert either(seller, TaskFactory.create(owner=seller)) is False


# --- to_q: the same rules filter querysets -----------------------------------------------


TASK_RULES = {
    "is_owner": is_owner,
    "is_assignee": is_assignee,
    "is_owner | is_assignee": is_owner | is_assignee,
    "is_owner & is_assignee": is_owner & is_assignee,
    "~is_assignee": ~is_assignee,
    "is_owner & ~is_assignee": is_owner & ~is_assignee,
    "~(is_owner | is_assignee)": ~(is_owner | is_assignee),
}


@pytest.fixture
def users_and_tasks(db: None) -> tuple[User, User]:
    """Every owner/assignee combination of two users, assignee None included."""
    me, other = CustomerFactory.create(), SellerFactory.create()
    for owner, assignee in product([me, other], [None, me, other]):
        TaskFactory.create(owner=owner, assignee=assignee)
    return me, other


@pytest.mark.parametrize("name", list(TASK_RULES))
def test_to_q_admits_exactly_what_the_predicate_admits(name: str, users_and_tasks: tuple[User, User]) -> None:
    composed = TASK_RULES[name]
    for user in users_and_tasks:
        filtered = set(Task.objects.filter(composed.to_q(user)).values_list("pk", flat=True))
        predicate = {task.pk for task in Task.objects.all() if composed(user, task)}
        assert filtered == predicate, (name, user)
        assert filtered, "a useless fixture: the rule admits nothing"


def test_to_q_composes_the_sides_q() -> None:
    a, b = const(True, "a"), const(False, "b")
    assert (a & b).to_q(USER) == Q(a=True) & Q(b=False)
    assert (a | b).to_q(USER) == Q(a=True) | Q(b=False)
    assert (~a).to_q(USER) == ~Q(a=True)


def test_to_q_refused_when_a_side_cannot_filter() -> None:
    plain = Rule(lambda user, obj: True, "plain")
    with pytest.raises(TypeError):
        plain.to_q(USER)
    for composed in (plain & const(True, "a"), const(True, "a") | plain, ~plain):
        assert not composed.filters_querysets
        with pytest.raises(TypeError):
            composed.to_q(USER)


# --- visible_q ---------------------------------------------------------------------------


def test_visible_q_is_none_when_no_policy_is_held() -> None:
    registry = PolicyRegistry()
    registry.register("demo.view_any", "Admins see all.", [Role.ADMIN])
    registry.register("demo.view_own", "Sellers see their own.", [Role.SELLER], is_owner)
    customer = User(pk=1, role=Role.CUSTOMER)
    assert registry.visible_q(customer, "demo.view_any", "demo.view_own") is None
    assert registry.visible_q(None, "demo.view_any", "demo.view_own") is None
    assert registry.visible_q(customer) is None


def test_visible_q_of_the_task_policies() -> None:
    customer = User(pk=7, role=Role.CUSTOMER)
    admin = User(pk=8, role=Role.ADMIN)
    assert policies.visible_q(customer, TASKS_VIEW_ANY) is None
    assert policies.visible_q(customer, TASKS_VIEW_ANY, TASKS_VIEW_OWN) == Q(owner_id=7) | Q(assignee_id=7)
    # A held policy without a rule admits every row.
    assert policies.visible_q(admin, TASKS_VIEW_ANY, TASKS_VIEW_OWN) == Q()


@pytest.mark.parametrize("factory", [CustomerFactory, SellerFactory, AdminFactory], ids=lambda f: f.__name__)
def test_visible_q_filters_like_the_object_check(factory: Any, users_and_tasks: tuple[User, User]) -> None:
    user = factory()
    TaskFactory.create(owner=user)
    TaskFactory.create(owner=users_and_tasks[0], assignee=user)
    q = policies.visible_q(user, TASKS_VIEW_ANY, TASKS_VIEW_OWN)
    assert q is not None
    visible = set(Task.objects.filter(q).values_list("pk", flat=True))
    can_see = policies.holds(TASKS_VIEW_ANY) | policies.holds(TASKS_VIEW_OWN)
    assert visible == {task.pk for task in Task.objects.all() if can_see(user, task)}
