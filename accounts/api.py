"""Routers of the sign-up, account lifecycle, profile and users endpoints: schema in, service,
schema out. (Log-in, tokens and sessions: authn/api.py.)"""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from api.errors import raises
from api.idempotency import idempotent
from api.pagination import Page
from api.prechecks import path_id, raw_json_object
from api.rate_limits import counted
from api.throttling import Throttled
from api.types import Id
from permissions.endpoints import requires
from permissions.policies import AUTHENTICATED, PUBLIC

from . import lifecycle, selectors, services
from .errors import (
    AdminSignupRefused,
    EmailTaken,
    InvalidLink,
    LastActiveAdmin,
    OwnRoleRaiseRefused,
    UserNotFound,
    WrongPassword,
)
from .models import User
from .policies import USERS_CHANGE, USERS_CHANGE_ROLE, USERS_CREATE, USERS_VIEW
from .requests import UserRequest
from .roles import Role
from .schemas import (
    AcceptedOut,
    AccountDeleteIn,
    EmailChangeConfirmIn,
    EmailChangeIn,
    EmailVerifyIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    ProfileUpdateIn,
    RegisterIn,
    RoleChangeOut,
    RoleIn,
    SecurityEventOut,
    UserCreateIn,
    UserFilters,
    UserOut,
    UserUpdateIn,
)
from .throttling import count_signup

auth_router = Router(tags=["auth"])
profile_router = Router(tags=["profile"])
users_router = Router(tags=["users"])


def user_must_exist(request: HttpRequest, path_params: dict[str, object]) -> None:
    """404 before 422 for the endpoints on one user."""
    user_id = path_id(path_params, "user_id")
    if user_id is not None:
        selectors.user_get(user_id=user_id)


def role_grant_allowed(request: UserRequest, path_params: dict[str, object]) -> None:
    """403 before 422: creating an ADMIN without users.change_role is refused even with a bad body."""
    role = raw_json_object(request).get("role")
    if role in Role.values:
        lifecycle.authorize_role_grant(actor=request.auth, role=Role(role))


# --- sign-up ----------------------------------------------------------------------------


@auth_router.post(
    "/register/", auth=None, response={201: UserOut}, operation_id="auth_register", summary="Create an account"
)
@requires(PUBLIC)
@raises(AdminSignupRefused, EmailTaken)
@idempotent
@counted(count_signup)
def register(request: HttpRequest, payload: RegisterIn) -> Status[User]:
    return Status(201, services.user_register(**payload.model_dump()))


# --- password reset and email verification (links from mails) ----------------------------


@auth_router.post(
    "/password/reset/",
    auth=None,
    response={202: AcceptedOut},
    operation_id="auth_password_reset",
    summary="Mail a link to reset a forgotten password",
)
@requires(PUBLIC)
@raises(Throttled)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> Status[dict[str, str]]:
    """The same answer, in the same time, whether or not the address has an active account."""
    lifecycle.password_reset_request(request=request, email=payload.email)
    return Status(202, {"detail": lifecycle.RESET_REQUESTED})


@auth_router.post(
    "/password/reset/confirm/",
    auth=None,
    response={204: None},
    operation_id="auth_password_reset_confirm",
    summary="Set a new password from a reset link",
)
@requires(PUBLIC)
@raises(InvalidLink)
def password_reset_confirm(request: HttpRequest, payload: PasswordResetConfirmIn) -> Status[None]:
    lifecycle.password_reset_confirm(**payload.model_dump())
    return Status(204, None)


@auth_router.post(
    "/email/verify/",
    auth=None,
    response=UserOut,
    operation_id="auth_email_verify",
    summary="Verify an email address from its link",
)
@requires(PUBLIC)
@raises(InvalidLink)
def email_verify(request: HttpRequest, payload: EmailVerifyIn) -> object:
    return lifecycle.email_verify(**payload.model_dump())


@auth_router.post(
    "/email/verify/resend/",
    response={202: AcceptedOut},
    operation_id="auth_email_verify_resend",
    summary="Mail a new verification link",
)
@requires(AUTHENTICATED)
@raises(Throttled)
def email_verify_resend(request: UserRequest) -> Status[dict[str, str]]:
    lifecycle.verification_resend(user=request.auth)
    return Status(202, {"detail": lifecycle.VERIFICATION_SENT})


# --- the signed-in user -------------------------------------------------------------------


@profile_router.get("/", response=UserOut, operation_id="profile_get", summary="The signed-in user")
@requires(AUTHENTICATED)
def get_profile(request: UserRequest) -> object:
    return request.auth


@profile_router.patch(
    "/", response=UserOut, operation_id="profile_update", summary="Change the signed-in user's name, phone or address"
)
@requires(AUTHENTICATED)
def update_profile(request: UserRequest, payload: ProfileUpdateIn) -> object:
    return services.profile_update(user=request.auth, **payload.model_dump(exclude_unset=True))


@profile_router.delete("/", response={204: None}, operation_id="profile_delete", summary="Delete your own account")
@requires(AUTHENTICATED)
@raises(WrongPassword, LastActiveAdmin, Throttled)
def delete_profile(request: UserRequest, payload: AccountDeleteIn) -> Status[None]:
    lifecycle.account_delete(user=request.auth, password=payload.password)
    return Status(204, None)


@profile_router.get(
    "/security-events/",
    response=list[SecurityEventOut],
    operation_id="profile_security_events",
    summary="Your security events, newest first",
)
@requires(AUTHENTICATED)
@paginate(Page)
def list_own_security_events(request: UserRequest) -> object:
    return selectors.security_events(user=request.auth)


@profile_router.post(
    "/email/",
    response={202: AcceptedOut},
    operation_id="profile_email_change",
    summary="Change the email address (by a link mailed to the new one)",
)
@requires(AUTHENTICATED)
@raises(WrongPassword, EmailTaken, Throttled)
def change_email(request: UserRequest, payload: EmailChangeIn) -> Status[dict[str, str]]:
    lifecycle.email_change_request(user=request.auth, **payload.model_dump())
    return Status(202, {"detail": lifecycle.EMAIL_CHANGE_REQUESTED})


@profile_router.post(
    "/email/confirm/",
    auth=None,
    response=UserOut,
    operation_id="profile_email_confirm",
    summary="Confirm an email change from its link",
)
@requires(PUBLIC)
@raises(InvalidLink, EmailTaken)
def confirm_email(request: HttpRequest, payload: EmailChangeConfirmIn) -> object:
    return lifecycle.email_change_confirm(token=payload.token)


# --- users administration ----------------------------------------------------------------


@users_router.post(
    "/",
    response={201: UserOut},
    operation_id="users_create",
    summary="Create a user, who gets a link to set a password",
)
@requires(USERS_CREATE, also=[USERS_CHANGE_ROLE], precheck=role_grant_allowed)
@raises(EmailTaken)
@idempotent
def create_user(request: UserRequest, payload: UserCreateIn) -> Status[User]:
    return Status(201, lifecycle.user_create(actor=request.auth, **payload.model_dump()))


@users_router.get("/", response=list[UserOut], operation_id="users_list", summary="List users")
@requires(USERS_VIEW)
@paginate(Page)
def list_users(request: HttpRequest, filters: Query[UserFilters]) -> object:
    return selectors.user_list(**filters.model_dump())


@users_router.get("/{user_id}/", response=UserOut, operation_id="users_get", summary="Read a user")
@requires(USERS_VIEW, precheck=user_must_exist)
@raises(UserNotFound)
def get_user(request: HttpRequest, user_id: Id) -> object:
    return selectors.user_get(user_id=user_id)


@users_router.patch(
    "/{user_id}/", response=UserOut, operation_id="users_update", summary="Change or (de)activate a user"
)
@requires(USERS_CHANGE, precheck=user_must_exist)
@raises(UserNotFound, LastActiveAdmin)
def update_user(request: UserRequest, user_id: Id, payload: UserUpdateIn) -> object:
    user = selectors.user_get(user_id=user_id)
    return services.user_update(actor=request.auth, user=user, **payload.model_dump(exclude_unset=True))


@users_router.put(
    "/{user_id}/role/", response=UserOut, operation_id="users_set_role", summary="Promote or demote a user"
)
@requires(USERS_CHANGE_ROLE, precheck=user_must_exist)
@raises(UserNotFound, LastActiveAdmin, OwnRoleRaiseRefused)
def set_role(request: UserRequest, user_id: Id, payload: RoleIn) -> object:
    user = selectors.user_get(user_id=user_id)
    return services.user_set_role(actor=request.auth, user=user, role=payload.role)


@users_router.get(
    "/{user_id}/role-history/",
    response=list[RoleChangeOut],
    operation_id="users_role_history",
    summary="A user's role changes, newest first",
)
@requires(USERS_VIEW, precheck=user_must_exist)
@raises(UserNotFound)
@paginate(Page)
def role_history(request: HttpRequest, user_id: Id) -> object:
    return selectors.role_history(user=selectors.user_get(user_id=user_id))


@users_router.get(
    "/{user_id}/security-events/",
    response=list[SecurityEventOut],
    operation_id="users_security_events",
    summary="A user's security events, newest first",
)
@requires(USERS_VIEW, precheck=user_must_exist)
@raises(UserNotFound)
@paginate(Page)
def list_user_security_events(request: HttpRequest, user_id: Id) -> object:
    return selectors.security_events(user=selectors.user_get(user_id=user_id))
