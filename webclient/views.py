"""The web client's page: the index.html that `make web` builds, served for / and each client route."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

#: The name of the routes answered by `index` (webclient.middleware recognizes them by it).
URL_NAME = "web-client"

NOT_BUILT = "The web client is not built: run `make web` (needs Node.js and npm). The API is at /api/."


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The app's page; the app then shows the route. Read on each request, so a new build
    (`make web` while the server runs) is served at once; never cached without revalidating."""
    page = settings.WEB_CLIENT_DIR / "index.html"
    if not page.is_file():
        return JsonResponse({"detail": NOT_BUILT, "code": "web_client_not_built"}, status=404)
    response = HttpResponse(page.read_bytes(), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
