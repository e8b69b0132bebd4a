"""The edge of the documented deployment (docs/deployment.md): nginx in front of the instances.

  - every answer nginx makes by itself is JSON with `detail` and `code`, whatever the status
    (400, 404, 413, 414, 431, 500, 501, 503, 504, 505), and on a header or body timeout it
    closes the connection without an HTML page;
  - slow clients (headers at one byte a second) do not delay anyone else: nginx reads the
    headers, and only whole requests reach the instances' workers.

Loopback only; every client is bounded in bytes and seconds. Its own rig (tests/deploy/conftest.py).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from statistics import median

import pytest

from tests.deploy.rig import Deployment

pytestmark = [pytest.mark.e2e, pytest.mark.deploy]

#: Statuses no request can make nginx answer on demand: test-only locations that `return`
#: them, so that deploy/nginx.conf's error_page for each is what answers.
NGINX_TEST_LOCATIONS = "".join(
    f"    location = /_test_status/{code} {{ return {code}; }}\n" for code in (500, 502, 504)
)

SLOW_CLIENTS = 20
SLOW_SECONDS = 8.0  #: each slow client sends a byte a second for this long, then gives up
MAX_DELAY_SECONDS = 1.0


@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: bytes


def raw_request(port: int, data: bytes, timeout: float = 10) -> Raw | None:
    """Send `data` as it is; the parsed answer, or None when nginx closed without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    if not received:
        return None
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return Raw(int(status_line.split()[1]), headers, body)


HOST = b"Host: 127.0.0.1\r\n"
OWN_ANSWERS = [
    ("unparsable request line", b"GARBAGE\r\n\r\n", 400, "bad_request"),
    ("bad Host header", b"GET /api/health/ HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "bad_request"),
    (
        "an error page asked for",
        b"GET /_nexora_error/400 HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n",
        404,
        "not_found",
    ),
    (
        "2 MiB body announced",
        b"POST /api/register/ HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
        b"Content-Length: 2097152\r\nConnection: close\r\n\r\n",
        413,
        "request_too_large",
    ),
    ("20 kB URL", b"GET /api/" + b"a" * 20_000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414, "uri_too_long"),
    (
        "20 kB header",
        b"GET /api/health/ HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 20_000 + b"\r\n\r\n",
        431,
        "request_header_too_large",
    ),
    ("server error", b"GET /_test_status/500 HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n", 500, "server_error"),
    (
        "unknown Transfer-Encoding",
        b"POST /api/login/ HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\n",
        501,
        "not_implemented",
    ),
    (
        "bad gateway",
        b"GET /_test_status/502 HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n",
        503,
        "service_unavailable",
    ),
    (
        "gateway timeout",
        b"GET /_test_status/504 HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n",
        504,
        "gateway_timeout",
    ),
    ("HTTP/3 request line", b"GET /api/health/ HTTP/3.0\r\n" + HOST + b"\r\n", 505, "http_version_not_supported"),
]


@pytest.mark.parametrize(
    ("case", "request_bytes", "status", "code"), OWN_ANSWERS, ids=[case[0] for case in OWN_ANSWERS]
)
def test_nginx_own_answers_are_json(
    deployment: Deployment, case: str, request_bytes: bytes, status: int, code: str
) -> None:
    answer = raw_request(deployment.nginx.port, request_bytes)

    assert answer is not None, f"{case}: nginx closed without an answer"
    assert answer.status == status, f"{case}: status"
    assert answer.headers.get("content-type") == "application/json", f"{case}: {answer.body[:200]!r}"
    body = json.loads(answer.body)
    assert set(body) == {"detail", "code"} and body["code"] == code, f"{case}: {body}"
    if status == 503:
        assert answer.headers.get("retry-after") == "5", f"{case}: Retry-After"
    print(f"{case}: {status} {body}")


def test_nginx_closes_a_stalled_body_without_an_html_page(deployment: Deployment) -> None:
    """client_body_timeout (10 s): nginx logs a 408 but sends nothing, HTML or otherwise."""
    started = time.monotonic()
    answer = raw_request(
        deployment.nginx.port,
        b"POST /api/login/ HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n{",
        timeout=20,
    )

    assert answer is None or answer.headers.get("content-type") == "application/json", answer
    print(f"a stalled body: connection closed after {time.monotonic() - started:.1f} s, answer {answer}")


def slow_client(port: int, stop: threading.Event, sent: list[int]) -> None:
    """Headers at one byte a second, never finished; gives up after SLOW_SECONDS or at `stop`."""
    header = b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 64
    deadline = time.monotonic() + SLOW_SECONDS
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for byte in header:
                if stop.is_set() or time.monotonic() > deadline:
                    break
                sock.sendall(bytes([byte]))
                sent.append(1)
                stop.wait(1.0)
    except OSError:
        pass


def test_slow_clients_do_not_delay_a_normal_request(deployment: Deployment) -> None:
    front = deployment.front
    stop = threading.Event()
    sent: list[int] = []
    slow = [
        threading.Thread(target=slow_client, args=(deployment.nginx.port, stop, sent), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for thread in slow:
        thread.start()
    try:
        time.sleep(2.0)  # every slow client is connected and trickling
        timings = []
        for _ in range(20):
            reply = front.call("GET", "/api/health/")
            assert reply.status == 200, reply.body
            timings.append(reply.seconds)
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in slow:
            thread.join(timeout=10)

    assert len(sent) >= SLOW_CLIENTS * 2, f"the slow clients sent only {len(sent)} bytes in all"
    print(
        f"{SLOW_CLIENTS} slow clients ({len(sent)} bytes in all) against nginx: 20 normal requests, "
        f"median {median(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms"
    )
    assert max(timings) < MAX_DELAY_SECONDS, timings
