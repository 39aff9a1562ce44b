"""Merging the services' OpenAPI documents into the one public document.

Each service keeps only the /v1 paths the route table sends to it, and the components those
paths reach. Components merge by name; a name two services use for different content is
renamed with the service as prefix (and every $ref to it rewritten), so one service's
``Item`` never silently stands in for another's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

Document = dict[str, Any]
ComponentKey = tuple[str, str]

REF_PREFIX = "#/components/"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from /v1/auth/login, or an API key sent as the bearer.",
    },
    "apiKeyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key from /v1/me/api-keys.",
    },
}


def parse_ref(ref: str) -> ComponentKey | None:
    if not ref.startswith(REF_PREFIX):
        return None
    section, _, name = ref[len(REF_PREFIX) :].partition("/")
    if not section or not name:
        return None
    return section, _unescape(name)


def make_ref(section: str, name: str) -> str:
    return f"{REF_PREFIX}{section}/{name.replace('~', '~0').replace('/', '~1')}"


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def collect_refs(node: Any) -> set[ComponentKey]:
    found: set[ComponentKey] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                key = parse_ref(ref)
                if key is not None:
                    found.add(key)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def rewrite_refs(node: Any, renames: Mapping[ComponentKey, str]) -> Any:
    if not renames:
        return node
    if isinstance(node, dict):
        out = {k: rewrite_refs(v, renames) for k, v in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str):
            key = parse_ref(ref)
            if key is not None and key in renames:
                out["$ref"] = make_ref(key[0], renames[key])
        return out
    if isinstance(node, list):
        return [rewrite_refs(v, renames) for v in node]
    return node


def reachable_components(
    components: Mapping[str, Any], roots: Iterable[ComponentKey]
) -> set[ComponentKey]:
    """The components the roots reference, directly or through other components."""
    seen: set[ComponentKey] = set()
    pending = list(roots)
    while pending:
        key = pending.pop()
        if key in seen:
            continue
        section = components.get(key[0])
        if not isinstance(section, dict) or key[1] not in section:
            continue
        seen.add(key)
        pending.extend(collect_refs(section[key[1]]) - seen)
    return seen


def _prefix(source: str) -> str:
    return "".join(part.capitalize() for part in source.replace("-", "_").split("_"))


class DocumentMerger:
    def __init__(self) -> None:
        self.paths: dict[str, Any] = {}
        self.components: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, Any] = {}

    def add(self, source: str, document: Document, keep: Callable[[str], bool]) -> None:
        paths = {
            path: item
            for path, item in (document.get("paths") or {}).items()
            if isinstance(item, dict) and keep(path)
        }
        components: dict[str, Any] = document.get("components") or {}
        used = reachable_components(components, collect_refs(paths))
        renames = self._renames(source, components, used)
        for path, item in paths.items():
            self.paths[path] = rewrite_refs(copy.deepcopy(item), renames)
        for section, name in sorted(used):
            target = renames.get((section, name), name)
            if target in self.components.get(section, {}):
                continue
            content = rewrite_refs(copy.deepcopy(components[section][name]), renames)
            self.components.setdefault(section, {})[target] = content
        used_tags = {
            tag
            for item in paths.values()
            for method in HTTP_METHODS
            if isinstance(item.get(method), dict)
            for tag in item[method].get("tags") or []
            if isinstance(tag, str)
        }
        for tag in document.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name") in used_tags:
                self.tags.setdefault(tag["name"], tag)
        for name in sorted(used_tags - set(self.tags)):
            self.tags[name] = {"name": name}

    def _renames(
        self, source: str, components: Mapping[str, Any], used: set[ComponentKey]
    ) -> dict[ComponentKey, str]:
        """Which of this source's components clash with different content already merged.

        A component equal to the merged one still clashes when something it references is
        renamed: after rewriting, its refs would point elsewhere than the merged copy's.
        """
        clashing = {
            key
            for key in used
            if key[1] in self.components.get(key[0], {})
            and self.components[key[0]][key[1]] != components[key[0]][key[1]]
        }
        changed = True
        while changed:
            changed = False
            for key in used - clashing:
                if key[1] not in self.components.get(key[0], {}):
                    continue
                if collect_refs(components[key[0]][key[1]]) & clashing:
                    clashing.add(key)
                    changed = True
        renames: dict[ComponentKey, str] = {}
        taken = {(s, n) for s, names in self.components.items() for n in names} | used
        for section, name in sorted(clashing):
            candidate = f"{_prefix(source)}{name}"
            counter = 2
            while (section, candidate) in taken:
                candidate = f"{_prefix(source)}{name}{counter}"
                counter += 1
            taken.add((section, candidate))
            renames[(section, name)] = candidate
        return renames

    def document(self, *, info: dict[str, Any], is_public: Callable[[str, str], bool]) -> Document:
        paths = dict(sorted(self.paths.items()))
        for path, item in paths.items():
            for method in HTTP_METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                # The gateway authenticates every route the same way; a service's own
                # requirement would name a scheme this document does not define.
                operation.pop("security", None)
                if is_public(method, path):
                    operation["security"] = []
        components = {
            section: dict(sorted(names.items())) for section, names in self.components.items()
        }
        schemes = components.setdefault("securitySchemes", {})
        schemes.update(copy.deepcopy(SECURITY_SCHEMES))
        return {
            "openapi": "3.1.0",
            "info": info,
            "paths": paths,
            "components": components,
            "security": [{"bearerAuth": []}, {"apiKeyAuth": []}],
            "tags": sorted(self.tags.values(), key=lambda t: str(t.get("name"))),
        }
