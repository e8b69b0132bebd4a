"""Browser-facing security headers on every /api/ response, a Content-Security-Policy included."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

from .middleware import is_api_path

#: The API answers JSON only: a browser may load nothing from it, nor frame it.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

#: NinjaAPI's interactive docs (docs_url "/docs" under /api/).
DOCS_PATH = "/api/docs"

#: The docs page loads Swagger UI's script, style and icons from /static/ and fetches
#: /api/openapi.json; it has no inline script (ninja ships swagger-ui-init.js). Swagger UI
#: sets inline styles and uses data: SVG icons, hence those two allowances; scripts stay 'self'.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class ApiSecurityHeadersMiddleware:
    """Placed outside JsonApiErrorsMiddleware, so the JSON answers it makes or rebuilds (a bad
    Host's 400, a 405) carry the same nosniff, Referrer-Policy, X-Frame-Options and HSTS as
    every other API response. Django 5.2 has no CSP middleware, so the policy is set here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # Their process_response only adds what is missing, from the same settings as in MIDDLEWARE.
        self.security = SecurityMiddleware(get_response)
        self.frame_options = XFrameOptionsMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not is_api_path(request.path):
            return response
        # Both only set headers, which any response has; django-stubs wants an HttpResponse.
        self.security.process_response(request, response)  # type: ignore[arg-type]  # sets headers on any response
        self.frame_options.process_response(request, response)  # type: ignore[arg-type]  # sets headers on any response
        response.headers.setdefault("Content-Security-Policy", DOCS_POLICY if request.path == DOCS_PATH else API_POLICY)
        return response
