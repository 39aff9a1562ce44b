"""A process that writes through the outbox (role ``producer``) or consumes (role ``consumer``).

The outbox test runs these as real processes and SIGKILLs them mid-stream.
"""

from __future__ import annotations

import asyncio
import os
import sys

from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.settings import ServiceSettings
from pymongo.asynchronous.client_session import AsyncClientSession


async def produce(runtime: ServiceRuntime, user_id: str, total: int) -> None:
    db = runtime.db
    start = await db.changes.count_documents({})
    for n in range(start, total):

        async def write(session: AsyncClientSession, n: int = n) -> None:
            await db.changes.insert_one({"_id": n, "user_id": user_id}, session=session)
            event = new_event(
                "identity.user.updated",
                source="identity",
                subject=user_id,
                data={"user_id": user_id, "changed": [str(n)]},
            )
            await runtime.outbox.put(event, session)

        async with runtime.mongo.start_session() as session:
            await session.with_transaction(write)
        await asyncio.sleep(0.005)
    while await db.outbox.count_documents({}) > 0:
        await asyncio.sleep(0.1)
    print("producer-done", flush=True)


def install_counter(runtime: ServiceRuntime, user_id: str) -> None:
    @runtime.consumers.on(Topic.IDENTITY_USERS, "identity.user.updated", name="outbox-test-counter")
    async def count(event: EventEnvelope, session: AsyncClientSession) -> None:
        if event.subject != user_id:
            return
        n = int(event.data["changed"][0])
        await runtime.db.applied.update_one(
            {"_id": n}, {"$inc": {"count": 1}}, upsert=True, session=session
        )


async def main() -> None:
    role, user_id, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    settings = ServiceSettings(service_name=os.environ["MUNINN_SERVICE_NAME"], log_level="WARNING")
    runtime = ServiceRuntime(settings)
    if role == "consumer":
        install_counter(runtime, user_id)
    await runtime.start()
    print(f"{role}-started", flush=True)
    try:
        if role == "producer":
            await produce(runtime, user_id, total)
        await asyncio.Event().wait()
    finally:
        await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main())
