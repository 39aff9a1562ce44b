"""Contacts in memory, from integrations' records over real Kafka, MongoDB and Qdrant Edge:
per-contact memories replaced by their record, interactions, contact ↔ entity links, people
search, tenant isolation, erasure and export."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from muninn_memory.settings import MemorySettings
from muninn_shared.events import Topic, new_event
from muninn_shared.events.payloads import IntegrationRecord
from pymongo import AsyncMongoClient

from tests.integration.events import erasure_requested
from tests.integration.infra import Infra
from tests.integration.memory_support import (
    Headers,
    _one_embedding_thread,
    auth,
    client,
    eventually,
    new_user,
    publish_all,
    remember,
    search,
    settings,
)

# The fixtures this module takes from memory_support (imported, they are used by name).
__all__ = ["_one_embedding_thread", "client", "settings"]


def record(
    user: str, record_type: str, record_id: str, data: dict[str, Any], action: str = "created"
) -> IntegrationRecord:
    return IntegrationRecord(
        user_id=user,
        connection_id="relationships",
        provider="muninn",
        record_type=record_type,  # type: ignore[arg-type]
        record_id=record_id,
        data={**data, "action": action},
    )


async def announce(infra: Infra, *records: IntegrationRecord) -> None:
    events = [
        new_event("integrations.record.synced", source="integrations", subject=r.user_id, data=r)
        for r in records
    ]
    await publish_all(infra, Topic.INTEGRATIONS_RECORDS, events)


async def listed(client: httpx.AsyncClient, me: Headers, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/memories", params=params, headers=me)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def people(client: httpx.AsyncClient, me: Headers, q: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/people/search", params={"q": q}, headers=me)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def briefing(text: str) -> dict[str, Any]:
    return {
        "contact_id": "c-ana",
        "kind": "briefing",
        "title": "Lunch with Ana",
        "content": text,
        "confidence": 0.8,
        "source_interactions": ["i-1"],
        "expires_at": "2030-01-01T00:00:00Z",
        "event_record_id": "ev-1",
        "event_title": "Lunch",
        "event_start": "2029-12-04T13:00:00Z",
        "deliver_at": "2029-12-04T12:45:00Z",
    }


async def test_a_briefing_becomes_a_contact_memory_replaced_by_its_update(
    client: httpx.AsyncClient, settings: MemorySettings, infra: Infra
) -> None:
    user = new_user()
    me = auth(settings, user)
    first = record(user, "contact_memory", "briefing:ev-1:c-ana", briefing("Ana moved to Porto."))
    await announce(infra, first, first)

    async def stored(text: str) -> bool:
        items = await listed(client, me, contact_id="c-ana")
        return [m["content"] for m in items] == [text]

    await eventually(lambda: stored("Ana moved to Porto."), 30, "the briefing as a memory")
    (memory,) = await listed(client, me, contact_id="c-ana")
    assert memory["contact_id"] == "c-ana"
    assert memory["contact_ids"] == ["c-ana"]
    assert memory["metadata"]["kind"] == "briefing"
    assert memory["metadata"]["title"] == "Lunch with Ana"
    assert memory["metadata"]["record_id"] == "briefing:ev-1:c-ana"
    assert memory["metadata"]["source_interactions"] == ["i-1"]
    assert memory["expires_at"].startswith("2030-01-01")
    updated = briefing("Ana started at Spotify; congratulate her.")
    await announce(infra, record(user, "contact_memory", "briefing:ev-1:c-ana", updated, "updated"))
    await eventually(lambda: stored("Ana started at Spotify; congratulate her."), 30, "the update")
    (replaced,) = await listed(client, me, contact_id="c-ana")
    assert replaced["id"] == memory["id"], "one memory per record, a new version"
    assert replaced["version"] == 2

    async def searchable() -> bool:
        found = await search(client, me, "Spotify congratulate", filters={"contact_id": "c-ana"})
        return bool(found) and found[0]["memory"]["id"] == memory["id"]

    await eventually(searchable, 30, "the new text in search")
    assert all("Porto" not in r["memory"]["content"] for r in await search(client, me, "Porto"))
    await announce(infra, record(user, "contact_memory", "briefing:ev-1:c-ana", {}, "deleted"))

    async def gone() -> bool:
        return await listed(client, me, contact_id="c-ana") == []

    await eventually(gone, 30, "the deleted briefing to leave memory")
    bad = await client.get("/v1/memories", params={"contact_id": "../x"}, headers=me)
    assert bad.status_code == 422


async def test_interactions_contacts_entities_and_people_search(
    client: httpx.AsyncClient,
    settings: MemorySettings,
    infra: Infra,
    mongo: AsyncMongoClient[Any],
) -> None:
    user, other = new_user(), new_user()
    me, them = auth(settings, user), auth(settings, other)
    # What the user said about Ana before she was a contact: memory knows her as a person.
    await remember(client, me, "I had dinner with Ana Silva, she loves surfing.")
    ana = {
        "name": "Ana Silva",
        "emails": ["ana@example.org"],
        "phones": [],
        "company": "Spotify",
        "title": "Product Designer",
    }
    ben = {"name": "Ben Costa", "emails": ["ben@example.org"], "company": "Acme", "title": "Lawyer"}
    coffee = {
        "contact_id": "c-ana",
        "occurred_at": "2026-12-04T10:00:00Z",
        "kind": "manual",
        "direction": "mutual",
        "subject": "Coffee",
        "summary": "met in Lisbon at the design conference",
        "source": "conversation",
    }
    await announce(
        infra,
        record(user, "contact", "c-ana", ana),
        record(user, "contact", "c-ben", ben),
        record(user, "interaction", "i-1", coffee),
        # Another user's contact says the same things: it must never show up here.
        record(other, "contact", "c-ana", ana),
        record(other, "interaction", "i-1", coffee),
    )

    async def all_there() -> bool:
        mine = await listed(client, me)
        contacts = {c for m in mine for c in m["contact_ids"]}
        return len([m for m in mine if m["contact_id"]]) >= 3 and contacts >= {"c-ana", "c-ben"}

    await eventually(all_there, 30, "cards and the interaction")
    episode = [
        m for m in await listed(client, me, contact_id="c-ana") if m["type"] == "conversation"
    ]
    assert [m["content"] for m in episode] == [
        "Coffee with Ana Silva on Friday 4 December 2026: met in Lisbon at the design conference"
    ]
    entities = (await client.get("/v1/entities", headers=me)).json()["items"]
    person = next(e for e in entities if e["name"] == "Ana Silva")
    assert person["contact_ids"] == ["c-ana"], "linked by the confirmed full name"

    # She changes her name in the address book: the e-mail the entity learned still links her.
    renamed = {**ana, "name": "Ana Costa"}
    await announce(infra, record(user, "contact", "c-ana", renamed, "updated"))

    async def card_renamed() -> bool:
        cards = [
            m
            for m in await listed(client, me, contact_id="c-ana")
            if m["metadata"]["kind"] == "card"
        ]
        return bool(cards) and cards[0]["content"].startswith("Ana Costa")

    await eventually(card_renamed, 30, "the card to follow the contact")
    entities = (await client.get("/v1/entities", headers=me)).json()["items"]
    assert next(e for e in entities if e["name"] == "Ana Silva")["contact_ids"] == ["c-ana"]

    async def found_in_lisbon() -> list[dict[str, Any]] | None:
        # The card and the interaction memory are indexed independently: wait for both.
        items = await people(client, me, "who was the designer I met in Lisbon?")
        if not items or items[0]["contact_id"] != "c-ana":
            return None
        kinds = {m["kind"] for m in items[0]["matches"]}
        return items if {"card", "interaction"} <= kinds else None

    hits = await eventually_value(found_in_lisbon, "people search with card and interaction")
    assert hits[0]["name"] == "Ana Costa"
    assert {"card", "interaction"} <= {m["kind"] for m in hits[0]["matches"]}
    lawyers = await people(client, me, "lawyer")
    assert lawyers[0]["contact_id"] == "c-ben"

    # "What do I know about Ana?": what was said about her, and her contact memories.
    about = await search(client, me, "What do I know about Ana Silva?", limit=10)
    contents = [r["memory"]["content"] for r in about]
    assert any("surfing" in c for c in contents)
    assert any("Lisbon" in c for c in contents)
    filtered = await search(client, me, "Lisbon surfing", filters={"entities": [person["id"]]})
    assert any(r["memory"]["contact_id"] == "c-ana" for r in filtered)

    # Isolation: the other user's identical contact is theirs alone, and mine are mine.
    mine_ids = {m["id"] for m in await listed(client, me)}
    theirs_ids = {m["id"] for m in await listed(client, them)}
    assert theirs_ids
    assert not mine_ids & theirs_ids
    for headers, own in ((me, mine_ids), (them, theirs_ids)):
        found = await people(client, headers, "designer Lisbon Spotify")
        assert found
        assert {match["memory_id"] for p in found for match in p["matches"]} <= own
    for bad in ({"q": ""}, {"q": "   "}, {"q": "x" * 501}, {"q": "a", "limit": 51}):
        refused = await client.get("/v1/people/search", params=bad, headers=me)
        assert refused.status_code == 422, bad

    # Deleting the contact unlinks the entity and removes the card.
    await announce(infra, record(user, "contact", "c-ana", renamed, "deleted"))

    async def unlinked() -> bool:
        entities = (await client.get("/v1/entities", headers=me)).json()["items"]
        person = next(e for e in entities if e["name"] == "Ana Silva")
        cards = [
            m
            for m in await listed(client, me, contact_id="c-ana")
            if m["metadata"]["kind"] == "card"
        ]
        return person["contact_ids"] == [] and cards == []

    await eventually(unlinked, 30, "the contact's deletion")

    export = (await client.get("/v1/memories/export", headers=me)).json()
    assert any(m["contact_id"] == "c-ana" for m in export["memories"]), "the interaction stays"

    db = mongo[settings.mongo_database]
    await publish_all(infra, Topic.IDENTITY_USERS, [erasure_requested(user, "memory")])

    async def erased() -> bool:
        return await db.memories.count_documents({"user_id": user}) == 0

    await eventually(erased, 30, "the erasure")
    index = client.app.state.index_sync.index  # type: ignore[attr-defined]
    assert await index.count(user) == 0
    assert await people(client, me, "designer Lisbon") == []
    assert await db.entities.count_documents({"user_id": user}) == 0
    assert await db.contact_record_links.count_documents({"user_id": user}) == 0
    assert await db.memories.count_documents({"user_id": other, "contact_id": "c-ana"}) > 0


async def eventually_value(probe: Any, what: str) -> Any:
    found: list[Any] = []

    async def check() -> bool:
        value = await probe()
        if value:
            found.append(value)
        return bool(value)

    await eventually(check, 30, what)
    return found[-1]


async def test_a_synced_email_is_tagged_with_its_contact_in_either_order(
    client: httpx.AsyncClient, settings: MemorySettings, infra: Infra
) -> None:
    user = new_user()
    me = auth(settings, user)
    mail = {
        "subject": "Deposit",
        "from": {"name": "Landlord Bob", "email": "bob@example.org"},
        "sent_at": "2026-11-28T09:30:00+00:00",
        "snippet": "The deposit will be returned within 30 days.",
    }
    later = {**mail, "subject": "Keys", "snippet": "Leave the keys in the mailbox."}
    mail_id, later_id = "mail-" + uuid.uuid4().hex[:6], "mail-" + uuid.uuid4().hex[:6]

    def interaction(source_record: str) -> IntegrationRecord:
        data = {
            "contact_id": "c-bob",
            "occurred_at": "2026-11-28T09:30:00Z",
            "kind": "email",
            "direction": "inbound",
            "source": "mail",
            "source_record_id": source_record,
        }
        return record(user, "interaction", f"{source_record}:c-bob", data)

    # The memory exists first for one mail; the interaction comes first for the other.
    await announce(infra, record(user, "email", mail_id, mail))
    await eventually(lambda: has_memory(client, me, mail_id), 30, "the first mail's memory")
    await announce(infra, interaction(mail_id), interaction(later_id))
    await announce(infra, record(user, "email", later_id, later))

    async def both_tagged() -> bool:
        tagged = await listed(client, me, contact_id="c-bob")
        return {m["metadata"].get("record_id") for m in tagged} == {mail_id, later_id}

    await eventually(both_tagged, 30, "both mails tagged with Bob")
    assert all(m["type"] == "email" for m in await listed(client, me, contact_id="c-bob"))


async def has_memory(client: httpx.AsyncClient, me: Headers, record_id: str) -> bool:
    return any(m["metadata"].get("record_id") == record_id for m in await listed(client, me))
