"""Write the JSON Schemas tests/deploy validates custom resources against, from operators' CRDs.

Each served version of each CustomResourceDefinition given becomes
deploy/schemas/crds/<group>/<kind-lowercase>_<version>.json: its openAPIV3Schema, with
`additionalProperties: false` on every object that declares properties and neither preserves
unknown fields nor declares additionalProperties. The API server prunes such unknown fields
silently, so a typo in a manifest would be lost without an error; the test makes it one.

Where the vendored CRDs came from (deploy/README.md, "Operator versions", pins the same):

    Strimzi 1.2.0        packaging/install/cluster-operator/04{0,3,4,5}-Crd-*.yaml
    Gateway API v1.6.1   config/crd/standard/gateway.networking.k8s.io_httproutes.yaml
    MongoDB Community operator v0.13.0
                         config/crd/bases/mongodbcommunity.mongodb.com_mongodbcommunity.yaml
    OpenTelemetry operator v0.158.0
                         config/crd/bases/opentelemetry.io_opentelemetrycollectors.yaml
    prometheus-operator 0.93.0
                         example/prometheus-operator-crd/monitoring.coreos.com_{servicemonitors,
                         prometheusrules}.yaml (one pattern rewritten: Go accepts `^(?i)…`,
                         Python only `(?i)^…`, the same expression)

    python deploy/schemas/extract_crd_schemas.py path/to/crd.yaml ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

SCHEMAS_DIR = Path(__file__).resolve().parent / "crds"


def strict(schema: Any) -> Any:
    """The schema with unknown fields refused wherever the API server would prune them."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) for key, value in schema.items()}
    if (
        "properties" in result
        and "additionalProperties" not in result
        and not result.get("x-kubernetes-preserve-unknown-fields")
    ):
        result["additionalProperties"] = False
    return result


def resource_schema(
    version_schema: dict[str, Any], group: str, version: str, kind: str
) -> dict[str, Any]:
    """A whole document's schema: the CRD's, with apiVersion, kind and metadata pinned."""
    schema: dict[str, Any] = strict(version_schema)
    properties = schema.setdefault("properties", {})
    properties["apiVersion"] = {"type": "string", "enum": [f"{group}/{version}"]}
    properties["kind"] = {"type": "string", "enum": [kind]}
    properties["metadata"] = {"type": "object"}
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    schema["additionalProperties"] = False
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return schema


def extract(crd_path: Path, output_dir: Path) -> list[Path]:
    written: list[Path] = []
    for crd in yaml.safe_load_all(crd_path.read_text()):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group = crd["spec"]["group"]
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served"):
                continue
            schema = resource_schema(
                version["schema"]["openAPIV3Schema"], group, version["name"], kind
            )
            target = output_dir / group / f"{kind.lower()}_{version['name']}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
            written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("crds", nargs="+", type=Path, help="CustomResourceDefinition YAML files")
    parser.add_argument("--output", type=Path, default=SCHEMAS_DIR)
    arguments = parser.parse_args()
    for crd_path in arguments.crds:
        for target in extract(crd_path, arguments.output):
            print(target)


if __name__ == "__main__":
    main()
