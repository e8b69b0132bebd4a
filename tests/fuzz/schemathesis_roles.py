"""Schemathesis against the running application, signed in as each role and as nobody.

For each caller: a fresh SQLite database with the demo data, `gunicorn project.wsgi` on
loopback, and `st run` with its default checks (server errors, status code, content type
and response schema conformance, negative data rejection, ignored auth, use after free,
...). Operations that revoke the caller's own tokens, or create admins, run after the
others, each in a pass of its own with a fresh token (RUN_LAST). Business-rule
answers the contract gives to schema-valid bodies are declared in schemathesis.toml.
Bounded by --max-examples and a fixed seed; exits non-zero on any failure.

Run: `make test-fuzz` (part of CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from nexora_testkit.live_server import ROOT, Gunicorn, migrate, server_env

BIN = Path(sys.executable).parent
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "50")
SEED = os.environ.get("FUZZ_SEED", "20261121")
#: One worker thread: with two, schemathesis's coverage phase calls `ast.parse` from both
#: threads and CPython 3.11.7 fails with "AST constructor recursion depth mismatch".
WORKERS = os.environ.get("FUZZ_WORKERS", "1")
CONFIG = Path(__file__).with_name("schemathesis.toml")
#: Fuzzed last, each in a pass of its own with a fresh token. `users_create` makes ADMINs:
#: beside the main pass, the demo admin would no longer be the last active one, and the
#: fuzzer, free to deactivate or demote them, would lock itself out. The other two revoke
#: the caller's tokens; the password change comes last: once it succeeds, the demo password is gone.
RUN_LAST = ["users_create", "auth_logout_all", "profile_password_change"]
CALLERS = {
    "ADMIN": ("admin@demo.nexora.test", "demo-Admin-Passw0rd"),
    "SELLER": ("seller@demo.nexora.test", "demo-Seller-Passw0rd"),
    "CUSTOMER": ("customer@demo.nexora.test", "demo-Customer-Passw0rd"),
    "anonymous": None,
}


def login(server: Gunicorn, credentials: tuple[str, str] | None) -> str | None:
    if credentials is None:
        return None
    email, password = credentials
    reply = server.http.call("POST", "/api/login/", {"email": email, "password": password})
    assert reply.status == 200, (reply.status, reply.body)
    return str(reply.json()["access"])


def schemathesis(base: str, token: str | None, *operation_filter: str) -> int:
    command = [
        str(BIN / "st"),
        "--config-file",
        str(CONFIG),
        "run",
        base + "/api/openapi.json",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        WORKERS,
        "--request-timeout",
        "20",
        "--warnings",
        "off",
        *operation_filter,
    ]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def fuzz_as(caller: str) -> int:
    with tempfile.TemporaryDirectory(prefix="nexora-fuzz-") as tmp:
        # Rates out of reach, so every example reaches the operation instead of a 429.
        env = server_env(
            f"sqlite:///{tmp}/db.sqlite3",
            LOGIN_RATE="1000000/m",
            REGISTER_RATE="1000000/m",
            PASSWORD_RESET_RATE="1000000/m",
        )
        migrate(env)
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo", "--force"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        server = Gunicorn(env, Path(tmp)).start()
        try:
            credentials = CALLERS[caller]
            print(f"\n=== schemathesis as {caller} ===", flush=True)
            base = server.http.base
            status = schemathesis(
                base,
                login(server, credentials),
                *[arg for op in RUN_LAST for arg in ("--exclude-operation-id", op)],
            )
            for operation_id in RUN_LAST:  # each with a token of its own, in this order
                status |= schemathesis(base, login(server, credentials), "--include-operation-id", operation_id)
            return status
        finally:
            server.stop()
            errors = [
                line
                for line in server.log.read_text(errors="replace").splitlines()
                if "Traceback" in line or "ERROR" in line or "Internal Server Error" in line
            ]
            if errors:  # what schemathesis saw as a 500, from the server's side
                print("server errors:\n" + "\n".join(errors[:50]), flush=True)


def main() -> int:
    failed = [caller for caller in CALLERS if fuzz_as(caller) != 0]
    print(f"\nschemathesis: {len(CALLERS) - len(failed)} callers clean, failures as: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
