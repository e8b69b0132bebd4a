"""Fixtures of the accounts tests that send mail (Django's locmem backend: `mail.outbox`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.core import mail

from api.mail import sender

T = TypeVar("T")


@pytest.fixture
def deliver(db: None, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], T]], T]:
    """`deliver(lambda: client.post(...))`: make the request, then commit the test's transaction
    as far as mail goes (run its on-commit callbacks) and wait until the sender tried every
    mail. Nothing may be sent before that commit."""

    def run(request: Callable[[], T]) -> T:
        sent_before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = request()
            assert sender.wait_until_sent(5)
            assert len(mail.outbox) == sent_before, "a mail was sent before the transaction committed"
        assert sender.wait_until_sent(5), "the mail sender did not finish"
        return response

    return run
