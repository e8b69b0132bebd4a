"""Top-level URLs: the API under /api/, the Django admin under /admin/, the web client at /
and its routes."""

from django.contrib import admin
from django.urls import include, path, re_path

from api.views import api_not_found

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Anything else under /api/ answers JSON 404, never Django's HTML page.
    re_path(r"^api(?:/.*)?$", api_not_found),
    path("", include("webclient.urls")),
]

handler400 = "api.views.bad_request"
handler404 = "api.views.not_found"
handler500 = "api.views.server_error"
