"""Every path the OpenAPI document publishes reaches its own URL pattern: none is taken by a
pattern mounted before it (`/users/{user_id}/` would answer `/users/directory/` with a 422,
its `user_id` being no id), since Django tries the patterns in order and Ninja's path
parameters match any segment."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve

from project.api import api

PATHS = sorted(api.get_openapi_schema()["paths"])


@pytest.mark.parametrize("path", PATHS)
def test_a_published_path_reaches_its_own_pattern(path: str) -> None:
    url = re.sub(r"{\w+}", "1", path)

    match = resolve(url)

    assert match.route == path.lstrip("/").replace("{", "<").replace("}", ">"), url
