"""The gateway's revocation cache and the Kafka feed that fills it, built from settings."""

from __future__ import annotations

from muninn_shared.background import BackgroundTasks
from muninn_shared.http.health import ReadinessCheck
from muninn_shared.messaging.pacing import pace_empty_fetches
from muninn_shared.messaging.security import kafka_security

from muninn_gateway.revocation.cache import RevocationCache
from muninn_gateway.revocation.feed import RevocationFeed
from muninn_gateway.settings import GatewaySettings


def revocations_from(
    settings: GatewaySettings,
) -> tuple[RevocationCache | None, RevocationFeed | None]:
    if not settings.revocation_feed_enabled:
        return None, None
    if settings.kafka_pace_empty_fetches:
        # The feed's own consumer, like the services' ones: against the development broker an
        # unpaced idle consumer re-fetches in a tight loop, a fifth of a core taken from
        # every request the gateway and the other processes on the machine serve.
        pace_empty_fetches()
    cache = RevocationCache(
        max_entries=settings.revocation_cache_size,
        lifetime_seconds=settings.revocation_lifetime_seconds,
    )
    feed = RevocationFeed(
        settings.kafka_bootstrap,
        cache,
        background=BackgroundTasks(settings.service_name),
        replay_seconds=settings.revocation_lifetime_seconds,
        client_id=f"{settings.kafka_client_prefix}-gateway-{settings.instance_id}",
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        security=kafka_security(settings),
        create_topic=settings.kafka_create_topics,
    )
    return cache, feed


def revocation_checks(feed: RevocationFeed | None) -> dict[str, ReadinessCheck]:
    if feed is None:
        return {}

    async def revocations_read() -> None:
        if not feed.healthy:
            raise RuntimeError("the revocation feed is not running")

    return {"revocations": revocations_read}
