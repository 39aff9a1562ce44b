"""The operations of the merged OpenAPI document, named as SDK methods.

Each operation lands in the resource group of its first path segment after ``/v1``
(``/v1/memories/search`` → ``memories``) under the name of the service's route function,
less the group's own name (``search_memories`` → ``search``). Where two operations of a
group would share a name, ``RENAMES`` names them; a clash it does not settle fails the
generation, so a new route cannot silently shadow another.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from tools.sdk_codegen.models import REF_PREFIX, TypeRenderer, attribute_name, class_name

HTTP_METHODS = ("get", "put", "post", "delete", "patch")

RENAMES: dict[str, str] = {
    "DELETE /v1/conversations/{conversation_id}/messages/{message_id}": "delete_message",
    "GET /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory": "list_advisor_memory",
    "DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory": "clear_advisor_memory",
    "GET /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}": "get_advisor_memory",
    "PUT /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}": "put_advisor_memory",
    "DELETE /v1/conversations/{conversation_id}/advisors/{advisor_id}/memory/{key}": "delete_advisor_memory",
    "GET /v1/conversations/{conversation_id}/summaries": "list_summaries",
    "POST /v1/conversations/{conversation_id}/summaries": "create_summary",
    "GET /v1/conversations/{conversation_id}/participants": "list_participants",
    "GET /v1/integrations/jobs": "list_jobs",
    "GET /v1/integrations/jobs/{job_id}": "get_job",
    "POST /v1/integrations/jobs/{job_id}/retry": "retry_job",
    "POST /v1/integrations/jobs/{job_id}/cancel": "cancel_job",
    "GET /v1/mail/messages": "list_messages",
    "GET /v1/mail/messages/{message_id}": "get_message",
    "PATCH /v1/notifications/nudges/contacts/{contact_id}": "update_nudge_contact",
    "GET /v1/notifications/nudges/contacts": "nudge_contacts",
    "GET /v1/notifications/nudges": "get_nudge_settings",
    "PATCH /v1/notifications/nudges": "update_nudge_settings",
    "POST /v1/notifications/nudges/snooze": "snooze_nudges",
    "DELETE /v1/notifications/nudges/snooze": "unsnooze_nudges",
    "GET /v1/usage": "report",
    "GET /v1/usage/limits": "get_limits",
    "PATCH /v1/usage/limits": "update_limits",
    "POST /v1/chat/completions": "completions",
    "GET /v1/models": "list",
    "GET /v1/people/search": "search",
    "GET /v1/team-templates": "list",
    "POST /v1/integrations/oauth/{provider}/start": "start_oauth",
    "POST /v1/integrations/oauth/{provider}/complete": "complete_oauth",
}


@dataclass(frozen=True)
class Param:
    name: str
    """On the wire."""
    attribute: str
    """In Python."""
    annotation: str
    required: bool


@dataclass
class Operation:
    method: str
    path: str
    group: str
    name: str
    summary: str
    path_params: list[Param] = field(default_factory=list)
    query_params: list[Param] = field(default_factory=list)
    header_params: list[Param] = field(default_factory=list)
    body: str | None = None
    """The JSON body's type, if the operation takes one."""
    body_required: bool = False
    raw_body: bool = False
    """Takes a file (multipart or a raw body) instead of JSON."""
    response: str | None = None
    """The 2xx JSON answer's type; None for 204."""
    page_item: str | None = None
    """For a cursor-paginated list: the type of its items."""
    streams: bool = False
    """Can answer with text/event-stream."""

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"


def group_of(path: str) -> str:
    segments = path.strip("/").split("/")
    return attribute_name(segments[1].replace("-", "_"))


def singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def function_name(operation: dict[str, Any], method: str, path: str) -> str:
    """The route function's name: FastAPI's operationId less the path and method it appends."""
    operation_id = str(operation.get("operationId", ""))
    suffix = re.sub(r"\W", "_", path) + "_" + method
    if operation_id.endswith(suffix) and len(operation_id) > len(suffix):
        return operation_id[: -len(suffix)]
    return re.sub(r"\W", "_", f"{method}{path}").strip("_")


def method_name(function: str, group: str) -> str:
    redundant = {group, singular(group), group.replace("_", ""), singular(group).split("_")[-1]}
    words = [w for w in function.split("_") if w]
    kept = [w for w in words if w not in redundant]
    return "_".join(kept) if kept else function


def collect_operations(document: dict[str, Any]) -> list[Operation]:
    types = TypeRenderer(document.get("components", {}).get("schemas", {}))
    found: list[Operation] = []
    for path, item in sorted(document.get("paths", {}).items()):
        if not path.startswith("/v1/"):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                found.append(_operation(types, path, method, operation))
    _check_names(found)
    return found


def _operation(types: TypeRenderer, path: str, method: str, spec: dict[str, Any]) -> Operation:
    group = group_of(path)
    key = f"{method.upper()} {path}"
    name = RENAMES.get(key) or method_name(function_name(spec, method, path), group)
    operation = Operation(
        method=method.upper(),
        path=path,
        group=group,
        name=name + "_" if keyword.iskeyword(name) else name,
        summary=str(spec.get("summary") or spec.get("description") or "").strip(),
    )
    for parameter in spec.get("parameters", []):
        param = Param(
            name=parameter["name"],
            attribute=attribute_name(parameter["name"].replace("-", "_")),
            annotation=types.render(parameter.get("schema")),
            required=bool(parameter.get("required")),
        )
        if parameter["in"] == "path":
            operation.path_params.append(param)
        elif parameter["in"] == "query":
            operation.query_params.append(param)
        elif parameter["in"] == "header" and param.name.lower() != "accept":
            # Accept is the SDK's to choose: JSON here, text/event-stream in stream_*.
            operation.header_params.append(param)
    body = spec.get("requestBody")
    if isinstance(body, dict):
        content = body.get("content", {})
        if "application/json" in content:
            operation.body = types.render(content["application/json"].get("schema"))
            operation.body_required = bool(body.get("required"))
        else:
            operation.raw_body = True
    for status, answer in sorted(spec.get("responses", {}).items()):
        if not status.startswith("2"):
            continue
        content = answer.get("content") or {}
        operation.streams = operation.streams or "text/event-stream" in content
        if "application/json" in content and operation.response is None:
            schema = content["application/json"].get("schema")
            operation.response = types.render(schema)
            operation.page_item = _page_item(types, schema, operation)
    return operation


def _page_item(types: TypeRenderer, schema: Any, operation: Operation) -> str | None:
    """The items' type when the answer is a cursor page and the operation takes a cursor."""
    if not any(p.name == "cursor" for p in operation.query_params):
        return None
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not isinstance(ref, str):
        return None
    page = types.components.get(ref[len(REF_PREFIX) :], {})
    properties = page.get("properties", {})
    if "items" not in properties or "next_cursor" not in properties:
        return None
    rendered = types.render(properties["items"])
    return rendered[len("list[") : -1] if rendered.startswith("list[") else None


def _check_names(operations: list[Operation]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for operation in operations:
        slot = (operation.group, operation.name)
        if slot in seen:
            raise ValueError(
                f"{operation.key} and {seen[slot]} would both be {operation.group}.{operation.name}:"
                " name one of them in tools/sdk_codegen/operations.py RENAMES"
            )
        seen[slot] = operation.key


def resource_class(group: str, asynchronous: bool) -> str:
    return ("Async" if asynchronous else "") + class_name(group) + "Resource"
