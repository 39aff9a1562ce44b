"""What every service image carries besides the service: a pinned base, its SBOM, the licence,
and none of the development servers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from muninn_shared.settings import SERVICE_NAMES

from tests.deploy.test_manifests import (
    ROOT,
    dockerfile_instructions,
    dockerfile_stages,
    global_args,
)

LICENSE = ROOT / "LICENSE"
SBOM_PATH = "/app/sbom.cdx.json"
DIGEST_PINNED = re.compile(r"[^\s@]+@sha256:[0-9a-f]{64}")
DEVELOPMENT_ONLY = ("muninn-devstack", "noida-db", "secantusdb")


def resolved(image: str) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: global_args()[m[1]], image)


def test_every_stage_starts_from_a_base_pinned_by_digest() -> None:
    images = [resolved(args.split()[0]) for i, args in dockerfile_instructions() if i == "FROM"]
    assert images
    for image in images:
        assert DIGEST_PINNED.fullmatch(image), image
    assert global_args()["PYTHON_IMAGE"].startswith("python:3.11-slim@sha256:")


def test_the_sbom_is_made_in_the_builder_from_the_images_venv_and_copied_and_labelled() -> None:
    stages = dockerfile_stages()
    (sbom_run,) = [a for i, a in stages["builder"] if i == "RUN" and "cyclonedx-py" in a]
    assert "uv tool run --from" in sbom_run, "cyclonedx-bom must stay out of /app/.venv"
    assert "cyclonedx-py environment" in sbom_run
    assert f"--output-file {SBOM_PATH}" in sbom_run
    assert sbom_run.rstrip().endswith("/app/.venv/bin/python")
    runtime = stages["runtime"]
    assert ("COPY", f"--from=builder {SBOM_PATH} {SBOM_PATH}") in runtime
    labels = " ".join(a for i, a in runtime if i == "LABEL")
    assert f'io.muninn.sbom="{SBOM_PATH}"' in labels
    assert not any("cyclonedx" in a for i, a in runtime if i == "RUN")


def test_the_runtime_stage_installs_nothing_and_syncs_only_frozen() -> None:
    runtime = dockerfile_stages()["runtime"]
    for instruction, args in runtime:
        if instruction == "RUN":
            assert not re.search(r"\b(apt-get|apk|pip|uv|gcc|make)\b", args), args
    builder_syncs = [a for i, a in dockerfile_stages()["builder"] if i == "RUN" and "uv sync" in a]
    for run in builder_syncs:
        assert "--frozen" in run
        assert "--locked" not in run


def test_the_licence_file_is_apache_2_as_the_label_and_the_project_say() -> None:
    text = LICENSE.read_text()
    assert text.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    labels = " ".join(a for i, a in dockerfile_stages()["runtime"] if i == "LABEL")
    assert 'org.opencontainers.image.licenses="Apache-2.0"' in labels
    assert ("COPY", "LICENSE /app/LICENSE") in dockerfile_stages()["runtime"]


def uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        pytest.skip("uv is not installed")
    return found


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_frozen_no_dev_export_of_a_service_has_no_development_server(service: str) -> None:
    exported = subprocess.run(
        [uv(), "export", "--frozen", "--no-dev", "--no-hashes", "--package", f"muninn-{service}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "fastapi" in exported, "the export listed too little"
    for name in DEVELOPMENT_ONLY:
        assert not re.search(rf"^\s*{re.escape(name)}\b", exported, flags=re.MULTILINE), name


def test_the_sbom_command_line_works_offline_on_a_venv(tmp_path: Path) -> None:
    cyclonedx = Path(sys.executable).parent / "cyclonedx-py"
    output = tmp_path / "sbom.cdx.json"
    subprocess.run(
        [
            str(cyclonedx),
            "environment",
            "--output-format",
            "JSON",
            "--output-reproducible",
            "--output-file",
            str(output),
            sys.executable,
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    bom = json.loads(output.read_text())
    assert bom["bomFormat"] == "CycloneDX"
    names = {component["name"] for component in bom["components"]}
    assert {"fastapi", "aiokafka", "pymongo"} <= names
