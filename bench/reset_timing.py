"""Does a password-reset request take as long for a registered address as for an unknown one?

The contract wants the same status, body and (within noise) time, so that the endpoint
cannot be used to find out who has an account. This measures it the way an attacker
would: over HTTP, against `gunicorn project.wsgi` (debug off, 2 workers) on a fresh
SQLite file, delivering by SMTP to a real server on loopback (aiosmtpd), so that each
known address really gets its mail. Known and unknown requests are interleaved in a
shuffled order, pair by pair, so that a drift of the machine's load hits both alike, and
every request asks for an address not asked for before (a prober tries each address once;
the first request for an address starts its throttle window, for either kind alike).

By default each request starts on a quiet server: after a known address's request the
script waits until its mail was delivered, then pauses SETTLE seconds after every request.
That measures what the contract speaks of, the answer's own time. Mail is delivered after
the response is sent, so its work lands on whatever comes next on that worker:
`--back-to-back` leaves the pauses out and shows that too (on a 2-core machine that also
runs the SMTP server, the request after a known one is a little slower, whatever it is).

Run: `make bench-reset-timing` (or `.venv/bin/python -m bench.reset_timing --tries 200`
after `make test`: aiosmtpd is a test requirement). Prints the medians and quartiles.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller

from nexora_testkit.live_server import Gunicorn, Http, free_port, migrate, server_env, wait_until

PASSWORD = "bench-Correct-Horse-9"
WARMUP = 20
#: Seconds of quiet before each request (not with --back-to-back).
SETTLE = 0.02


def received_at_least(sink: Sink, count: int) -> bool:
    return sink.received >= count


class Sink:
    """Accepts every mail and counts them."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.received += 1
        return "250 OK"


def reset(http: Http, email: str) -> tuple[float, int, bytes]:
    reply = http.call("POST", "/api/password/reset/", {"email": email})
    return reply.seconds, reply.status, reply.body


def quartiles(samples: list[float]) -> str:
    q1, median, q3 = statistics.quantiles(samples, n=4)
    return f"median {median * 1000:.2f} ms (quartiles {q1 * 1000:.2f} / {q3 * 1000:.2f} ms)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=200, help="requests per kind of address (default 200)")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument(
        "--back-to-back",
        action="store_true",
        help="no pause between requests: a mail's delivery overlaps the next request",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)

    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with tempfile.TemporaryDirectory(prefix="nexora-reset-timing-") as tmp:
            env = server_env(
                f"sqlite:///{tmp}/db.sqlite3",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(smtp.port),
                PASSWORD_RESET_RATE="1000000/m",
                REGISTER_RATE="1000000/m",
            )
            migrate(env)
            with Gunicorn(env, Path(tmp), workers=2) as server:
                http = server.http
                rounds = WARMUP + args.tries
                known = [f"known.{n}.{uuid.uuid4().hex[:8]}@example.com" for n in range(rounds)]
                for email in known:
                    assert http.call("POST", "/api/register/", {"email": email, "password": PASSWORD}).status == 201
                delivered = rounds  # each sign-up's verification
                wait_until(lambda: sink.received >= delivered, 120, what="the sign-ups' mails")
                timings: dict[str, list[float]] = {"known": [], "unknown": []}
                bodies: set[tuple[int, bytes]] = set()
                for n in range(rounds):
                    kinds = ["known", "unknown"]
                    rng.shuffle(kinds)
                    for kind in kinds:
                        email = known[n] if kind == "known" else f"nobody.{n}.{uuid.uuid4().hex[:8]}@example.com"
                        seconds, status, body = reset(http, email)
                        bodies.add((status, body))
                        if n >= WARMUP:
                            timings[kind].append(seconds)
                        delivered += kind == "known"
                        if not args.back_to_back:
                            wait_until(
                                functools.partial(received_at_least, sink, delivered),
                                30,
                                interval=0.002,
                                what="the reset mail",
                            )
                            time.sleep(SETTLE)
                expected_mails = 2 * rounds  # each sign-up's verification, then each known reset
                wait_until(lambda: sink.received >= expected_mails, 120, what="every mail to the known address")
    finally:
        smtp.stop()

    known_median = statistics.median(timings["known"])
    unknown_median = statistics.median(timings["unknown"])
    quiet = f"each on a quiet server ({SETTLE * 1000:.0f} ms pause, mails delivered)"
    mode = "back to back" if args.back_to_back else quiet
    print(f"password reset over HTTP, {args.tries} interleaved tries each (after {WARMUP} warm-up pairs), {mode}")
    print(f"  known address   : {quartiles(timings['known'])}")
    print(f"  unknown address : {quartiles(timings['unknown'])}")
    print(f"  difference of medians: {(known_median - unknown_median) * 1000:+.2f} ms")
    print(f"  answers seen: {len(bodies)} distinct (status, body); mails delivered: {sink.received}")
    return 0 if len(bodies) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
