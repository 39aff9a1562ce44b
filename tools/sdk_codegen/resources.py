"""Operations → resource classes, one sync and one async class per group."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from tools.sdk_codegen.models import class_name, docstring, public_schemas
from tools.sdk_codegen.operations import Operation, Param, collect_operations, resource_class

MODELS = "m."


def qualified(expression: str, model_names: set[str]) -> str:
    """Model names prefixed with the models module; ``list`` spelled so a method named
    ``list`` cannot shadow it."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in model_names:
            return MODELS + word
        if word == "list":
            return "builtins.list"
        return word

    return re.sub(r"(?<![\w.])[A-Za-z_]\w*", swap, expression)


def _path_expression(operation: Operation) -> str:
    if not operation.path_params:
        return repr(operation.path)
    template = operation.path
    for param in operation.path_params:
        template = template.replace("{" + param.name + "}", "{_segment(" + param.attribute + ")}")
    return 'f"' + template + '"'


def _signature(
    operation: Operation, model_names: set[str], *, paginated: bool
) -> tuple[list[str], list[str]]:
    """(arguments, keyword arguments) of the method, as source."""
    positional = [f"{p.attribute}: str" for p in operation.path_params]
    keywords: list[str] = []
    if operation.raw_body:
        positional.append("content: bytes")
        keywords.append("media_type: str")
    elif operation.body is not None:
        body = qualified(operation.body, model_names)
        if operation.body_required:
            positional.append(f"body: {body} | Mapping[str, Any]")
        else:
            keywords.append(f"body: {body} | Mapping[str, Any] | None = None")
    for param in operation.query_params + _headers(operation):
        if paginated and param.name == "cursor":
            continue
        annotation = qualified(param.annotation, model_names)
        if param.required:
            keywords.append(f"{param.attribute}: {annotation}")
        else:
            if "None" not in annotation.split(" | "):
                annotation += " | None"
            keywords.append(f"{param.attribute}: {annotation} = None")
    return positional, keywords


def _headers(operation: Operation) -> list[Param]:
    return operation.header_params


def _arguments_line(positional: list[str], keywords: list[str]) -> str:
    parts = ["self", *positional]
    if keywords:
        parts.append("*")
        parts.extend(keywords)
    return ", ".join(parts)


def _call_arguments(operation: Operation, *, paginated: bool) -> list[str]:
    arguments = [repr(operation.method), _path_expression(operation)]
    params = [p for p in operation.query_params if not (paginated and p.name == "cursor")]
    if params:
        entries = ", ".join(f"{p.name!r}: {p.attribute}" for p in params)
        arguments.append(f"params={{{entries}}}")
    if operation.raw_body:
        arguments.append("content=content")
        arguments.append('headers={"Content-Type": media_type}')
    elif operation.body is not None:
        arguments.append("json=body")
    if operation.header_params:
        entries = ", ".join(f"{p.name!r}: {p.attribute}" for p in operation.header_params)
        arguments.append(f"headers={{{entries}}}")
    return arguments


def render_method(operation: Operation, model_names: set[str], asynchronous: bool) -> list[str]:
    paginated = operation.page_item is not None
    positional, keywords = _signature(operation, model_names, paginated=paginated)
    summary = operation.summary or operation.name.replace("_", " ")
    doc = f"{summary.rstrip('.')}.\n\n``{operation.key}``"
    arguments = _call_arguments(operation, paginated=paginated)
    if paginated:
        assert operation.page_item is not None
        assert operation.response is not None
        item = qualified(operation.page_item, model_names)
        page = qualified(operation.response, model_names)
        kind = "AsyncPaginator" if asynchronous else "Paginator"
        doc += "\n\nEvery item of every page, fetched as the iteration reaches it."
        return [
            f"    def {operation.name}({_arguments_line(positional, keywords)}) -> {kind}[{item}]:",
            *docstring(doc, "        "),
            f"        return self._paginate({', '.join(arguments)}, page={page})",
        ]
    answer = qualified(operation.response, model_names) if operation.response else "None"
    if operation.response:
        arguments.append(f"answer={answer}")
    prefix = "async def" if asynchronous else "def"
    awaiting = "await " if asynchronous else ""
    call = f"{awaiting}self._call({', '.join(arguments)})"
    body = f"return _cast({answer}, {call})" if operation.response else call
    return [
        f"    {prefix} {operation.name}({_arguments_line(positional, keywords)}) -> {answer}:",
        *docstring(doc, "        "),
        f"        {body}",
    ]


def render_resources(document: dict[str, Any]) -> str:
    operations = collect_operations(document)
    model_names = {class_name(c) for c in public_schemas(document)}
    groups: dict[str, list[Operation]] = defaultdict(list)
    for operation in operations:
        groups[operation.group].append(operation)
    body: list[str] = []
    for group in sorted(groups):
        for asynchronous in (False, True):
            base = "AsyncResource" if asynchronous else "SyncResource"
            body += ["", "", f"class {resource_class(group, asynchronous)}({base}):"]
            body += docstring(f"``/v1/{groups[group][0].path.split('/')[2]}``", "    ")
            for operation in groups[group]:
                body.append("")
                body += render_method(operation, model_names, asynchronous)
    text = "\n".join(body)
    # Only what this generation uses: the check of the committed files compares them whole.
    typing_names = "Any, Literal" if "Literal[" in text else "Any"
    lines = [
        '"""The API\'s resource groups, generated from the merged OpenAPI document: do not edit.',
        "",
        "Regenerate with ``make sdk`` (tools/generate_sdk.py).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import builtins",
        *(["import datetime as _dt"] if "_dt." in text else []),
        "from collections.abc import Mapping",
        f"from typing import {typing_names}",
        "from typing import cast as _cast",
        "",
        "from muninn_client._generated import models as m",
        "from muninn_client._resource import AsyncResource, SyncResource, _segment",
        "from muninn_client._transport import AsyncTransport, SyncTransport",
        "from muninn_client.pagination import AsyncPaginator, Paginator",
        "",
        "__all__ = [",
        *(
            f'    "{resource_class(group, asynchronous)}",'
            for group in sorted(groups)
            for asynchronous in (False, True)
        ),
        '    "OPERATIONS",',
        '    "AsyncGroups",',
        '    "SyncGroups",',
        "]",
        *body,
    ]
    for asynchronous in (False, True):
        transport = "AsyncTransport" if asynchronous else "SyncTransport"
        lines += ["", "", f"class {'Async' if asynchronous else 'Sync'}Groups:"]
        lines += docstring("One attribute per resource group of the API.", "    ")
        lines.append("")
        for group in sorted(groups):
            lines.append(f"    {group}: {resource_class(group, asynchronous)}")
        lines += ["", f"    def __init__(self, transport: {transport}) -> None:"]
        for group in sorted(groups):
            lines.append(f"        self.{group} = {resource_class(group, asynchronous)}(transport)")
    lines += ["", "", "OPERATIONS: dict[str, str] = {"]
    lines += [f'    "{op.key}": "{op.group}.{op.name}",' for op in operations]
    lines += [
        "}",
        '"""Every operation of the API (``METHOD /path``) → its SDK method (``group.method``)."""',
        "",
    ]
    return "\n".join(lines)
