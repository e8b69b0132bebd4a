"""Limit/offset pagination with the contract's bounds (limit 1..100, offset >= 0)."""

from __future__ import annotations

from typing import Any, Protocol

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field
from ninja.pagination import LimitOffsetPagination
from pydantic import BaseModel

from .types import MAX_ID, QueryParams

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Page(LimitOffsetPagination):
    """`{"items": [...], "count": N}`: two queries, the count and the page."""

    class Input(QueryParams):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
        # Bounded so a huge offset is a 422, not an overflow in the database driver.
        offset: int = Field(0, ge=0, le=MAX_ID)

    class Output(BaseModel):
        """Plain pydantic, like the item schemas (api.schemas.RowOut): validated without DjangoGetter."""

        items: list[Any]
        count: int

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)

    def paginate_queryset(
        self, queryset: Pageable, pagination: LimitOffsetPagination.Input, request: HttpRequest, **params: Any
    ) -> Any:
        """The page and the count: a list, a QuerySet (its COUNT query, without cloning it
        first as Ninja does), or anything else that counts and slices like one
        (`api.prepared.PreparedRows`)."""
        offset = pagination.offset
        items = queryset[offset : offset + min(pagination.limit, MAX_LIMIT)]
        return {"items": items, "count": len(queryset) if isinstance(queryset, list) else queryset.count()}


class Countable(Protocol):
    def count(self) -> int: ...

    def __getitem__(self, page: slice, /) -> Any: ...


#: What a paginated view may return.
Pageable = QuerySet[Any] | list[Any] | Countable
