"""A URLconf mounting a throwaway API whose operations are not (properly) declared."""

from django.http import HttpRequest
from django.urls import path
from ninja import Router

from accounts.auth import JWTBearer
from api.errors import install_exception_handlers
from api.main import NexoraAPI
from permissions.endpoints import requires
from permissions.policies import AUTHENTICATED

REACHED = {"reached": True}

router = Router()


@router.get("/undeclared/")
def undeclared(request: HttpRequest) -> dict[str, bool]:
    return REACHED


@router.get("/public-undeclared/", auth=None)
def public_undeclared(request: HttpRequest) -> dict[str, bool]:
    return REACHED


@router.get("/unknown/")
@requires("nope.never_registered")
def unknown(request: HttpRequest) -> dict[str, bool]:
    return REACHED


@router.get("/declared/")
@requires(AUTHENTICATED)
def declared(request: HttpRequest) -> dict[str, bool]:
    return REACHED


api = NexoraAPI(urls_namespace="throwaway-undeclared", auth=JWTBearer())
install_exception_handlers(api)
api.add_router("", router)

urlpatterns = [path("api/", api.urls)]
