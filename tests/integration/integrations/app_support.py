"""The integrations service started in-process for a test: its settings on the module's Kafka
and MongoDB, the app served to an HTTP client, a caller's headers, and a sync job awaited."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from muninn_integrations.connections.models import Provider, ProviderInfo
from muninn_integrations.connectors.port import Connector, RecordKind
from muninn_integrations.connectors.registry import ConnectorRegistry, Endpoint
from muninn_integrations.settings import IntegrationsSettings

from tests.integration.infra import Infra
from tests.integration.tokens import identity_token_issuer

# The test servers (Radicale, pymap, the Google fake) listen on loopback, over plain HTTP and
# IMAP, and may be slow to answer a first check on a busy machine.
ON_LOOPBACK: dict[str, Any] = {
    "outbound_allow_cidrs": ["127.0.0.0/8"],
    "outbound_require_https": False,
    "imap_allow_plaintext": True,
    "connect_check_timeout_seconds": 20,
}


def settings_for(infra: Infra, unique: str, **overrides: Any) -> IntegrationsSettings:
    """The service on this module's servers, in databases of the test's own."""
    return IntegrationsSettings(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        mongo_database_prefix=f"muninn_it{unique}_",
        log_level="WARNING",
        **overrides,
    )


def registry_of(
    opener: Callable[[Endpoint], Connector[Any]],
    offers: Iterable[tuple[Provider, RecordKind, str, bool]],
) -> ConnectorRegistry:
    """A registry offering each (provider, kind, auth, writable), every one opened by
    ``opener``: scripted connectors in place of real servers."""
    registry = ConnectorRegistry()
    for provider, kind, auth, writable in offers:
        registry.register(
            ProviderInfo(
                provider=provider,
                name=provider.value,
                kinds=[kind],
                auth=auth,
                writable=writable,
                available=True,
            ),
            opener,
        )
    return registry


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started (its lifespan run) and a client calling it in-process."""
    async with (
        LifespanManager(app, startup_timeout=120, shutdown_timeout=60),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://integrations", timeout=60
        ) as http,
    ):
        yield http


def me(user_id: str | None = None) -> dict[str, str]:
    """The headers of a signed-in user: ``user_id``, or a new one."""
    issued = identity_token_issuer().issue(user_id or uuid.uuid4().hex)
    return {"Authorization": f"Bearer {issued}"}


async def finished(
    http: httpx.AsyncClient, who: dict[str, str], job_id: str, tries: int = 300
) -> dict[str, Any]:
    """The sync job once it ended, polled every 0.1 s."""
    job: dict[str, Any] = {}
    for _ in range(tries):
        job = (await http.get(f"/v1/integrations/jobs/{job_id}", headers=who)).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return dict(job)
        await asyncio.sleep(0.1)
    raise AssertionError(f"sync job {job_id} did not finish: {job}")
