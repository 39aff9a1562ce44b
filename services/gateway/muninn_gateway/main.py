"""Composition root of the gateway: the public /v1 API in front of every service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from muninn_shared.auth import TokenVerifier
from muninn_shared.contracts.api_keys import ApiKeyGrant
from muninn_shared.contracts.mcp_tokens import McpTokenGrant
from muninn_shared.http.app import create_service_app
from muninn_shared.logging import get_logger
from muninn_shared.runtime import jwks_keys_from, prepare_process, token_verifier_from
from starlette.routing import Route

from muninn_gateway.auth.api_keys import ApiKeyExchanger
from muninn_gateway.auth.cache import TtlCache
from muninn_gateway.auth.router import router as jwks_router
from muninn_gateway.auth.service import Authenticator
from muninn_gateway.deps import Gateway
from muninn_gateway.health.service import upstream_checks
from muninn_gateway.mcp.auth import METADATA_PATH, McpAuthenticator
from muninn_gateway.mcp.endpoint import ALLOWED_METHODS, McpEndpoint
from muninn_gateway.mcp.exchange import McpTokenExchanger
from muninn_gateway.mcp.probe import ServiceProbe
from muninn_gateway.mcp.router import router as mcp_router
from muninn_gateway.mcp.server import MuninnMcp
from muninn_gateway.mcp.upstream import Upstream
from muninn_gateway.openapi.router import openapi_document, swagger_ui
from muninn_gateway.openapi.router import router as openapi_router
from muninn_gateway.openapi.service import OpenApiCatalogue
from muninn_gateway.proxy.pool import UpstreamPool
from muninn_gateway.proxy.router import router as proxy_router
from muninn_gateway.proxy.service import UpstreamProxy
from muninn_gateway.ratelimit.clients import ClientAddresses
from muninn_gateway.ratelimit.service import RateLimiter
from muninn_gateway.ratelimit.setup import limit_store
from muninn_gateway.revocation.wiring import revocation_checks, revocations_from
from muninn_gateway.routing.table import PublicRoutes, RouteTable
from muninn_gateway.settings import GatewaySettings

log = get_logger(__name__)

TITLE = "Muninn API"
DESCRIPTION = (
    "The public API of Muninn: memory, conversations, follow-ups, integrations and "
    "bring-your-own-database. Send `Authorization: Bearer <access token or API key>` "
    "(or `X-API-Key`); errors are RFC 9457 problem details."
)
EXPOSED_HEADERS = [
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "WWW-Authenticate",
    "X-Request-ID",
]
# FastAPI registers these itself; the gateway serves its own merged versions instead.
_BUILTIN_DOC_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    tracer_provider = prepare_process(settings)
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.upstream_timeout_seconds, connect=settings.connect_timeout_seconds
        ),
        limits=httpx.Limits(
            max_connections=settings.max_upstream_connections,
            max_keepalive_connections=min(settings.max_upstream_connections, 100),
        ),
        follow_redirects=False,
        trust_env=False,
    )
    pool = UpstreamPool(max_connections=settings.max_upstream_connections)
    urls = settings.upstream_urls()
    replica_urls = settings.upstream_replica_urls()
    routes = RouteTable.from_settings(settings)
    public = PublicRoutes(settings.public_routes)
    readiness_services = settings.readiness_upstreams or routes.services
    token_keys = jwks_keys_from(settings, client)
    revocations, revocation_feed = revocations_from(settings)
    own_document: dict[str, Any] = {}
    limits = limit_store(settings)

    def gateway_document() -> dict[str, Any]:
        if not own_document:
            own_document.update(get_openapi(title=TITLE, version=app.version, routes=app.routes))
        return own_document

    gateway = Gateway(
        routes=routes,
        public=public,
        auth=Authenticator(
            token_verifier_from(settings, token_keys),
            ApiKeyExchanger(
                client,
                urls["identity"],
                cache=TtlCache[ApiKeyGrant](settings.api_key_cache_size),
                cache_ttl_seconds=settings.api_key_cache_ttl_seconds,
                timeout_seconds=settings.api_key_exchange_timeout_seconds,
                retry_after_seconds=settings.retry_after_seconds,
            ),
            api_key_prefix=settings.api_key_prefix,
            revocations=revocations,
        ),
        limiter=RateLimiter.from_settings(settings, limits.store),
        clients=ClientAddresses(settings.trusted_proxies),
        proxy=UpstreamProxy(
            pool,
            connect_timeout=settings.connect_timeout_seconds,
            stream_idle_timeout=settings.stream_idle_timeout_seconds,
            retry_after_seconds=settings.retry_after_seconds,
        ),
        openapi=OpenApiCatalogue(
            client,
            routes=routes,
            public=public,
            service_urls=urls,
            own_document=gateway_document,
            info={"title": TITLE, "version": "0.1.0", "description": DESCRIPTION},
            ttl_seconds=settings.openapi_cache_ttl_seconds,
            fetch_timeout=settings.openapi_fetch_timeout_seconds,
        ),
    )

    mcp = _mcp_server(settings, client, routes, urls) if settings.mcp_enabled else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if revocation_feed is not None:
            # Not one request before the revocations of the last token lifetime are known.
            await revocation_feed.start(timeout=settings.revocation_catch_up_timeout_seconds)
        log.info("gateway started", routes=len(settings.routes), upstreams=replica_urls)
        for start in limits.on_startup:
            await start()
        try:
            async with AsyncExitStack() as running:
                if mcp is not None:
                    await running.enter_async_context(mcp.sessions.run())
                yield
        finally:
            if revocation_feed is not None:
                await revocation_feed.stop()
            await client.aclose()
            await pool.aclose()
            for stop in limits.on_shutdown:
                await stop()

    app = create_service_app(
        service=settings.service_name,
        title=TITLE,
        description=DESCRIPTION,
        routers=[openapi_router, jwks_router, *([mcp_router] if mcp else []), proxy_router],
        lifespan=lifespan,
        readiness_checks={
            **upstream_checks(
                client,
                {name: replica_urls[name] for name in readiness_services},
                timeout=settings.readiness_timeout_seconds,
            ),
            **revocation_checks(revocation_feed),
        },
        tracer_provider=tracer_provider,
    )
    app.router.routes[:] = [
        route
        for route in app.router.routes
        if getattr(route, "path", None) not in _BUILTIN_DOC_PATHS
        or getattr(route, "endpoint", None) in (openapi_document, swagger_ui)
    ]
    if settings.cors_allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept",
                "Accept-Language",
                "Idempotency-Key",
                "If-Match",
                "If-None-Match",
                "Last-Event-ID",
                "X-API-Key",
                "X-Request-ID",
            ],
            expose_headers=EXPOSED_HEADERS,
            max_age=settings.cors_max_age_seconds,
        )
    if mcp is not None:
        public_url = settings.public_url.rstrip("/")
        resource_url = f"{public_url}/mcp"
        authenticator = McpAuthenticator(
            gateway.auth,
            TokenVerifier(token_keys, issuer=settings.jwt_issuer, audience=resource_url),
            McpTokenExchanger(
                client,
                urls["identity"],
                cache=TtlCache[McpTokenGrant](settings.api_key_cache_size),
                cache_ttl_seconds=settings.api_key_cache_ttl_seconds,
                timeout_seconds=settings.api_key_exchange_timeout_seconds,
                retry_after_seconds=settings.retry_after_seconds,
            ),
            resource_url=resource_url,
            metadata_url=public_url + METADATA_PATH,
        )
        endpoint = McpEndpoint(
            gateway, authenticator, mcp, max_body_bytes=settings.mcp_max_body_bytes
        )
        app.router.routes.insert(0, Route("/mcp", endpoint, methods=list(ALLOWED_METHODS)))
    app.state.gateway = gateway
    app.state.token_keys = token_keys
    app.state.settings = settings
    app.state.http = client
    app.state.identity_url = urls["identity"]
    return app


def _mcp_server(
    settings: GatewaySettings,
    client: httpx.AsyncClient,
    routes: RouteTable,
    urls: dict[str, str],
) -> MuninnMcp:
    integrations_url = urls.get("integrations")
    upstream = Upstream(client, routes, timeout_seconds=settings.mcp_tool_timeout_seconds)

    async def integrations_up() -> bool:
        if integrations_url is None:
            return False
        return await upstream.reachable("integrations", integrations_url)

    return MuninnMcp(
        upstream,
        ServiceProbe(integrations_up, ttl_seconds=settings.mcp_integrations_check_seconds),
    )
