"""The MCP server: tools and resources served per caller over streamable HTTP (stateless).

Stateless: every POST carries its own credential and is answered on its own, so any gateway
replica behind a load balancer serves any request and nothing is kept between them. What a
caller sees depends on who they are: a read-only credential is shown only the read tools and
is refused the others; the contact and calendar tools appear only while the integrations
service answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from muninn_shared.logging import get_logger
from pydantic import ValidationError
from starlette.requests import Request

from muninn_gateway.auth.models import Caller
from muninn_gateway.mcp.probe import ServiceProbe
from muninn_gateway.mcp.tools import TOOLS, Tool, ToolCall
from muninn_gateway.mcp.upstream import Answer, Upstream, UpstreamUnavailableError, segment

log = get_logger(__name__)

CALLER_KEY = "muninn.mcp.caller"
INSTRUCTIONS = (
    "Muninn is the user's long-term memory and personal organiser. Recall before answering "
    "anything that depends on what the user said before; remember lasting facts they share; "
    "create reminders and tasks when they ask to be reminded or to do something. Times "
    "without an offset are the user's own wall-clock time."
)
RESOURCE_NOT_FOUND = -32002
MEMORY_URI = re.compile(r"^muninn://memories/([A-Za-z0-9_-]{1,64})$")
STATIC_RESOURCES = {
    "muninn://profile": ("profile", "The user's profile: name, assistant name, plan.", "/v1/me"),
    "muninn://preferences": (
        "preferences",
        "The user's preferences: time zone, language, response style, quiet hours, privacy.",
        "/v1/me/preferences",
    ),
}


@dataclass(frozen=True)
class McpRequest:
    """What the endpoint learned about the HTTP request before the MCP layer saw it."""

    caller: Caller
    request_id: str
    client_address: str


def _current(ctx: ServerRequestContext[Any, Any]) -> McpRequest:
    request = ctx.request
    found = request.scope.get(CALLER_KEY) if isinstance(request, Request) else None
    if not isinstance(found, McpRequest):
        # Only the authenticating endpoint hands requests to this server.
        raise MCPError(types.INVALID_REQUEST, "unauthenticated request")
    return found


def _allowed(caller: Caller, scope: str) -> bool:
    return scope in caller.scopes or "admin" in caller.scopes


def _as_tool(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=tool.arguments.model_json_schema(),
        annotations=types.ToolAnnotations(
            title=tool.title,
            read_only_hint=tool.scope == "read",
            destructive_hint=tool.destructive if tool.scope == "write" else None,
            idempotent_hint=tool.idempotent,
            open_world_hint=False,
        ),
    )


def _result(answer: Answer) -> types.CallToolResult:
    if not answer.ok:
        return _error(answer.problem())
    text = json.dumps(answer.body, ensure_ascii=False, separators=(",", ":"))
    structured = answer.body if isinstance(answer.body, dict) else {"result": answer.body}
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=structured
    )


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], is_error=True
    )


class MuninnMcp:
    def __init__(self, upstream: Upstream, integrations: ServiceProbe) -> None:
        self._upstream = upstream
        self._integrations = integrations
        self._tools = {tool.name: tool for tool in TOOLS}
        # Schemas are generated once: building them is most of a tools/list otherwise.
        self._described = {tool.name: _as_tool(tool) for tool in TOOLS}
        self.server: Server[Any] = Server(
            "muninn",
            version="0.1.0",
            title="Muninn",
            instructions=INSTRUCTIONS,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_list_resources=self._list_resources,
            on_list_resource_templates=self._list_resource_templates,
            on_read_resource=self._read_resource,
        )
        # Every request must carry a bearer credential, which a DNS-rebinding page cannot
        # add, and the Host the gateway is reached by is the operator's to choose.
        self.sessions = StreamableHTTPSessionManager(
            app=self.server,
            json_response=True,
            stateless=True,
            security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )

    async def _visible(self, caller: Caller) -> list[Tool]:
        integrations = await self._integrations.up()
        return [
            tool
            for tool in TOOLS
            if _allowed(caller, tool.scope) and (integrations or not tool.needs_integrations)
        ]

    async def _list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        current = _current(ctx)
        visible = await self._visible(current.caller)
        return types.ListToolsResult(tools=[self._described[t.name] for t in visible])

    async def _call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        current = _current(ctx)
        tool = self._tools.get(params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {params.name[:100]}")
        if not _allowed(current.caller, tool.scope):
            return _error(
                f"This connection may not use {tool.name}: it needs the '{tool.scope}' scope, "
                "and the credential was granted only "
                + (", ".join(sorted(current.caller.scopes)) or "nothing")
                + "."
            )
        if tool.needs_integrations and not await self._integrations.up():
            return _error("Contacts and calendar are unavailable right now; try again later.")
        try:
            arguments = tool.arguments.model_validate(params.arguments or {})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in exc.errors()[:10]
            )
            return _error(f"Invalid arguments for {tool.name}: {problems}")
        call = ToolCall(current.caller, self._upstream, current.request_id, current.client_address)
        try:
            answer = await tool.run(call, arguments)
        except UpstreamUnavailableError as exc:
            return _error(str(exc))
        log.info("mcp tool called", tool=tool.name, status=answer.status)
        return _result(answer)

    async def _list_resources(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        _current(ctx)
        return types.ListResourcesResult(
            resources=[
                types.Resource(uri=uri, name=name, description=text, mime_type="application/json")
                for uri, (name, text, _) in STATIC_RESOURCES.items()
            ]
        )

    async def _list_resource_templates(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        _current(ctx)
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    uri_template="muninn://memories/{id}",
                    name="memory",
                    description="One memory by id, with its type, times, entities and source.",
                    mime_type="application/json",
                )
            ]
        )

    async def _read_resource(
        self, ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        current = _current(ctx)
        uri = str(params.uri)
        path = self._resource_path(uri)
        if not _allowed(current.caller, "read"):
            raise MCPError(types.INVALID_REQUEST, "this credential may not read")
        try:
            answer = await self._upstream.call(
                current.caller,
                "GET",
                path,
                request_id=current.request_id,
                client_address=current.client_address,
            )
        except UpstreamUnavailableError as exc:
            raise MCPError(types.INTERNAL_ERROR, str(exc)) from None
        if answer.status == 404:
            raise MCPError(RESOURCE_NOT_FOUND, f"Resource not found: {uri}")
        if not answer.ok:
            raise MCPError(types.INVALID_REQUEST, answer.problem())
        return types.ReadResourceResult(
            contents=[
                types.TextResourceContents(
                    uri=uri,
                    mime_type="application/json",
                    text=json.dumps(answer.body, ensure_ascii=False),
                )
            ]
        )

    @staticmethod
    def _resource_path(uri: str) -> str:
        static = STATIC_RESOURCES.get(uri)
        if static is not None:
            return static[2]
        memory = MEMORY_URI.match(uri)
        if memory is not None:
            return f"/v1/memories/{segment(memory.group(1))}"
        raise MCPError(RESOURCE_NOT_FOUND, f"Resource not found: {uri[:200]}")
