"""Request and response schemas of the tasks endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StrictStr

from api.schemas import RowOut
from api.types import BodyDate, BodyId, Id, InputSchema, QueryParams, QueryText, Text

from .filters import check_query_schema
from .models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Task
from .policies import TASK_ABILITIES

Title = Annotated[StrictStr, Text(TITLE_MAX_LENGTH, min_length=1, trimmed=True)]
Description = Annotated[StrictStr, Text(DESCRIPTION_MAX_LENGTH)]
Ordering = Literal["created_at", "-created_at", "due_date", "-due_date", "title", "-title"]


class TaskCan(RowOut):
    """What the caller may do to this task now, decided by the rules and grants a write is
    checked by: a control for an action whose flag is false would be refused."""

    change: bool = Field(description="Change any field (PATCH).")
    change_status: bool = Field(description="Change the status (PATCH with `status` alone).")
    delete: bool = Field(description="Delete the task (DELETE).")
    assign: bool = Field(description="Assign the task to another user (PATCH `assignee_id`).")


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
    can: TaskCan


#: What a TaskOut reads of a task, the columns the list selects: all but `can`, computed.
TASK_COLUMNS = tuple(name for name in TaskOut.model_fields if name != "can")

if set(TaskCan.model_fields) != set(TASK_ABILITIES):
    raise TypeError(f"TaskCan's flags {list(TaskCan.model_fields)} are not tasks.policies.TASK_ABILITIES'")


class TaskCreateIn(InputSchema):
    title: Title
    description: Description = ""
    status: Task.Status = Task.Status.TODO
    due_date: BodyDate | None = None
    assignee_id: BodyId | None = None


class TaskUpdateIn(InputSchema):
    """Only the fields sent are changed; `due_date` and `assignee_id` may be set to null."""

    title: Title = None  # type: ignore[assignment]  # absent: unchanged; null is still a 422
    description: Description = None  # type: ignore[assignment]  # absent: unchanged; null is still a 422
    status: Task.Status = None  # type: ignore[assignment]  # absent: unchanged; null is still a 422
    due_date: BodyDate | None = None
    assignee_id: BodyId | None = None


class DirectoryUserOut(RowOut):
    """An active user, as someone assigning a task picks them."""

    id: int
    email: str
    first_name: str
    last_name: str


class DirectoryFilters(QueryParams):
    search: Annotated[str, QueryText(100)] | None = Field(
        None, description="A part of the email, the first or the last name, in any case."
    )


# The API's side of tasks.filters.TASK_FILTERS (checked below): the filters, then the ordering.
class TaskFilters(QueryParams):
    status: Task.Status | None = None
    assignee_id: Id | None = None
    search: Annotated[str, QueryText(200)] | None = None
    ordering: Ordering = "-created_at"


check_query_schema(TaskFilters)


class ExplainQuery(QueryParams):
    user_id: Annotated[Id, Field(description="The user whose verdict to explain (any user, active or not).")]
    policy: Annotated[str, QueryText(100), Field(description="A policy name, e.g. `tasks.delete_own`.")]
    task_id: Annotated[
        Id | None, Field(description="A task to check the policy's object rule on; without one, the role decides.")
    ] = None
