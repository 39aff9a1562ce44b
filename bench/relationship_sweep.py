"""The daily relationship-strength sweep over many contacts, on the embedded MongoDB server.

Seeds ``--contacts`` contacts over ``--users`` users and ``--interactions`` interactions
spread over the last year, then times ``RelationshipService.recompute_all`` (one aggregate
and one bulk write per batch of contacts) twice: the first run writes every contact, the
second only what changed.

    .venv/bin/python bench/relationship_sweep.py [--contacts 5000] [--interactions 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from muninn_devstack.servers import free_port, mongo_uri, start_mongo
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.interactions.relationships import RelationshipService
from muninn_integrations.interactions.store import InteractionStore
from muninn_integrations.interactions.strength import Tuning
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.storage.outbox import Outbox

DIRECTIONS = ("inbound", "outbound", "mutual")


async def seed(db: Any, users: int, contacts: int, interactions: int, now: datetime) -> None:
    rng = random.Random(7)
    owners = [f"user-{i:04d}" for i in range(users)]
    people = [(owners[i % users], uuid.uuid4().hex) for i in range(contacts)]
    created = now - timedelta(days=400)
    await db["contacts"].insert_many(
        [
            {
                "_id": contact_id,
                "user_id": user_id,
                "display_name": f"Person {n}",
                "sort_name": f"person {n}",
                "is_archived": False,
                "emails": [],
                "created_at": created,
                "updated_at": created,
            }
            for n, (user_id, contact_id) in enumerate(people)
        ]
    )
    batch: list[dict[str, Any]] = []
    for _ in range(interactions):
        user_id, contact_id = rng.choice(people)
        batch.append(
            {
                "_id": uuid.uuid4().hex,
                "user_id": user_id,
                "contact_id": contact_id,
                "kind": "email",
                "direction": rng.choice(DIRECTIONS),
                "sentiment": rng.uniform(-1, 1),
                "occurred_at": now - timedelta(days=rng.uniform(0, 365)),
                "source": "manual",
                "external_id": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(batch) == 5_000:
            await db["interactions"].insert_many(batch)
            batch = []
    if batch:
        await db["interactions"].insert_many(batch)


async def measure(uri: str, users: int, contacts: int, interactions: int) -> None:
    client = create_mongo_client(uri, timeout_ms=30_000)
    db = client["muninn_bench_relationships"]
    interaction_store = InteractionStore(db)
    contact_store = ContactStore(db)
    await interaction_store.ensure_indexes()
    await contact_store.ensure_indexes()
    now = datetime.now(UTC)
    started = time.perf_counter()
    await seed(db, users, contacts, interactions, now)
    print(f"seeded {contacts} contacts, {interactions} interactions in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    service = RelationshipService(
        client=client,
        store=interaction_store,
        contacts=ContactService(client=client, store=contact_store),
        announcer=RecordAnnouncer(Outbox(db)),
        tuning=Tuning(),
    )
    for label, at in (("first sweep", now), ("next day", now + timedelta(days=1))):
        started = time.perf_counter()
        count = await service.recompute_all(at)
        print(f"{label}: {count} contacts in {time.perf_counter() - started:.2f} s")
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--interactions", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        port = free_port()
        server = start_mongo(Path(workdir) / "mongo", port, Path(workdir) / "mongo.log")
        try:
            asyncio.run(measure(mongo_uri(port), args.users, args.contacts, args.interactions))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
