"""The project's URLs plus the floor views, mounted under /api/ so every middleware treats them alike."""

from django.urls import path

from project.urls import handler400, handler404, handler500
from project.urls import urlpatterns as project_urlpatterns

from . import floor

urlpatterns = [
    path("api/bench/floor/tasks/", floor.task_list, name="bench-floor-tasks"),
    path("api/bench/floor/profile/", floor.profile, name="bench-floor-profile"),
    path("api/bench/floor/hash/", floor.bare_hash, name="bench-floor-hash"),
    *project_urlpatterns,
]

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
