"""A MongoDB outage of a minute is waited out: nothing dead-lettered, nothing lost, erasure done.

The servers are this module's own (packaged noida-db and secantusdb, whatever the other
modules use): MongoDB is stopped and started again on the same data directory and port, as a
failover or a restart would look to the services. Events flow the whole time and an erasure
is requested just before the outage, so its request and confirmations meet the outage.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from muninn_devstack.servers import (
    ManagedProcess,
    free_port,
    mongo_uri,
    start_kafka,
    start_mongo,
)
from muninn_identity.main import create_app
from muninn_identity.settings import IdentitySettings
from muninn_shared.deadletters.cli import dead_letter_topics, read_dead_letters
from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.http.health import run_checks
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.settings import ServiceSettings
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.in_process import started

OUTAGE_SECONDS = 60
CONTENT_SERVICES = ("conversation", "memory")
PASSWORD = "correct horse battery staple"


@dataclass
class Servers:
    kafka_bootstrap: str
    mongo_dir: Path
    mongo_port: int
    mongo_log: Path
    mongo: ManagedProcess

    @property
    def mongo_uri(self) -> str:
        return mongo_uri(self.mongo_port)

    def stop_mongo(self) -> None:
        self.mongo.stop()

    def restart_mongo(self) -> None:
        self.mongo = start_mongo(self.mongo_dir, self.mongo_port, self.mongo_log)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    workdir = tmp_path_factory.mktemp("outage")
    kafka_port, mongo_port = free_port(), free_port()
    kafka = start_kafka(workdir / "kafka", kafka_port, workdir / "logs" / "kafka.log")
    try:
        mongo_log = workdir / "logs" / "mongo.log"
        mongo = start_mongo(workdir / "mongo", mongo_port, mongo_log)
        provided = Servers(
            f"127.0.0.1:{kafka_port}", workdir / "mongo", mongo_port, mongo_log, mongo
        )
        try:
            yield provided
        finally:
            provided.mongo.stop()
    finally:
        kafka.stop()


def content_runtime(servers: Servers, service: str, unique: str, flow_user: str) -> ServiceRuntime:
    runtime = ServiceRuntime(
        ServiceSettings(
            service_name=service,
            kafka_bootstrap=servers.kafka_bootstrap,
            mongo_uri=servers.mongo_uri,
            mongo_database_prefix=f"muninn_out{unique}_",
            kafka_group_prefix=f"out{unique}.",
            consumer_outage_backoff_max_seconds=2.0,
            log_level="ERROR",
        )
    )
    install_erasure_consumer(runtime)

    @runtime.consumers.on(
        Topic.CONVERSATION_MESSAGES, "conversation.message.created", name="outage-counter"
    )
    async def count(event: EventEnvelope, session: AsyncClientSession) -> None:
        if event.subject != flow_user:
            return
        await runtime.db.applied.update_one(
            {"_id": event.data["message_id"]}, {"$inc": {"count": 1}}, upsert=True, session=session
        )

    return runtime


def message_event(user: str, n: int) -> EventEnvelope:
    return new_event(
        "conversation.message.created",
        source="conversation",
        subject=user,
        data={
            "user_id": user,
            "conversation_id": "c1",
            "message_id": f"m{n:05d}",
            "role": "user",
            "content": f"message {n}",
            "created_at": "2026-01-01T00:00:00Z",
        },
    )


async def until(check: Any, *, timeout: float, what: str, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = await check()
        except Exception:  # the database may still be coming back
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f}s"
        await asyncio.sleep(interval)


@pytest.fixture
async def identity(servers: Servers, unique: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(
        IdentitySettings(
            kafka_bootstrap=servers.kafka_bootstrap,
            mongo_uri=servers.mongo_uri,
            mongo_database_prefix=f"muninn_out{unique}_",
            kafka_group_prefix=f"out{unique}.",
            erasure_services=list(CONTENT_SERVICES),
            consumer_outage_backoff_max_seconds=2.0,
            argon2_time_cost=1,
            argon2_memory_cost_kib=8192,
            log_level="ERROR",
        )
    )
    async with started(app, "http://identity") as http:
        yield app, http


@pytest.mark.timeout(900)
async def test_a_minute_without_mongodb_loses_nothing_and_the_erasure_completes(
    servers: Servers, identity: tuple[Any, httpx.AsyncClient], unique: str
) -> None:
    app, http = identity
    flow_user = f"flow-{unique}"
    runtimes = [content_runtime(servers, s, unique, flow_user) for s in CONTENT_SERVICES]
    for runtime in runtimes:
        await runtime.start()
    producer = AIOKafkaProducer(bootstrap_servers=servers.kafka_bootstrap, acks="all")
    await producer.start()
    sent = 0
    flowing = True

    async def flow() -> None:
        nonlocal sent
        while flowing:
            event = message_event(flow_user, sent)
            await producer.send_and_wait(
                Topic.CONVERSATION_MESSAGES.value,
                event.model_dump_json().encode(),
                key=event.key,
            )
            sent += 1
            await asyncio.sleep(0.2)

    flow_task = asyncio.create_task(flow())
    try:
        registered = (
            await http.post(
                "/v1/auth/register",
                json={"email": f"gone-{unique}@example.com", "password": PASSWORD},
            )
        ).json()
        erasee = registered["user"]["id"]
        for runtime in runtimes:
            await runtime.db.notes.insert_one({"user_id": erasee, "text": "private"})
        await until(
            lambda: _all_applied(runtimes, 5), timeout=120, what="the flow reached both services"
        )

        erasure = await http.delete(
            "/v1/me", headers={"Authorization": f"Bearer {registered['tokens']['access_token']}"}
        )
        assert erasure.status_code == 202, erasure.text
        erasure_id = erasure.json()["id"]
        await asyncio.to_thread(servers.stop_mongo)
        outage_ends = time.monotonic() + OUTAGE_SECONDS

        # Meanwhile readiness says why: the database is down and consumers wait for it.
        for runtime in runtimes:
            checks = await until(
                lambda runtime=runtime: _failing(runtime, "consumers"),
                timeout=OUTAGE_SECONDS - 10,
                what="readiness to report a waiting consumer",
            )
            assert "waits for mongodb" in checks["consumers"]
            assert checks["mongodb"] != "ok"
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["mongodb"] != "ok"

        await asyncio.sleep(max(0.0, outage_ends - time.monotonic()))
        await asyncio.to_thread(servers.restart_mongo)

        privacy = app.state.services.privacy

        async def erasure_completed() -> bool:
            status = await privacy.status(erasee, erasure_id)
            return status.status == "completed"

        await until(erasure_completed, timeout=300, what="the erasure completed")
        flowing = False
        await flow_task
        await until(
            lambda: _all_applied(runtimes, sent), timeout=300, what=f"all {sent} events applied"
        )
        for runtime in runtimes:
            counts = [d["count"] async for d in runtime.db.applied.find({})]
            assert len(counts) == sent, "nothing lost"
            assert set(counts) == {1}, "each event applied once"
            assert await runtime.db.notes.count_documents({"user_id": erasee}) == 0
            assert await runtime.tombstones.is_erased(erasee)
            assert (await run_checks(runtime.readiness_checks))["consumers"] == "ok"
        status = await privacy.status(erasee, erasure_id)
        assert {s.status for s in status.services.values()} == {"completed"}
        dead = await read_dead_letters(servers.kafka_bootstrap, dead_letter_topics(None))
        assert [d.summary() for d in dead] == [], "nothing dead-lettered"
    finally:
        flowing = False
        if not flow_task.done():
            flow_task.cancel()
        await producer.stop()
        if not servers.mongo.alive():
            await asyncio.to_thread(servers.restart_mongo)
        for runtime in runtimes:
            await runtime.stop()


async def _all_applied(runtimes: list[ServiceRuntime], wanted: int) -> bool:
    for runtime in runtimes:
        if await runtime.db.applied.count_documents({}) < wanted:
            return False
    return True


async def _failing(runtime: ServiceRuntime, check: str) -> dict[str, str] | None:
    checks = await run_checks(runtime.readiness_checks)
    return checks if checks[check] != "ok" else None


@pytest.mark.timeout(600)
async def test_a_service_stopped_while_waiting_for_mongodb_loses_nothing(
    servers: Servers, unique: str
) -> None:
    user = f"stopper-{unique}"
    runtime = content_runtime(servers, "memory", f"stop{unique}", user)
    await runtime.start()
    producer = AIOKafkaProducer(bootstrap_servers=servers.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await asyncio.to_thread(servers.stop_mongo)
        event = message_event(user, 1)
        await producer.send_and_wait(
            Topic.CONVERSATION_MESSAGES.value, event.model_dump_json().encode(), key=event.key
        )
        await until(
            lambda: asyncio.sleep(0, result=runtime.consumers.waiting),
            timeout=120,
            what="the consumer to wait for MongoDB",
        )
        # Stops although a delivery is waiting; the delivery is given back, not acknowledged.
        await asyncio.wait_for(runtime.stop(), 60)
        await asyncio.to_thread(servers.restart_mongo)

        successor = content_runtime(servers, "memory", f"stop{unique}", user)
        await successor.start()
        try:
            applied = await until(
                lambda: successor.db.applied.find_one({"_id": "m00001"}),
                timeout=120,
                what="the event applied by the next process",
            )
            assert applied["count"] == 1
        finally:
            await successor.stop()
        dead = await read_dead_letters(servers.kafka_bootstrap, dead_letter_topics(None))
        assert [d.summary() for d in dead if d.record.get("subject") == user] == []
    finally:
        await producer.stop()
        if not servers.mongo.alive():
            await asyncio.to_thread(servers.restart_mongo)
