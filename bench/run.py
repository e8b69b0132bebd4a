"""The benchmark harness: `make bench` (or `python -m bench.run --help`).

Starts the API with gunicorn on loopback on a fresh database, seeds it, and drives it
with wrk, floor and API interleaved in one run, then prints requests/s, p50, p99,
non-2xx and the API/floor ratio per scenario, and checks the budget (docs/performance.md).
With --large it then loads 100,000 users, 1,000,000 tasks and 1,000,000 log-in sessions into the
same database and runs the scenarios again, printing the large/empty p99 ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import database, profile, wrkrun  # noqa: E402
from bench.scenarios import API, FLOOR, LOGIN_ROUNDS_FACTOR, Scenario, Target, body_text, scenarios  # noqa: E402
from bench.server import SETTINGS_MODULE, bench_server  # noqa: E402
from nexora_testkit.live_server import Gunicorn  # noqa: E402

SCENARIO_NAMES = ("profile", "list", "retrieve", "create", "update", "refresh", "login")
#: Budget (docs/performance.md): API/floor requests/s at least this ...
MIN_FLOOR_RATIO = 0.90
#: ... for these scenarios; login is compared with the bare hasher on the same workers.
FLOOR_BUDGETED = ("profile", "list", "login")
#: Large/empty p99 at most this, for these scenarios.
MAX_LARGE_RATIO = 1.5
LARGE_BUDGETED = ("list", "refresh")
#: Refresh tokens minted per wrk run: a multiple of the warm-up's rate (each is used once).
POOL_HEADROOM = 3.0
WARMUP_POOL_RATE = 3000


@dataclass
class Measured:
    """All rounds of one scenario on one target."""

    scenario: str
    target: str
    rounds: list[wrkrun.Result] = field(default_factory=list)

    @property
    def rps(self) -> float:
        seconds = sum(r.duration_us for r in self.rounds) / 1e6
        return sum(r.requests for r in self.rounds) / seconds if seconds else 0.0

    @property
    def p50_ms(self) -> float:
        """Median over the rounds: one round disturbed by another process does not move it."""
        return median(r.p50_us for r in self.rounds) / 1000

    @property
    def p99_ms(self) -> float:
        return median(r.p99_us for r in self.rounds) / 1000

    @property
    def cpu_ms(self) -> float:
        return median(r.cpu_ms_per_request for r in self.rounds)

    @property
    def failures(self) -> int:
        return sum(r.failures for r in self.rounds)

    @property
    def exhausted(self) -> int:
        return sum(r.exhausted for r in self.rounds)


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path, server: Gunicorn, seeded: Any) -> None:
        self.args = args
        self.workdir = workdir
        self.server = server
        self.seeded = seeded
        self.tokens: dict[str, str] = {}
        self.pool_serial = 0
        #: Filled by --profile: the summary of py-spy's samples and where the raw stacks are.
        self.profile_text: str | None = None
        self.profile_path: Path | None = None

    def say(self, text: str) -> None:
        print(text, flush=True)

    # --- one wrk run ----------------------------------------------------------------------

    def _refresh_pool(self, count: int) -> Path:
        from bench import seed

        self.pool_serial += 1
        prefix = self.workdir / f"refresh-{self.pool_serial}-"
        seed.mint_refresh_pool(self.seeded.user_id, count, prefix, self.args.threads)
        seed.close_connections()
        return prefix

    def wrk(self, scenario: Scenario, which: str, duration: float, pool: int = 0) -> wrkrun.Result:
        target: Target = scenario.target(which)
        env = {"BENCH_METHOD": target.method, "BENCH_BODY": body_text(target)}
        if target.token:
            env["BENCH_ACCESS"] = self.tokens[target.token]
        if target.script == "refresh.lua":
            env["BENCH_TOKENS_PREFIX"] = str(self._refresh_pool(pool))
        return wrkrun.run(
            url=self.server.http.base + target.path,
            script=target.script,
            duration=duration,
            connections=self.args.connections,
            threads=self.args.threads,
            env=env,
            server_pids=self.server_pids,
        )

    @property
    def server_pids(self) -> list[int]:
        """The gunicorn workers (they run SQLite too), and mariadbd when the database is MariaDB."""
        pids = sorted(self.server.worker_pids())
        if self.args.database == "mysql":
            found = subprocess.run(["pidof", "mariadbd"], capture_output=True, text=True).stdout.split()
            pids += [int(pid) for pid in found]
        return pids

    # --- a whole pass over the scenarios ------------------------------------------------------

    def login_tokens(self) -> None:
        from bench import seed

        self.tokens = {
            "user": seed.access_token(self.seeded.user_id),
            "writer": seed.access_token(self.seeded.writer_id),
        }
        seed.close_connections()

    def check_floor_is_honest(self, chosen: list[Scenario]) -> None:
        """The floor must answer exactly what the API answers, or its figures mean nothing."""
        checked = []
        for scenario in chosen:
            if scenario.floor is None or scenario.floor.method != "GET":
                continue
            checked.append(scenario.name)
            answers = []
            for which in (API, FLOOR):
                request = urllib.request.Request(
                    self.server.http.base + scenario.target(which).path,
                    headers={"Authorization": f"Bearer {self.tokens['user']}"},
                )
                with urllib.request.urlopen(request, timeout=10) as answer:
                    answers.append(json.loads(answer.read()))
            if answers[0] != answers[1]:
                raise SystemExit(
                    f"The floor of {scenario.name} answers differently from the API:\n"
                    f"api:   {answers[0]}\nfloor: {answers[1]}"
                )
        if checked:
            self.say(f"Floor and API answer the same JSON ({', '.join(checked)}).")

    def run_pass(self, chosen: list[Scenario], label: str) -> dict[tuple[str, str], Measured]:
        results: dict[tuple[str, str], Measured] = {}
        self.login_tokens()
        self.check_floor_is_honest(chosen)
        for scenario in chosen:
            pool = 0
            for which in scenario.targets:  # warm-up: imports, connections, caches; not counted
                warm = self.wrk(scenario, which, self.args.warmup, pool=math.ceil(self.args.warmup * WARMUP_POOL_RATE))
                pool = max(1000, math.ceil(POOL_HEADROOM * warm.rps * self.args.duration))
            for round_no in range(self.args.rounds * scenario.rounds_factor):
                # Interleaved in short rounds, floor-api then api-floor (ABBA), so the other
                # load on the machine and its drift hit both alike.
                for which in scenario.targets[:: 1 if round_no % 2 == 0 else -1]:
                    recording = self.args.profile == scenario.name and which == API and round_no == 0
                    spy = None
                    if recording:
                        raw = self.workdir / f"profile-{label}-{scenario.name}.txt"
                        spy = profile.start(self.server.master_pid, self.args.duration, raw)
                        time.sleep(0.5)
                    result = self.wrk(scenario, which, self.args.duration, pool=pool)
                    if spy is not None:
                        _, err = spy.communicate(timeout=60)
                        self.profile_text = (
                            profile.summarize(raw) if raw.exists() else f"py-spy failed: {err.decode(errors='replace')}"
                        )
                        self.profile_path = raw
                    results.setdefault((scenario.name, which), Measured(scenario.name, which)).rounds.append(result)
                    self.say(
                        f"  [{label}] {scenario.name:<8} {which:<5} round {round_no + 1}: "
                        f"{result.rps:8.1f} req/s  p50 {result.p50_us / 1000:7.2f} ms  "
                        f"p99 {result.p99_us / 1000:7.2f} ms  CPU {result.cpu_ms_per_request:6.3f} ms/req  "
                        f"non-2xx {result.failures}"
                        + (f" (last {result.last_non2xx})" if result.last_non2xx else "")
                        + (f"  EXHAUSTED {result.exhausted}" if result.exhausted else "")
                    )
        return results


# --- reporting -------------------------------------------------------------------------------


def floor_ratio(results: dict[tuple[str, str], Measured], name: str) -> float:
    """API/floor requests/s: the median of the ratios of the rounds, each pair run back to back."""
    api, floor = results[(name, API)].rounds, results[(name, FLOOR)].rounds
    return median(a.rps / f.rps for a, f in zip(api, floor, strict=True))


def cpu_ratio(results: dict[tuple[str, str], Measured], name: str) -> float:
    """Floor/API server CPU per request: the requests/s ratio a machine to itself would show."""
    api, floor = results[(name, API)].rounds, results[(name, FLOOR)].rounds
    return median(f.cpu_ms_per_request / a.cpu_ms_per_request for a, f in zip(api, floor, strict=True))


def table(results: dict[tuple[str, str], Measured], chosen: list[Scenario], title: str) -> list[str]:
    lines = [
        title,
        f"{'scenario':<9} {'target':<6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
        f"{'API/floor':>10} {'CPU ms/req':>11} {'by CPU':>7}",
        "-" * 84,
    ]
    for scenario in chosen:
        for which in scenario.targets:
            m = results[(scenario.name, which)]
            ratio = by_cpu = ""
            if which == API and scenario.floor is not None:
                ratio = f"{floor_ratio(results, scenario.name):.2f}"
                by_cpu = f"{cpu_ratio(results, scenario.name):.2f}"
            lines.append(
                f"{scenario.name:<9} {which:<6} {m.rps:9.1f} {m.p50_ms:8.2f} {m.p99_ms:8.2f} "
                f"{m.failures:8d} {ratio:>10} {m.cpu_ms:11.3f} {by_cpu:>7}"
            )
    lines.append(
        "API/floor: median over the rounds of API req/s / floor req/s, each pair back to back; "
        "by CPU: floor / API server CPU per request."
    )
    return lines


def budget(
    empty: dict[tuple[str, str], Measured],
    large: dict[tuple[str, str], Measured] | None,
    chosen: list[Scenario],
    policy_ok: bool | None,
) -> tuple[list[str], bool]:
    lines, holds = ["Budget:"], True

    def check(ok: bool, text: str) -> None:
        nonlocal holds
        holds &= ok
        lines.append(f"  [{'ok' if ok else 'FAIL'}] {text}")

    names = {s.name for s in chosen}
    for name in FLOOR_BUDGETED:
        if name in names:
            ratio = floor_ratio(empty, name)
            floor_name = "the bare hasher" if name == "login" else "the floor"
            check(
                ratio >= MIN_FLOOR_RATIO,
                f"{name}: API at {ratio:.0%} of {floor_name}'s req/s (>= {MIN_FLOOR_RATIO:.0%}; "
                f"by server CPU per request {cpu_ratio(empty, name):.0%})",
            )
    passes = [("empty", empty)] + ([("large", large)] if large else [])
    failures = sum(m.failures for _, res in passes for m in res.values())
    check(failures == 0, f"non-2xx answers (and socket errors) in every scenario: {failures}")
    if large:
        for name in LARGE_BUDGETED:
            if name in names:
                ratio = large[(name, API)].p99_ms / empty[(name, API)].p99_ms
                check(ratio <= MAX_LARGE_RATIO, f"{name}: p99 large/empty {ratio:.2f} (<= {MAX_LARGE_RATIO})")
    if policy_ok is not None:
        check(policy_ok, "policy check <= 5 us with no query (bench/policy_check.py)")
    return lines, holds


def large_ratios(
    empty: dict[tuple[str, str], Measured], large: dict[tuple[str, str], Measured], chosen: list[Scenario]
) -> list[str]:
    lines = ["Large/empty (API):", f"{'scenario':<9} {'p99 large/empty':>16} {'req/s large/empty':>18}"]
    for scenario in chosen:
        e, g = empty[(scenario.name, API)], large[(scenario.name, API)]
        lines.append(f"{scenario.name:<9} {g.p99_ms / e.p99_ms:16.2f} {g.rps / e.rps:18.2f}")
    return lines


def machine(db: database.BenchDatabase) -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{model}, {os.cpu_count()} CPUs, {mem_kib / 1024 / 1024:.1f} GiB RAM; Python {platform.python_version()}; "
        f"{database.server_version(db)}; load average at the end {load}"
    )


# --- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--duration", type=float, default=4, help="seconds per wrk run (default 4)")
    parser.add_argument(
        "--warmup", type=float, default=2, help="seconds of warm-up per scenario and target (default 2)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="measured runs per scenario and target, floor and API interleaved (default 5; login twice as many)",
    )
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (default 4: two per worker)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: the server needs the cores)")
    parser.add_argument("--database", choices=("sqlite", "mysql"), default="sqlite")
    parser.add_argument(
        "--large", action="store_true", help="then load 100k users, 1M tasks, 1M log-in sessions and run again"
    )
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIO_NAMES), help=f"comma-separated subset of {','.join(SCENARIO_NAMES)}"
    )
    parser.add_argument("--profile", choices=SCENARIO_NAMES, help="py-spy the API workers during this scenario")
    parser.add_argument("--output", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file, logs)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the budget does not hold")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios.split(",")) - set(SCENARIO_NAMES)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    wrkrun.ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="nexora-bench-"))
    db = database.create(args.database, workdir)
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,  # the server's, and this process's for the seeding
        "DATABASE_URL": db.url,
        "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "DJANGO_DEBUG": "0",
        # Long enough that no access token minted before a --large load expires during it.
        "JWT_ACCESS_MINUTES": "1440",
    }
    os.environ.update(env)
    server = bench_server(workers=args.workers, env=env, log_dir=workdir)
    print(
        f"Nexora API benchmark: {args.workers} gunicorn workers, wrk {args.threads} thread(s) x "
        f"{args.connections} connections, {args.duration:g} s x {args.rounds} rounds per target "
        f"(login: {args.rounds * LOGIN_ROUNDS_FACTOR}), {db.describe()}",
        flush=True,
    )
    try:
        import django
        from django.core.management import call_command

        django.setup()
        from bench import large as large_data
        from bench import seed

        call_command("migrate", verbosity=0)
        seeded = seed.seed()
        seed.close_connections()
        chosen = [s for s in scenarios(seeded) if s.name in args.scenarios.split(",")]
        bench = Bench(args, workdir, server, seeded)

        server.start()
        empty = bench.run_pass(chosen, "empty")
        server.stop()

        large: dict[tuple[str, str], Measured] | None = None
        if args.large:
            load_started = time.monotonic()
            large_data.load(bench.say)
            seed.close_connections()
            load_seconds = time.monotonic() - load_started
            server.start()
            large = bench.run_pass(chosen, "large")
            server.stop()

        policy = subprocess.run(
            [sys.executable, "-m", "bench.policy_check"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        )

        out = [
            "",
            f"Machine: {machine(db)}",
            f"Command: python -m bench.run {' '.join(sys.argv[1:] if argv is None else argv)}".rstrip(),
            "",
        ]
        out += table(empty, chosen, f"Empty database ({db.vendor}): the bench user sees 50 tasks")
        if large is not None:
            out += [
                "",
                *table(
                    large,
                    chosen,
                    f"Large database ({db.vendor}): 100k users, 1M tasks, 1M sessions (loaded in {load_seconds:.0f} s)",
                ),
            ]
            out += ["", *large_ratios(empty, large, chosen)]
        out += ["", policy.stdout.rstrip()]
        lines, holds = budget(empty, large, chosen, policy.returncode == 0)
        out += [
            "",
            *lines,
            f"Budget {'holds' if holds else 'does NOT hold'}. Total time {time.monotonic() - started:.0f} s.",
        ]
        if bench.profile_text:
            out += ["", f"Profile of {args.profile} (API), raw stacks in {bench.profile_path}:", bench.profile_text]
        print("\n".join(out), flush=True)
        if args.output:
            args.output.write_text(
                json.dumps(
                    {
                        "machine": machine(db),
                        "args": {k: str(v) for k, v in vars(args).items()},
                        "empty": {f"{s}/{t}": [asdict(r) for r in m.rounds] for (s, t), m in empty.items()},
                        "large": {f"{s}/{t}": [asdict(r) for r in m.rounds] for (s, t), m in (large or {}).items()},
                        "policy": policy.stdout,
                    },
                    indent=2,
                )
            )
        # A non-2xx answer is a broken run whatever the machine's noise: always a failure.
        failed_requests = sum(m.failures for res in (empty, large or {}) for m in res.values())
        return 1 if failed_requests or (args.strict and not holds) else 0
    finally:
        server.stop()
        database.drop(db)
        if args.keep or args.profile:
            print(f"Kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
