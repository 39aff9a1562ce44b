"""Service images carry only what the service runs with.

The Dockerfile installs ``uv sync --frozen --no-dev --package muninn-<service>``: the
package's dependency closure in uv.lock, without dependency groups. The development stack
(muninn-devstack and the packaged servers it starts) must stay out of that closure, and no
runtime code may import it, or an image would either carry it or fail to start.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from muninn_shared.settings import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
LOCK_FILE = ROOT / "uv.lock"
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"

DEVELOPMENT_ONLY = frozenset({"muninn-devstack", "noida-db", "secantusdb"})
DEVSTACK_IMPORT = re.compile(r"^\s*(from|import)\s+muninn_devstack\b", re.MULTILINE)


@cache
def locked_packages() -> dict[str, Mapping[str, Any]]:
    lock = tomllib.loads(LOCK_FILE.read_text())
    return {package["name"]: package for package in lock["package"]}


def requirements_of(
    package: Mapping[str, Any], extras: frozenset[str]
) -> Iterator[tuple[str, frozenset[str]]]:
    """The (name, extras) a locked package needs: its dependencies plus the extras asked of it."""
    needed = list(package.get("dependencies", []))
    optional = package.get("optional-dependencies", {})
    for extra in extras:
        needed.extend(optional.get(extra, []))
    for requirement in needed:
        yield requirement["name"], frozenset(requirement.get("extra", []))


def runtime_closure(root: str) -> set[str]:
    """Every package ``uv sync --no-dev --package <root>`` installs (markers ignored: a superset)."""
    packages = locked_packages()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [(root, frozenset[str]())]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        name, extras = current
        pending.extend(requirements_of(packages[name], extras))
    return {name for name, _ in seen}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_service_image_installs_no_development_package(service: str) -> None:
    closure = runtime_closure(f"muninn-{service}")
    assert {"muninn-shared", "fastapi", "aiokafka"} <= closure, "the lock walk found too little"
    assert closure.isdisjoint(DEVELOPMENT_ONLY), sorted(closure & DEVELOPMENT_ONLY)


def test_the_development_stack_still_brings_its_servers() -> None:
    """Guards the test above against passing because the servers vanished from the lock."""
    assert runtime_closure("muninn-devstack") >= DEVELOPMENT_ONLY


def test_the_image_syncs_one_package_without_dev_groups() -> None:
    syncs = [line for line in DOCKERFILE.read_text().splitlines() if "uv sync" in line]
    assert syncs, "the Dockerfile no longer runs uv sync"
    for line in syncs:
        assert "--no-dev" in line, line
        assert '--package "muninn-${SERVICE}"' in line, line
        assert "--all-packages" not in line, line


def runtime_sources() -> Iterator[Path]:
    yield from (ROOT / "libs" / "shared" / "muninn_shared").rglob("*.py")
    for service in SERVICE_NAMES:
        yield from (ROOT / "services" / service / f"muninn_{service}").rglob("*.py")


def test_no_runtime_module_imports_the_development_stack() -> None:
    importing = [
        str(path.relative_to(ROOT))
        for path in runtime_sources()
        if DEVSTACK_IMPORT.search(path.read_text())
    ]
    assert importing == []
