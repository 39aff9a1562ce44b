"""The discovery documents and OAuth endpoints an MCP client finds from the /mcp URL alone.

The gateway is the protected resource (RFC 9728 metadata here); identity is the
authorization server, and its endpoints are passed through at the paths its metadata names
(the issuer is the gateway's public URL), under the per-address limit of public routes.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from mcp.shared.auth import ProtectedResourceMetadata
from muninn_shared.http.metrics import label_route
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from pydantic import AnyHttpUrl

from muninn_gateway.deps import gateway_of
from muninn_gateway.mcp.auth import METADATA_PATH
from muninn_gateway.ratelimit.clients import limit_key

log = get_logger(__name__)

AUTHORIZATION_SERVER_PATHS = (
    "/.well-known/oauth-authorization-server",
    "/authorize",
    "/token",
    "/register",
    "/revoke",
    "/oauth/consent",
)
FORWARDED_REQUEST_HEADERS = (
    "accept",
    "authorization",  # client_secret_basic at /token and /revoke
    "content-type",
    "mcp-protocol-version",
    "origin",
    "user-agent",
)
FORWARDED_RESPONSE_HEADERS = frozenset(
    {
        "cache-control",
        "content-security-policy",
        "content-type",
        "location",
        "pragma",
        "referrer-policy",
        "www-authenticate",
        "x-content-type-options",
        "x-frame-options",
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
    }
)
MAX_BODY_BYTES = 64 * 1024

router = APIRouter(tags=["mcp"])


def resource_metadata(public_url: str) -> dict[str, Any]:
    metadata = ProtectedResourceMetadata(
        resource=AnyHttpUrl(f"{public_url}/mcp"),
        authorization_servers=[AnyHttpUrl(public_url)],
        scopes_supported=["read", "write"],
        resource_name="Muninn",
    )
    return metadata.model_dump(mode="json", exclude_none=True)


@router.get(
    METADATA_PATH,
    summary="Where MCP clients get tokens for /mcp (RFC 9728 protected-resource metadata)",
)
async def protected_resource(request: Request, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return resource_metadata(request.app.state.settings.public_url.rstrip("/"))


async def _to_identity(request: Request) -> Response:
    gateway = gateway_of(request)
    label_route(request.scope, request.url.path)
    address = gateway.clients.resolve(request.scope)
    await gateway.limiter.public(limit_key(address))
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise ProblemError(413, f"At most {MAX_BODY_BYTES} bytes are accepted here.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ProblemError(413, f"At most {MAX_BODY_BYTES} bytes are accepted here.")
    headers = {
        name: value
        for name in FORWARDED_REQUEST_HEADERS
        if (value := request.headers.get(name)) is not None
    }
    headers["x-forwarded-for"] = address
    identity = request.app.state.identity_url.rstrip("/")
    try:
        query = request.url.query
        answer = await request.app.state.http.request(
            request.method,
            identity + request.url.path + (f"?{query}" if query else ""),
            content=body or None,
            headers=headers,
        )
    except httpx.HTTPError as exc:
        log.warning("identity unreachable for oauth", error=repr(exc))
        raise ProblemError(
            503,
            "Sign-in is unavailable right now; try again shortly.",
            code="upstream-unavailable",
            headers={"Retry-After": "5"},
        ) from None
    return Response(
        answer.content,
        status_code=answer.status_code,
        headers={
            name: value
            for name, value in answer.headers.items()
            if name.lower() in FORWARDED_RESPONSE_HEADERS
        },
    )


for _path in AUTHORIZATION_SERVER_PATHS:
    router.add_api_route(
        _path,
        _to_identity,
        methods=["GET", "POST", "OPTIONS"],
        include_in_schema=False,
    )
