"""Request and response schemas of the tasks endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from api.schemas import RowOut
from api.types import BodyDate, BodyId, Id, InputSchema, QueryParams, query_text, text

from .models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Task

Title = text(TITLE_MAX_LENGTH, min_length=1)
Description = text(DESCRIPTION_MAX_LENGTH)
Ordering = Literal["created_at", "-created_at", "due_date", "-due_date", "title", "-title"]


class TaskOut(RowOut):
    id: int
    title: str
    description: str
    status: Task.Status
    due_date: date | None
    owner_id: int
    assignee_id: int | None
    created_at: datetime
    updated_at: datetime


class TaskCreateIn(InputSchema):
    title: Title
    description: Description = ""
    status: Task.Status = Task.Status.TODO
    due_date: BodyDate | None = None
    assignee_id: BodyId | None = None


class TaskUpdateIn(InputSchema):
    """Only the fields sent are changed; `due_date` and `assignee_id` may be set to null."""

    title: Title = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[assignment]
    status: Task.Status = None  # type: ignore[assignment]
    due_date: BodyDate | None = None
    assignee_id: BodyId | None = None


class TaskFilters(QueryParams):
    status: Task.Status | None = None
    assignee_id: Id | None = None
    search: query_text(200) | None = None  # type: ignore[valid-type]
    ordering: Ordering = "-created_at"
