"""The kit loads as a pytest plugin into another project, one with its own `tests` package.

Each case writes a throwaway outside suite and runs it with `python -m pytest` in a
subprocess, from its own folder, so nothing of this suite (pytest.ini, our `tests`
package, modules already imported) helps it. Its tests import from its own `tests`
package, which would fail if the kit dragged ours in.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "nexora_testkit.plugin"
#: Installed here for the fuzz run, not something an outside suite has; importing them is
#: most of a run's time.
UNRELATED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest")

OUTSIDE_INI = """\
[pytest]
DJANGO_SETTINGS_MODULE = project.settings
"""
OUTSIDE_HELPERS = 'TITLE = "Made by an outside suite"\n'
OUTSIDE_TEST = """\
from tests.helpers import TITLE


def test_customer_client_creates_a_task(customer_client, customer):
    response = customer_client.post("/api/tasks/", {"title": TITLE})
    assert response.status_code == 201
    assert (response.json()["title"], response.json()["owner_id"]) == (TITLE, customer.id)


def test_admin_client_is_the_kits_api_client(admin_client):
    response = admin_client.get("/api/profile/")
    assert (response.status_code, response.json()["role"]) == (200, "ADMIN")
"""


def write_outside_project(folder: Path) -> Path:
    """pytest.ini, tests/__init__.py, tests/helpers.py, tests/test_x.py: a typical suite."""
    project = folder / "outside"
    (project / "tests").mkdir(parents=True)
    (project / "pytest.ini").write_text(OUTSIDE_INI)
    (project / "tests" / "__init__.py").write_text("")
    (project / "tests" / "helpers.py").write_text(OUTSIDE_HELPERS)
    (project / "tests" / "test_x.py").write_text(OUTSIDE_TEST)
    return project


def fake_installation(folder: Path) -> Path:
    """What `pip install` of this repository registers: a dist-info with pyproject.toml's
    pytest11 entry points, found by importlib.metadata on PYTHONPATH (no build, no network)."""
    entry_points = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    dist_info = folder / "site" / "nexora_api-0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: nexora-api\nVersion: 0\n")
    (dist_info / "entry_points.txt").write_text(
        "[pytest11]\n" + "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    )
    return dist_info.parent


def run_outside_suite(project: Path, python_path: list[Path], *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(path) for path in python_path),
        # Always SQLite: under `make test-mysql` the outer suite holds MariaDB's test database.
        "DATABASE_URL": f"sqlite:///{project / 'db.sqlite3'}",
    }
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *UNRELATED_PLUGINS, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_two_passed(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.fullmatch(r"2 passed in [\d.]+s", result.stdout.strip().splitlines()[-1]), output


def test_loads_with_dash_p(tmp_path: Path) -> None:
    project = write_outside_project(tmp_path)
    assert_two_passed(run_outside_suite(project, [ROOT], "-p", PLUGIN))


def test_loads_by_its_entry_point_when_installed(tmp_path: Path) -> None:
    project = write_outside_project(tmp_path)
    assert_two_passed(run_outside_suite(project, [ROOT, fake_installation(tmp_path)]))


def test_without_the_plugin_the_fixtures_are_missing(tmp_path: Path) -> None:
    """The two cases above pass because of the kit, not because something else loads it."""
    project = write_outside_project(tmp_path)
    result = run_outside_suite(project, [ROOT])
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "fixture 'customer_client' not found" in result.stdout
