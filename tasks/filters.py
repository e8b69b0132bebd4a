"""The task list's filters, declared once.

GET /api/tasks/'s query schema (`schemas.TaskFilters`) is checked against this table when
it is imported (`check_query_schema`), the selector applies each filter from it, and the
prepared list takes its values' kinds from it. A filter added here and not there, or there
and not here, fails loudly instead of being dropped.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from django.db.models import Q
from pydantic import BaseModel

from api.prepared import Kind


@dataclass(frozen=True)
class TaskFilter:
    name: str
    #: What its value is, to the prepared list (its stand-in) and to the schema's check.
    kind: Kind
    #: The rows its value admits.
    q: Callable[[Any], Q]
    #: Does "" filter? A search for "" does not.
    empty_filters: bool = True

    def applies(self, value: Any) -> bool:
        """Does this value filter the list? (None never does.)"""
        return value is not None and (self.empty_filters or value != "")


TASK_FILTERS: tuple[TaskFilter, ...] = (
    TaskFilter("status", str, lambda status: Q(status=status)),
    TaskFilter("assignee_id", int, lambda assignee_id: Q(assignee_id=assignee_id)),
    # icontains escapes % and _, so they match literally.
    TaskFilter(
        "search", str, lambda text: Q(title__icontains=text) | Q(description__icontains=text), empty_filters=False
    ),
)
BY_NAME: dict[str, TaskFilter] = {task_filter.name: task_filter for task_filter in TASK_FILTERS}
#: The query parameters of the list that are not filters.
NOT_FILTERS = ("ordering",)


def given_filters(values: Mapping[str, Any]) -> dict[str, Any]:
    """The filters that apply, {name: value}, in the table's order (a TypeError for a name
    the table does not have: a filter never passes unapplied)."""
    unknown = sorted(set(values) - BY_NAME.keys())
    if unknown:
        raise TypeError(f"no task list filter is called {', '.join(unknown)} (tasks.filters.TASK_FILTERS)")
    return {f.name: values[f.name] for f in TASK_FILTERS if f.applies(values.get(f.name))}


def check_query_schema(schema: type[BaseModel]) -> None:
    """The query schema has the table's filters, in its order, then `NOT_FILTERS`; each
    filter's field takes values of its kind (or None)."""
    wanted = [*(task_filter.name for task_filter in TASK_FILTERS), *NOT_FILTERS]
    if list(schema.model_fields) != wanted:
        raise TypeError(f"{schema.__name__}'s fields {list(schema.model_fields)} are not {wanted} (tasks.filters)")
    for task_filter in TASK_FILTERS:
        kinds = _types(schema.model_fields[task_filter.name].annotation) - {types.NoneType}
        if not kinds or not all(isinstance(kind, type) and issubclass(kind, task_filter.kind) for kind in kinds):
            raise TypeError(f"{schema.__name__}.{task_filter.name} does not take {task_filter.kind.__name__} values")


def _types(annotation: Any) -> set[Any]:
    """The types an annotation admits, through Annotated[...] and unions."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _types(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_types(arg) for arg in get_args(annotation)))
    return {annotation}
