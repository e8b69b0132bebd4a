#!/bin/sh
# Provisioning for `make test-deploy`: Debian's nginx, installed with apt-get when it is missing.
#
# Its service is kept from starting (nginx on port 80 of every address) with Debian's
# policy-rc.d convention: Docker images already ship one that refuses; only if there is
# none is one put in place for the install, and removed afterwards. A user who cannot
# install (not root, no apt-get) gets a note and exit 0: tests/deploy then skips, or fails
# when CI is set.
set -eu

found() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }

found && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "nginx is not installed and this user cannot install it:" \
         "run \`apt-get install -y --no-install-recommends nginx-light\` as root." >&2
    exit 0
fi
echo "nginx is missing: installing Debian's nginx-light with apt-get."

policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Written by .ci/install_nginx.sh for the duration of an install.\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi

install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null >/dev/null; }
# The package lists may be missing or stale on a fresh machine: update once, then retry;
# `nginx` is the fallback on releases that dropped the nginx-light flavour.
install nginx-light || { apt-get update -q >/dev/null && install nginx-light; } || install nginx || true
found || { echo "Could not install nginx with apt-get." >&2; exit 1; }
