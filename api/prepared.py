"""Queries compiled once, run again with other values.

Django compiles a queryset's SQL every time it is evaluated. For the few queries every
request makes (the user behind a token, a page of tasks and its count) compiling costs
several times what running them does (docs/performance.md, "Where the time goes").
`PreparedQuery.of(queryset, stand_ins)` compiles a queryset built with stand-in values,
once; `rows(**values)` then runs the same SQL with the real values swapped in and
converts the rows with the converters the ORM itself would apply. The SQL, the parameters
and the converted values are the ORM's own; only the compiling is not repeated.

A stand-in is an int no id can be (`int_stand_in`) or a string nobody types
(`text_stand_in`). It must reach the parameters whole (an exact lookup) or inside a LIKE
pattern (contains, icontains ...), which gets the real value escaped the way Django escapes
it; a stand-in the SQL inlined, or transformed otherwise, is refused when preparing
(`NotPreparable`), never guessed at.

Callers cache what they prepare per query shape (which filters are present, the ordering,
the slice; the database alias): the values change from one request to the next, the shape
does not.

"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django.db import connections
from django.db.models import Func, IntegerField, Model, QuerySet
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler

#: No id or count is negative; within a 32-bit integer, so no integer column's lookup refuses it.
_INT_BASE = -1_987_654_000
#: Where a text stand-in starts, escaped or not (LIKE escaping changes its underscores).
_MARK = "\u2983prepared"
_TEXT_STAND_IN = _MARK + "_stand_in_{}\u2984"

M = TypeVar("M", bound=Model)


def int_stand_in(number: int) -> int:
    """The `number`th int stand-in (0, 1, ...)."""
    return _INT_BASE - number


def text_stand_in(number: int) -> str:
    """The `number`th text stand-in (0, 1, ...)."""
    return _TEXT_STAND_IN.format(number)


class NotPreparable(Exception):
    """The queryset does not pass a stand-in through as a parameter: prepare it otherwise."""


@dataclass(frozen=True)
class _Param:
    kind: Literal["fixed", "value", "like"]
    value: Any  # the fixed parameter, or the stand-in's name
    around: tuple[str, str] = ("", "")  # for "like": the pattern before and after the value


@dataclass(frozen=True)
class PreparedQuery:
    """One query's SQL, compiled once on one database; `rows` and `dicts` run it."""

    alias: str
    sql: str
    params: tuple[_Param, ...]
    names: tuple[str, ...]
    compiler: SQLCompiler
    converters: dict[int, tuple[list[Callable[..., Any]], Expression]]

    @classmethod
    def of(cls, queryset: QuerySet[Any], stand_ins: Mapping[str, int | str]) -> PreparedQuery:
        """Compile `queryset`, built with `stand_ins` ({name: stand-in}) for its values."""
        alias = queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, raw_params = compiler.as_sql()
        escape = connections[alias].ops.prep_for_like_query
        params = tuple(_param(value, stand_ins, escape) for value in raw_params)
        # A stand-in the parameters do not take is one the query does not use (an admin's
        # user id where every row is visible), unless the SQL spelled it out itself.
        unused = set(stand_ins) - {param.value for param in params if param.kind != "fixed"}
        inlined = sorted(name for name in unused if str(stand_ins[name]) in sql)
        if inlined:
            raise NotPreparable(f"the SQL spells out {inlined} instead of taking them as parameters")
        columns = [column for column, _, _ in compiler.select]
        values_select = tuple(compiler.query.values_select)
        if values_select and len(values_select) != len(columns):
            raise NotPreparable("only plain values() fields are supported")
        names = values_select or tuple(getattr(getattr(column, "target", None), "attname", "") for column in columns)
        converters = compiler.get_converters(columns)
        return cls(alias, sql, params, names, compiler, converters)

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """Run the query with `values` for the stand-ins: its rows, converted as the ORM does."""
        connection = connections[self.alias]
        params = [self._value(param, values, connection) for param in self.params]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        if self.converters:
            return [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        return rows

    def dicts(self, **values: Any) -> list[dict[str, Any]]:
        """`rows`, each as {name: value}, like `values()`."""
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows(**values)]

    def models(self, model: type[M], **values: Any) -> list[M]:
        """`rows` as instances of `model` (the query must select its concrete fields)."""
        return [model.from_db(self.alias, self.names, row) for row in self.rows(**values)]

    @staticmethod
    def _value(param: _Param, values: Mapping[str, Any], connection: Any) -> Any:
        if param.kind == "fixed":
            return param.value
        value = values[param.value]
        if param.kind == "value":
            return value
        # The pattern's own % and _ stay wildcards; the value's are escaped, as Django does.
        before, after = param.around
        return before + connection.ops.prep_for_like_query(value) + after


def _param(value: Any, stand_ins: Mapping[str, int | str], escape: Callable[[str], str]) -> _Param:
    """What one parameter of the compiled SQL is: fixed, a stand-in's value as given, or a
    pattern around a stand-in's value escaped for LIKE (told apart by the underscores of a
    text stand-in, which LIKE escaping changes and an exact lookup does not)."""
    for name, stand_in in stand_ins.items():
        if isinstance(stand_in, int):
            if type(value) is int and value == stand_in:
                return _Param("value", name)
            if isinstance(value, (int, float, str)) and str(stand_in) in str(value):
                raise NotPreparable(f"{name} reaches the SQL changed: {value!r}")
            continue
        if not isinstance(value, str) or _MARK not in value:
            continue
        if value == stand_in:
            return _Param("value", name)
        parts = value.split(escape(stand_in))
        if len(parts) == 2:
            return _Param("like", name, (parts[0], parts[1]))
    if isinstance(value, str) and _MARK in value:
        raise NotPreparable(f"a stand-in reaches the SQL changed: {value!r}")
    return _Param("fixed", value)


class PreparedRows:
    """Rows as dicts, read through prepared queries, that count and slice like a QuerySet
    (what `api.pagination.Page` asks of a list): `count()` runs `count`, `[a:b]` runs the
    query `page(a, b)` prepares, both with `values` for their stand-ins."""

    def __init__(
        self, count: PreparedQuery | None, page: Callable[[int, int], PreparedQuery], values: Mapping[str, Any]
    ) -> None:
        self._count, self._page, self._values = count, page, values

    def count(self) -> int:
        if self._count is None:
            return 0
        counted: int = self._count.rows(**self._values)[0][0]
        return counted

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        if self._count is None:
            return []
        if page.step is not None or page.stop is None:
            raise ValueError("only [start:stop] slices")
        return self._page(page.start or 0, page.stop).dicts(**self._values)


def prepared_count(queryset: QuerySet[Any], stand_ins: Mapping[str, int | str]) -> PreparedQuery:
    """`queryset.count()` prepared: a COUNT(*) over its rows (its ordering dropped)."""
    # Not an aggregate to Django (no GROUP BY is added), so it can be a plain value.
    counted = queryset.order_by().values_list(Func(template="COUNT(*)", output_field=IntegerField()))
    return PreparedQuery.of(counted, stand_ins)


__all__ = [
    "NotPreparable",
    "PreparedQuery",
    "PreparedRows",
    "int_stand_in",
    "prepared_count",
    "text_stand_in",
]
