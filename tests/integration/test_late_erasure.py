"""An event applied while the user's erasure commits leaves nothing behind.

The tombstone check before a handler and the erasure are separate transactions, so a
handler can commit a write just after the erasure did. The consumer checks the tombstone
again after the commit and sweeps the user's data; without that the write would survive.
"""

from __future__ import annotations

import asyncio
import time

from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.settings import ServiceSettings
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.infra import Infra


async def test_a_write_racing_the_erasure_is_swept(infra: Infra, unique: str) -> None:
    settings = ServiceSettings(
        service_name=f"latetest{unique}",
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        log_level="WARNING",
    )
    runtime = ServiceRuntime(settings)
    install_erasure_consumer(runtime)
    user = f"racer-{unique}"
    applied = asyncio.Event()

    @runtime.consumers.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="late-probe")
    async def remember(event: EventEnvelope, session: AsyncClientSession) -> None:
        # The erasure commits while this handler runs: its tombstone lands first.
        await runtime.tombstones.record(event.subject, None)
        await runtime.db.profiles.insert_one(
            {"_id": event.subject, "user_id": event.subject, "email": "x@example.com"},
            session=session,
        )
        applied.set()

    await runtime.start()
    try:
        await runtime.publish(
            Topic.BYOD_ROUTING.value,
            new_event(
                "byod.routing.changed",
                source="test",
                subject=user,
                data={"user_id": user, "store_id": None, "status": "active"},
            ),
        )
        await asyncio.wait_for(applied.wait(), 90)
        deadline = time.monotonic() + 30
        while await runtime.db.profiles.count_documents({"user_id": user}) and (
            time.monotonic() < deadline
        ):
            await asyncio.sleep(0.1)
        assert await runtime.db.profiles.count_documents({"user_id": user}) == 0
    finally:
        await runtime.stop()
