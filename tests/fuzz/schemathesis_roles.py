"""Schemathesis against the running application, signed in as each role and as nobody.

For each caller: a fresh SQLite database with the demo data, `gunicorn project.wsgi` on
loopback, and `st run` with its default checks (server errors, status code, content type
and response schema conformance, negative data rejection, ignored auth, use after free,
...). Operations that revoke the caller's own tokens run after the others, each in a
pass of its own with a fresh token, so the main pass is not spent on 401s. Business-rule
answers the contract gives to schema-valid bodies are declared in schemathesis.toml.
Bounded by --max-examples and a fixed seed; exits non-zero on any failure.

Run: `make test-fuzz` (part of CI).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "50")
SEED = os.environ.get("FUZZ_SEED", "20261121")
#: One worker thread: with two, schemathesis's coverage phase calls `ast.parse` from both
#: threads and CPython 3.11.7 fails with "AST constructor recursion depth mismatch".
WORKERS = os.environ.get("FUZZ_WORKERS", "1")
CONFIG = Path(__file__).with_name("schemathesis.toml")
#: Each revokes the caller's tokens: fuzzed last, each in a pass of its own with a fresh
#: token. The password change comes last: once it succeeds, the demo password is gone.
TOKEN_REVOKING = ["auth_logout_all", "profile_password_change"]
CALLERS = {
    "ADMIN": ("admin@demo.nexora.test", "demo-Admin-Passw0rd"),
    "SELLER": ("seller@demo.nexora.test", "demo-Seller-Passw0rd"),
    "CUSTOMER": ("customer@demo.nexora.test", "demo-Customer-Passw0rd"),
    "anonymous": None,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def login(base: str, email: str, password: str) -> str:
    request = urllib.request.Request(
        base + "/api/login/", data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["access"])


def wait_until_up(base: str) -> None:
    for _ in range(150):
        try:
            with urllib.request.urlopen(base + "/api/health/", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def schemathesis(base: str, token: str | None, *operation_filter: str) -> int:
    command = [
        str(BIN / "st"), "--config-file", str(CONFIG), "run", base + "/api/openapi.json",
        "--max-examples", MAX_EXAMPLES, "--seed", SEED, "--workers", WORKERS, "--request-timeout", "20",
        "--warnings", "off", *operation_filter,
    ]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def fuzz_as(caller: str) -> int:
    with tempfile.TemporaryDirectory(prefix="nexora-fuzz-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "fuzz-only-insecure-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "LOGIN_RATE": "1000000/m",
            "HOME": tmp,
        }
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--force"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        server_log = Path(tmp) / "server.log"
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "project.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--no-control-socket", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=server_log.open("wb"), stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            credentials = CALLERS[caller]
            print(f"\n=== schemathesis as {caller} ===", flush=True)
            token = login(base, *credentials) if credentials else None
            status = schemathesis(base, token, *[arg for op in TOKEN_REVOKING for arg in ("--exclude-operation-id", op)])
            for operation_id in TOKEN_REVOKING:  # each with a token of its own, in this order
                token = login(base, *credentials) if credentials else None
                status |= schemathesis(base, token, "--include-operation-id", operation_id)
            return status
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
            errors = [line for line in server_log.read_text(errors="replace").splitlines()
                      if "Traceback" in line or "ERROR" in line or "Internal Server Error" in line]
            if errors:  # what schemathesis saw as a 500, from the server's side
                print("server errors:\n" + "\n".join(errors[:50]), flush=True)


def main() -> int:
    failed = [caller for caller in CALLERS if fuzz_as(caller) != 0]
    print(f"\nschemathesis: {len(CALLERS) - len(failed)} callers clean, failures as: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
