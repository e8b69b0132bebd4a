"""Running wrk once and reading the line bench/wrk/common.lua prints."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

WRK_DIR = Path(__file__).resolve().parent / "wrk"


@dataclass(frozen=True)
class Result:
    requests: int
    duration_us: int
    p50_us: int
    p99_us: int
    max_us: int
    non2xx: int
    last_non2xx: int
    socket_errors: int
    timeouts: int
    exhausted: int
    #: CPU time the server's processes (gunicorn workers, and mariadbd on MariaDB) used during the run.
    server_cpu_s: float = 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        """Cost per request, hardly moved by other load on the machine (unlike requests/s)."""
        return 1000 * self.server_cpu_s / self.requests if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6) if self.duration_us else 0.0

    @property
    def failures(self) -> int:
        """Every request that did not get a 2xx: non-2xx answers, socket errors, timeouts."""
        return self.non2xx + self.socket_errors + self.timeouts


def ensure_wrk() -> str:
    """wrk is a Debian package: install it when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not installed: installing the Debian package...", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
    )
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("apt-get install wrk did not put wrk on the PATH.")
    return found


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU time of these processes so far (/proc/PID/stat fields 14 and 15)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _TICK


def run(
    *,
    url: str,
    script: str,
    duration: float,
    connections: int,
    threads: int,
    env: dict[str, str],
    server_pids: Iterable[int] = (),
) -> Result:
    command = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_DIR / script),
        url,
    ]
    pids = list(server_pids)
    cpu_before = cpu_seconds(pids)
    out = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "BENCH_WRK_DIR": str(WRK_DIR), **env}, check=False
    )
    cpu = cpu_seconds(pids) - cpu_before
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return replace(Result(**json.loads(line.removeprefix("BENCH_RESULT "))), server_cpu_s=cpu)
    raise RuntimeError(f"wrk printed no result (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")
