"""Composition root of the identity service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from muninn_shared.auth import StaticKeys, TokenVerifier
from muninn_shared.background import BackgroundTasks
from muninn_shared.metrics import (
    ERASURE_OLDEST_AGE,
    ERASURES_IN_PROGRESS,
    ERASURES_STUCK,
    GAUGE_VALUES,
)
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app
from muninn_shared.signing import TokenIssuer

from muninn_identity.api_keys.router import internal as api_keys_internal
from muninn_identity.api_keys.router import router as api_keys_router
from muninn_identity.api_keys.service import ApiKeyService
from muninn_identity.api_keys.store import ApiKeyStore
from muninn_identity.audit.handlers import register_handlers as register_audit_handlers
from muninn_identity.audit.router import router as audit_router
from muninn_identity.audit.service import AuditLog
from muninn_identity.audit.store import AuditStore
from muninn_identity.auth.passwords import HashingSlots, Passwords
from muninn_identity.auth.router import router as auth_router
from muninn_identity.auth.service import AuthService
from muninn_identity.auth.store import RefreshTokenStore
from muninn_identity.deps import IdentityServices
from muninn_identity.event_keys.callers import ServiceCallers
from muninn_identity.event_keys.router import router as event_keys_router
from muninn_identity.event_keys.service import EventKeyService
from muninn_identity.event_keys.store import EventKeyStore
from muninn_identity.event_keys.wrapping import load_wrapping_key
from muninn_identity.oauth.connections import Connections
from muninn_identity.oauth.consent import ConsentPages
from muninn_identity.oauth.router import authorization_routes
from muninn_identity.oauth.router import connections as connections_router
from muninn_identity.oauth.router import internal as oauth_internal
from muninn_identity.oauth.router import router as oauth_router
from muninn_identity.oauth.server import McpAuthorizationServer
from muninn_identity.oauth.store import OAuthStore
from muninn_identity.operators.router import router as operators_router
from muninn_identity.operators.service import OperatorEmails, OperatorService
from muninn_identity.privacy.handlers import register_handlers as register_privacy_handlers
from muninn_identity.privacy.router import router as privacy_router
from muninn_identity.privacy.service import PrivacyService
from muninn_identity.privacy.store import ErasureStore
from muninn_identity.settings import IdentitySettings
from muninn_identity.signing.keys import load_key_ring, token_issuer_from
from muninn_identity.signing.router import router as signing_router
from muninn_identity.users.router import router as users_router
from muninn_identity.users.service import UserService
from muninn_identity.users.store import UserStore


def create_app(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    signing_keys = load_key_ring(settings)
    token_issuer = token_issuer_from(settings, signing_keys)
    runtime = ServiceRuntime(settings, token_keys=StaticKeys(signing_keys.jwks()))
    db = runtime.db

    users = UserStore(db)
    tokens = RefreshTokenStore(
        db, kept_after_expiry=timedelta(days=settings.refresh_token_reuse_window_days)
    )
    api_keys = ApiKeyStore(db)
    audit_store = AuditStore(
        db, change_retention=timedelta(days=settings.audit_change_retention_days)
    )
    audit = AuditLog(audit_store)
    erasures = ErasureStore(db)
    user_service = UserService(runtime.mongo, users, audit, runtime.outbox)
    event_keys = EventKeyService(
        EventKeyStore(db), user_service, wrapping_key=load_wrapping_key(settings)
    )
    # Identity's own relay and consumers take keys straight from the service, not over HTTP.
    runtime.event_keys.fetch_with(event_keys.key_for)
    http = httpx.AsyncClient(timeout=httpx.Timeout(settings.export_timeout_seconds, connect=2.0))
    operator_emails = OperatorEmails(settings.operator_emails)

    auth = AuthService(
        client=runtime.mongo,
        users=user_service,
        tokens=tokens,
        passwords=Passwords(
            time_cost=settings.argon2_time_cost,
            memory_cost_kib=settings.argon2_memory_cost_kib,
            slots=HashingSlots(
                size=settings.argon2_slots(),
                max_waiting=settings.argon2_max_waiting,
                max_wait_seconds=settings.argon2_max_wait_seconds,
                retry_after_seconds=settings.argon2_retry_after_seconds,
            ),
        ),
        token_issuer=token_issuer,
        audit=audit,
        outbox=runtime.outbox,
        refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
        operators=operator_emails,
        registration_open=settings.registration_open,
    )
    api_key_service = ApiKeyService(
        keys=api_keys,
        users=user_service,
        audit=audit,
        token_issuer=token_issuer,
        access_ttl_seconds=settings.api_key_access_ttl_seconds,
        client=runtime.mongo,
        outbox=runtime.outbox,
    )
    oauth_store = OAuthStore(
        db, unused_client_ttl=timedelta(hours=settings.oauth_unused_client_ttl_hours)
    )
    public_url = settings.public_url.rstrip("/")
    mcp_resource = f"{public_url}/mcp"
    # Tokens for MCP clients carry the MCP endpoint as audience: no other API accepts them.
    resource_tokens = TokenIssuer(
        signing_keys,
        issuer=settings.jwt_issuer,
        audience=mcp_resource,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    oauth = McpAuthorizationServer(
        store=oauth_store,
        auth=auth,
        users=user_service,
        audit=audit,
        resource_tokens=resource_tokens,
        resource_verifier=TokenVerifier(
            StaticKeys(signing_keys.jwks()), issuer=settings.jwt_issuer, audience=mcp_resource
        ),
        api_tokens=token_issuer,
        issuer_url=public_url,
        resource_url=mcp_resource,
        authorization_ttl=timedelta(seconds=settings.oauth_authorization_ttl_seconds),
        # As long as its newest refresh token is kept (reuse of an old one must still be seen).
        grant_lifetime=timedelta(
            days=settings.refresh_token_ttl_days + settings.refresh_token_reuse_window_days
        ),
        exchanged_ttl_seconds=settings.api_key_access_ttl_seconds,
    )
    services = IdentityServices(
        oauth=oauth,
        consent=ConsentPages(oauth, oauth_store, auth),
        connections=Connections(client=runtime.mongo, store=oauth_store, auth=auth, audit=audit),
        operators=OperatorService(user_service, operator_emails),
        users=user_service,
        auth=auth,
        api_keys=api_key_service,
        audit=audit,
        privacy=PrivacyService(
            runtime=runtime,
            users=user_service,
            auth=auth,
            api_keys=api_key_service,
            audit=audit,
            erasures=erasures,
            event_keys=event_keys,
            token_issuer=token_issuer,
            http=http,
            service_urls={name: settings.service_url(name) for name in settings.erasure_services},
            export_timeout=settings.export_timeout_seconds,
        ),
    )
    register_privacy_handlers(runtime.consumers, services.privacy)
    register_audit_handlers(runtime.consumers, audit, user_service)

    async def ensure_indexes() -> None:
        for store in (users, tokens, api_keys, audit_store, erasures, oauth_store):
            await store.ensure_indexes()

    reannounce_after = timedelta(seconds=settings.erasure_reannounce_after_seconds)

    async def reannounce_stuck_erasures() -> None:
        await services.privacy.reannounce_stuck(reannounce_after)

    async def measure_erasures() -> None:
        now = datetime.now(UTC)
        progress = await erasures.progress(now - reannounce_after)
        GAUGE_VALUES.set(ERASURES_IN_PROGRESS.name, progress.in_progress)
        GAUGE_VALUES.set(ERASURES_STUCK.name, progress.stuck)
        oldest = progress.oldest_requested_at
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        GAUGE_VALUES.set(ERASURE_OLDEST_AGE.name, max(0.0, age))

    background = BackgroundTasks(settings.service_name)
    # Announces stuck erasures again until every service has confirmed them; the first
    # round waits one interval, as a service just started has nothing stuck yet.
    background.every(
        "stuck-erasure-watch",
        settings.erasure_check_interval_seconds,
        reannounce_stuck_erasures,
        start_delay=settings.erasure_check_interval_seconds,
    )
    background.every("erasure-metrics", settings.metrics_interval_seconds, measure_erasures)
    app = build_service_app(
        runtime,
        title="Muninn identity",
        description="Users, authentication, API keys, preferences, presence, audit log, export and erasure.",
        routers=[
            auth_router,
            users_router,
            api_keys_router,
            audit_router,
            privacy_router,
            operators_router,
            api_keys_internal,
            event_keys_router,
            signing_router,
            oauth_router,
            connections_router,
            oauth_internal,
        ],
        background=background,
        on_startup=[ensure_indexes, oauth.hash_legacy_secrets],
        on_shutdown=[http.aclose],
        state={
            "services": services,
            "signing_keys": signing_keys,
            "event_keys": event_keys,
            "service_callers": ServiceCallers(
                settings.service_credential_hashes, settings.event_key_readers
            ),
        },
        # Identity carries out erasures itself; its own routes decide what an erased user may do.
        refuse_erased_writes=False,
    )
    app.router.routes.extend(authorization_routes(oauth))
    return app
