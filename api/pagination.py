"""Limit/offset pagination with the contract's bounds (limit 1..100, offset >= 0)."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from .types import MAX_ID

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Page(LimitOffsetPagination):
    """`{"items": [...], "count": N}`: two queries, the count and the page."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
        # Bounded so a huge offset is a 422, not an overflow in the database driver.
        offset: int = Field(0, ge=0, le=MAX_ID)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
