"""The consent page and the gateway's token exchange; the OAuth endpoints are the SDK's.

``authorization_routes`` mounts the MCP SDK's handlers (RFC 8414 metadata, RFC 7591
registration, /authorize, /token, /revoke) over identity's provider. They answer in the
OAuth error format their RFCs prescribe (``{"error": …}``), which OAuth clients expect,
rather than problem details.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from mcp.server.auth.routes import create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from muninn_shared.contracts.mcp_tokens import McpTokenExchange, McpTokenGrant
from pydantic import AnyHttpUrl
from starlette.routing import Route

from muninn_identity.deps import ClientInfo, Services
from muninn_identity.oauth.consent import PAGE_HEADERS, ConsentForm, Page
from muninn_identity.oauth.server import CONSENT_PATH, McpAuthorizationServer
from muninn_identity.oauth.validation import OAUTH_SCOPES

router = APIRouter(tags=["oauth"], include_in_schema=False)
internal = APIRouter(prefix="/internal/oauth", tags=["internal"], include_in_schema=False)

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


@internal.post("/exchange")
async def exchange_token(body: McpTokenExchange, services: Services) -> McpTokenGrant:
    return await services.oauth.exchange(body.token)


def _html(page: Page) -> HTMLResponse:
    return HTMLResponse(page.body, status_code=page.status, headers=PAGE_HEADERS)


def authorization_routes(server: McpAuthorizationServer) -> list[Route]:
    return create_auth_routes(
        provider=server,
        issuer_url=AnyHttpUrl(server.issuer_url),
        client_registration_options=ClientRegistrationOptions(
            enabled=True,
            valid_scopes=list(OAUTH_SCOPES),
            default_scopes=list(OAUTH_SCOPES),
        ),
        revocation_options=RevocationOptions(enabled=True),
    )
