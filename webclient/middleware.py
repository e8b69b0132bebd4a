"""The web client's Content-Security-Policy, on its page and on its assets (served by WhiteNoise)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from .views import URL_NAME

#: Scripts, styles, images and API calls from this origin only; no inline script or style, no
#: eval, nothing from any other host, no plugins, no framing; Trusted Types let no string
#: reach a DOM script sink (React renders none). With the bearer tokens readable by scripts
#: (web/README.md, "Where the tokens live"), this policy is the defence against XSS.
WEB_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'"
)


def assets_prefix() -> str:
    """Where the built assets are served: `/static/web/` (see STATICFILES_DIRS)."""
    return f"{settings.STATIC_URL}web/"


class WebClientHeadersMiddleware:
    """Placed outside WhiteNoise, so the assets it answers get the policy too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        match = request.resolver_match
        if (match is not None and match.url_name == URL_NAME) or request.path.startswith(assets_prefix()):
            response.headers.setdefault("Content-Security-Policy", WEB_POLICY)
        return response
