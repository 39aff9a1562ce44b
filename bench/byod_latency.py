"""Request latency of a hosted and a BYOD user side by side, through the conversation service.

The conversation service runs in-process over a real Kafka and the main MongoDB server; one
user's route points at their own database on the second server (announced as byod announces
it: ``byod.routing.changed`` with the connection sealed under the route key), the other's
content stays on main. Both create conversations and list them, interleaved, ``requests``
times each; the figures are p50 and p95 per user and kind, in milliseconds.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from muninn_conversation.main import create_app
from muninn_conversation.settings import ConversationSettings
from muninn_shared.content_schema import deploy
from muninn_shared.events import Topic, new_event
from muninn_shared.events.payloads import ByodRoutingChanged
from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.storage.routes import OwnDatabase, seal_connection
from muninn_shared.vault.keyring import parse_key_ring
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.integration.tokens import identity_token_issuer, provision_test_keys

HOSTED_USER = "bench-hosted"
BYOD_USER = "bench-byod"
OWN_DATABASE = "muninn_bench_byod_latency"


@dataclass
class Timings:
    writes: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def announce(app: object, own_uri: str, key: str) -> None:
    ring = parse_key_ring(key)
    own = OwnDatabase(store_id="bench-store", mongo_uri=own_uri, database=OWN_DATABASE)
    change = ByodRoutingChanged(
        user_id=BYOD_USER,
        version=1,
        placement="own",
        store_id=own.store_id,
        connection=seal_connection(ring, BYOD_USER, own),
    )
    runtime = app.state.runtime  # type: ignore[attr-defined]
    event = new_event("byod.routing.changed", source="byod", subject=BYOD_USER, data=change)
    await runtime.publish(Topic.BYOD_ROUTING.value, event)
    deadline = time.monotonic() + 60
    while runtime.routes.route_of(BYOD_USER) is None:
        if time.monotonic() > deadline:
            raise RuntimeError("the BYOD route did not arrive")
        await asyncio.sleep(0.1)


async def bench_latency(
    main_uri: str, own_uri: str, kafka: str, workdir: Path, requests: int
) -> dict[str, Timings]:
    """Run the interleaved requests and print the figures; the timings by user."""
    os.environ.update(provision_test_keys(workdir / "keys"))
    key = f"b1:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"
    settings = ConversationSettings(
        kafka_bootstrap=kafka,
        mongo_uri=main_uri,
        kafka_pace_empty_fetches=True,
        mongo_database_prefix=f"bench{uuid.uuid4().hex[:8]}_",
        memory_url="http://127.0.0.1:9",
        identity_url="http://127.0.0.1:9",
        log_level="WARNING",
        usage_messages_per_day=None,
        byod_route_keys=SecretStr(key),
        byod_route_refresh_seconds=0.5,
    )
    own = create_mongo_client(own_uri)
    try:
        await deploy(own[OWN_DATABASE])
    finally:
        await own.close()
    app = create_app(settings)
    codec = identity_token_issuer()
    headers = {
        user: {"Authorization": f"Bearer {codec.issue(user)}"} for user in (HOSTED_USER, BYOD_USER)
    }
    timings = {user: Timings() for user in headers}
    async with (
        LifespanManager(app, startup_timeout=120, shutdown_timeout=60),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://conversation", timeout=60
        ) as client,
    ):
        await announce(app, own_uri, key)
        for auth in headers.values():  # warm both paths (clients, indexes, caches)
            for _ in range(5):
                (await client.post("/v1/conversations", json={}, headers=auth)).raise_for_status()
        for n in range(requests):
            for user, auth in headers.items():
                started = time.perf_counter()
                made = await client.post(
                    "/v1/conversations", json={"title": f"trip plan {n}"}, headers=auth
                )
                timings[user].writes.append(time.perf_counter() - started)
                made.raise_for_status()
                started = time.perf_counter()
                listed = await client.get("/v1/conversations?limit=20", headers=auth)
                timings[user].reads.append(time.perf_counter() - started)
                listed.raise_for_status()
    print(f"request latency, {requests} of each per user, interleaved (ms):")
    print("  user     create p50  create p95  list p50  list p95")
    for user, label in ((HOSTED_USER, "hosted"), (BYOD_USER, "byod")):
        t = timings[user]
        print(
            f"  {label:<8} {percentile(t.writes, 0.5) * 1000:>10.1f}  "
            f"{percentile(t.writes, 0.95) * 1000:>10.1f}  "
            f"{percentile(t.reads, 0.5) * 1000:>8.1f}  {percentile(t.reads, 0.95) * 1000:>8.1f}"
        )
    return timings
