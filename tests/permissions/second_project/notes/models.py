from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from .roles import Role


class Member(AbstractBaseUser):
    """A user whose role lives in `kind` (named in PERMISSIONS_ROLE_ATTRIBUTE)."""

    name = models.CharField(max_length=50, unique=True)
    api_key = models.CharField(max_length=50, unique=True)
    kind = models.CharField(max_length=10, choices=[(role.value, role.name) for role in Role])

    USERNAME_FIELD = "name"


class Note(models.Model):
    text = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.text
