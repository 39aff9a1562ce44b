"""The consent page, the user's connections and the gateway's token exchange; the OAuth
endpoints are the SDK's.

``authorization_routes`` mounts the MCP SDK's handlers (RFC 8414 metadata, RFC 7591
registration, /authorize, /token, /revoke) over identity's provider, /token and /revoke with
Muninn's client authenticator (it checks secrets against their digests). They answer in the
OAuth error format their RFCs prescribe (``{"error": …}``), which OAuth clients expect,
rather than problem details.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from mcp.server.auth.handlers.revoke import RevocationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.routes import REVOCATION_PATH, TOKEN_PATH, create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE, RequestBodyLimitMiddleware
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from muninn_shared.contracts.mcp_tokens import McpTokenExchange, McpTokenGrant
from muninn_shared.http.scopes import ADMIN
from muninn_shared.pagination import PageCursor, PageLimit
from pydantic import AnyHttpUrl
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Route, request_response

from muninn_identity.deps import ActiveUser, ClientInfo, Services
from muninn_identity.oauth.client_auth import HashedSecretAuthenticator
from muninn_identity.oauth.consent import PAGE_HEADERS, ConsentForm, Page
from muninn_identity.oauth.models import OAuthConnectionPage
from muninn_identity.oauth.server import (
    CONSENT_PATH,
    MAX_CLIENT_ID_LENGTH,
    McpAuthorizationServer,
)
from muninn_identity.oauth.validation import OAUTH_SCOPES

router = APIRouter(tags=["oauth"], include_in_schema=False)
connections = APIRouter(prefix="/v1/me/connections", tags=["connections"])
internal = APIRouter(prefix="/internal/oauth", tags=["internal"], include_in_schema=False)

ClientId = Annotated[str, Path(min_length=1, max_length=MAX_CLIENT_ID_LENGTH)]

MAX_FIELD_LENGTH = 512


@router.get(CONSENT_PATH)
async def consent_page(
    services: Services, request: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    return _html(await services.consent.show(request))


@router.post(CONSENT_PATH)
async def consent_decision(request: Request, services: Services, client: ClientInfo) -> Response:
    async with request.form(max_files=0, max_fields=10) as form:
        fields = {
            name: value[:MAX_FIELD_LENGTH] if isinstance(value, str) else ""
            for name, value in form.items()
        }
    answer = await services.consent.decide(
        ConsentForm(
            request_id=fields.get("request", ""),
            form_token=fields.get("form_token", ""),
            decision=fields.get("decision", ""),
            email=fields.get("email", ""),
            password=fields.get("password", ""),
        ),
        client,
    )
    if isinstance(answer, Page):
        return _html(answer)
    return RedirectResponse(answer.location, status_code=303, headers={"Cache-Control": "no-store"})


@connections.get("", summary="The MCP and OAuth clients you authorized, newest first")
async def list_connections(
    user: ActiveUser, services: Services, limit: PageLimit = 20, cursor: PageCursor = None
) -> OAuthConnectionPage:
    return await services.connections.page(user.user_id, limit=limit, cursor=cursor or None)


@connections.delete(
    "/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Disconnect a client: its refresh tokens end and its access tokens stop working",
    openapi_extra=ADMIN,
)
async def revoke_connection(
    client_id: ClientId, user: ActiveUser, services: Services, client: ClientInfo
) -> Response:
    await services.connections.revoke(user.user_id, client_id, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@internal.post("/exchange")
async def exchange_token(body: McpTokenExchange, services: Services) -> McpTokenGrant:
    return await services.oauth.exchange(body.token)


def _html(page: Page) -> HTMLResponse:
    return HTMLResponse(page.body, status_code=page.status, headers=PAGE_HEADERS)


def authorization_routes(server: McpAuthorizationServer) -> list[BaseRoute]:
    sdk_routes = create_auth_routes(
        provider=server,
        issuer_url=AnyHttpUrl(server.issuer_url),
        client_registration_options=ClientRegistrationOptions(
            enabled=True,
            valid_scopes=list(OAUTH_SCOPES),
            default_scopes=list(OAUTH_SCOPES),
        ),
        revocation_options=RevocationOptions(enabled=True),
    )
    authenticator = HashedSecretAuthenticator(server)
    replaced = {
        TOKEN_PATH: TokenHandler(server, authenticator).handle,
        REVOCATION_PATH: RevocationHandler(server, authenticator).handle,
    }
    routes: list[BaseRoute] = []
    for route in sdk_routes:
        handle = replaced.get(route.path)
        routes.append(route if handle is None else _client_route(route.path, handle))
    return routes


def _client_route(path: str, handle: Callable[[Request], Awaitable[Response]]) -> Route:
    """A client-facing OAuth endpoint wrapped as the SDK wraps its own: the body limited, and
    CORS outermost (browser-based clients call it; a 413 keeps its CORS headers)."""
    app = CORSMiddleware(
        app=RequestBodyLimitMiddleware(request_response(handle), DEFAULT_MAX_REQUEST_BODY_SIZE),
        allow_origins=["*"],
        allow_methods=["POST", "OPTIONS"],
        allow_headers=[MCP_PROTOCOL_VERSION_HEADER],
    )
    return Route(path, endpoint=app, methods=["POST", "OPTIONS"])
