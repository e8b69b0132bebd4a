"""Limit/offset pagination with the contract's bounds (limit 1..100, offset >= 0)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
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

    def _items_count(self, queryset: QuerySet[Any] | list[Any]) -> int:
        """The same COUNT query as Ninja's, without cloning the queryset first (`.all()`)."""
        return queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
