"""Plain Django views that keep answers JSON outside Ninja's reach: under /api/, and for
any path that does not exist (the Django admin keeps its own pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from .middleware import error_body, is_api_path

ADMIN_PREFIX = "/admin/"


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return JsonResponse(error_body(404, "Not found"), status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return JsonResponse(error_body(400, "Bad request."), status=400)
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(ADMIN_PREFIX):
        return defaults.page_not_found(request, exception)
    return JsonResponse(error_body(404, "Not found"), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return JsonResponse(error_body(500, "Internal server error."), status=500)
    return defaults.server_error(request)
