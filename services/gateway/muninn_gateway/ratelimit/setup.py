"""The limit store the settings choose, with what it needs started and stopped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import create_mongo_client
from pymongo.errors import PyMongoError

from muninn_gateway.ratelimit.stores import (
    LOGINS,
    WINDOWS,
    FallbackStore,
    LimitStore,
    LoginBackoff,
    MemoryStore,
    MongoStore,
)
from muninn_gateway.settings import GatewaySettings

log = get_logger(__name__)

Hook = Callable[[], Awaitable[None]]


@dataclass
class LimitStoreSetup:
    store: LimitStore
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)


def login_backoff(settings: GatewaySettings) -> LoginBackoff:
    return LoginBackoff(
        base_seconds=settings.login_backoff_base_seconds,
        cap_seconds=settings.login_backoff_cap_seconds,
        # An attempt in flight holds its account until identity answers (or times out).
        hold_seconds=settings.upstream_timeout_seconds + settings.connect_timeout_seconds,
        forget_seconds=settings.login_backoff_forget_seconds,
    )


def limit_store(settings: GatewaySettings) -> LimitStoreSetup:
    backoff = login_backoff(settings)
    local = MemoryStore(backoff, max_keys=settings.rate_limit_max_tracked_keys)
    if settings.rate_limit_store == "memory":
        return LimitStoreSetup(local)
    client = create_mongo_client(
        settings.mongo_uri, timeout_ms=settings.rate_limit_store_timeout_ms
    )
    db = client[settings.mongo_database]
    shared = MongoStore(db[WINDOWS], db[LOGINS], backoff)

    async def ensure_indexes() -> None:
        try:
            await shared.ensure_indexes()
        except PyMongoError as exc:
            # Windows are keyed by time and re-created as needed: without the TTL index they
            # only linger. The gateway starts anyway and limits locally while the store is down.
            log.warning("rate-limit store indexes not created", error=repr(exc))

    async def close() -> None:
        await client.close()

    return LimitStoreSetup(
        FallbackStore(
            shared,
            local,
            # Two round trips per check, each bounded by the driver's own timeout.
            timeout_seconds=2 * settings.rate_limit_store_timeout_ms / 1000,
            cooldown_seconds=settings.rate_limit_store_cooldown_seconds,
        ),
        on_startup=[ensure_indexes],
        on_shutdown=[close],
    )
