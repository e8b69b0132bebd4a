"""Security events: what happened to an account's security, for its owner and its admins to
read (`GET /api/profile/security-events/`, `GET /api/users/{id}/security-events/`).

Each is recorded by the service that does what it describes, inside that service's
transaction: a change that is rolled back leaves no event, and an event is never missing
from a change that committed. `detail` holds ids, role names and mail domains only, never
a password, code, token, link or secret, and no address or name beyond the user's own
mail domains.
"""

from __future__ import annotations

from collections.abc import Mapping

from api.client import NO_CLIENT, current_client

from .models import SecurityEvent, SecurityEventType, User

#: What a detail may hold: flat values, nothing nested.
DetailValue = str | int | bool | None


def record(user: User, type: SecurityEventType, detail: Mapping[str, DetailValue] | None = None) -> SecurityEvent:
    """Record that `type` happened to `user`, from the client of the current request (empty
    outside one, as in a management command).

    When the detail names an actor other than the user (an admin), the client is the
    actor's: it is not recorded, since the user may read the event and the admin's address
    is not theirs to see (`actor_id` says who).
    """
    detail = dict(detail or {})
    actor_id = detail.get("actor_id")
    client = current_client() if actor_id is None or actor_id == user.pk else NO_CLIENT
    return SecurityEvent.objects.create(
        user=user, type=type, ip=client.ip[:64], user_agent=client.user_agent[:255], detail=detail
    )


def mail_domain(email: str) -> str:
    """What an email_changed event keeps of an address."""
    return email.rpartition("@")[2]
