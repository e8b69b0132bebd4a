"""A URLconf with an admin site of its own: tasks by the `tasks.*_own` policies, whose
object rules (owner, assignee) decide each task's pages."""

from django.contrib.admin import AdminSite
from django.urls import path

from permissions.django_admin import PolicyAdmin
from tasks.models import Task
from tasks.policies import TASKS_CHANGE_OWN, TASKS_DELETE_OWN, TASKS_VIEW_OWN


class OwnTaskAdmin(PolicyAdmin):
    permission_policies = {"view": TASKS_VIEW_OWN, "change": TASKS_CHANGE_OWN, "delete": TASKS_DELETE_OWN}
    fields = ["title", "status"]


site = AdminSite(name="own_tasks")
site.register(Task, OwnTaskAdmin)

urlpatterns = [path("own/", site.urls)]
