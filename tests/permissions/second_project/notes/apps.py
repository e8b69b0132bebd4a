from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "tests.permissions.second_project.notes"
    label = "notes"
