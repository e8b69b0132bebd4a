"""Object rules: small predicates on (user, obj) that compose with &, | and ~.

Each composite evaluates both sides on the same user and object, so `a | b` passes
exactly when one side passes its own object check (unlike an OR of separate "has
permission" and "has object permission" answers, which lets the wrong side's object
check decide).

A rule may also say which rows it admits as a Q object (`to_q(user)`), so selectors
filter querysets with the very rule the policy declares instead of a copy of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from django.db.models import Q

Predicate = Callable[[Any, Any], bool]
QBuilder = Callable[[Any], Q]


class Rule:
    __slots__ = ("_q", "_test", "name")

    def __init__(self, test: Predicate, name: str, q: QBuilder | None = None) -> None:
        self._test = test
        self._q = q
        self.name = name

    def __call__(self, user: Any, obj: Any) -> bool:
        return bool(self._test(user, obj))

    def to_q(self, user: Any) -> Q:
        """The rows this rule admits for `user`, as a filter."""
        if self._q is None:
            raise TypeError(f"Rule {self.name} cannot filter a queryset: give it a q=.")
        return self._q(user)

    @property
    def filters_querysets(self) -> bool:
        return self._q is not None

    def __and__(self, other: Rule) -> Rule:
        q = _combine(self, other, lambda a, b: a & b)
        return Rule(lambda user, obj: self(user, obj) and other(user, obj), f"({self.name} & {other.name})", q)

    def __or__(self, other: Rule) -> Rule:
        q = _combine(self, other, lambda a, b: a | b)
        return Rule(lambda user, obj: self(user, obj) or other(user, obj), f"({self.name} | {other.name})", q)

    def __invert__(self) -> Rule:
        q = (lambda user: ~self.to_q(user)) if self.filters_querysets else None
        return Rule(lambda user, obj: not self(user, obj), f"~{self.name}", q)

    def __repr__(self) -> str:
        return f"<Rule {self.name}>"


def _combine(left: Rule, right: Rule, op: Callable[[Q, Q], Q]) -> QBuilder | None:
    if not (left.filters_querysets and right.filters_querysets):
        return None
    return lambda user: op(left.to_q(user), right.to_q(user))


@overload
def rule(test: Predicate, *, q: QBuilder | None = None) -> Rule: ...


@overload
def rule(test: None = None, *, q: QBuilder | None = None) -> Callable[[Predicate], Rule]: ...


def rule(test: Predicate | None = None, *, q: QBuilder | None = None) -> Rule | Callable[[Predicate], Rule]:
    """Decorator: `@rule` or `@rule(q=lambda user: Q(owner=user))` on `def f(user, obj) -> bool`."""

    def wrap(func: Predicate) -> Rule:
        return Rule(func, func.__name__, q)

    return wrap(test) if test is not None else wrap
