"""Routers of the sessions endpoints: a user's own, and an admin's view of anyone's."""

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from api.errors import raises
from api.pagination import Page
from api.types import Id
from permissions.endpoints import requires
from permissions.policies import AUTHENTICATED

from . import selectors, services
from .api import user_must_exist
from .auth import UserRequest
from .errors import SessionNotFound, UserNotFound
from .policies import USERS_CHANGE, USERS_VIEW
from .schemas import SessionOut

sessions_router = Router(tags=["sessions"])
user_sessions_router = Router(tags=["users"])


def current_session_id(request: HttpRequest) -> int | None:
    return getattr(request, "auth_session_id", None)


@sessions_router.get(
    "/", response=list[SessionOut], operation_id="sessions_list", summary="Your live sessions, newest first"
)
@requires(AUTHENTICATED)
@paginate(Page)
def list_sessions(request: UserRequest) -> object:
    return selectors.live_sessions(user=request.auth, current_id=current_session_id(request))


@sessions_router.delete(
    "/{session_id}/",
    response={204: None},
    operation_id="sessions_end",
    summary="End one of your sessions: its refresh token stops working",
)
@requires(AUTHENTICATED)
@raises(SessionNotFound)
def end_session(request: UserRequest, session_id: Id) -> Status[None]:
    services.session_end(user=request.auth, session_id=session_id)
    return Status(204, None)


@user_sessions_router.get(
    "/{user_id}/sessions/",
    response=list[SessionOut],
    operation_id="users_sessions_list",
    summary="A user's live sessions, newest first",
)
@requires(USERS_VIEW, precheck=user_must_exist)
@raises(UserNotFound)
@paginate(Page)
def list_user_sessions(request: HttpRequest, user_id: Id) -> object:
    return selectors.live_sessions(user=selectors.user_get(user_id=user_id))


@user_sessions_router.delete(
    "/{user_id}/sessions/",
    response={204: None},
    operation_id="users_sessions_end",
    summary="End every session and token of a user",
)
@requires(USERS_CHANGE, precheck=user_must_exist)
@raises(UserNotFound)
def end_user_sessions(request: UserRequest, user_id: Id) -> Status[None]:
    services.sessions_end_all(actor=request.auth, user=selectors.user_get(user_id=user_id))
    return Status(204, None)
