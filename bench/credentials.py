"""Who the benchmark logs in as (no Django import, so the harness can read it before set-up)."""

BENCH_EMAIL = "bench@bench.nexora.test"
WRITER_EMAIL = "writer@bench.nexora.test"
#: The bench users' password; the bare-hasher floor verifies the same one.
BENCH_PASSWORD = "bench-Passw0rd-for-floor-1"
