"""Liveness and database reachability, for load balancers and operators."""

import logging
from typing import Literal

from django.db import Error as DatabaseFailure
from django.db import connection
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status

from api.errors import DB_RETRY_AFTER_SECONDS
from permissions.endpoints import requires
from permissions.policies import PUBLIC

logger = logging.getLogger("nexora.api")

router = Router(tags=["operations"])


class HealthOut(Schema):
    status: str
    database: str


class HealthDownOut(HealthOut):
    """A 503 is an error answer like any other: `detail` and `code` too."""

    detail: str
    code: Literal["service_unavailable"]


def database_reachable() -> bool:
    """One round trip to the database. Any driver failure counts as down: a dropped
    connection surfaces as InterfaceError, which is not a DatabaseError subclass."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseFailure as exc:
        logger.error("health check: database unreachable: %s", exc)
        return False


@router.get(
    "/health/",
    auth=None,
    response={200: HealthOut, 503: HealthDownOut},
    operation_id="health",
    summary="Is the service and its database up?",
)
@requires(PUBLIC)
def health(request: HttpRequest, response: HttpResponse) -> Status[HealthOut | HealthDownOut]:
    # (A comment, not a docstring: Ninja would publish a docstring as the description.)
    # 503 names the part that is down, with the same Retry-After as every other 503.
    if database_reachable():
        return Status(200, HealthOut(status="ok", database="ok"))
    response["Retry-After"] = str(DB_RETRY_AFTER_SECONDS)
    down = HealthDownOut(
        status="unavailable", database="unreachable", detail="The database is unreachable.", code="service_unavailable"
    )
    return Status(503, down)
