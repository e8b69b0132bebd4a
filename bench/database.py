"""A fresh, throwaway database for one benchmark run: a temporary SQLite file, or a
MariaDB database `nexora_bench_<random>` dropped at the end (never `nexora` or `test_nexora`)."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MYSQL_HOST = "127.0.0.1"
MYSQL_PORT = 3306
_BENCH_NAME = re.compile(r"^nexora_bench_[0-9a-f]{8}$")


@dataclass
class BenchDatabase:
    vendor: str
    url: str
    name: str

    def describe(self) -> str:
        return f"{self.vendor} ({self.name})"


def create(vendor: str, workdir: Path) -> BenchDatabase:
    if vendor == "sqlite":
        path = workdir / "bench.sqlite3"
        return BenchDatabase("sqlite", f"sqlite:///{path}", str(path))
    if vendor == "mysql":
        subprocess.run([sys.executable, str(ROOT / ".ci" / "wait_for_mariadb.py"), "--start"], check=True)
        name = f"nexora_bench_{secrets.token_hex(4)}"
        _mysql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return BenchDatabase("mysql", f"mysql://root@{MYSQL_HOST}:{MYSQL_PORT}/{name}", name)
    raise ValueError(f"Unknown database {vendor!r}: sqlite or mysql.")


def drop(database: BenchDatabase) -> None:
    """Drop a MariaDB bench database (only ever one this harness named); SQLite files go with the temp dir."""
    if database.vendor == "mysql" and _BENCH_NAME.match(database.name):
        _mysql(f"DROP DATABASE IF EXISTS `{database.name}`")


def server_version(database: BenchDatabase) -> str:
    if database.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import pymysql

    conn = pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            row = cursor.fetchone()
            assert row is not None, "SELECT VERSION() answers one row"
            return f"MariaDB {row[0]}"
    finally:
        conn.close()


def _mysql(statement: str) -> None:
    import pymysql

    conn = pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="", autocommit=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()
