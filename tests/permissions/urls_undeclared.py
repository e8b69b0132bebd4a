"""A URLconf mounting a throwaway API whose operations are not (properly) declared."""

from django.http import HttpRequest
from django.urls import path
from ninja import Router

from permissions.endpoints import requires
from permissions.policies import AUTHENTICATED
from project.api import new_api

REACHED = {"reached": True}

router = Router()


@router.get("/undeclared/")
def undeclared(request: HttpRequest) -> dict[str, bool]:
    return REACHED


@router.get("/public-undeclared/", auth=None)
def public_undeclared(request: HttpRequest) -> dict[str, bool]:
    return REACHED


@router.get("/async-undeclared/")
async def async_undeclared(request: HttpRequest) -> dict[str, bool]:
    return REACHED


@router.get("/unknown/")
@requires("nope.never_registered")
def unknown(request: HttpRequest) -> dict[str, bool]:
    return REACHED


@router.get("/declared/")
@requires(AUTHENTICATED)
def declared(request: HttpRequest) -> dict[str, bool]:
    return REACHED


api = new_api(urls_namespace="throwaway-undeclared")
api.add_router("", router)

urlpatterns = [path("api/", api.urls)]
