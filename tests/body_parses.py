"""Counting the parses of one request body: the API reads each body once, by its parser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock


class BodyParses:
    """The json.loads calls on one body (a JWT or an answer is not it)."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.count = 0

    def saw(self, text: object) -> None:
        if text in (self.body, self.body.encode()):
            self.count += 1


@contextmanager
def parses_of(body: str) -> Iterator[BodyParses]:
    """`with parses_of(body) as parses:` send it, then read `parses.count`."""
    parses = BodyParses(body)
    loads = json.loads

    def counting(text: Any, *args: Any, **kwargs: Any) -> Any:
        parses.saw(text)
        return loads(text, *args, **kwargs)

    with mock.patch.object(json, "loads", counting):
        yield parses
