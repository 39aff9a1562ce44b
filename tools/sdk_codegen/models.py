"""JSON Schema components → pydantic models (one class per object schema, aliases for the rest).

The models describe what the services send and take; validation stays with the services, so
the constraints (lengths, ranges, patterns) are left out and the server's problem+json answer
is the one source of a refusal. Unknown fields are kept (``extra="allow"``): a newer server
adding a field does not break an older client.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from muninn_gateway.openapi.merge import collect_refs, reachable_components

REF_PREFIX = "#/components/schemas/"
# Field names a pydantic model cannot use as attributes (they shadow BaseModel's own).
RESERVED = {"schema", "json", "dict", "copy", "validate", "construct", "fields", "register"}


def class_name(component: str) -> str:
    """A component's Python name: ``TimeRange-Input`` → ``TimeRangeInput``,
    ``muninn_integrations__graph__models__Person`` → ``GraphPerson``."""
    if "__" in component:
        parts = component.split("__")
        component = parts[-3 if len(parts) >= 3 else 0] + "_" + parts[-1]
    words = re.split(r"[^0-9A-Za-z]+", component)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    return name if name[:1].isalpha() else "Model" + name


def attribute_name(name: str) -> str:
    cleaned = re.sub(r"\W", "_", name)
    if cleaned[:1].isdigit():
        cleaned = "_" + cleaned
    if keyword.iskeyword(cleaned) or cleaned in RESERVED or cleaned.startswith("model_"):
        cleaned += "_"
    return cleaned.lstrip("_") or "value"


@dataclass
class TypeRenderer:
    """Renders a schema as a Python type expression against the generated module's names."""

    components: dict[str, Any]
    aliases: dict[str, str] = field(default_factory=dict)
    """Component → alias name, for the components that are not objects."""

    def is_model(self, component: str) -> bool:
        schema = self.components[component]
        return schema.get("type") == "object" and "properties" in schema

    def render(self, schema: Any, seen: frozenset[str] = frozenset()) -> str:
        if not isinstance(schema, dict) or not schema:
            return "Any"
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            return self._reference(ref[len(REF_PREFIX) :], seen)
        if "const" in schema:
            return f"Literal[{json.dumps(schema['const'])}]"
        if "enum" in schema:
            return "Literal[" + ", ".join(json.dumps(v) for v in schema["enum"]) + "]"
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                return union(self.render(member, seen) for member in schema[combinator])
        if "allOf" in schema:
            parts = schema["allOf"]
            return self.render(parts[0], seen) if len(parts) == 1 else "dict[str, Any]"
        kind = schema.get("type")
        if isinstance(kind, list):
            return union(self.render({**schema, "type": k}, seen) for k in kind)
        return self._typed(kind, schema, seen)

    def _reference(self, component: str, seen: frozenset[str]) -> str:
        if component not in self.components:
            return "Any"
        if self.is_model(component):
            return class_name(component)
        if component in seen:
            return "Any"
        # An alias is expanded where it is used: aliases then never depend on their order.
        return self.render(self.components[component], seen | {component})

    def _typed(self, kind: Any, schema: dict[str, Any], seen: frozenset[str]) -> str:
        if kind == "string":
            return {
                # Qualified: a field may well be called ``date``.
                "date-time": "_dt.datetime",
                "date": "_dt.date",
                "binary": "bytes",
            }.get(str(schema.get("format")), "str")
        if kind == "integer":
            return "int"
        if kind == "number":
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "null":
            return "None"
        if kind == "array":
            return f"list[{self.render(schema.get('items'), seen)}]"
        if kind == "object":
            extra = schema.get("additionalProperties")
            value = self.render(extra, seen) if isinstance(extra, dict) else "Any"
            return f"dict[str, {value}]"
        return "Any"


def union(members: Iterable[str]) -> str:
    unique: list[str] = []
    for member in members:
        for part in split_union(member):
            if part not in unique:
                unique.append(part)
    if "Any" in unique:
        return "Any"
    if "None" in unique:
        unique = [m for m in unique if m != "None"] + ["None"]
    return " | ".join(unique)


def split_union(expression: str) -> list[str]:
    """The top-level members of a rendered union (brackets protect nested ones)."""
    parts, depth, current = [], 0, ""
    for char in expression:
        depth += char == "["
        depth -= char == "]"
        if char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def default_literal(value: Any) -> str | None:
    """A JSON default as Python source, or None for a mutable one (a factory is used)."""
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    return None


def docstring(text: str, indent: str) -> list[str]:
    cleaned = text.strip().replace("\\", "\\\\").replace('"""', "'''")
    lines = cleaned.splitlines() or [""]
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [
        f'{indent}"""{lines[0]}',
        *(f"{indent}{line}".rstrip() for line in lines[1:]),
        f'{indent}"""',
    ]


def render_field(name: str, schema: dict[str, Any], required: bool, types: TypeRenderer) -> str:
    attribute = attribute_name(name)
    annotation = types.render(schema)
    arguments: list[str] = []
    if attribute != name:
        arguments.append(f"alias={name!r}")
    if not required:
        if "default" in schema:
            literal = default_literal(schema["default"])
            if literal is None:
                arguments.insert(0, f"default_factory=lambda: {schema['default']!r}")
            else:
                arguments.insert(0, f"default={literal}")
                if literal == "None" and "None" not in split_union(annotation):
                    annotation = union([annotation, "None"])
        else:
            arguments.insert(0, "default=None")
            if "None" not in split_union(annotation):
                annotation = union([annotation, "None"])
    if not arguments:
        return f"    {attribute}: {annotation}"
    if len(arguments) == 1 and arguments[0].startswith("default="):
        return f"    {attribute}: {annotation} = {arguments[0][len('default=') :]}"
    return f"    {attribute}: {annotation} = Field({', '.join(arguments)})"


def public_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """The schemas the /v1 operations reach: the gateway's own (health, keys) stay out."""
    components: dict[str, Any] = document.get("components", {})
    public = {p: item for p, item in document.get("paths", {}).items() if p.startswith("/v1/")}
    used = reachable_components(components, collect_refs(public))
    schemas: dict[str, Any] = components.get("schemas", {})
    return {name: schemas[name] for section, name in sorted(used) if section == "schemas"}


def render_models(document: dict[str, Any]) -> str:
    components = public_schemas(document)
    types = TypeRenderer(components)
    lines = [
        '"""The API\'s models, generated from the merged OpenAPI document: do not edit.',
        "",
        "Regenerate with ``make sdk`` (tools/generate_sdk.py).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import datetime as _dt",
        "from typing import Any, Literal, TypeAlias",
        "",
        "from pydantic import BaseModel, ConfigDict, Field",
        "",
        "",
        "class ApiModel(BaseModel):",
        '    """Every model: unknown fields kept, fields settable by name or by wire alias."""',
        "",
        '    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())',
        "",
    ]
    names = sorted(components, key=class_name)
    for component in names:
        if types.is_model(component):
            continue
        lines.append("")
        lines.append(
            f"{class_name(component)}: TypeAlias = {types.render(components[component], frozenset({component}))}"
        )
    for component in names:
        if not types.is_model(component):
            continue
        schema = components[component]
        lines += ["", "", f"class {class_name(component)}(ApiModel):"]
        description = schema.get("description")
        if description:
            lines += docstring(description, "    ")
            lines.append("")
        required = set(schema.get("required", []))
        properties: dict[str, Any] = schema.get("properties", {})
        if not properties:
            lines.append("    pass")
        for name, property_schema in properties.items():
            lines.append(render_field(name, property_schema, name in required, types))
    lines.append("")
    return "\n".join(lines)
