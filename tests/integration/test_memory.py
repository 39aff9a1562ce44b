"""Memory service features against real MongoDB and Kafka: ingestion jobs, extraction,
reconciliation with history, user isolation, crash-safe ingestion, and erasure."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import threading
import uuid
import zlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from muninn_devstack.readiness import Target, wait_ready
from muninn_devstack.servers import end_orphaned_transactions, free_port
from muninn_devstack.topology import StackConfig
from muninn_memory.lifecycle.runner import PeriodicJob
from muninn_memory.main import create_app
from muninn_memory.retrieval.port import MemoryIndex
from muninn_memory.settings import MemorySettings
from muninn_shared.background import BackgroundTasks
from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.events.payloads import (
    IntegrationRecord,
    MessageEvent,
    UserUpdated,
)
from muninn_shared.settings import DEFAULT_PORTS
from pymongo import AsyncMongoClient

from tests.integration.events import erasure_requested
from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.memory_support import (
    MEMORY,
    Headers,
    _one_embedding_thread,
    auth,
    client,
    eventually,
    message_event,
    new_user,
    publish_all,
    remember,
    search,
    settings,
)
from tests.integration.tokens import identity_token_issuer
from tests.keyword_index import KeywordIndex

# The fixtures this module takes from memory_support (imported, they are used by name).
__all__ = ["_one_embedding_thread", "client", "settings"]


@pytest.fixture
def index() -> KeywordIndex:
    return KeywordIndex()


@pytest.fixture
def me(settings: MemorySettings) -> Headers:
    """The headers of a new user of the test's own."""
    return auth(settings, new_user())


def index_of(client: httpx.AsyncClient) -> MemoryIndex:
    index: MemoryIndex = client.app.state.index_sync.index  # type: ignore[attr-defined]
    return index


# -- ingestion ----------------------------------------------------------------------------


async def test_post_answers_202_at_once_then_the_job_completes(
    client: httpx.AsyncClient, me: Headers
) -> None:
    response = await client.post(
        "/v1/memories", json={"messages": [{"content": "I love rock climbing."}]}, headers=me
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "processing", "done")
    assert response.headers["location"] == f"/v1/memories/jobs/{job['id']}"

    async def done() -> bool:
        status = (await client.get(job["status_url"], headers=me)).json()
        return bool(status["status"] == "done")

    await eventually(done, 20, "the job to finish")
    finished = (await client.get(job["status_url"], headers=me)).json()
    ops = {op["op"] for op in finished["result"]["operations"]}
    assert ops == {"add"}
    assert any(
        m["type"] == "preference_learned" and "rock climbing" in m["content"]
        for m in finished["memories"]
    )

    async def searchable() -> bool:
        found = await client.post(
            "/v1/memories/search", json={"query": "what sport do I love?"}, headers=me
        )
        results = found.json()["results"]
        return bool(results) and "rock climbing" in results[0]["memory"]["content"]

    await eventually(searchable, 10, "the memory to be searchable")
    found = await client.post(  # a question not asked yet: its embedding is not cached
        "/v1/memories/search", json={"query": "which sport do I enjoy?"}, headers=me
    )
    stages = [entry.split(";")[0] for entry in found.headers["server-timing"].split(", ")]
    assert {"embed", "index", "rank", "records", "hydrate", "total"} <= set(stages)


async def test_wait_true_returns_the_stored_memories(
    client: httpx.AsyncClient, me: Headers
) -> None:
    response = await client.post(
        "/v1/memories",
        json={
            "content": "Prefers window seats on flights",
            "type": "preference_learned",
            "context": "personal",
            "importance": 6,
            "tags": ["travel"],
        },
        headers=me,
        params={"wait": "true"},
    )
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] == "done"
    [memory] = job["memories"]
    assert memory["content"] == "Prefers window seats on flights"
    assert memory["type"] == "preference_learned"
    assert memory["importance"] == 6
    assert memory["tags"] == ["travel"]
    assert memory["provenance"]["source"] == "api"
    assert memory["embedding_model"] == index_of(client).model_id


async def test_historical_timestamps_are_honoured(client: httpx.AsyncClient, me: Headers) -> None:
    said_at = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
    job = await remember(client, me, "I'm flying to Paris tomorrow for a conference.", at=said_at)
    by_type = {m["type"]: m for m in job["memories"]}
    episodic, plan = by_type["conversation"], by_type["goal_setting"]
    assert datetime.fromisoformat(episodic["occurred_at"]) == said_at
    assert datetime.fromisoformat(plan["occurred_at"]) == said_at
    assert datetime.fromisoformat(plan["valid_from"]) == said_at
    assert datetime.fromisoformat(plan["event_at"]).date().isoformat() == "2023-05-09", (
        "tomorrow relative to when it was said"
    )
    listed = (
        await client.get("/v1/memories", params={"before": "2023-06-01T00:00:00Z"}, headers=me)
    ).json()["items"]
    assert {m["id"] for m in listed} == {episodic["id"], plan["id"]}


async def test_infer_false_stores_each_message_as_episodic(
    client: httpx.AsyncClient, me: Headers
) -> None:
    job = await remember(client, me, "I live in Oslo.", "Hello there!", infer=False)
    assert [m["type"] for m in job["memories"]] == ["conversation", "conversation"]
    assert job["result"]["extractor"] is None


async def test_offline_extractor_finds_facts_with_provenance(
    client: httpx.AsyncClient, me: Headers
) -> None:
    job = await remember(
        client,
        me,
        "My name is Ana and I live in Berlin. I work at Acme Corp as a software engineer.",
        "My sister Mary is a dentist. I'm allergic to peanuts.",
        "What should I cook tonight?",
    )
    facts = [m for m in job["memories"] if m["type"] != "conversation"]
    contents = {m["content"] for m in facts}
    assert "User's name is Ana." in contents
    assert "User lives in Berlin." in contents
    assert "User works at Acme Corp as a software engineer." in contents
    assert "User's sister Mary is a dentist." in contents
    assert "User is allergic to peanuts." in contents
    allergy = next(m for m in facts if "peanuts" in m["content"])
    assert allergy["type"] == "personal_info"
    assert allergy["importance"] >= 8
    assert allergy["provenance"]["extraction"]["extractor"] == "rules-v1"
    assert allergy["provenance"]["messages"][0]["excerpt"] == "I'm allergic to peanuts."
    assert any("a question" in note for note in job["result"]["notes"]), (
        "saying why a message gave nothing"
    )
    sister = next(m for m in facts if "Mary" in m["content"])
    assert sister["type"] == "relationship_info"
    assert [e["name"] for e in sister["entities"]] == ["Mary"]


async def test_message_event_from_kafka_becomes_a_searchable_memory(
    client: httpx.AsyncClient, settings: MemorySettings, infra: Infra
) -> None:
    user = new_user()
    me = auth(settings, user)
    event = message_event(user, "I just adopted a cat named Miso.")
    message_id = event.data["message_id"]
    await _publish(infra, Topic.CONVERSATION_MESSAGES, event, twice=True)

    async def found() -> bool:
        return bool(await search(client, me, "cat Miso"))

    await eventually(found, 30, "the message to become searchable")
    results = await search(client, me, "cat named Miso")
    fact = next(r for r in results if r["memory"]["type"] != "conversation")
    assert fact["provenance"]["message_ids"] == [message_id]
    assert fact["provenance"]["source"] == "conversation"
    history = (await client.get(f"/v1/memories/{fact['memory']['id']}/history", headers=me)).json()
    assert history["source_messages"][0]["message_id"] == message_id
    assert history["changes"][0]["operation"] == "created"
    await asyncio.sleep(1.0)
    everything = (await client.get("/v1/memories", headers=me)).json()["items"]
    assert len([m for m in everything if m["type"] == "conversation"]) == 1, (
        "a redelivered event is ingested once"
    )


def synced_record(
    user: str,
    connection_id: str,
    provider: str,
    record_type: str,
    data: dict[str, Any],
    *,
    record_id: str | None = None,
) -> IntegrationRecord:
    """A record the integrations service announces as newly synced."""
    return IntegrationRecord(
        user_id=user,
        connection_id=connection_id,
        provider=provider,
        record_type=record_type,
        record_id=record_id or "rec-" + uuid.uuid4().hex[:8],
        data={"action": "created", **data},
    )


async def test_synced_meetings_and_mail_become_memories_with_their_source(
    client: httpx.AsyncClient, settings: MemorySettings, infra: Infra
) -> None:
    user = new_user()
    me = auth(settings, user)
    meeting = synced_record(
        user,
        "conn-cal",
        "caldav",
        "calendar_event",
        {
            "title": "Lunch with Ana",
            "start": "2026-11-20T13:00:00+00:00",
            "end": "2026-11-20T14:00:00+00:00",
            "location": "Cafe Lisboa",
            "attendees": [{"name": "Ana Silva", "email": "ana@example.org"}],
            "url": "https://cal.example.org/event/1",
        },
    )
    mail = synced_record(
        user,
        "conn-mail",
        "imap",
        "email",
        {
            "subject": "Your deposit",
            "from": {"name": "Landlord Bob", "email": "bob@example.org"},
            "sent_at": "2026-11-28T09:30:00+00:00",
            "snippet": "The deposit will be returned within 30 days of the inspection.",
        },
    )
    contact = synced_record(
        user, "conn-book", "carddav", "contact", {"name": "Ana Silva"}, record_id="rec-contact"
    )
    for record in (meeting, mail, contact):
        event = new_event(
            "integrations.record.synced", source="integrations", subject=user, data=record
        )
        await _publish(infra, Topic.INTEGRATIONS_RECORDS, event, twice=True)

    async def both_searchable() -> bool:
        # Stored is not yet searchable: the search index follows the store a moment later.
        listed = (await client.get("/v1/memories", headers=me)).json()["items"]
        if len(listed) < 2:
            return False
        found = await search(client, me, "Lunch with Ana deposit", limit=10)
        return {r["memory"]["type"] for r in found} >= {"calendar_event", "email"}

    await eventually(both_searchable, 30, "the synced records to become searchable memories")
    lunch = await search(client, me, "when did I last meet Ana?")
    top = lunch[0]["memory"]
    assert top["type"] == "calendar_event"
    assert "Lunch with Ana" in top["content"]
    assert top["metadata"]["source"] == "calendar"
    assert top["metadata"]["record_id"] == meeting.record_id
    assert top["metadata"]["link"] == "https://cal.example.org/event/1"
    assert lunch[0]["provenance"]["source"] == "integration"
    deposit = await search(client, me, "what did the landlord say about the deposit?")
    assert deposit[0]["memory"]["type"] == "email"
    assert "returned within 30 days" in deposit[0]["memory"]["content"]
    await asyncio.sleep(1.0)
    everything = (await client.get("/v1/memories", headers=me)).json()["items"]
    assert sorted(m["type"] for m in everything) == [
        "calendar_event",
        "email",
        "relationship_info",
    ], "each record remembered once, the contact as its card"
    (card,) = [m for m in everything if m["contact_id"]]
    assert card["contact_id"] == "rec-contact"
    assert card["content"] == "Ana Silva"


# -- reconciliation -----------------------------------------------------------------------


async def test_correction_supersedes_and_history_keeps_the_old_fact(
    client: httpx.AsyncClient, me: Headers
) -> None:
    start = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
    await remember(client, me, "I live in Berlin.", at=start)
    job = await remember(
        client, me, "Actually I moved to Lisbon last month.", at=start + timedelta(days=30)
    )
    update = next(op for op in job["result"]["operations"] if op["op"] == "update")
    results = await search(client, me, "where does the user live Berlin Lisbon")
    assert results[0]["memory"]["id"] == update["memory_id"]
    assert "Lisbon" in results[0]["memory"]["content"]
    assert all("Berlin" not in r["memory"]["content"] for r in results), (
        "the old fact and the message stating it leave search"
    )

    history = (await client.get(f"/v1/memories/{update['memory_id']}/history", headers=me)).json()
    assert [v["content"] for v in history["versions"]] == [
        "User lives in Berlin.",
        "User moved to Lisbon last month.",
    ]
    old = history["versions"][0]
    assert old["status"] == "superseded"
    assert old["superseded_by"] == update["memory_id"]
    assert datetime.fromisoformat(old["valid_to"]) == start + timedelta(days=30)
    assert {c["operation"] for c in history["changes"]} >= {"created", "superseded"}
    superseded = (await client.get(f"/v1/memories/{old['id']}", headers=me)).json()
    assert superseded["status"] == "superseded"


async def test_a_retraction_deletes_the_fact(client: httpx.AsyncClient, me: Headers) -> None:
    first = await remember(client, me, "I work at Acme Corp.")
    employer = next(m for m in first["memories"] if m["type"] == "personal_info")
    job = await remember(client, me, "I no longer work at Acme.")
    delete = next(op for op in job["result"]["operations"] if op["op"] == "delete")
    assert delete["target_id"] == employer["id"]
    assert (await client.get(f"/v1/memories/{employer['id']}", headers=me)).status_code == 404
    history = (await client.get(f"/v1/memories/{employer['id']}/history", headers=me)).json()
    assert history["memory"]["status"] == "deleted"
    assert history["changes"][-1]["operation"] == "deleted"
    assert history["changes"][-1]["source_messages"][0]["excerpt"] == "I no longer work at Acme."
    assert not any(
        r["memory"]["id"] == employer["id"] for r in await search(client, me, "Acme work")
    )


async def test_duplicates_are_a_no_op(client: httpx.AsyncClient, me: Headers) -> None:
    first = await remember(client, me, "I love Italian food.")
    again = await remember(client, me, "I love Italian food!")
    fact = next(m for m in first["memories"] if m["type"] == "preference_learned")
    noop = next(op for op in again["result"]["operations"] if op["type"] == "preference_learned")
    assert noop["op"] == "noop"
    assert noop["target_id"] == fact["id"]
    facts = (
        await client.get("/v1/memories", params={"type": "preference_learned"}, headers=me)
    ).json()["items"]
    assert [m["id"] for m in facts] == [fact["id"]]
    changes = (await client.get(f"/v1/memories/{fact['id']}/history", headers=me)).json()["changes"]
    assert changes[-1]["operation"] == "reinforced"


async def test_user_edit_keeps_history_and_delete_hides(
    client: httpx.AsyncClient, me: Headers
) -> None:
    job = await remember(client, me, "My favorite color is blue.")
    fact = next(m for m in job["memories"] if m["type"] == "preference_learned")
    edited = await client.patch(
        f"/v1/memories/{fact['id']}",
        json={"content": "User's favorite color is green.", "importance": 4, "reason": "typo"},
        headers=me,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["content"] == "User's favorite color is green."
    assert edited.json()["version"] == 2
    change = (await client.get(f"/v1/memories/{fact['id']}/history", headers=me)).json()["changes"][
        -1
    ]
    assert change["operation"] == "edited"
    assert change["actor"] == "user"
    assert change["before"]["content"] == "User's favorite color is blue."
    assert (
        await client.patch(f"/v1/memories/{fact['id']}", json={"importance": 11}, headers=me)
    ).status_code == 422
    assert (await client.get(f"/v1/memories/{fact['id']}", headers=me)).json()["importance"] == 4, (
        "bad input changes nothing"
    )
    assert (await client.delete(f"/v1/memories/{fact['id']}", headers=me)).status_code == 204
    assert (await client.get(f"/v1/memories/{fact['id']}", headers=me)).status_code == 404
    assert not any(
        r["memory"]["id"] == fact["id"] for r in await search(client, me, "favorite color green")
    )


async def test_list_filters_cursor_bulk_delete_and_export(
    client: httpx.AsyncClient, me: Headers
) -> None:
    base = datetime(2024, 3, 1, tzinfo=UTC)
    await remember(
        client, me, *[f"Note number {i} about the garden." for i in range(7)], at=base, infer=False
    )
    first = (await client.get("/v1/memories", params={"limit": 3}, headers=me)).json()
    second = (
        await client.get(
            "/v1/memories", params={"limit": 3, "cursor": first["next_cursor"]}, headers=me
        )
    ).json()
    assert [m["content"] for m in first["items"]] == [
        f"Note number {i} about the garden." for i in (6, 5, 4)
    ]
    assert [m["content"] for m in second["items"]] == [
        f"Note number {i} about the garden." for i in (3, 2, 1)
    ]
    assert (
        await client.get("/v1/memories", params={"cursor": "garbage"}, headers=me)
    ).status_code == 400

    refused = await client.post("/v1/memories/bulk-delete", json={}, headers=me)
    assert refused.status_code == 400
    dry = (
        await client.post(
            "/v1/memories/bulk-delete",
            json={
                "filters": {"time": {"before": (base + timedelta(minutes=3)).isoformat()}},
                "dry_run": True,
            },
            headers=me,
        )
    ).json()
    assert dry == {"matched": 3, "deleted": 0, "dry_run": True}
    done = (
        await client.post(
            "/v1/memories/bulk-delete",
            json={"filters": {"time": {"before": (base + timedelta(minutes=3)).isoformat()}}},
            headers=me,
        )
    ).json()
    assert done["deleted"] == 3
    remaining = (await client.get("/v1/memories", headers=me)).json()["items"]
    assert len(remaining) == 4

    export = (await client.get("/v1/memories/export", headers=me)).json()
    assert len(export["memories"]) == 7
    assert {m["status"] for m in export["memories"]} == {"active", "deleted"}
    assert any(h["operation"] == "deleted" for h in export["history"])


async def test_entities_merge_aliases_and_count_mentions(
    client: httpx.AsyncClient, me: Headers
) -> None:
    await remember(
        client,
        me,
        "Dr. Mary is my dentist.",
        "I'm seeing the dentist on Friday.",
        "Mary recommended a new toothbrush.",
    )
    entities = (await client.get("/v1/entities", params={"type": "person"}, headers=me)).json()[
        "items"
    ]
    [mary] = [e for e in entities if "Mary" in e["name"]]
    assert set(mary["aliases"]) >= {"Dr. Mary", "Mary", "my dentist", "the dentist"}
    assert mary["mention_count"] == 3
    assert mary["role"] == "dentist"
    detail = (await client.get(f"/v1/entities/{mary['id']}", headers=me)).json()
    assert len(detail["memories"]) >= 3
    found = (await client.get("/v1/entities", params={"q": "mar"}, headers=me)).json()["items"]
    assert [e["id"] for e in found] == [mary["id"]]


async def test_bad_input_is_a_problem_and_changes_nothing(
    client: httpx.AsyncClient, me: Headers
) -> None:
    for body in (  # type: ignore[var-annotated]
        {},
        {"content": "x", "messages": [{"content": "y"}]},
        {"messages": []},
        {"content": "ok", "importance": 0},
    ):
        response = await client.post("/v1/memories", json=body, headers=me)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (
        await client.post("/v1/memories/search", json={"query": ""}, headers=me)
    ).status_code == 422
    assert (await client.get("/v1/memories", headers=me)).json()["items"] == []
    assert (await client.get("/v1/memories")).status_code == 401


# -- isolation ----------------------------------------------------------------------------


async def test_every_endpoint_hides_other_users_memories(
    client: httpx.AsyncClient, settings: MemorySettings
) -> None:
    owner, stranger = auth(settings, new_user()), auth(settings, new_user())
    job = await remember(client, owner, "My dog Rex loves the beach in Cascais.")
    memory = next(m for m in job["memories"] if m["type"] != "conversation")
    entity_id = memory["entities"][0]["id"]
    cases: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/v1/memories/{memory['id']}", None),
        ("PATCH", f"/v1/memories/{memory['id']}", {"importance": 2}),
        ("DELETE", f"/v1/memories/{memory['id']}", None),
        ("GET", f"/v1/memories/{memory['id']}/history", None),
        ("GET", f"/v1/memories/jobs/{job['id']}", None),
        ("POST", f"/v1/memories/jobs/{job['id']}/retry", None),
        ("GET", f"/v1/entities/{entity_id}", None),
    ]
    for method, path, body in cases:
        response = await client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path, response.status_code)
    assert await search(client, stranger, "dog Rex beach Cascais") == []
    assert (await client.get("/v1/memories", headers=stranger)).json()["items"] == []
    assert (await client.get("/v1/entities", headers=stranger)).json()["items"] == []
    assert (await client.get("/v1/memories/export", headers=stranger)).json()["memories"] == []
    wiped = (
        await client.post("/v1/memories/bulk-delete", json={"all": True}, headers=stranger)
    ).json()
    assert wiped["deleted"] == 0
    still = await client.get(f"/v1/memories/{memory['id']}", headers=owner)
    assert still.status_code == 200
    assert still.json()["importance"] == memory["importance"]


async def test_isolation_under_concurrent_load(
    client: httpx.AsyncClient, settings: MemorySettings
) -> None:
    """Many users write and search at once, all in the same words: nobody sees anyone else."""
    users = [new_user() for _ in range(40)]
    leaks: list[str] = []

    async def check(user: str) -> int:
        me = auth(settings, user)
        seen = 0
        for query in ("my secret word is", "secret", "what is the word"):
            for result in await search(client, me, query, limit=20):
                seen += 1
                if user not in result["memory"]["content"]:
                    leaks.append(f"{user} saw {result['memory']['content']}")
        listed = (await client.get("/v1/memories", headers=me)).json()["items"]
        leaks.extend(f"{user} listed {m['content']}" for m in listed if user not in m["content"])
        return seen

    async def write_then_check(user: str) -> int:
        await remember(client, auth(settings, user), f"My secret word is {user}.")
        return await check(user)

    seen = await asyncio.gather(*(write_then_check(u) for u in users))
    assert leaks == [], "while everyone writes and searches"
    assert all(count > 0 for count in seen), "wait=true answers once the memory is searchable"
    seen = await asyncio.gather(*(check(u) for u in users))
    assert leaks == [], "while everyone searches"
    assert all(count > 0 for count in seen), "every user finds their own memory"


# -- durability ---------------------------------------------------------------------------


async def test_no_job_lost_or_applied_twice_across_restarts(
    settings: MemorySettings, index: KeywordIndex, mongo: AsyncMongoClient[Any]
) -> None:
    total = 60
    users = [new_user() for _ in range(3)]
    db = mongo[settings.mongo_database]
    app = create_app(settings, index=index)
    job_ids: list[str] = []
    async with started(app, MEMORY, shutdown_timeout=30) as http:
        for i in range(total):
            user = users[i % len(users)]
            response = await http.post(
                "/v1/memories",
                json={
                    "messages": [
                        {
                            "content": f"Entry {i}: I visited museum number {i}.",
                            "message_id": f"m{i}",
                        }
                    ]
                },
                headers=auth(settings, user),
            )
            assert response.status_code == 202
            job_ids.append(response.json()["id"])
        # Stop while jobs are still queued or running: a graceful stop hands claims back.
        await eventually(lambda: _done_at_least(db, 5, job_ids), 30, "some jobs to finish")
    assert (
        await db.ingestion_jobs.count_documents(
            {"_id": {"$in": job_ids}, "status": {"$ne": "done"}}
        )
        > 0
    ), "the restart happens mid-ingestion"

    # A second life that dies hard: workers cancelled with claims left behind.
    crashed = create_app(settings, index=index)
    async with LifespanManager(crashed, startup_timeout=60, shutdown_timeout=30):
        await eventually(lambda: _done_at_least(db, 15, job_ids), 30, "more jobs to finish")
        workers = crashed.state.workers
        await crashed.state.background.stop()  # the worker loops are cancelled mid-job
        workers._claims.clear()  # as after a SIGKILL: nothing is handed back

    final = create_app(settings, index=index)
    async with LifespanManager(final, startup_timeout=60, shutdown_timeout=30):
        await eventually(lambda: _done_at_least(db, total, job_ids), 90, "every job to finish")

    assert (
        await db.ingestion_jobs.count_documents({"_id": {"$in": job_ids}, "status": "done"})
        == total
    )
    for i in range(total):
        user = users[i % len(users)]
        episodic = await db.memories.count_documents(
            {"user_id": user, "type": "conversation", "provenance.message_ids": f"m{i}"}
        )
        facts = await db.memories.count_documents(
            {"user_id": user, "type": {"$ne": "conversation"}, "provenance.message_ids": f"m{i}"}
        )
        assert (episodic, facts) == (1, 1), f"message {i} stored {episodic} + {facts} times"


async def _done_at_least(db: Any, count: int, job_ids: list[str]) -> bool:
    # Only this test's jobs: a fresh consumer group also ingests earlier tests' conversations.
    done = await db.ingestion_jobs.count_documents({"_id": {"$in": job_ids}, "status": "done"})
    return bool(done >= count)


# -- erasure ------------------------------------------------------------------------------


async def test_erasure_removes_memories_documents_and_vectors_and_confirms(
    client: httpx.AsyncClient,
    settings: MemorySettings,
    infra: Infra,
    mongo: AsyncMongoClient[Any],
) -> None:
    user, bystander = new_user(), new_user()
    me = auth(settings, user)
    await remember(client, me, "I live in Porto and my brother Luis is a chef.")
    await remember(client, auth(settings, bystander), "I live in Madrid.")
    uploaded = await client.post(
        "/v1/documents",
        content=b"# Recipes\n\nLuis's cataplana needs clams and chorizo.",
        headers={**me, "Content-Type": "text/markdown"},
    )
    assert uploaded.status_code == 201, uploaded.text
    index = index_of(client)
    assert await index.count(user) > 0
    request = erasure_requested(user, "memory")
    await _publish(infra, Topic.IDENTITY_USERS, request)
    db = mongo[settings.mongo_database]

    async def erased() -> bool:
        return await db.memories.count_documents({"user_id": user}) == 0

    await eventually(erased, 30, "the user's memories to be erased")
    for collection in (
        "memory_history",
        "entities",
        "entity_relationships",
        "ingestion_jobs",
        "documents",
        "document_chunks",
    ):
        assert await db[collection].count_documents({"user_id": user}) == 0, collection
    assert await index.count(user) == 0
    assert await index.search(user, "Luis chef Porto cataplana") == []
    assert await index.count(bystander) > 0
    assert await db.memories.count_documents({"user_id": bystander}) > 0
    [confirmation] = await collect(
        infra.kafka_bootstrap,
        Topic.ERASURE_CONFIRMATIONS.value,
        lambda body: (
            body.get("type") == "privacy.erasure.completed"
            and body["data"]["erasure_id"] == request.data["erasure_id"]
        ),
    )
    assert confirmation["data"]["service"] == "memory"
    assert confirmation["data"]["deleted"]["memory_vectors"] > 0
    assert confirmation["data"]["deleted"]["memories"] > 0


async def _publish(
    infra: Infra, topic: Topic, event: EventEnvelope, *, twice: bool = False
) -> None:
    await publish_all(infra, topic, [event, event] if twice else [event])


async def _announce_privacy(infra: Infra, user: str, privacy: dict[str, Any]) -> None:
    """Identity announces that ``user`` changed their privacy preferences to ``privacy``."""
    update = UserUpdated(user_id=user, changed=["preferences"], preferences={"privacy": privacy})
    await _publish(
        infra,
        Topic.IDENTITY_USERS,
        new_event("identity.user.updated", source="identity", subject=user, data=update),
    )


# -- documents ----------------------------------------------------------------------------


def minimal_pdf(*pages: str) -> bytes:
    """A valid PDF with one line of Helvetica text per page (enough for a text extractor)."""
    kids = " ".join(f"{4 + 2 * n} 0 R" for n in range(len(pages)))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for n, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * n} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


async def test_documents_upload_chunk_and_search_alongside_or_apart_from_memories(
    client: httpx.AsyncClient, settings: MemorySettings, me: Headers
) -> None:
    await remember(client, me, "I keep my bike in the garage.")
    guide = "\n\n".join(
        [
            "# Boiler manual",
            "## Resetting",
            "Hold the reset button for five seconds until the flame indicator blinks green.",
            "## Pressure",
            *[f"Paragraph {i} explains routine checks of the radiator valves." for i in range(40)],
            "Keep the boiler pressure between 1.2 and 1.5 bar; refill through the filling loop.",
        ]
    )
    markdown = await client.post(
        "/v1/documents",
        files={"file": ("boiler.md", guide.encode(), "text/markdown")},
        data={"context": "family", "tags": "home,manuals"},
        headers=me,
    )
    assert markdown.status_code == 201, markdown.text
    manual = markdown.json()
    assert manual["media_type"] == "text/markdown"
    assert manual["title"] == "boiler.md"
    assert manual["context"] == "family"
    assert manual["tags"] == ["home", "manuals"]
    assert manual["chunk_count"] > 1, "a long document is cut into several chunks"

    pdf = await client.post(
        "/v1/documents",
        content=minimal_pdf(
            "Lease agreement for the flat on Rua Augusta.", "The deposit is 1800 euros."
        ),
        params={"title": "Lease"},
        headers={**me, "Content-Type": "application/pdf"},
    )
    assert pdf.status_code == 201, pdf.text
    lease = pdf.json()
    assert (lease["page_count"], lease["chunk_count"]) == (2, 2)

    chunks = (await client.get(f"/v1/documents/{manual['id']}/chunks", headers=me)).json()["items"]
    assert [c["index"] for c in chunks] == list(range(manual["chunk_count"]))
    assert chunks[0]["heading"] == "Boiler manual > Resetting"
    listed = (await client.get("/v1/documents", headers=me)).json()["items"]
    assert [d["id"] for d in listed] == [lease["id"], manual["id"]]
    exported = (await client.get("/v1/memories/export", headers=me)).json()
    assert {d["id"] for d in exported["documents"]} == {lease["id"], manual["id"]}

    results = await search(client, me, "how much is the deposit", sources=["documents"])
    assert results[0]["kind"] == "document"
    assert results[0]["memory"] is None
    hit = results[0]["document"]
    assert (hit["document_id"], hit["page"]) == (lease["id"], 2)
    assert "1800 euros" in hit["content"]
    assert results[0]["provenance"]["source"] == "document"
    assert results[0]["provenance"]["document"]["chunk_id"] == hit["chunk_id"]

    pressure = await search(client, me, "boiler pressure bar filling loop")
    assert pressure[0]["kind"] == "document"
    assert "1.5 bar" in pressure[0]["document"]["content"]
    assert pressure[0]["document"]["heading"] == "Boiler manual > Pressure"
    mixed = await search(client, me, "where is the bike kept garage")
    assert mixed[0]["kind"] == "memory", "memories and documents rank together"
    only_memories = await search(client, me, "boiler pressure bar", sources=["memories"])
    assert all(r["kind"] == "memory" for r in only_memories)
    typed = await search(client, me, "boiler pressure bar", filters={"types": ["personal_info"]})
    assert all(r["kind"] == "memory" for r in typed), "memory filters leave documents out"

    stranger = auth(settings, new_user())
    assert (await client.get(f"/v1/documents/{lease['id']}", headers=stranger)).status_code == 404
    assert await search(client, stranger, "deposit euros lease", sources=["documents"]) == []

    assert (await client.delete(f"/v1/documents/{lease['id']}", headers=me)).status_code == 204
    assert (await client.get(f"/v1/documents/{lease['id']}", headers=me)).status_code == 404
    after = await search(client, me, "how much is the deposit", sources=["documents"])
    assert all(r["document"]["document_id"] != lease["id"] for r in after)


async def test_documents_refuse_what_they_cannot_read(
    client: httpx.AsyncClient, me: Headers
) -> None:
    cases = [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", 415),
        (b"%PDF-1.4 this is not really a pdf", "application/pdf", 422),
        (b"", "text/plain", 422),
        (b"   \n\n  ", "text/markdown", 422),
    ]
    for body, content_type, status in cases:
        response = await client.post(
            "/v1/documents", content=body, headers={**me, "Content-Type": content_type}
        )
        assert response.status_code == status, (content_type, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    no_file = await client.post("/v1/documents", files={"other": ("a.txt", b"x")}, headers=me)
    assert no_file.status_code == 400
    assert (await client.get("/v1/documents", headers=me)).json()["items"] == []


# -- entities -----------------------------------------------------------------------------


async def test_entity_detail_has_relationships_and_memories(
    client: httpx.AsyncClient, me: Headers
) -> None:
    await remember(client, me, "My brother Luis works at Google in Lisbon.", "Luis loves surfing.")
    people = (await client.get("/v1/entities", params={"q": "luis"}, headers=me)).json()["items"]
    [luis] = people
    assert luis["mention_count"] == 2
    assert luis["role"] == "brother"
    detail = (await client.get(f"/v1/entities/{luis['id']}", headers=me)).json()
    relations = {(r["name"], r["relationship"]) for r in detail["relationships"]}
    assert ("Google", "works at") in relations
    google = next(r for r in detail["relationships"] if r["name"] == "Google")
    assert 1 <= google["strength"] <= 10
    assert any("surfing" in m["content"] for m in detail["memories"])
    by_entity = await search(client, me, "hobbies", filters={"entities": ["Luis"]})
    assert by_entity, "an entity filter finds the memories that mention it"
    assert all(any(e["name"] == "Luis" for e in r["memory"]["entities"]) for r in by_entity)


# -- summaries and lifecycle --------------------------------------------------------------


async def test_week_summary_has_insights_events_preferences_and_ratio(
    client: httpx.AsyncClient, settings: MemorySettings, me: Headers
) -> None:
    monday = datetime(2024, 4, 8, 9, 0, tzinfo=UTC)
    await remember(
        client,
        me,
        "I love spicy Thai food.",
        "My sister Mary is a dentist.",
        "I finished the quarterly report for my manager at work.",
        "I'm flying to Rome on Friday for a conference.",
        at=monday,
    )
    await remember(client, me, "I love spicy Thai food!", at=monday + timedelta(days=2))
    await remember(client, me, "I went hiking with Mary.", at=monday + timedelta(days=3))
    await remember(client, me, "I adopted a dog.", at=monday - timedelta(days=3))  # week before

    made = await client.post(
        "/v1/memories/summaries", json={"period": "week", "date": "2024-04-10"}, headers=me
    )
    assert made.status_code == 200, made.text
    summary = made.json()
    assert summary["time_range"] == {
        "start": "2024-04-08T00:00:00Z",
        "end": "2024-04-15T00:00:00Z",
        "period": "week",
    }
    assert summary["generator"] == "rules-v1"
    assert summary["original_memory_count"] >= 6
    assert all("dog" not in i for i in summary["key_insights"]), "only the period's memories"
    assert any("dentist" in i for i in summary["key_insights"])
    assert any(e.startswith("2024-04-12") and "Rome" in e for e in summary["important_events"])
    [thai] = [p for p in summary["learned_preferences"] if "Thai" in p["preference"]]
    assert thai["category"] == "food"
    assert thai["confidence"] > 0.75, "stated twice: more confident than once"
    assert thai["evidence"]
    assert thai["memory_ids"]
    assert "Mary" in summary["entities"]
    breakdown = summary["context_breakdown"]
    assert set(breakdown) >= {"work", "personal", "family"}
    assert sum(breakdown.values()) == pytest.approx(100, abs=0.5)
    assert summary["compression_ratio"] > 0
    assert "Week of 08 Apr 2024" in summary["summary"]

    again = (
        await client.post(
            "/v1/memories/summaries", json={"period": "week", "date": "2024-04-14"}, headers=me
        )
    ).json()
    assert again["id"] == summary["id"], "regenerating replaces the period's summary"
    listed = (await client.get("/v1/memories/summaries", headers=me)).json()["items"]
    assert [s["id"] for s in listed] == [summary["id"]]
    one = await client.get(f"/v1/memories/summaries/{summary['id']}", headers=me)
    assert one.status_code == 200
    exported = (await client.get("/v1/memories/export", headers=me)).json()
    assert [s["id"] for s in exported["summaries"]] == [summary["id"]]
    empty = await client.post(
        "/v1/memories/summaries", json={"period": "month", "date": "2020-01-01"}, headers=me
    )
    assert empty.status_code == 422
    stranger = auth(settings, new_user())
    hidden = await client.get(f"/v1/memories/summaries/{summary['id']}", headers=stranger)
    assert hidden.status_code == 404


async def test_background_job_summarises_last_week_once(
    client: httpx.AsyncClient, settings: MemorySettings
) -> None:
    user = new_user()
    me = auth(settings, user)
    now = datetime.now(UTC)
    last_week = now - timedelta(days=now.weekday() + 4)
    await remember(client, me, "I started learning the cello.", at=last_week)
    summaries = client.app.state.services.summaries  # type: ignore[attr-defined]

    async def weekly() -> list[dict[str, Any]]:
        response = await client.get("/v1/memories/summaries", params={"period": "week"}, headers=me)
        return list(response.json()["items"])

    assert await summaries.summarise_recent(now) >= 1
    first = await weekly()
    # Other users of this module's stack may gain a summary on the second run (their
    # memories keep arriving); what must not happen is a second one for this user.
    await summaries.summarise_recent(now)
    again = await weekly()
    assert len(first) == 1
    assert again == first, "a period is summarised once"
    assert any("cello" in i for i in first[0]["key_insights"])


async def test_retention_preference_from_identity_removes_old_memories_and_vectors(
    client: httpx.AsyncClient, settings: MemorySettings, infra: Infra
) -> None:
    user = new_user()
    me = auth(settings, user)
    now = datetime.now(UTC)
    old = await remember(client, me, "I lived in Oslo as a student.", at=now - timedelta(days=90))
    recent = await remember(client, me, "I live in Bergen now.", at=now - timedelta(days=5))
    await _announce_privacy(infra, user, {"data_retention_days": 30, "long_term_memory": True})
    profiles = client.app.state.lifecycle._profiles  # type: ignore[attr-defined]

    async def learned() -> bool:
        return bool((await profiles.get(user)).data_retention_days == 30)

    await eventually(learned, 30, "the retention preference to arrive")
    lifecycle = client.app.state.lifecycle  # type: ignore[attr-defined]
    await lifecycle.run(now)
    for memory in old["memories"]:
        assert (await client.get(f"/v1/memories/{memory['id']}", headers=me)).status_code == 404
        history = await client.get(f"/v1/memories/{memory['id']}/history", headers=me)
        assert history.status_code == 404, "retention removes the history too"
    for memory in recent["memories"]:
        assert (await client.get(f"/v1/memories/{memory['id']}", headers=me)).status_code == 200
    found = await search(client, me, "Oslo student Bergen live")
    assert {r["memory"]["id"] for r in found} <= {m["id"] for m in recent["memories"]}
    assert await index_of(client).count(user) == len(recent["memories"])


async def test_expiry_and_decay(client: httpx.AsyncClient, me: Headers) -> None:
    now = datetime.now(UTC)
    parking = (
        await client.post(
            "/v1/memories",
            json={
                "content": "Parked the car on level 3, spot 42",
                "type": "personal_info",
                "expires_at": (now + timedelta(seconds=1)).isoformat(),
                "wait": True,
            },
            headers=me,
        )
    ).json()["memories"][0]
    stale = await remember(client, me, "I love jazz music.", at=now - timedelta(days=180))
    fresh = await remember(client, me, "I love board games.", at=now - timedelta(days=1))
    jazz = next(m for m in stale["memories"] if m["type"] == "preference_learned")
    games = next(m for m in fresh["memories"] if m["type"] == "preference_learned")

    lifecycle = client.app.state.lifecycle  # type: ignore[attr-defined]
    counts = await lifecycle.run(now + timedelta(seconds=5))
    assert counts["expired"] >= 1
    assert (await client.get(f"/v1/memories/{parking['id']}", headers=me)).status_code == 404
    history = (await client.get(f"/v1/memories/{parking['id']}/history", headers=me)).json()
    assert history["changes"][-1]["operation"] == "expired"
    assert not any(
        r["memory"]["id"] == parking["id"] for r in await search(client, me, "car parked spot")
    )

    again = await lifecycle.run(now + timedelta(seconds=6))
    assert again["decayed"] == 0, "a memory is checked for decay once a day, not every pass"

    decayed = (await client.get(f"/v1/memories/{jazz['id']}", headers=me)).json()
    assert decayed["importance"] < jazz["importance"], "an interest not mentioned for months fades"
    assert decayed["decay_factor"] < 0.5
    kept = (await client.get(f"/v1/memories/{games['id']}", headers=me)).json()
    assert kept["importance"] == games["importance"]

    await remember(client, me, "I love jazz music!", at=now)
    restored = (await client.get(f"/v1/memories/{jazz['id']}", headers=me)).json()
    assert restored["importance"] == jazz["importance"], "mentioning it again restores it"
    assert restored["reinforcements"] == 1
    assert restored["decay_factor"] == 1.0


async def test_background_jobs_wait_before_their_first_pass(
    mongo: AsyncMongoClient[Any], unique: str
) -> None:
    db = mongo[f"muninn_jobs{unique}"]
    runs: dict[str, int] = {"patient": 0, "eager": 0}

    def counting(name: str) -> Callable[[datetime], Awaitable[None]]:
        async def work(now: datetime) -> None:
            runs[name] += 1

        return work

    patient = PeriodicJob(db, "patient", counting("patient"), interval=3600, start_delay=600)
    eager = PeriodicJob(db, "eager", counting("eager"), interval=3600, start_delay=0)
    background = BackgroundTasks("memory")
    patient.schedule(background)
    eager.schedule(background)
    await background.start()
    try:

        async def eager_ran() -> bool:
            return runs["eager"] == 1

        await eventually(eager_ran, 30, "the job without a delay to run")
        assert runs["patient"] == 0, "a restarting replica serves before it sweeps"
    finally:
        await background.stop()


async def test_long_term_memory_off_stops_learning_from_conversations(
    client: httpx.AsyncClient, settings: MemorySettings, infra: Infra, mongo: AsyncMongoClient[Any]
) -> None:
    user = new_user()
    me = auth(settings, user)
    await _announce_privacy(infra, user, {"long_term_memory": False})
    profiles = client.app.state.lifecycle._profiles  # type: ignore[attr-defined]

    async def learned() -> bool:
        return not (await profiles.get(user)).long_term_memory

    await eventually(learned, 30, "the preference to arrive")
    first = message_event(user, "I have a secret garden.")
    await _publish(infra, Topic.CONVERSATION_MESSAGES, first)
    db = mongo[settings.mongo_database]
    marker = f"memory.memory-ingestion:{first.id}"

    async def handled() -> bool:
        # The two topics are consumed independently: switch back only once this one is done.
        return await db.processed_events.find_one({"_id": marker}) is not None

    await eventually(handled, 60, "the message to be handled")
    await _announce_privacy(infra, user, {"long_term_memory": True})

    async def back_on() -> bool:
        return bool((await profiles.get(user)).long_term_memory)

    await eventually(back_on, 30, "the preference to change back")
    await _publish(infra, Topic.CONVERSATION_MESSAGES, message_event(user, "I grow tomatoes."))

    async def tomatoes() -> bool:
        return bool(await search(client, me, "tomatoes grow"))

    await eventually(tomatoes, 30, "the later message to be remembered")
    contents = [
        m["content"] for m in (await client.get("/v1/memories", headers=me)).json()["items"]
    ]
    assert not any("garden" in c for c in contents)


# -- a real crash ---------------------------------------------------------------------------


class _HashEmbeddings(BaseHTTPRequestHandler):
    """An OpenAI-compatible /embeddings endpoint: hashed bag of words, fast and deterministic.

    The crash test is about ingestion, not about the model; this keeps 2,000 embeddings cheap
    while the service still runs its real index, store and HTTP embedding adapter.
    """

    dimension = 256

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = []
        for position, text in enumerate(inputs):
            vector = [0.0] * self.dimension
            for word in re.findall(r"[a-z0-9]+", str(text).lower()):
                vector[zlib.crc32(word.encode()) % self.dimension] += 1.0
            norm = math.sqrt(sum(v * v for v in vector)) or 1.0
            data.append({"index": position, "embedding": [v / norm for v in vector]})
        answer = json.dumps({"data": data, "model": body.get("model")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextlib.contextmanager
def embedding_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HashEmbeddings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


STARTUP_TIMEOUT = 400.0
# Counting a thousand memories is work for the database too: poll it gently while it ingests.
POLL_SECONDS = 2.0


async def _ingested(db: Any, users: list[str] | None = None) -> int:
    # A fresh consumer group reads the topic from the start, other tests' events included:
    # count only this test's users.
    owned = {"user_id": {"$in": users}} if users else {}
    return int(await db.memories.count_documents({"type": "conversation", **owned}))


@pytest.mark.timeout(1500)
async def test_sigkill_during_ingestion_of_1000_messages_loses_and_duplicates_nothing(
    infra: Infra, mongo: AsyncMongoClient[Any], unique: str, tmp_path: Path
) -> None:
    """The service runs as its own process and is SIGKILLed mid-way through 1,000 messages —
    900 posted through the API (ten per request), 100 arriving as conversation events — then
    restarted: every message ends up stored exactly once, with its fact, and searchable."""
    total, by_api, per_request = 1000, 900, 10
    users = [new_user() for _ in range(10)]
    prefix = f"muninn_kill{unique}_"
    db = mongo[f"{prefix}memory"]

    def owner(i: int) -> str:
        return users[(i // per_request if i < by_api else i) % len(users)]

    def message(i: int) -> dict[str, Any]:
        return {
            "content": f"Entry {i}: I visited museum number {i} with ticket tk{i:04d}.",
            "message_id": f"m{i}",
            "created_at": (datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i)).isoformat(),
        }

    events = [
        new_event(
            "conversation.message.created",
            source="conversation",
            subject=owner(i),
            data=MessageEvent(
                user_id=owner(i),
                conversation_id="c-crash",
                role="user",
                **message(i),
            ),
        )
        for i in range(by_api, total)
    ]
    with embedding_server() as embeddings:
        config = StackConfig(
            kafka_bootstrap=infra.kafka_bootstrap,
            mongo_uri=infra.mongo_uri,
            ports={**DEFAULT_PORTS, "memory": free_port()},
            qdrant_path=tmp_path / "qdrant",
            extra_env={
                "MUNINN_ENVIRONMENT": "test",
                "MUNINN_LOG_LEVEL": "WARNING",
                "MUNINN_MONGO_DATABASE_PREFIX": prefix,
                "MUNINN_KAFKA_GROUP_PREFIX": f"kill{unique}.",
                "MUNINN_EMBEDDINGS_PROVIDER": "openai",
                "MUNINN_EMBEDDINGS_BASE_URL": embeddings,
                "MUNINN_EMBEDDINGS_MODEL": "hash-256",
                "MUNINN_EMBEDDINGS_DIMENSION": str(_HashEmbeddings.dimension),
                "MUNINN_INGESTION_WORKERS": "4",
                "MUNINN_INGESTION_LEASE_SECONDS": "5",
                "MUNINN_SUMMARIES_ENABLED": "false",
            },
        )
        process = config.process("memory", tmp_path / "logs")
        ready = {"memory": Target.http(config.readyz_url("memory"), process)}
        try:
            process.start()
            await asyncio.to_thread(wait_ready, ready, timeout=STARTUP_TIMEOUT)
            async with httpx.AsyncClient(base_url=config.url("memory"), timeout=60) as http:
                for start in range(0, by_api, per_request):
                    user = owner(start)
                    accepted = await http.post(
                        "/v1/memories",
                        json={"messages": [message(i) for i in range(start, start + per_request)]},
                        headers={"Authorization": f"Bearer {_token(user)}"},
                    )
                    assert accepted.status_code == 202, accepted.text
            await publish_all(infra, Topic.CONVERSATION_MESSAGES, events)
            await eventually(
                lambda: _at_least(db, total // 5, users),
                300,
                "ingestion to be under way",
                interval=POLL_SECONDS,
            )
            process.kill()  # SIGKILL: no shutdown, claims and Kafka offsets left as they are
            at_kill = await _ingested(db, users)
            assert at_kill < total, "the crash happens mid-ingestion"
            assert await asyncio.to_thread(end_orphaned_transactions, infra.mongo_uri)

            process.start()
            await asyncio.to_thread(wait_ready, ready, timeout=STARTUP_TIMEOUT)
            await eventually(
                lambda: _at_least(db, total, users),
                600,
                "every message to be ingested",
                interval=POLL_SECONDS,
            )
            await eventually(
                lambda: _queue_empty(db), 120, "the queue to drain", interval=POLL_SECONDS
            )
            await eventually(
                lambda: _all_indexed(db), 120, "every memory to be indexed", interval=POLL_SECONDS
            )

            kinds: dict[str, list[str]] = {}
            async for row in await db.memories.aggregate(
                [
                    {"$match": {"user_id": {"$in": users}}},
                    {"$unwind": "$provenance.message_ids"},
                    {"$group": {"_id": "$provenance.message_ids", "kinds": {"$push": "$type"}}},
                ]
            ):
                kinds[row["_id"]] = sorted(row["kinds"])
            assert len(kinds) == total, f"{total - len(kinds)} messages lost"
            wrong = {m: k for m, k in kinds.items() if k != ["conversation", "experience_review"]}
            assert wrong == {}, "each message is stored once, with its one fact"

            unfound: list[int] = []
            async with httpx.AsyncClient(base_url=config.url("memory"), timeout=60) as http:
                for i in range(total):
                    found = await http.post(
                        "/v1/memories/search",
                        json={"query": f"which museum had ticket tk{i:04d}", "limit": 3},
                        headers={"Authorization": f"Bearer {_token(owner(i))}"},
                    )
                    assert found.status_code == 200, found.text
                    sources = [r["provenance"]["message_ids"] for r in found.json()["results"]]
                    if [f"m{i}"] not in sources:
                        unfound.append(i)
            assert unfound == [], f"{len(unfound)} messages not searchable after the crash"
        finally:
            process.stop()


def _token(user: str) -> str:
    return identity_token_issuer().issue(user)


async def _at_least(db: Any, count: int, users: list[str] | None = None) -> bool:
    return await _ingested(db, users) >= count


async def _all_indexed(db: Any) -> bool:
    return bool(await db.memories.count_documents({"index_state": "pending"}) == 0)


async def _queue_empty(db: Any) -> bool:
    pending = await db.ingestion_jobs.count_documents({"status": {"$in": ["queued", "processing"]}})
    return bool(pending == 0)
