"""Mail delivery: after the transaction commits, off the request thread, never failing a request.

- `Mail.send_after_commit()` hands the mail to the sender only once the current
  transaction commits (at once outside one): a sign-up that is rolled back mails nothing.
  Within a request, the hand-over waits until its response has been sent
  (`request_finished`).
- One sender thread per process delivers through Django's EMAIL_BACKEND (SMTP to
  EMAIL_HOST, the console without it). The request never waits on the mail server, so a
  slow, refusing or absent server can neither fail nor slow it; and since delivery starts
  after the answer is out, its work never shares the CPU with that answer: how long an
  answer takes says nothing about whether a mail went out (a password-reset request must
  not tell).
- A mail that cannot be delivered is logged on `nexora.mail` with its kind, the user id
  and the error's class and SMTP code: never its body, its link or its token.
- At most QUEUE_SIZE mails wait; beyond that a mail is dropped and logged, so a mail
  server that is down for long cannot grow a worker's memory without end. Delivery is at
  most once: a mail still queued when the process is killed is lost (the user asks
  again); at a normal exit the queue is given DRAIN_SECONDS to empty.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.dispatch import receiver
from django.template.loader import render_to_string

from .logging import request_id_var

logger = logging.getLogger("nexora.mail")

QUEUE_SIZE = 1000
DRAIN_SECONDS = 10.0


@dataclass(frozen=True)
class Mail:
    """One rendered mail: `kind` and `user_id` are what the log may say about it."""

    kind: str
    user_id: int | None
    message: EmailMultiAlternatives
    #: The request that caused it, so its log lines join that request's.
    request_id: str | None = field(default_factory=request_id_var.get)

    def send_after_commit(self) -> None:
        transaction.on_commit(lambda: hand_over(self))


def compose(kind: str, *, templates: str, to: str, user_id: int | None, context: dict[str, Any]) -> Mail:
    """Render `<templates>/<kind>_subject.txt`, `<kind>.txt` and `<kind>.html` into a mail to `to`."""
    subject = " ".join(render_to_string(f"{templates}/{kind}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string(f"{templates}/{kind}.txt", context), settings.DEFAULT_FROM_EMAIL, [to]
    )
    message.attach_alternative(render_to_string(f"{templates}/{kind}.html", context), "text/html")
    return Mail(kind, user_id, message)


def deliver(mail: Mail) -> bool:
    """Send one mail now; log the outcome (never the content). True when it was handed over."""
    extra: dict[str, Any] = {"kind": mail.kind, "user_id": mail.user_id, "request_id": mail.request_id}
    try:
        mail.message.send()
    except Exception as exc:  # the sender must outlive any backend error
        logger.error(
            "mail not delivered",
            extra={
                **extra,
                "event": "mail_failed",
                "error": type(exc).__name__,
                "smtp_code": getattr(exc, "smtp_code", None),
            },
        )
        return False
    logger.info("mail sent", extra={**extra, "event": "mail_sent"})
    return True


class Sender:
    """A bounded queue and the one thread that empties it, made anew in each process
    (gunicorn forks its workers, and threads do not survive a fork)."""

    def __init__(self, size: int = QUEUE_SIZE) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.queue: queue.Queue[Mail] = queue.Queue(size)
        self.idle = threading.Condition()
        self.pending = 0

    def put(self, mail: Mail) -> None:
        self.start()
        with self.idle:
            self.pending += 1
        try:
            self.queue.put_nowait(mail)
        except queue.Full:
            self.done()
            logger.error(
                "mail dropped: the queue is full",
                extra={"event": "mail_dropped", "kind": mail.kind, "user_id": mail.user_id},
            )

    def start(self) -> None:
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
            self.queue = queue.Queue(self.size)
            self.idle = threading.Condition()
            self.pending = 0
            threading.Thread(target=self.run, name="nexora-mail", daemon=True).start()

    def run(self) -> None:
        mail_queue = self.queue
        while True:
            mail = mail_queue.get()
            try:
                deliver(mail)
            finally:
                self.done()

    def done(self) -> None:
        with self.idle:
            self.pending -= 1
            self.idle.notify_all()

    def wait_until_sent(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Block until every queued mail was tried (at exit, and in tests); False on timeout."""
        with self.idle:
            return self.idle.wait_for(lambda: self.pending == 0, timeout)


sender = Sender()
atexit.register(sender.wait_until_sent)

#: The mails of the request this thread is serving, held until its response is sent.
_held = threading.local()


def hand_over(mail: Mail) -> None:
    held: list[Mail] | None = getattr(_held, "mails", None)
    if held is None:
        sender.put(mail)  # outside a request (a command, the shell), or after its response
    else:
        held.append(mail)


@receiver(request_started)
def hold_mails(**kwargs: Any) -> None:
    release_mails()  # what an earlier request on this thread left, had its end never been signalled
    _held.mails = []


@receiver(request_finished)
def release_mails(**kwargs: Any) -> None:
    held: list[Mail] | None = getattr(_held, "mails", None)
    _held.mails = None
    for mail in held or ():
        sender.put(mail)
