"""The arrows between the project's top-level packages (README, "Architecture").

Read from the source, not from what happens to be imported at run time: every `import`
and `from ... import` statement of every module, at any depth (inside functions and
`TYPE_CHECKING` blocks too), resolved to the top-level package it names.

- `ninja_hooks/` is the floor: django-ninja plumbing (Django, Ninja, asgiref), no package of this project.
- `permissions/` is reusable: Django, Ninja, pydantic and asgiref, and of this project only the floor.
- `api/` is the app-agnostic toolkit: of this project only the floor, no app, not the permission layer.
- `accounts/`, `authn/` and `tasks/` are apps: they import the toolkit and `permissions/`
  (`authn/` and `tasks/` import `accounts/`, whose users sign in and own tasks).
- `webclient/` serves the web client's page: Django only, no package of this project.
- `project/` is the composition root on top: it may import anything.
- `nexora_testkit/` builds on the apps and the root; `bench/` and `tests/` may import anything.

And whatever they are allowed, no two top-level packages import each other, even indirectly,
and no two modules inside one package do either.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Each top-level package and the project packages it may import (None: any).
ALLOWED: dict[str, frozenset[str] | None] = {
    "ninja_hooks": frozenset(),
    "permissions": frozenset({"ninja_hooks"}),
    "api": frozenset({"ninja_hooks"}),
    "accounts": frozenset({"api", "permissions"}),
    "authn": frozenset({"accounts", "api", "permissions"}),
    "tasks": frozenset({"accounts", "api", "permissions"}),
    "webclient": frozenset(),
    "project": None,
    "nexora_testkit": frozenset({"accounts", "authn", "tasks", "api", "project", "permissions"}),
    "bench": None,
    "tests": None,
}
#: The only libraries (beyond the standard library) the reusable permission layer may use.
PERMISSIONS_LIBRARIES = frozenset({"django", "ninja", "pydantic", "asgiref"})
#: The floor's libraries: django-ninja plumbing needs nothing else.
FLOOR_LIBRARIES = frozenset({"django", "ninja", "asgiref"})


def modules(package: str) -> Iterator[tuple[Path, tuple[str, ...]]]:
    """Every module of a package, with its dotted name as parts."""
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield path, parts[:-1] if parts[-1] == "__init__" else parts


def imported(path: Path, name: tuple[str, ...]) -> Iterator[tuple[str, int]]:
    """The top-level name each import statement of a module reaches, with its line."""
    package = name if path.name == "__init__.py" else name[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield str(node.module).split(".")[0], node.lineno
            else:  # relative: resolved against the module's own package
                base = package[: len(package) - (node.level - 1)]
                target = (*base, *(node.module.split(".") if node.module else ()))
                yield (target[0] if target else "<above the project>"), node.lineno


def imports_of(package: str) -> dict[str, list[str]]:
    """Top-level name -> the places (`path:line`) where `package` imports it; itself left out."""
    found: dict[str, list[str]] = {}
    for path, name in modules(package):
        for top, line in imported(path, name):
            if top != package:
                found.setdefault(top, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def project_imports(package: str) -> dict[str, list[str]]:
    return {top: places for top, places in imports_of(package).items() if top in ALLOWED}


def test_every_top_level_package_has_its_row() -> None:
    """A new package must say where it stands before it can be checked."""
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert packages == set(ALLOWED)


@pytest.mark.parametrize("package", [name for name, allowed in ALLOWED.items() if allowed is not None])
def test_imports_follow_the_arrows(package: str) -> None:
    allowed = ALLOWED[package]
    assert allowed is not None
    wrong = {top: places for top, places in project_imports(package).items() if top not in allowed}
    may = f"only {', '.join(sorted(allowed))}" if allowed else "no project package"
    assert not wrong, f"{package}/ may import {may}; it imports {wrong}"


@pytest.mark.parametrize(
    ("package", "libraries"), [("permissions", PERMISSIONS_LIBRARIES), ("ninja_hooks", FLOOR_LIBRARIES)]
)
def test_reusable_packages_use_only_their_libraries(package: str, libraries: frozenset[str]) -> None:
    outside = {
        top: places
        for top, places in imports_of(package).items()
        if top not in sys.stdlib_module_names and top not in libraries and top not in (ALLOWED[package] or ())
    }
    assert not outside, f"{package}/ may use only {sorted(libraries)} and the standard library: {outside}"


N = TypeVar("N", str, tuple[str, ...])


def reaches(graph: Mapping[N, Iterable[N]], start: N, goal: N) -> bool:
    """Is there a path of imports from `start` to `goal`?"""
    seen: set[N] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(graph.get(current, ()))
    return False


def test_no_cycles_between_top_level_packages() -> None:
    graph = {package: set(project_imports(package)) for package in ALLOWED}

    cycles = sorted((a, b) for a in graph for b in graph[a] if reaches(graph, b, a))
    assert not cycles, f"these packages import each other (directly or through others): {cycles}"


def module_graph(package: str) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    """Module -> the modules of the same package it imports (`from . import x` names module x)."""
    names = {name for _, name in modules(package)}
    graph: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for path, name in modules(package):
        own = name if path.name == "__init__.py" else name[:-1]
        targets: set[tuple[str, ...]] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found = [tuple(alias.name.split(".")) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = (
                    tuple(str(node.module).split("."))
                    if node.level == 0
                    else (*own[: len(own) - (node.level - 1)], *(node.module.split(".") if node.module else ()))
                )
                found = [(*base, alias.name) for alias in node.names] + [base]
            else:
                continue
            for target in found:
                # The longest module of the package the name reaches (a module, or the package of a name in it).
                while target and target not in names:
                    target = target[:-1]
                if target and target != name and target != own[: len(target)]:
                    targets.add(target)
        graph[name] = targets
    return graph


@pytest.mark.parametrize("package", [name for name in ALLOWED if (ROOT / name / "__init__.py").exists()])
def test_no_import_cycles_inside_a_package(package: str) -> None:
    """Two modules that import each other (even inside a function, or only for type checking)
    are one module's worth of responsibility cut in the wrong place."""
    graph = module_graph(package)

    cycles = sorted(
        ".".join(a) + " <-> " + ".".join(b) for a in graph for b in graph[a] if a < b and reaches(graph, b, a)
    )
    assert not cycles, f"modules of {package}/ that import each other (directly or through others): {cycles}"
