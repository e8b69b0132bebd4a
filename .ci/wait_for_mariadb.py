"""Make sure the local MariaDB answers on 127.0.0.1:3306, starting it if asked; exit 1 if it does not."""

from __future__ import annotations

import subprocess
import sys
import time

import pymysql

START = [
    "start-stop-daemon",
    "--start",
    "--oknodo",
    "--background",
    "--exec",
    "/usr/sbin/mariadbd",
    "--",
    "--user=mysql",
]


def reachable() -> bool:
    try:
        pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", connect_timeout=2).close()
        return True
    except pymysql.MySQLError:
        return False


def main() -> int:
    if reachable():
        return 0
    if "--start" in sys.argv:
        print("MariaDB is not running: starting it.", flush=True)
        subprocess.run(START, check=False)
    for _ in range(60):
        if reachable():
            return 0
        time.sleep(1)
    print("MariaDB is not reachable on 127.0.0.1:3306 (user root, empty password).", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
