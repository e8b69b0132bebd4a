"""Router of the tasks endpoints: schema in, selector or service, schema out."""

from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from accounts import selectors as user_selectors
from accounts.requests import UserRequest
from api.errors import raises
from api.idempotency import idempotent
from api.pagination import Page
from api.prechecks import path_id, raw_id, raw_json_object
from api.types import Id
from permissions.endpoints import requires

from . import selectors, services
from .errors import AssigneeUnavailable, TaskNotFound
from .models import Task
from .policies import TASKS_ASSIGN, TASKS_CHANGE_ANY, TASKS_CHANGE_OWN, TASKS_CREATE, TASKS_DELETE_OWN, TASKS_VIEW_OWN
from .schemas import TASK_COLUMNS, DirectoryFilters, DirectoryUserOut, TaskCreateIn, TaskFilters, TaskOut, TaskUpdateIn

router = Router(tags=["tasks"])
#: Mounted at /users/ (project/api.py): the people a task can be assigned to.
users_router = Router(tags=["users"])


def task_out(request: UserRequest, task: Task) -> dict[str, object]:
    """The task as TaskOut reads it, with what the caller may do to it now."""
    return selectors.task_with_abilities(user=request.auth, task=task, fields=TASK_COLUMNS)


# Prechecks: what can be refused without valid input is refused first (403, 404, then 422).


def task_must_be_visible(request: UserRequest, path_params: dict[str, object]) -> Task | None:
    task_id = path_id(path_params, "task_id")
    return None if task_id is None else selectors.task_get_visible_to(user=request.auth, task_id=task_id)


def update_allowed(request: UserRequest, path_params: dict[str, object]) -> None:
    task = task_must_be_visible(request, path_params)
    if task is not None:
        body = raw_json_object(request)
        services.authorize_update(
            actor=request.auth,
            task=task,
            fields=set(body) & set(TaskUpdateIn.model_fields),
            assignee_id=raw_id(body.get("assignee_id")),
        )


def assignment_allowed(request: UserRequest, path_params: dict[str, object]) -> None:
    services.authorize_assignment(actor=request.auth, assignee_id=raw_id(raw_json_object(request).get("assignee_id")))


@router.get(
    "/",
    response=list[TaskOut],
    operation_id="tasks_list",
    summary="Tasks you own or are assigned (all of them with tasks.view_any)",
)
@requires(TASKS_VIEW_OWN)
@paginate(Page)
def list_tasks(request: UserRequest, filters: Query[TaskFilters]) -> object:
    # Rows, not model instances: the page is only serialized (docs/performance.md).
    return selectors.task_rows_with_abilities(user=request.auth, fields=TASK_COLUMNS, **filters.model_dump())


@router.post("/", response={201: TaskOut}, operation_id="tasks_create", summary="Create a task you own")
@requires(TASKS_CREATE, also=[TASKS_ASSIGN], precheck=assignment_allowed)
@raises(AssigneeUnavailable)
@idempotent
def create_task(request: UserRequest, payload: TaskCreateIn) -> Status[dict[str, object]]:
    task = services.task_create(owner=request.auth, **payload.model_dump())
    return Status(201, task_out(request, task))


@router.get("/{task_id}/", response=TaskOut, operation_id="tasks_get", summary="Read a task")
@requires(TASKS_VIEW_OWN, precheck=task_must_be_visible)
@raises(TaskNotFound)
def get_task(request: UserRequest, task_id: Id) -> object:
    task = selectors.task_get_visible_to(user=request.auth, task_id=task_id)
    return task_out(request, task)


@router.patch("/{task_id}/", response=TaskOut, operation_id="tasks_update", summary="Change a task")
@requires(TASKS_CHANGE_OWN, also=[TASKS_CHANGE_ANY, TASKS_ASSIGN], precheck=update_allowed)
@raises(TaskNotFound, AssigneeUnavailable)
def update_task(request: UserRequest, task_id: Id, payload: TaskUpdateIn) -> object:
    task = selectors.task_get_visible_to(user=request.auth, task_id=task_id)
    task = services.task_update(actor=request.auth, task=task, **payload.model_dump(exclude_unset=True))
    return task_out(request, task)


@router.delete("/{task_id}/", response={204: None}, operation_id="tasks_delete", summary="Delete a task")
@requires(TASKS_DELETE_OWN, also=[TASKS_DELETE_OWN], precheck=task_must_be_visible)
@raises(TaskNotFound)
def delete_task(request: UserRequest, task_id: Id) -> Status[None]:
    task = selectors.task_get_visible_to(user=request.auth, task_id=task_id)
    services.task_delete(actor=request.auth, task=task)
    return Status(204, None)


@users_router.get(
    "/directory/",
    response=list[DirectoryUserOut],
    operation_id="users_directory",
    summary="Active users, to pick an assignee from (the caller included)",
)
@requires(TASKS_ASSIGN)
@paginate(Page)
def user_directory(request: UserRequest, filters: Query[DirectoryFilters]) -> object:
    return user_selectors.user_directory(fields=DirectoryUserOut.model_fields, **filters.model_dump())
