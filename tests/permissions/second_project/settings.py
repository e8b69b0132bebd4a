"""A second, tiny Django Ninja project that adopts the permission layer unchanged.

It has roles of its own (EDITOR, VIEWER), its own user model and policies.py, and imports
nothing from accounts/, tasks/, api/ or project/: the layer is a plugin, not part of Nexora.
"""

SECRET_KEY = "second-project-test-only-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "ninja",
    "permissions",
    "tests.permissions.second_project.notes",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "tests.permissions.second_project.urls"
AUTH_USER_MODEL = "notes.Member"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The three lines that adopt the layer:
PERMISSIONS_ROLES = "tests.permissions.second_project.notes.roles.Role"
PERMISSIONS_ROLE_ATTRIBUTE = "kind"
PERMISSIONS_APIS = ["tests.permissions.second_project.urls.api"]
# Grants at run time: who changes them, and what an editor always keeps.
PERMISSIONS_MANAGE_ROLES = ["EDITOR"]
PERMISSIONS_LOCKED_GRANTS = {"EDITOR": ["permissions.manage"]}
