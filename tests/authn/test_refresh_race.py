"""Refreshes with one token at the same moment (tabs of one browser): one rotates, every one succeeds
(over real HTTP)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
from pytest_django.live_server_helper import LiveServer

from authn.models import LoginSession
from nexora_testkit.client import tokens_for
from nexora_testkit.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 8


def _refresh(url: str, token: str, start: threading.Barrier) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps({"refresh": token}).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    start.wait()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())["refresh"]
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_concurrent_refreshes_with_one_token_all_succeed_and_rotate_once(live_server: LiveServer) -> None:
    user = CustomerFactory.create()
    refresh = tokens_for(user).refresh
    start = threading.Barrier(RACERS)
    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(
            pool.map(lambda _: _refresh(live_server.url + "/api/token/refresh/", refresh, start), range(RACERS))
        )
    assert [status for status, _ in answers] == [200] * RACERS
    # One rotation: every racer holds the session's one new refresh token.
    assert len({token for _, token in answers}) == 1 and refresh not in {token for _, token in answers}
    # One session, rotated exactly once: it holds the new token and, as the one it replaced, the login's.
    [session] = LoginSession.objects.filter(user=user)
    assert session.previous_jti == jwt.decode(refresh, options={"verify_signature": False})["jti"]
    assert session.refresh_jti == jwt.decode(answers[0][1], options={"verify_signature": False})["jti"]


RUNS = 50
ZERO_WINDOW_RACERS = 10


def test_with_no_grace_window_parallel_refreshes_of_one_token_give_exactly_one_200(
    live_server: LiveServer, settings: Any
) -> None:
    """The grace window is judged on the time read once the session's row is locked: a refresh
    that waited while another rotated sees that rotation in its past, so with a window of 0
    only the first of ten parallel refreshes is answered, run after run."""
    settings.JWT_REFRESH_REUSE_SECONDS = 0
    user = CustomerFactory.create()
    url = live_server.url + "/api/token/refresh/"
    successes = []
    with ThreadPoolExecutor(ZERO_WINDOW_RACERS) as pool:
        for _ in range(RUNS):
            refresh = tokens_for(user).refresh
            start = threading.Barrier(ZERO_WINDOW_RACERS)
            racers = [pool.submit(_refresh, url, refresh, start) for _ in range(ZERO_WINDOW_RACERS)]
            answers = [racer.result() for racer in racers]
            successes.append(sorted(status for status, _ in answers))

    assert successes == [[200] + [401] * (ZERO_WINDOW_RACERS - 1)] * RUNS
