"""Queries compiled once, run again with other values.

Django compiles a queryset's SQL every time it is evaluated. For the few queries every
request makes (the user behind a token, a page of tasks and its count) compiling costs
several times what running them does (docs/performance.md, "Where the time goes").
`PreparedQuery.of(build, kinds)` compiles the queryset `build` makes from stand-in values,
once; `rows(**values)` then runs the same SQL with the real values in their places and
converts the rows with the converters the ORM itself applies. The SQL, the parameters and
the converted values are the ORM's own; only the compiling is not repeated.

Why it is the same query: `build` is compiled with two disjoint sets of stand-ins (ints of
opposite signs and parities, texts of different case and length, each with an underscore
so that LIKE escaping shows, one with spaces around it). The two must give the same SQL, and the same parameters except
where the first set's stand-in for a name stands whole (an exact lookup) or escaped inside
a LIKE pattern (contains, iexact ...) and the second set's stand-in for the same name stands
in the same place, in the same pattern. Anything else (a stand-in the SQL spells out, or one
changed on its way: `+ 1`, a Decimal, a transformed string, a choice made on its value) is
refused (`NotPreparable`), never guessed at. What two sets cannot see is a value computed
from a stand-in that both sets happen to answer alike; they differ in sign, parity, length,
case and spaces so that the usual ones (a comparison with zero, a length, a change of case,
a strip) do not.

What a query reads from a user other than the values: `StandInPrincipal` stands for the
user while compiling and offers only the attributes its caller keys its shapes on; reading
any other raises `UnkeyedAttribute`, so the first user's value is never kept for the next.

Each thread runs the SQL on its own connection, with converters built for that connection
(they take it as an argument, and some read it from their own `ops`): what is kept per
process is the SQL, never one thread's connection.

`PreparedShapes` keeps what is prepared per query shape, never per value (its keys are
finite: a role, the filters given, an ordering ...), and remembers a refusal too, logged
once (event `prepared_query_refused`): the caller then runs the ORM.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Generic, Literal, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, IntegerField, Model, QuerySet
from django.db.models.expressions import Expression
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler

logger = logging.getLogger("nexora.api")

#: What a value is: an int or a text (a str, or a str enum such as TextChoices).
Kind = type[int] | type[str]
#: Makes the queryset from {name: value}; called with each set of stand-ins.
Build = Callable[[Mapping[str, Any]], QuerySet[Any]]

#: The two sets' ints: no id is negative, and both stay within 32 bits, so no integer
#: lookup refuses them (the first counts down from its base, the second up).
_INT_BASES: Final = (-1_987_654_000, 1_234_567_891)
#: The two sets' texts, marked so that nobody types them; of different case and length, one
#: with spaces around it, so that a change of case, a cut or a strip() shows in one set.
_TEXTS: Final = (" \u2983prepared_a_{}\u2984 ", "\u2983PREPARED_B_STAND_IN_{}\u2984")

M = TypeVar("M", bound=Model)
K = TypeVar("K", bound=Hashable)
P = TypeVar("P")
Converters = dict[int, tuple[list[Callable[..., Any]], Expression]]


class NotPreparable(Exception):
    """The queryset does not take its values as parameters alone: run it through the ORM."""


class UnkeyedAttribute(NotPreparable):
    """A rule read an attribute of the stand-in user that the prepared shape is not keyed on."""


class StandInPrincipal:
    """The user the rules see while a query is prepared: only `attributes` (what the
    caller's shape key holds, or what is the same for every user of the shape). Reading
    anything else raises `UnkeyedAttribute`, not AttributeError, so neither `getattr` with
    a default nor `hasattr` (Django's checks of a model instance) takes it as "absent"."""

    __slots__ = ("_attributes",)

    def __init__(self, **attributes: Any) -> None:
        self._attributes = attributes

    def __getattr__(self, name: str) -> Any:
        if name == "_attributes":  # not set yet (a copy being made): absent, not refused
            raise AttributeError(name)
        try:
            return self._attributes[name]
        except KeyError:
            raise UnkeyedAttribute(f"a rule reads the user's {name!r}, which the shape is not keyed on") from None

    def __repr__(self) -> str:
        return f"StandInPrincipal({', '.join(sorted(self._attributes))})"


def _stand_ins(kinds: Mapping[str, Kind], which: Literal[0, 1]) -> dict[str, int | str]:
    """The `which`th set of stand-ins for `kinds` ({name: int or str})."""
    stand_ins: dict[str, int | str] = {}
    for number, (name, kind) in enumerate(kinds.items()):
        if kind is int:
            base = _INT_BASES[which]
            stand_ins[name] = base - number if base < 0 else base + number
        elif kind is str:
            stand_ins[name] = _TEXTS[which].format(number)
        else:
            raise TypeError(f"{name}: a stand-in is an int or a str, not {kind!r}")
    return stand_ins


def _is_kind(value: Any, kind: Kind) -> bool:
    # bool is an int to Python, not to the ORM; None would be IS NULL to the ORM.
    return type(value) is int if kind is int else isinstance(value, str)


@dataclass(frozen=True)
class _Param:
    kind: Literal["fixed", "value", "like"]
    value: Any  # the fixed parameter, or the stand-in's name
    around: tuple[str, str] = ("", "")  # for "like": the pattern before and after the value


def _params(
    first: tuple[str, tuple[Any, ...]],
    second: tuple[str, tuple[Any, ...]],
    stand_ins: tuple[dict[str, int | str], dict[str, int | str]],
    escape: Callable[[str], str],
) -> tuple[_Param, ...]:
    """What each parameter is, from the SQL and parameters compiled with each set."""
    (sql, params), (other_sql, other_params) = first, second
    if sql != other_sql:
        raise NotPreparable("the SQL changes with the values: it spells one out, or is shaped by one")
    if len(params) != len(other_params):
        raise NotPreparable("the parameters change in number with the values")
    return tuple(_param(a, b, stand_ins, escape) for a, b in zip(params, other_params, strict=True))


def _param(
    a: Any, b: Any, stand_ins: tuple[dict[str, int | str], dict[str, int | str]], escape: Callable[[str], str]
) -> _Param:
    """Fixed (alike in both sets), a stand-in as given (each set's own, whole), or a LIKE
    pattern around a stand-in escaped as Django escapes it (the same pattern in both)."""
    if type(a) is type(b) and a == b:
        return _Param("fixed", a)
    for name, first in stand_ins[0].items():
        second = stand_ins[1][name]
        if type(a) is type(first) and a == first and type(b) is type(second) and b == second:
            return _Param("value", name)
        if isinstance(first, str) and isinstance(second, str) and type(a) is str and type(b) is str:
            around = a.split(escape(first))
            if len(around) == 2 and b.split(escape(second)) == around:
                return _Param("like", name, (around[0], around[1]))
    raise NotPreparable(f"a parameter changes with the values but is no stand-in: {a!r}, then {b!r}")


@dataclass(frozen=True)
class _Compiled:
    """A query's compiler and converters on one connection (the thread that runs it)."""

    connection: BaseDatabaseWrapper
    compiler: SQLCompiler
    converters: Converters


@dataclass(frozen=True)
class PreparedQuery:
    """One query's SQL, compiled once for one database; `rows`, `dicts`, `models` and (for
    a `sliceable` one) `page` run it on the calling thread's connection."""

    alias: str
    sql: str
    params: tuple[_Param, ...]
    names: tuple[str, ...]
    kinds: dict[str, Kind]
    #: The query built with the first set: compiled again, once, on each connection that
    #: runs it, for its converters (and checked to give the same SQL).
    query: Query
    sliceable: bool
    #: The names of the annotations among `names`: `models` sets them as attributes, as the ORM does.
    annotations: tuple[str, ...] = ()
    _per_thread: threading.local = field(default_factory=threading.local, compare=False, repr=False)

    @classmethod
    def of(cls, build: Build, kinds: Mapping[str, Kind], *, sliceable: bool = False) -> PreparedQuery:
        """Compile the queryset `build` makes ({name: value} -> QuerySet) for values of `kinds`
        ({name: int or str}). `sliceable`: also proven to slice as the ORM does (`page`)."""
        stand_ins = (_stand_ins(kinds, 0), _stand_ins(kinds, 1))
        queryset, other = build(stand_ins[0]), build(stand_ins[1])
        alias = queryset.db
        if other.db != alias:
            raise NotPreparable("the database changes with the values")
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        first, second = _compile(compiler), _compile(other.query.get_compiler(using=alias))
        params = _params(first, second, stand_ins, connection.ops.prep_for_like_query)
        if sliceable:
            _check_slicing(queryset, first, connection)
        columns = [column for column, _, _ in compiler.select]
        values_select = tuple(compiler.query.values_select)
        if values_select and len(values_select) != len(columns):
            raise NotPreparable("only plain values() fields are supported")
        # A model's column is named by its field's attname, an annotation by its alias.
        names = values_select or tuple(
            selected or getattr(getattr(column, "target", None), "attname", "")
            for column, _, selected in compiler.select
        )
        annotations = () if values_select else tuple(compiler.annotation_col_map)
        return cls(alias, first[0], params, names, dict(kinds), queryset.query, sliceable, annotations)

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """Run the query with `values` for the stand-ins: its rows, converted as the ORM does."""
        return self._run(values, None)

    def dicts(self, **values: Any) -> list[dict[str, Any]]:
        """`rows`, each as {name: value}, like `values()`."""
        return self._as_dicts(self.rows(**values))

    def models(self, model: type[M], **values: Any) -> list[M]:
        """`rows` as instances of `model` (the query must select its concrete fields), each
        annotation an attribute of its instance, as the ORM sets it."""
        if not self.annotations:
            return [model.from_db(self.alias, self.names, row) for row in self.rows(**values)]
        fields = [index for index, name in enumerate(self.names) if name not in self.annotations]
        extra = [(index, name) for index, name in enumerate(self.names) if name in self.annotations]
        field_names = [self.names[index] for index in fields]
        instances = []
        for row in self.rows(**values):
            instance = model.from_db(self.alias, field_names, [row[index] for index in fields])
            for index, name in extra:
                setattr(instance, name, row[index])
            instances.append(instance)
        return instances

    def page(self, start: int, stop: int, **values: Any) -> list[dict[str, Any]]:
        """`dicts` of the ORM's slice `[start:stop]`: the same SQL with the LIMIT and OFFSET
        Django appends (proven when preparing), for ints 0 <= start, stop."""
        if not self.sliceable:
            raise TypeError("prepared without sliceable=True")
        if type(start) is not int or type(stop) is not int or start < 0 or stop < 0:
            raise ValueError(f"a page is [start:stop] of ints >= 0, not [{start!r}:{stop!r}]")
        if stop <= start:
            return []  # an empty slice: the ORM runs no query either
        return self._as_dicts(self._run(values, (start, stop)))

    def _as_dicts(self, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _run(self, values: Mapping[str, Any], limits: tuple[int, int] | None) -> list[tuple[Any, ...]]:
        if values.keys() != self.kinds.keys() or not all(_is_kind(values[n], k) for n, k in self.kinds.items()):
            raise TypeError(f"values of {self.kinds} are wanted, not {values!r}")
        connection = connections[self.alias]
        compiled = self._compiled_on(connection)
        params = [self._value(param, values, connection) for param in self.params]
        sql = self.sql if limits is None else f"{self.sql} {connection.ops.limit_offset_sql(*limits)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        if compiled.converters:
            return [tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)]
        return rows

    def _compiled_on(self, connection: BaseDatabaseWrapper) -> _Compiled:
        """This thread's compiler and converters, for the connection it runs the query on."""
        compiled: _Compiled | None = getattr(self._per_thread, "compiled", None)
        if compiled is None or compiled.connection is not connection:
            compiler = self.query.clone().get_compiler(connection=connection)
            if _compile(compiler)[0] != self.sql:
                raise NotPreparable(f"the query compiles otherwise on this connection of {self.alias!r}")
            converters = compiler.get_converters([column for column, _, _ in compiler.select])
            compiled = self._per_thread.compiled = _Compiled(connection, compiler, converters)
        return compiled

    @staticmethod
    def _value(param: _Param, values: Mapping[str, Any], connection: BaseDatabaseWrapper) -> Any:
        if param.kind == "fixed":
            return param.value
        value = values[param.value]
        if param.kind == "value":
            return value
        # The pattern's own % and _ stay wildcards; the value's are escaped, as Django does.
        before, after = param.around
        return before + connection.ops.prep_for_like_query(value) + after


def _compile(compiler: SQLCompiler) -> tuple[str, tuple[Any, ...]]:
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        raise NotPreparable("the query has no rows whatever the values") from None
    return sql, tuple(params)


def _check_slicing(
    queryset: QuerySet[Any], compiled: tuple[str, tuple[Any, ...]], connection: BaseDatabaseWrapper
) -> None:
    """Refuse unless the ORM slices this query by appending `limit_offset_sql` alone."""
    sql, params = compiled
    for start, stop in ((3, 7), (0, 5)):
        sliced = _compile(queryset[start:stop].query.get_compiler(using=queryset.db))
        if sliced != (f"{sql} {connection.ops.limit_offset_sql(start, stop)}", params):
            raise NotPreparable(f"the ORM slices this query otherwise: {sliced[0]!r}")


def prepared_count(build: Build, kinds: Mapping[str, Kind]) -> PreparedQuery:
    """`build(...).count()` prepared: a COUNT(*) over its rows (its ordering dropped)."""

    def counted(values: Mapping[str, Any]) -> QuerySet[Any]:
        # Not an aggregate to Django (no GROUP BY is added), so it can be a plain value.
        return build(values).order_by().values_list(Func(template="COUNT(*)", output_field=IntegerField()))

    return PreparedQuery.of(counted, kinds)


@dataclass(frozen=True)
class PreparedList:
    """A list's count and its rows, prepared together (`PreparedRows` runs them)."""

    count: PreparedQuery
    rows: PreparedQuery

    @classmethod
    def of(cls, build: Build, kinds: Mapping[str, Kind]) -> PreparedList:
        return cls(prepared_count(build, kinds), PreparedQuery.of(build, kinds, sliceable=True))


class PreparedRows:
    """Rows as dicts, read through a prepared list with `values` for its stand-ins, that
    count and slice like a QuerySet (what `api.pagination.Page` asks of a list). Without a
    list (None), no row and no query."""

    def __init__(self, prepared: PreparedList | None, values: Mapping[str, Any]) -> None:
        self._prepared, self._values = prepared, values

    def count(self) -> int:
        if self._prepared is None:
            return 0
        counted: int = self._prepared.count.rows(**self._values)[0][0]
        return counted

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        if page.step is not None or page.stop is None:
            raise ValueError("only [start:stop] slices")
        if self._prepared is None:
            return []
        return self._prepared.rows.page(page.start or 0, page.stop, **self._values)


class OrmRows:
    """A values() queryset, counted and sliced as `PreparedRows` are (a page is a list):
    what a caller returns for a list it could not prepare."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self._queryset = queryset

    def count(self) -> int:
        return self._queryset.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return list(self._queryset[page])


class _Refused:
    """What `PreparedShapes` keeps for a shape it could not prepare."""


_REFUSED: Final = _Refused()


class PreparedShapes(Generic[K, P]):
    """What `prepare(shape)` makes, kept per shape, or that it refused. The keys must be
    finite (a role, the filters given, an ordering; never a value a client chooses), and
    `maxsize` bounds them anyway. A refusal, whatever `prepare` raised, is logged once and
    kept: `get` answers None and the caller runs the ORM. A database error is not kept."""

    def __init__(self, prepare: Callable[[K], P], *, maxsize: int) -> None:
        self._prepare = prepare
        self._kept = lru_cache(maxsize=maxsize)(self._prepare_or_refuse)

    def get(self, shape: K) -> P | None:
        """What is prepared for `shape`, or None: run the ORM."""
        try:
            found = self._kept(shape)
        except DatabaseError:
            return None  # the database may answer next time: nothing is kept
        return None if isinstance(found, _Refused) else found

    def __len__(self) -> int:
        """How many shapes are kept, prepared or refused."""
        return self._kept.cache_info().currsize

    def clear(self) -> None:
        self._kept.cache_clear()

    def _prepare_or_refuse(self, shape: K) -> P | _Refused:
        try:
            return self._prepare(shape)
        except DatabaseError:
            raise
        except Exception as exc:  # whatever it is, the ORM answers instead: never a 500, never kept wrong
            logger.warning(
                "a query shape is not prepared: the ORM runs it",
                extra={"event": "prepared_query_refused", "shape": shape, "reason": f"{type(exc).__name__}: {exc}"},
            )
            return _REFUSED


__all__ = [
    "Kind",
    "NotPreparable",
    "OrmRows",
    "PreparedList",
    "PreparedQuery",
    "PreparedRows",
    "PreparedShapes",
    "StandInPrincipal",
    "UnkeyedAttribute",
    "prepared_count",
]
