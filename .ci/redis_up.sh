#!/usr/bin/env bash
# Redis on 127.0.0.1:6379 for the throttle tests' Redis store (tests/authn/test_throttling.py):
# started when it does not answer (Debian's redis-server, installed when missing, as root),
# keeping nothing on disk; then waited for, 10 s at most.
set -euo pipefail
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0
    sleep 0.2
done
echo "redis-server did not answer on 127.0.0.1:6379 within 10 s" >&2
exit 1
