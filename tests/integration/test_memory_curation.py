"""What a user curates in memory, against real MongoDB, Kafka and the hybrid index: tags that
filter search and listing, quarter and year summaries found by search like memories,
entities corrected by hand (rename, merge, split, delete, preferences) with their history,
and typed relations between memories shown in a memory's detail and used in recall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from muninn_memory.settings import MemorySettings
from muninn_shared.events import Topic
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


@pytest.fixture
def me(settings: MemorySettings) -> Headers:
    return auth(settings, new_user())


async def add(client: httpx.AsyncClient, me: Headers, content: str, **fields: Any) -> str:
    """One memory as the client gives it (no extraction), its id."""
    response = await client.post(
        "/v1/memories",
        json={"content": content, "type": "personal_info", "infer": False, **fields},
        params={"wait": "true"},
        headers=me,
    )
    assert response.status_code == 200, response.text
    [memory] = response.json()["memories"]
    return str(memory["id"])


async def listed(client: httpx.AsyncClient, me: Headers, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/memories", params=params, headers=me)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


# -- tags ---------------------------------------------------------------------------------


async def test_tags_filter_search_and_listing_all_or_any(
    client: httpx.AsyncClient, me: Headers
) -> None:
    lisbon = await add(client, me, "Booked the flat in Lisbon for the trip", tags=["travel"])
    family = await add(
        client, me, "The trip to Lisbon is with my parents", tags=["travel", "family"]
    )
    work = await add(client, me, "The Lisbon trip needs a work laptop", tags=["work"])
    await add(client, me, "Lisbon trip budget is tight")

    def ids(results: list[dict[str, Any]]) -> set[str]:
        return {r["memory"]["id"] for r in results}

    everything = await search(client, me, "Lisbon trip")
    assert len(everything) == 4
    assert ids(await search(client, me, "Lisbon trip", filters={"tags": ["travel"]})) == {
        lisbon,
        family,
    }
    assert ids(await search(client, me, "Lisbon trip", filters={"tags": ["travel", "family"]})) == {
        family
    }
    either = {"tags": ["family", "work"], "tag_match": "any"}
    assert ids(await search(client, me, "Lisbon trip", filters=either)) == {family, work}

    tagged = await listed(client, me, tag=["family", "work"], tag_match="any")
    assert {m["id"] for m in tagged} == {family, work}
    assert [m["id"] for m in await listed(client, me, tag=["family", "work"])] == []
    bad = await client.get("/v1/memories", params={"tag": "x", "tag_match": "some"}, headers=me)
    assert bad.status_code == 422


# -- summaries ----------------------------------------------------------------------------


async def test_quarter_and_year_summaries_are_built_from_months_and_found_by_search(
    client: httpx.AsyncClient, settings: MemorySettings, me: Headers
) -> None:
    april = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)
    await remember(
        client,
        me,
        "I love spicy Thai food.",
        "I'm flying to Rome on Friday for a conference.",
        at=april,
    )
    await remember(client, me, "I love spicy Thai food!", at=april + timedelta(days=30))
    await remember(client, me, "I started learning the cello.", at=april + timedelta(days=35))

    made = await client.post(
        "/v1/memories/summaries", json={"period": "quarter", "date": "2024-05-20"}, headers=me
    )
    assert made.status_code == 200, made.text
    quarter = made.json()
    assert quarter["time_range"] == {
        "start": "2024-04-01T00:00:00Z",
        "end": "2024-07-01T00:00:00Z",
        "period": "quarter",
    }
    months = (
        await client.get("/v1/memories/summaries", params={"period": "month"}, headers=me)
    ).json()["items"]
    assert [m["time_range"]["start"][:7] for m in months] == ["2024-05", "2024-04"]
    assert quarter["built_from"] == [months[1]["id"], months[0]["id"]], "its months, in order"
    assert quarter["original_memory_count"] == sum(m["original_memory_count"] for m in months)
    assert quarter["summary"].startswith("Q2 2024:")
    [thai] = [p for p in quarter["learned_preferences"] if "Thai" in p["preference"]]
    assert thai["memory_ids"]
    assert thai["evidence"]
    assert any("cello" in i for i in quarter["key_insights"])

    year = (
        await client.post(
            "/v1/memories/summaries", json={"period": "year", "date": "2024-12-31"}, headers=me
        )
    ).json()
    assert year["time_range"]["period"] == "year"
    assert year["built_from"] == [quarter["id"]], "the stored quarter is reused"
    empty = await client.post(
        "/v1/memories/summaries", json={"period": "year", "date": "2019-06-01"}, headers=me
    )
    assert empty.status_code == 422
    for far in ({"period": "week", "date": "9999-12-31"}, {"period": "year", "date": "0001-06-01"}):
        beyond = await client.post("/v1/memories/summaries", json=far, headers=me)
        assert beyond.status_code == 422, far

    found = await search(client, me, "cello Thai food Rome", sources=["summaries"])
    assert found, "summaries are searchable"
    assert {r["kind"] for r in found} == {"summary"}
    assert {r["summary"]["id"] for r in found} >= {quarter["id"], year["id"]}
    assert found[0]["provenance"]["source"] == "summary"
    mixed = await search(client, me, "cello", sources=["memories", "summaries"], limit=20)
    assert {r["kind"] for r in mixed} == {"memory", "summary"}
    assert all(r["kind"] == "memory" for r in await search(client, me, "cello Thai food Rome")), (
        "summaries only when asked for"
    )
    stranger = auth(settings, new_user())
    assert await search(client, stranger, "cello Thai food Rome", sources=["summaries"]) == []


# -- entity corrections -------------------------------------------------------------------


async def entities_named(client: httpx.AsyncClient, me: Headers, q: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/entities", params={"q": q}, headers=me)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def entity(client: httpx.AsyncClient, me: Headers, entity_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/entities/{entity_id}", headers=me)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_entities_are_corrected_by_hand_with_history_and_recognition_follows(
    client: httpx.AsyncClient, settings: MemorySettings, me: Headers
) -> None:
    long_ago = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
    await remember(client, me, "My sister Anna lives in Rome.", "Anna loves painting.", at=long_ago)
    await remember(client, me, "Ann called me about the pottery class.", at=long_ago)
    [anna] = [e for e in await entities_named(client, me, "anna") if e["name"] == "Anna"]
    [ann] = [e for e in await entities_named(client, me, "ann") if e["name"] == "Ann"]

    # Rename, with a preference: the old name stays an alias, the memories follow.
    renamed = await client.patch(
        f"/v1/entities/{anna['id']}",
        json={
            "name": "Anna Berg",
            "preferences": [{"preference": "Loves painting", "sentiment": "positive"}],
            "reason": "her full name",
        },
        headers=me,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Anna Berg"
    assert {"Anna", "Anna Berg"} <= set(renamed.json()["aliases"])
    assert renamed.json()["preferences"][0]["preference"] == "Loves painting"
    assert renamed.json()["corrected"] is True
    detail = await entity(client, me, anna["id"])
    assert detail["memories"], "her memories stay hers"
    for memory in detail["memories"]:
        assert {"id": anna["id"], "name": "Anna Berg", "type": "person"} in memory["entities"]
    by_name = await search(client, me, "painting Rome", filters={"entities": ["Anna Berg"]})
    assert by_name, "the index knows her new name"

    # Ann is Anna: merged, Ann answers 404 with a pointer and her names are Anna's.
    merged = await client.post(
        f"/v1/entities/{ann['id']}/merge", json={"into": anna["id"]}, headers=me
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["id"] == anna["id"]
    assert "Ann" in merged.json()["aliases"]
    assert merged.json()["mention_count"] == anna["mention_count"] + ann["mention_count"]
    gone = await client.get(f"/v1/entities/{ann['id']}", headers=me)
    assert gone.status_code == 404
    assert gone.json()["type"].endswith("entity-merged")
    assert anna["id"] in gone.json()["detail"]
    pottery = [
        m for m in (await entity(client, me, anna["id"]))["memories"] if "pottery" in m["content"]
    ]
    assert pottery, "Ann's memories are Anna's now"
    history = (await client.get(f"/v1/entities/{ann['id']}/history", headers=me)).json()
    assert history["merged_into"] == anna["id"]
    assert history["entity"] is None
    assert [c["operation"] for c in history["changes"]] == ["merged"]
    assert history["changes"][0]["before"]["name"] == "Ann"
    await remember(client, me, "Ann is coming for dinner on Sunday.")
    assert [e["id"] for e in await entities_named(client, me, "ann")] == [anna["id"]], (
        "a merged name is recognised as the entity it was merged into"
    )

    # Two people after all: the pottery friend is split off, with the name Ann.
    bad = [
        {"name": "Ann Kowalski", "memory_ids": ["not-a-memory"]},
        {"name": "Ann Kowalski", "memory_ids": [pottery[0]["id"]], "aliases": ["Anna Berg"]},
        {"name": "", "memory_ids": [pottery[0]["id"]]},
        {"name": "Ann Kowalski", "memory_ids": []},
    ]
    for body in bad:
        refused = await client.post(f"/v1/entities/{anna['id']}/split", json=body, headers=me)
        assert refused.status_code == 422, (body, refused.text)
    assert (await entity(client, me, anna["id"]))["aliases"] == merged.json()["aliases"], (
        "bad input changes nothing"
    )
    split = await client.post(
        f"/v1/entities/{anna['id']}/split",
        json={
            "name": "Ann Kowalski",
            "aliases": ["Ann"],
            "memory_ids": [m["id"] for m in pottery],
            "reason": "the pottery friend",
        },
        headers=me,
    )
    assert split.status_code == 201, split.text
    kowalski = split.json()
    assert kowalski["mention_count"] == len(pottery)
    moved = await entity(client, me, kowalski["id"])
    assert {m["id"] for m in moved["memories"]} == {m["id"] for m in pottery}
    left = await entity(client, me, anna["id"])
    assert "Ann" not in left["aliases"]
    assert not {m["id"] for m in left["memories"]} & {m["id"] for m in pottery}
    operations = (await client.get(f"/v1/entities/{anna['id']}/history", headers=me)).json()
    assert [c["operation"] for c in operations["changes"]] == ["edited", "absorbed", "split"]
    assert operations["changes"][0]["before"]["name"] == "Anna"
    assert operations["changes"][0]["after"]["name"] == "Anna Berg"
    assert operations["changes"][0]["reason"] == "her full name"
    assert operations["changes"][2]["related_entity_id"] == kowalski["id"]

    # Deleted: its memories stay, unlinked; an old message does not make it again.
    assert (await client.delete(f"/v1/entities/{kowalski['id']}", headers=me)).status_code == 204
    assert (await client.get(f"/v1/entities/{kowalski['id']}", headers=me)).status_code == 404
    for memory in pottery:
        kept = (await client.get(f"/v1/memories/{memory['id']}", headers=me)).json()
        assert all(e["id"] != kowalski["id"] for e in kept["entities"])
    deleted = (await client.get(f"/v1/entities/{kowalski['id']}/history", headers=me)).json()
    assert deleted["deleted"] is True
    assert [c["operation"] for c in deleted["changes"]] == ["created", "deleted"]
    await remember(client, me, "Ann Kowalski signed up for the pottery class.", at=long_ago)
    assert await entities_named(client, me, "kowalski") == [], "a replay does not revive it"
    await remember(client, me, "Ann Kowalski moved to Oslo.")
    [again] = await entities_named(client, me, "kowalski")
    assert again["id"] != kowalski["id"], "mentioned after the deletion: a new entity"


async def test_entity_corrections_refuse_bad_input_and_other_users(
    client: httpx.AsyncClient, settings: MemorySettings, me: Headers
) -> None:
    await remember(client, me, "My brother Luis works at Google.")
    [luis] = await entities_named(client, me, "luis")
    stranger = auth(settings, new_user())
    await remember(client, stranger, "My friend Tom lives in Paris.")
    [tom] = await entities_named(client, stranger, "tom")
    path = f"/v1/entities/{luis['id']}"
    for method, url, body in [
        ("PATCH", path, {"name": "Lou"}),
        ("POST", f"{path}/merge", {"into": tom["id"]}),
        ("POST", f"{path}/split", {"name": "Lou", "memory_ids": ["x"]}),
        ("DELETE", path, None),
        ("GET", f"{path}/history", None),
    ]:
        response = await client.request(method, url, json=body, headers=stranger)
        assert response.status_code == 404, (method, url, response.text)
    into_theirs = await client.post(f"{path}/merge", json={"into": tom["id"]}, headers=me)
    assert into_theirs.status_code == 404
    for body in ({}, {"reason": "x"}, {"name": ""}, {"name": None}, {"type": "planet"}):
        assert (await client.patch(path, json=body, headers=me)).status_code == 422, body
    itself = await client.post(f"{path}/merge", json={"into": luis["id"]}, headers=me)
    assert itself.status_code == 422
    assert (await entity(client, me, luis["id"]))["name"] == "Luis", "nothing changed"
    assert (await client.get(f"{path}/history", headers=me)).json()["changes"] == []


# -- memory relations ---------------------------------------------------------------------


async def relations_of(
    client: httpx.AsyncClient, me: Headers, memory_id: str, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/memories/{memory_id}/relations", params=params, headers=me)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_a_correction_is_related_to_what_it_corrected_and_where_it_was_said(
    client: httpx.AsyncClient, me: Headers
) -> None:
    start = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
    first = await remember(client, me, "I live in Berlin.", at=start)
    job = await remember(
        client, me, "Actually I moved to Lisbon last month.", at=start + timedelta(days=30)
    )
    update = next(op for op in job["result"]["operations"] if op["op"] == "update")
    berlin_fact = next(m for m in first["memories"] if m["type"] != "conversation")
    berlin_message = next(m for m in first["memories"] if m["type"] == "conversation")
    lisbon_message = next(m for m in job["memories"] if m["type"] == "conversation")

    detail = (await client.get(f"/v1/memories/{update['memory_id']}", headers=me)).json()
    found = {r["related_memory_id"]: r for r in detail["relations"]}
    assert (found[berlin_fact["id"]]["type"], found[berlin_fact["id"]]["direction"]) == (
        "updates",
        "outgoing",
    )
    assert found[berlin_fact["id"]]["related"]["status"] == "superseded"
    assert found[berlin_message["id"]]["type"] == "contradicts"
    assert found[lisbon_message["id"]]["type"] == "follows_from"
    assert all(r["source"] == "inferred" and 0 < r["strength"] <= 1 for r in detail["relations"])
    older = await relations_of(client, me, berlin_fact["id"])
    assert [
        (r["related_memory_id"], r["type"], r["direction"]) for r in older if r["type"] == "updates"
    ] == [(update["memory_id"], "updates", "incoming")]

    # Removed by the user: an inferred relation is not inferred again, from either side.
    said = found[lisbon_message["id"]]
    removed = await client.delete(
        f"/v1/memories/{update['memory_id']}/relations/{said['id']}", headers=me
    )
    assert removed.status_code == 204
    assert said["id"] not in {r["id"] for r in await relations_of(client, me, update["memory_id"])}
    assert said["id"] not in {r["id"] for r in await relations_of(client, me, lisbon_message["id"])}
    again = await client.delete(
        f"/v1/memories/{update['memory_id']}/relations/{said['id']}", headers=me
    )
    assert again.status_code == 404


async def test_relations_made_by_hand_are_shown_used_in_recall_and_go_with_their_memory(
    client: httpx.AsyncClient, settings: MemorySettings, me: Headers
) -> None:
    plan = await add(client, me, "Planning a long holiday in Japan next spring")
    flight = await add(client, me, "Booked the flight to Tokyo with a window seat")
    unrelated = await add(client, me, "The dentist appointment moved to Thursday")

    made = await client.post(
        f"/v1/memories/{flight}/relations",
        json={
            "related_memory_id": plan,
            "type": "part_of",
            "strength": 0.9,
            "reason": "the flight is for that holiday",
        },
        headers=me,
    )
    assert made.status_code == 201, made.text
    relation = made.json()
    assert (relation["type"], relation["direction"], relation["source"]) == (
        "part_of",
        "outgoing",
        "user",
    )
    assert relation["related"]["content"] == "Planning a long holiday in Japan next spring"
    [seen] = [r for r in await relations_of(client, me, plan) if r["source"] == "user"]
    assert (seen["id"], seen["direction"], seen["related_memory_id"]) == (
        relation["id"],
        "incoming",
        flight,
    )
    detail = (await client.get(f"/v1/memories/{plan}", headers=me)).json()
    assert relation["id"] in {r["id"] for r in detail["relations"]}

    stranger = auth(settings, new_user())
    theirs = await add(client, stranger, "Their own note about Tokyo")
    for body, status in [
        ({"related_memory_id": plan, "type": "part_of"}, 409),
        ({"related_memory_id": flight, "type": "related"}, 422),
        ({"related_memory_id": theirs, "type": "related"}, 404),
        ({"related_memory_id": "missing", "type": "related"}, 404),
        ({"related_memory_id": plan, "type": "friends"}, 422),
        ({"related_memory_id": plan, "strength": 1.5}, 422),
    ]:
        response = await client.post(f"/v1/memories/{flight}/relations", json=body, headers=me)
        assert response.status_code == status, (body, response.text)
    for method, path in [
        ("GET", f"/v1/memories/{flight}/relations"),
        ("POST", f"/v1/memories/{flight}/relations"),
        ("DELETE", f"/v1/memories/{flight}/relations/{relation['id']}"),
    ]:
        body = {"related_memory_id": theirs} if method == "POST" else None
        response = await client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path, response.text)
    assert len([r for r in await relations_of(client, me, flight) if r["source"] == "user"]) == 1

    ranked = await search(client, me, "flight Tokyo window seat", limit=1)
    assert [r["memory"]["id"] for r in ranked] == [flight]
    expanded = await search(client, me, "flight Tokyo window seat", limit=1, expand_relations=True)
    assert [r["memory"]["id"] for r in expanded] == [flight, plan], "related memories follow"
    assert expanded[0]["via"] is None
    assert expanded[1]["via"] == {
        "memory_id": flight,
        "type": "part_of",
        "direction": "outgoing",
        "strength": 0.9,
    }
    assert expanded[1]["score"] == pytest.approx(expanded[0]["score"] * 0.9)
    assert unrelated not in {r["memory"]["id"] for r in expanded}
    filtered = await search(
        client,
        me,
        "flight Tokyo window seat",
        limit=1,
        expand_relations=True,
        filters={"tags": ["nothing-has-this"]},
    )
    assert filtered == [], "related memories pass the same filters"

    assert (await client.delete(f"/v1/memories/{plan}", headers=me)).status_code == 204
    assert [r for r in await relations_of(client, me, flight) if r["source"] == "user"] == []
    exported = (await client.get("/v1/memories/export", headers=me)).json()
    assert exported["relations"] == [], "a deleted memory's relations go with it"
    assert (
        await client.delete(f"/v1/memories/{flight}/relations/{relation['id']}", headers=me)
    ).status_code == 404


async def test_erasure_removes_relations_corrections_and_summaries(
    client: httpx.AsyncClient,
    settings: MemorySettings,
    infra: Infra,
    mongo: AsyncMongoClient[Any],
) -> None:
    user = new_user()
    me = auth(settings, user)
    at = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
    await remember(client, me, "My sister Anna lives in Rome.", at=at)
    first = await add(client, me, "Anna's birthday is in June")
    second = await add(client, me, "Buy Anna a painting for her birthday")
    made = await client.post(
        f"/v1/memories/{second}/relations",
        json={"related_memory_id": first, "type": "follows_from"},
        headers=me,
    )
    assert made.status_code == 201
    [anna] = [e for e in await entities_named(client, me, "anna") if e["name"] == "Anna"]
    patched = await client.patch(f"/v1/entities/{anna['id']}", json={"name": "Anna B"}, headers=me)
    assert patched.status_code == 200
    summary = await client.post(
        "/v1/memories/summaries", json={"period": "quarter", "date": "2024-03-04"}, headers=me
    )
    assert summary.status_code == 200
    db = mongo[settings.mongo_database]
    for collection in ("memory_relations", "entity_history", "memory_summaries"):
        assert await db[collection].count_documents({"user_id": user}) > 0, collection

    await publish_all(infra, Topic.IDENTITY_USERS, [erasure_requested(user, "memory")])

    async def erased() -> bool:
        return await db.memories.count_documents({"user_id": user}) == 0

    await eventually(erased, 30, "the user's memories to be erased")
    for collection in ("memory_relations", "entity_history", "memory_summaries"):
        assert await db[collection].count_documents({"user_id": user}) == 0, collection
    index = client.app.state.index_sync.index  # type: ignore[attr-defined]
    assert await index.count(user) == 0, "summaries' vectors too"
