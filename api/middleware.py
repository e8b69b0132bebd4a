"""Everything under /api/ answers JSON, even what Django itself refuses."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase, JsonResponse

API_PREFIX = "/api"

#: The code of each answer Django (not the API) can give; the API's own come from its error table.
FRAMEWORK_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    500: "server_error",
}


def error_body(status: int, detail: str) -> dict[str, str]:
    return {"detail": detail, "code": FRAMEWORK_CODES.get(status, "error")}


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


class JsonApiErrorsMiddleware:
    """Outermost middleware: a bad Host header, a wrong method or any HTML error page
    (Django's debug pages included) becomes a JSON `{"detail": ...}` for API paths."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_api_path(request.path):
            return self.get_response(request)
        try:
            request.get_host()
        except DisallowedHost:
            return JsonResponse({"detail": "Invalid Host header.", "code": "invalid_host"}, status=400)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            return self._as_json(request, response)
        return response

    @staticmethod
    def _as_json(request: HttpRequest, response: HttpResponseBase) -> JsonResponse:
        status = response.status_code
        if status == 405:
            message = f'Method "{request.method}" not allowed.'
        else:
            try:
                message = HTTPStatus(status).phrase + "."
            except ValueError:
                message = "Error."
        json_response = JsonResponse(error_body(status, message), status=status)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                json_response[header] = response[header]
        return json_response
