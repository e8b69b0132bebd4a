"""Routers of signing in: log-in, tokens, log-out, a password change's fresh pair, and
sessions (a user's own, and an admin's view of anyone's). Schema in, service, schema out."""

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from accounts import selectors as accounts
from accounts.api import user_must_exist
from accounts.errors import UserNotFound, WrongPassword
from accounts.policies import USERS_CHANGE, USERS_VIEW
from accounts.requests import UserRequest
from accounts.schemas import PasswordChangeIn
from api import client as api_client
from api.errors import raises
from api.pagination import Page
from api.schemas import EmptyOut
from api.throttling import Throttled
from api.types import Id
from permissions.endpoints import requires
from permissions.policies import AUTHENTICATED, PUBLIC

from . import selectors, services, tokens
from .errors import EmailNotVerified, InvalidToken, LoginFailed, SessionNotFound
from .schemas import LoginIn, LoginOut, RefreshIn, SessionOut, TokenPairOut, VerifyIn
from .tokens import TokenPair

auth_router = Router(tags=["auth"])
password_router = Router(tags=["profile"])
sessions_router = Router(tags=["sessions"])
user_sessions_router = Router(tags=["users"])


def client_of(request: HttpRequest) -> tokens.Client:
    """What a session records of the client: its user agent and address."""
    client = api_client.client_of(request)
    return tokens.Client(user_agent=client.user_agent, ip=client.ip)


def no_store(response: HttpResponse) -> None:
    """Token responses must not be kept by browsers or proxies."""
    response["Cache-Control"] = "no-store"


# --- log-in, tokens, log-out ---------------------------------------------------------------


@auth_router.post(
    "/login/", auth=None, response=LoginOut, operation_id="auth_login", summary="Log in with email and password"
)
@requires(PUBLIC)
@raises(LoginFailed, EmailNotVerified, Throttled)
def login(request: HttpRequest, payload: LoginIn, response: HttpResponse) -> dict[str, object]:
    session = services.login(request=request, client=client_of(request), **payload.model_dump())
    no_store(response)
    return {
        "access": session.tokens.access,
        "refresh": session.tokens.refresh,
        "user": session.user,
        "device_token": session.device_token,
    }


@auth_router.post(
    "/token/refresh/",
    auth=None,
    response=TokenPairOut,
    operation_id="auth_token_refresh",
    summary="Exchange a refresh token for a new pair",
)
@requires(PUBLIC)
@raises(InvalidToken)
def refresh(request: HttpRequest, payload: RefreshIn, response: HttpResponse) -> TokenPair:
    no_store(response)
    return tokens.rotate(payload.refresh, client_of(request))


@auth_router.post(
    "/token/verify/",
    auth=None,
    response=EmptyOut,
    operation_id="auth_token_verify",
    summary="Check that a token is valid",
)
@requires(PUBLIC)
@raises(InvalidToken)
def verify(request: HttpRequest, payload: VerifyIn) -> dict[str, object]:
    tokens.verify(payload.token)
    return {}


@auth_router.post(
    "/logout/", auth=None, response={204: None}, operation_id="auth_logout", summary="Revoke one refresh token"
)
@requires(PUBLIC)
@raises(InvalidToken)
def logout(request: HttpRequest, payload: RefreshIn) -> Status[None]:
    tokens.revoke(payload.refresh)
    return Status(204, None)


@auth_router.post(
    "/logout/all/",
    response={204: None},
    operation_id="auth_logout_all",
    summary="Revoke every token of the signed-in user",
)
@requires(AUTHENTICATED)
def logout_all(request: UserRequest) -> Status[None]:
    services.logout_all(user=request.auth)
    return Status(204, None)


# --- a new password, and a fresh pair with it ------------------------------------------------


@password_router.post(
    "/password/", response=TokenPairOut, operation_id="profile_password_change", summary="Change the password"
)
@requires(AUTHENTICATED)
@raises(WrongPassword, Throttled)
def change_password(request: UserRequest, payload: PasswordChangeIn, response: HttpResponse) -> TokenPair:
    no_store(response)
    return services.password_change(user=request.auth, **payload.model_dump())


# --- sessions ---------------------------------------------------------------------------


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
    return selectors.live_sessions(user=accounts.user_get(user_id=user_id))


@user_sessions_router.delete(
    "/{user_id}/sessions/",
    response={204: None},
    operation_id="users_sessions_end",
    summary="End every session and token of a user",
)
@requires(USERS_CHANGE, precheck=user_must_exist)
@raises(UserNotFound)
def end_user_sessions(request: UserRequest, user_id: Id) -> Status[None]:
    services.sessions_end_all(actor=request.auth, user=accounts.user_get(user_id=user_id))
    return Status(204, None)
