"""Generates the Python SDK's models and resources (clients/python/muninn_client/_generated).

    python -m tools.generate_sdk          write them (``make sdk``)
    python -m tools.generate_sdk --check  exit 1 if the committed files differ from the API

The source is every service's OpenAPI document, built in-process and merged as the gateway
merges it; the files are formatted with ruff so ``make lint`` reads them as written.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.sdk_codegen.models import render_models
from tools.sdk_codegen.resources import render_resources
from tools.sdk_codegen.source import Document, merged_document

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "clients" / "python" / "muninn_client" / "_generated"
INIT = '"""Generated from the merged OpenAPI document by tools/generate_sdk.py: do not edit."""\n'


def render(document: Document) -> dict[str, str]:
    """File name → formatted source."""
    sources = {
        "__init__.py": INIT,
        "models.py": render_models(document),
        "resources.py": render_resources(document),
    }
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for name, text in sources.items():
            (folder / name).write_text(text)
        ruff = [sys.executable, "-m", "ruff"]
        config = ["--config", str(ROOT / "pyproject.toml")]
        subprocess.run([*ruff, "check", "--fix-only", "--quiet", *config, scratch], check=True)
        subprocess.run([*ruff, "format", "--quiet", *config, scratch], check=True)
        return {name: (folder / name).read_text() for name in sources}


def stale_files(rendered: dict[str, str], target: Path = TARGET) -> list[str]:
    return [
        name
        for name, text in rendered.items()
        if not (target / name).exists() or (target / name).read_text() != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    rendered = render(merged_document())
    stale = stale_files(rendered)
    if args.check:
        for name in stale:
            print(f"{TARGET / name} differs from the API: run `make sdk`", file=sys.stderr)
        return 1 if stale else 0
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (TARGET / name).write_text(rendered[name])
        print(f"wrote {TARGET / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
