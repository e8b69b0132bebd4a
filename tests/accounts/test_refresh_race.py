"""Refreshes with one token at the same moment (tabs of one browser): one rotates, every one succeeds
(over real HTTP)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from ninja_jwt.token_blacklist.models import OutstandingToken
from pytest_django.live_server_helper import LiveServer

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
    # The login pair's refresh plus exactly one rotated token.
    assert OutstandingToken.objects.filter(user=user).count() == 2
