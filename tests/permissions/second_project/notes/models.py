from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from .roles import Role


class Member(AbstractBaseUser):
    """A user whose role lives in `kind` (named in PERMISSIONS_ROLE_ATTRIBUTE)."""

    name = models.CharField(max_length=50, unique=True)
    api_key = models.CharField(max_length=50, unique=True)
    kind = models.CharField(max_length=10, choices=[(role.value, role.name) for role in Role])

    USERNAME_FIELD = "name"

    # Django's default manager, declared for the checker: django-stubs' plugin knows only the
    # models of project.settings, and this app is the second project's.
    objects: ClassVar[models.Manager[Member]]


class Note(models.Model):
    text = models.CharField(max_length=200)

    objects: ClassVar[models.Manager[Note]]  # Django's default manager, as on Member

    def __str__(self) -> str:
        return self.text
