#!/bin/sh
# Provisioning for `make test-web`: Debian's chromium and chromium-driver (/usr/bin/chromium,
# /usr/bin/chromedriver), installed with apt-get when either is missing. Nothing is
# downloaded at test time: Selenium is handed /usr/bin/chromedriver and never runs
# Selenium Manager.
#
# A user who cannot install (not root, no apt-get) gets a note and exit 0: tests/web then
# skips, or fails when CI is set.
set -eu

found() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }

found && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium or chromium-driver is not installed and this user cannot install them:" \
         "run \`apt-get install -y --no-install-recommends chromium chromium-driver\` as root." >&2
    exit 0
fi
echo "chromium or chromium-driver is missing: installing Debian's packages with apt-get."

install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null >/dev/null; }
# The package lists may be missing or stale on a fresh machine: update once, then retry.
install chromium chromium-driver || { apt-get update -q >/dev/null && install chromium chromium-driver; } || true
found || { echo "Could not install chromium and chromium-driver with apt-get." >&2; exit 1; }
