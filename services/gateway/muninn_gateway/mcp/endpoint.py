"""/mcp: rate limits, authentication, then the MCP SDK's streamable HTTP transport."""

from __future__ import annotations

from muninn_shared.logging import bind_user
from muninn_shared.problems import ProblemError
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from muninn_gateway.deps import Gateway
from muninn_gateway.mcp.auth import McpAuthenticator
from muninn_gateway.mcp.server import CALLER_KEY, McpRequest, MuninnMcp
from muninn_gateway.ratelimit.clients import limit_key

ALLOWED_METHODS = ("POST", "GET", "DELETE")


class McpEndpoint:
    """An ASGI app: everything the SDK's transport sees has been authenticated here."""

    def __init__(
        self,
        gateway: Gateway,
        authenticator: McpAuthenticator,
        mcp: MuninnMcp,
        *,
        max_body_bytes: int,
    ) -> None:
        self._gateway = gateway
        self._authenticator = authenticator
        self._mcp = mcp
        self._max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gateway = self._gateway
        address = gateway.clients.resolve(scope)
        await gateway.limiter.client(limit_key(address))
        headers = Headers(scope=scope)
        caller = await self._authenticator.authenticate(headers)
        bind_user(caller.user_id)
        await gateway.limiter.user(caller.user_id)
        if scope["method"] not in ALLOWED_METHODS:
            raise ProblemError(405, "Use POST (or GET for the event stream).")
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self._max_body:
            raise ProblemError(413, f"A request to /mcp may hold at most {self._max_body} bytes.")
        state = scope.get("state") or {}
        scope[CALLER_KEY] = McpRequest(
            caller=caller,
            request_id=str(state.get("request_id") or ""),
            client_address=address,
        )
        await self._mcp.sessions.handle_request(scope, receive, send)
