"""Top-level URLs: the API under /api/, the Django admin under /admin/."""

from django.contrib import admin
from django.urls import path, re_path

from api.views import api_not_found

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Anything else under /api/ answers JSON 404, never Django's HTML page.
    re_path(r"^api(?:/.*)?$", api_not_found),
]

handler400 = "api.views.bad_request"
handler404 = "api.views.not_found"
handler500 = "api.views.server_error"
