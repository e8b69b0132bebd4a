"""Django admin for tasks: every task, for roles holding the `tasks.*_any` policies."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from permissions.django_admin import PolicyAdmin

from .models import Task
from .policies import TASKS_CHANGE_ANY, TASKS_DELETE_ANY, TASKS_VIEW_ANY


@admin.register(Task)
class TaskAdmin(PolicyAdmin):
    """Adding a task here takes `tasks.change_any`: the form sets any owner and assignee."""

    permission_policies = {
        "view": TASKS_VIEW_ANY,
        "add": TASKS_CHANGE_ANY,
        "change": TASKS_CHANGE_ANY,
        "delete": TASKS_DELETE_ANY,
    }
    list_display = ["title", "status", "owner", "assignee", "due_date", "created_at"]
    list_filter = ["status", "due_date", "created_at"]
    search_fields = ["title", "description", "owner__email", "assignee__email"]
    raw_id_fields = ["owner", "assignee"]
    list_select_related = ["owner", "assignee"]

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        if change:
            obj.touch()
        super().save_model(request, obj, form, change)
