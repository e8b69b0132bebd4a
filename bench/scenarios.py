"""What the harness drives: seven API scenarios, three of them paired with a floor."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .credentials import BENCH_EMAIL, BENCH_PASSWORD

if TYPE_CHECKING:
    from .seed import Seeded

API, FLOOR = "api", "floor"

#: A log-in round holds a few hundred requests (the others thousands), so one pair's ratio
#: spreads by +-5 points (0.86-0.97 in one run of 12 pairs): its 90% budget needs more pairs
#: to be decided, and gets this many times --rounds.
LOGIN_ROUNDS_FACTOR = 2


@dataclass(frozen=True)
class Target:
    path: str
    script: str
    method: str = "GET"
    body: Mapping[str, object] | None = None
    #: Whose access token goes in the Authorization header: "user", "writer" or None.
    token: str | None = "user"


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    api: Target
    floor: Target | None = None
    #: Measured rounds per target, as a multiple of --rounds.
    rounds_factor: int = 1
    targets: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", (FLOOR, API) if self.floor else (API,))

    def target(self, which: str) -> Target:
        found = self.floor if which == FLOOR else self.api
        assert found is not None
        return found


def scenarios(seeded: Seeded) -> list[Scenario]:
    login_body = {"email": BENCH_EMAIL, "password": BENCH_PASSWORD}
    task = f"/api/tasks/{seeded.task_id}/"
    return [
        Scenario(
            "profile",
            "GET /api/profile/",
            Target("/api/profile/", "get.lua"),
            Target("/api/bench/floor/profile/", "get.lua"),
        ),
        Scenario(
            "list",
            "GET /api/tasks/ (page of 20 out of 50)",
            Target("/api/tasks/", "get.lua"),
            Target("/api/bench/floor/tasks/", "get.lua"),
        ),
        Scenario("retrieve", "GET /api/tasks/{id}/", Target(task, "get.lua")),
        Scenario(
            "create",
            "POST /api/tasks/",
            Target(
                "/api/tasks/",
                "post_json.lua",
                "POST",
                {"title": "Benchmark task", "description": "Created by wrk."},
                token="writer",
            ),
        ),
        Scenario("update", "PATCH /api/tasks/{id}/", Target(task, "post_json.lua", "PATCH", {"status": "in_progress"})),
        Scenario(
            "refresh",
            "POST /api/token/refresh/ (each token used once)",
            Target("/api/token/refresh/", "refresh.lua", "POST", token=None),
        ),
        Scenario(
            "login",
            "POST /api/login/ vs the bare hasher",
            Target("/api/login/", "post_json.lua", "POST", login_body, token=None),
            Target("/api/bench/floor/hash/", "post_json.lua", "POST", login_body, token=None),
            rounds_factor=LOGIN_ROUNDS_FACTOR,
        ),
    ]


def body_text(target: Target) -> str:
    return "" if target.body is None else json.dumps(target.body)
