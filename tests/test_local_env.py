"""The local `.env`: the README's `manage.py` commands run as written, with nothing but the
key `make` wrote, and production, which has no `.env`, still refuses to start without a key.

Each test works in a copy of the project in a temporary folder, with the `.env` it needs
(or none), so neither the checkout's own `.env` nor the suite's environment decides the result.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: What `manage.py` needs: the script, the settings package and every installed app.
#: What a server needs: manage.py and every top-level package but the tests, the kit and the bench.
PROJECT = (
    "manage.py",
    *sorted(
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "nexora_testkit", "bench"}
    ),
)
#: What the Makefile's targets name as prerequisites (copied, never run: `make -n`).
MAKE_FILES = ("Makefile", "requirements.txt", "requirements-dev.txt", "bench/requirements.txt")
REFUSAL = "DJANGO_SECRET_KEY is not set"


def checkout(tmp_path: Path) -> Path:
    """A copy of the project (and its Makefile) with no `.env`, as a fresh clone has."""
    root = tmp_path / "checkout"
    root.mkdir(parents=True)
    for name in (*PROJECT, *MAKE_FILES):
        source, target = ROOT / name, root / name
        if source.is_dir():
            shutil.copytree(source, target)  # with __pycache__: still valid (mtimes kept), and faster
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return root


def clean_env(**overrides: str) -> dict[str, str]:
    """The suite's environment without anything that would configure Django behind the test's back."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "PYTHON_DOTENV", "MAKE", "MFLAGS"))
    }
    return {**env, **overrides}


def make(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", f"PYTHON={sys.executable}", *args],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def manage(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`.venv/bin/python manage.py ...` as the README writes it, in `root`."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_writes_env_once_with_only_a_random_key(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    assert make(root, ".env").returncode == 0
    env_file = root / ".env"
    content = env_file.read_text()
    lines = content.splitlines()
    assert len(lines) == 1 and lines[0].startswith("DJANGO_SECRET_KEY="), content
    assert len(lines[0].removeprefix("DJANGO_SECRET_KEY=")) >= 50
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600, "a secret: readable by its owner only"

    # Never overwritten (tokens signed with it stay valid), and another checkout gets another key.
    assert make(root, ".env").returncode == 0
    assert env_file.read_text() == content
    other = checkout(tmp_path / "other")
    make(other, ".env")
    assert (other / ".env").read_text() != content


def test_env_file_is_git_ignored() -> None:
    assert "/.env" in (ROOT / ".gitignore").read_text().splitlines()


def test_readme_manage_py_commands_run_with_only_the_env_file(tmp_path: Path) -> None:
    """createsuperuser --noinput and set_role, exactly as the README writes them, debug off."""
    root = checkout(tmp_path)
    make(root, ".env")
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'readme.sqlite3'}"}

    result = manage(root, "migrate", "--noinput", **database)  # runs `check` first
    assert result.returncode == 0, result.stderr
    for email in ("root@example.com", "ada@example.com"):
        result = manage(
            root,
            "createsuperuser",
            "--noinput",
            **database,
            DJANGO_SUPERUSER_EMAIL=email,
            DJANGO_SUPERUSER_PASSWORD="long-and-unique-1",
        )
        assert result.returncode == 0, result.stderr
    result = manage(root, "set_role", "ada@example.com", "SELLER", **database)
    assert result.returncode == 0, result.stderr
    assert "ada@example.com: ADMIN -> SELLER" in result.stdout


def test_the_real_environment_wins_over_env_file(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    (root / ".env").write_text("DJANGO_SECRET_KEY=from-the-env-file-" + "x" * 40 + "\n")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = manage(root, "shell", "-c", code, DJANGO_SECRET_KEY="from-the-environment-" + "y" * 40)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "from-the-environment-" + "y" * 40


def test_without_env_file_debug_off_refuses_to_start(tmp_path: Path) -> None:
    """Production: no `.env`, no key in the environment, debug off (the default)."""
    result = manage(checkout(tmp_path), "check")
    assert result.returncode != 0
    assert REFUSAL in result.stderr


def test_dotenv_disabled_ignores_env_file(tmp_path: Path) -> None:
    """What `make serve` sets: a development `.env` lying around is not a production key."""
    root = checkout(tmp_path)
    make(root, ".env")
    result = manage(root, "check", PYTHON_DOTENV_DISABLED="1")
    assert result.returncode != 0
    assert REFUSAL in result.stderr


def test_make_serve_neither_writes_nor_reads_env_file(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    result = make(root, "-n", "serve")
    assert result.returncode == 0, result.stderr
    dry_run = result.stdout.splitlines()
    assert not [line for line in dry_run if "token_urlsafe" in line]
    starts = [line for line in dry_run if "manage.py" in line or "gunicorn" in line]
    assert len(starts) == 2 and all(line.startswith("PYTHON_DOTENV_DISABLED=1 ") for line in starts), starts
    # The development targets do write it (so the check above would see it).
    assert [line for line in make(root, "-n", "run").stdout.splitlines() if "token_urlsafe" in line]
