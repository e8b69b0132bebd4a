from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "owner", "assignee", "due_date", "created_at"]
    list_filter = ["status", "due_date", "created_at"]
    search_fields = ["title", "description", "owner__email", "assignee__email"]
    raw_id_fields = ["owner", "assignee"]
    list_select_related = ["owner", "assignee"]

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        if change:
            obj.touch()
        super().save_model(request, obj, form, change)
