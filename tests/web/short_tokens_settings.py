"""Settings of the server whose access tokens expire after ACCESS_SECONDS (tests/web): the
shared refresh of several parallel requests, without waiting out the default hour."""

from datetime import timedelta

from project.settings import *  # noqa: F403
from project.settings import NINJA_JWT

ACCESS_SECONDS = 3

NINJA_JWT = {**NINJA_JWT, "ACCESS_TOKEN_LIFETIME": timedelta(seconds=ACCESS_SECONDS)}
