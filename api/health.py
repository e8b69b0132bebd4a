"""Liveness and database reachability, for load balancers and operators."""

from django.db import DatabaseError, connection
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from permissions.endpoints import requires
from permissions.policies import PUBLIC

router = Router(tags=["operations"])


class HealthOut(Schema):
    status: str
    database: str


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


@router.get("/health/", auth=None, response={200: HealthOut, 503: HealthOut}, operation_id="health",
            summary="Is the service and its database up?")
@requires(PUBLIC)
def health(request: HttpRequest) -> Status:
    if database_reachable():
        return Status(200, HealthOut(status="ok", database="ok"))
    return Status(503, HealthOut(status="unavailable", database="unreachable"))
