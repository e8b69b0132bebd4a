"""The web client's routes: a direct load or a reload of one of them answers the app's page.

Only these paths fall back to the app (the router in web/src/App.tsx knows the same list);
any other unknown path stays a JSON 404 (api.views.not_found).
"""

from __future__ import annotations

import re

from django.urls import path, re_path

from . import views

#: The client-side routes, without their leading slash.
ROUTES = (
    "login",
    "register",
    "tasks",
    "profile",
    "users",
    "sessions",
    "permissions",
    "reset-password",
    "verify-email",
    "confirm-email",
)

urlpatterns = [
    path("", views.index, name=views.URL_NAME),
    re_path(rf"^(?:{'|'.join(map(re.escape, ROUTES))})/?$", views.index, name=views.URL_NAME),
]
